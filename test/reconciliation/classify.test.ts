import type { PlatformAnswer } from '../../src/contracts/order';
import { businessDayOf, dayBounds, isCalendarDate, previousDay } from '../../src/contracts/reconciliation';
import { classify } from '../../src/reconciliation/classify';

const status = (s: 0 | 1 | 2): PlatformAnswer => ({ kind: 'status', status: s });
const notFound: PlatformAnswer = { kind: 'not_found', message: 'no pay-in has this mrn' };

describe('classification: our status next to the platform query answer', () => {
  it.each([
    // pay-ins
    ['payment', 'succeeded', status(1), 'matched'],
    ['payment', 'succeeded', status(0), 'differs'],
    ['payment', 'succeeded', status(2), 'differs'],
    ['payment', 'failed', status(1), 'differs'],
    ['payment', 'expired', status(1), 'differs'],
    ['payment', 'failed', status(2), 'matched'],
    ['payment', 'expired', status(0), 'matched'],
    ['payment', 'expired', status(2), 'matched'],
    ['payment', 'pending', status(0), 'matched'],
    ['payment', 'pending', status(1), 'differs'],
    ['payment', 'pending', status(2), 'differs'],
    ['payment', 'rejected', notFound, 'matched'],
    ['payment', 'rejected', status(1), 'differs'],
    ['payment', 'succeeded', notFound, 'unknown_at_platform'],
    ['payment', 'pending', notFound, 'unknown_at_platform'],
    // payouts
    ['payout', 'succeeded', status(1), 'matched'],
    ['payout', 'failed', status(2), 'matched'],
    ['payout', 'pending', status(0), 'matched'],
    ['payout', 'succeeded', status(2), 'differs'],
    ['payout', 'failed', status(1), 'differs'],
    ['payout', 'pending', status(1), 'differs'],
    ['payout', 'pending', status(2), 'differs'],
    ['payout', 'rejected', notFound, 'matched'],
    ['payout', 'rejected', status(0), 'differs'],
    ['payout', 'failed', notFound, 'unknown_at_platform'],
  ] as const)('%s ours %s, platform %j → %s', (kind, ours, answer, outcome) => {
    expect(classify(kind, ours, answer).outcome).toBe(outcome);
  });

  it('no answer (unavailable, refused) is no_answer, whatever our status', () => {
    expect(classify('payment', 'succeeded', { kind: 'unavailable', reason: 'timeout' })).toEqual({ outcome: 'no_answer', platformAnswer: 'unavailable: timeout', detail: null });
    expect(classify('payout', 'failed', { kind: 'refused', code: 'sign_error', message: 'bad sign' })).toEqual({
      outcome: 'no_answer',
      platformAnswer: 'refused sign_error: bad sign',
      detail: null,
    });
  });

  it('names the money at stake in the detail', () => {
    expect(classify('payment', 'failed', status(1)).detail).toBe('ours failed, the platform says succeeded (1): money received and not credited');
    expect(classify('payout', 'succeeded', status(2))).toEqual({ outcome: 'differs', platformAnswer: 'status 2', detail: 'ours succeeded, the platform says failed (2)' });
  });
});

describe('business days', () => {
  it('knows real calendar dates', () => {
    expect(isCalendarDate('2026-12-01')).toBe(true);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
  });

  it('reads the day of an instant in the zone', () => {
    // 17:30 UTC on 1 Dec is 01:30 on 2 Dec in Shanghai.
    expect(businessDayOf(new Date('2026-12-01T17:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-02');
    expect(businessDayOf(new Date('2026-12-01T17:30:00Z'), 'UTC')).toBe('2026-12-01');
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2027-01-01')).toBe('2026-12-31');
  });

  it('gives the instants of a day, DST days included', () => {
    expect(dayBounds('2026-12-01', 'Asia/Shanghai')).toEqual({ from: '2026-11-30T16:00:00.000Z', to: '2026-12-01T16:00:00.000Z' });
    expect(dayBounds('2026-12-01', 'UTC')).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' });
    // Europe/Berlin springs forward on 29 March 2026: a 23-hour day.
    expect(dayBounds('2026-03-29', 'Europe/Berlin')).toEqual({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
    // ...and falls back on 25 October 2026: 25 hours.
    expect(dayBounds('2026-10-25', 'Europe/Berlin')).toEqual({ from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' });
  });
});

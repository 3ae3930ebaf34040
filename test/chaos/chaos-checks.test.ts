/**
 * The chaos suite's own judgement (src/chaos): the verdict of an order given the platform's record
 * and the API's view, the order book against the API, and the relay that plays a platform outage. The suite itself runs as
 * `npm run chaos` (scripts/test.sh runs its quick mode).
 */
import { createServer } from 'node:http';
import { request } from 'undici';
import { bookSnapshot, judge, judgeBook, type OrderCheck } from '../../src/chaos/reconcile';
import { buildReport } from '../../src/chaos/report';
import type { NotificationReceiver } from '../../src/chaos/receiver';
import { Relay } from '../../src/chaos/relay';
import type { OrderView } from '../../src/sandbox';

const platform = (status: 'pending' | 'paid' | 'failed'): OrderView => ({ status }) as OrderView;
const MINUTE = 60_000;

describe('chaos verdicts', () => {
  it('an order the platform paid must have succeeded; failed or still pending is not ok', () => {
    expect(judge('payment', true, platform('paid'), { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('ok');
    expect(judge('payout', true, platform('paid'), { status: 'failed', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('paid'), { status: 'pending', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('unsettled');
  });

  it('no pay-in succeeds and no payout fails or is rejected unless the platform said so', () => {
    expect(judge('payment', true, platform('pending'), { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payment', true, undefined, { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('pending'), { status: 'failed', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('pending'), { status: 'rejected', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, undefined, { status: 'rejected', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('ok');
  });

  it('a payout the platform never decided is pending with needsAttention once the attention time passed', () => {
    expect(judge('payout', true, platform('pending'), { status: 'pending', needsAttention: true }, 5 * MINUTE, MINUTE).verdict).toBe('ok');
    expect(judge('payout', true, platform('pending'), { status: 'pending', needsAttention: false }, 5 * MINUTE, MINUTE).verdict).toBe('unsettled');
    expect(judge('payment', true, platform('pending'), { status: 'expired', needsAttention: false }, 5 * MINUTE, MINUTE).verdict).toBe('ok');
  });

  it('an accepted order the API does not know is lost', () => {
    expect(judge('payment', true, undefined, undefined, MINUTE, MINUTE).verdict).toBe('lost');
    expect(judge('payout', false, platform('paid'), undefined, MINUTE, MINUTE).verdict).toBe('lost');
    expect(judge('payout', false, undefined, undefined, MINUTE, MINUTE).verdict).toBe('ok');
  });
});

describe('chaos: the order book against the API', () => {
  it('a finished order is in the book with the final status the API answers', () => {
    expect(judgeBook('succeeded', 'succeeded')).toBeUndefined();
    expect(judgeBook('failed', 'failed')).toBeUndefined();
    expect(judgeBook('succeeded', undefined)).toBe('API succeeded, not in the book');
    expect(judgeBook('succeeded', 'pending')).toBe('API succeeded, book pending');
    expect(judgeBook('expired', 'succeeded')).toBe('API expired, book succeeded');
    expect(judgeBook('rejected', undefined)).toBe('API rejected, not in the book');
  });

  it('an order not finished (or unknown to the API) is not judged: the book, read after the API, may be ahead', () => {
    expect(judgeBook('pending', undefined)).toBeUndefined();
    expect(judgeBook('pending', 'succeeded')).toBeUndefined();
    expect(judgeBook('creating', 'pending')).toBeUndefined();
    expect(judgeBook(undefined, undefined)).toBeUndefined();
  });

  it('counts rows beyond one per posted order: rows of orders never posted, and a second row for one', () => {
    const orders = [
      { kind: 'payment', mrn: 'A' },
      { kind: 'payout', mrn: 'A' },
      { kind: 'payment', mrn: 'B' },
    ];
    const clean = bookSnapshot(
      [
        { kind: 'payment', mrn: 'A', status: 'succeeded' },
        { kind: 'payout', mrn: 'A', status: 'pending' },
      ],
      orders,
    );
    expect(clean).toEqual({ statuses: new Map([['payment A', 'succeeded'], ['payout A', 'pending']]), rows: 2, strayRows: 0 });
    const stray = bookSnapshot(
      [
        { kind: 'payment', mrn: 'A', status: 'succeeded' },
        { kind: 'payment', mrn: 'A', status: 'failed' },
        { kind: 'payment', mrn: 'Z', status: 'pending' },
      ],
      orders,
    );
    expect(stray.strayRows).toBe(2);
    expect(stray.statuses.get('payment A')).toBe('succeeded');
  });

  it('the report counts both as broken invariants, per fault and over the run, and fails the run', () => {
    const check = (mrn: string, bookProblem: string | undefined): OrderCheck => ({
      mrn,
      kind: 'payment',
      scenario: 'normal',
      phase: 'baseline',
      canary: false,
      apiStatus: 'succeeded',
      needsAttention: false,
      platformStatus: 'paid',
      platformCreates: 1,
      verdict: 'ok',
      why: '',
      notified: true,
      eventIds: 1,
      bookStatus: bookProblem === undefined ? 'succeeded' : undefined,
      bookProblem,
    });
    const receiver = { events: new Map(), badSignatures: 0 } as unknown as NotificationReceiver;
    const input = {
      target: 'single' as const,
      quick: true,
      startedAt: Date.now(),
      faults: [{ fault: 'baseline', startedAt: 0, endedAt: Date.now() + 1, inFlight: 0, recoverySeconds: null }],
      answers: [],
      temporalDown: [],
      receiver,
      deliveries: [],
    };
    const good = buildReport({ ...input, checks: [check('A', undefined)], book: { statuses: new Map(), rows: 1, strayRows: 0 } });
    expect(good.passed).toBe(true);
    expect(good.totals.bookRows).toBe(1);
    const bad = buildReport({ ...input, checks: [check('A', undefined), check('B', 'API succeeded, not in the book')], book: { statuses: new Map(), rows: 2, strayRows: 1 } });
    expect(bad.invariants).toMatchObject({ finishedOrdersNotInBookAsAnswered: 1, bookRowsBeyondOrders: 1 });
    expect(bad.faults[0]).toMatchObject({ fault: 'baseline', orders: 2, book: 1 });
    expect(bad.violations.map((v) => v.mrn)).toEqual(['B']);
    expect(bad.passed).toBe(false);
    // A stray row alone fails the run too.
    expect(buildReport({ ...input, checks: [check('A', undefined)], book: { statuses: new Map(), rows: 2, strayRows: 1 } }).passed).toBe(false);
  });
});

describe('chaos relay (platform outage)', () => {
  it('passes requests through, refuses connections, then answers HTTP 500, then passes again', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('platform'));
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const relay = new Relay(() => [`http://127.0.0.1:${address.port}`]);
    await relay.listen();
    const get = async (): Promise<number | string> => {
      try {
        const answer = await request(`${relay.url}/api/Pay/Create`);
        await answer.body.text();
        return answer.statusCode;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code ?? 'error';
      }
    };
    try {
      expect(await get()).toBe(200);
      await relay.refuse();
      expect(await get()).toBe('ECONNREFUSED');
      await relay.reopen('http500');
      expect(await get()).toBe(500);
      relay.setMode('pass');
      expect(await get()).toBe(200);
    } finally {
      await relay.close();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    }
  });
});

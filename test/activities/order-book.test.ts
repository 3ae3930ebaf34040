/**
 * The recordOrder activity against the run's order book (the embedded PostgreSQL the global setup
 * started): a stale write is a success that changes nothing, and a failing database is a retryable
 * failure that carries none of the row into the workflow's history.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createOrderBookActivities, ORDER_BOOK_UNAVAILABLE } from '../../src/activities/order-book';
import type { OrderRecord } from '../../src/contracts/order-record';
import { openTestBook, type TestBook } from '../helpers/book';
import { testMrn } from '../helpers/orders';

let testBook: TestBook;

beforeAll(() => {
  testBook = openTestBook();
});

afterAll(async () => {
  await testBook?.close();
});

function payout(mrn: string, version: number, status: string): OrderRecord {
  const createdAt = '2026-12-01T08:00:00.000Z';
  const account = { bankName: '中国工商银行', accountName: '张*', accountNumber: '****0123' };
  return {
    kind: 'payout',
    mrn,
    version,
    status,
    amountFen: 50_000,
    paidAmountFen: null,
    channelId: null,
    requestHash: `hash-${mrn}`,
    needsAttention: false,
    attentionReasons: [],
    amountMismatch: false,
    createdAt,
    finishedAt: status === 'pending' ? null : '2026-12-01T08:05:00.000Z',
    lastPlatformAnswer: null,
    notification: { url: null, deliveries: [] },
    account,
    timeline: [{ at: createdAt, event: 'order received' }],
    view: { mrn, status, amount: '500', accountName: account.accountName, accountNumber: account.accountNumber } as unknown as OrderRecord['view'],
  };
}

test('a write of a version the book already holds or has passed returns normally and changes nothing', async () => {
  const { recordOrder } = createOrderBookActivities(testBook.book);
  const activity = new MockActivityEnvironment();
  const mrn = testMrn('W');
  expect(await activity.run(recordOrder, { record: payout(mrn, 3, 'succeeded') })).toEqual({ written: true });

  // A late write of an earlier change, and a retry of the same version with other content.
  expect(await activity.run(recordOrder, { record: payout(mrn, 2, 'pending') })).toEqual({ written: false });
  expect(await activity.run(recordOrder, { record: { ...payout(mrn, 3, 'failed'), needsAttention: true } })).toEqual({ written: false });

  expect(await testBook.book.find('payout', mrn)).toMatchObject({ version: 3, status: 'succeeded', needsAttention: false, finishedAt: '2026-12-01T08:05:00.000Z' });
  // A later version is written.
  expect(await activity.run(recordOrder, { record: { ...payout(mrn, 4, 'succeeded'), needsAttention: true } })).toEqual({ written: true });
  expect(await testBook.book.find('payout', mrn)).toMatchObject({ version: 4, needsAttention: true });
});

test('a database that fails is a retryable failure naming the SQLSTATE, without the row it quoted', async () => {
  const failing = Object.assign(new Error('duplicate key value violates unique constraint "orders_pkey"'), {
    code: '23505',
    detail: 'Key (kind, mrn)=(payout, W-quoted-row) already exists.',
  });
  const { recordOrder } = createOrderBookActivities({ record: () => Promise.reject(failing) });
  const error: unknown = await new MockActivityEnvironment().run(recordOrder, { record: payout(testMrn('W'), 1, 'pending') }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect(failure).toMatchObject({ type: ORDER_BOOK_UNAVAILABLE, nonRetryable: false });
  expect(failure.message).toContain('23505');
  expect(failure.cause).toBeUndefined();
  expect(JSON.stringify({ message: failure.message, details: failure.details })).not.toContain('W-quoted-row');
});

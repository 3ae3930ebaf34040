import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/book/database';
import { OrderBook } from '../../src/book/order-book';
import type { OrderRecord } from '../../src/contracts/order-record';

function payment(mrn: string, overrides: Partial<OrderRecord> = {}): OrderRecord {
  const createdAt = overrides.createdAt ?? '2026-11-30T08:00:00.000Z';
  const status = overrides.status ?? 'pending';
  return {
    kind: 'payment',
    mrn,
    version: 1,
    status,
    amountFen: 10_000,
    paidAmountFen: null,
    channelId: 2,
    requestHash: 'hash-1',
    needsAttention: false,
    attentionReasons: [],
    amountMismatch: false,
    createdAt,
    finishedAt: null,
    lastPlatformAnswer: null,
    notification: { url: null, deliveries: [] },
    account: null,
    timeline: [{ at: createdAt, event: 'order received' }],
    view: { mrn, status, amount: '100.00', needsAttention: false, attentionReasons: [] } as unknown as OrderRecord['view'],
    ...overrides,
  };
}

describe('the order book (embedded PostgreSQL)', () => {
  let dir: string;
  let database: Database;
  let book: OrderBook;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'order-book-'));
    database = await openDatabase({ url: undefined, dataDir: dir });
    book = new OrderBook(database.pool);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the highest version: a late or retried write never takes an order back', async () => {
    expect(await book.record(payment('v-1', { version: 2, status: 'succeeded', finishedAt: '2026-11-30T08:05:00.000Z' }))).toBe(true);
    expect(await book.record(payment('v-1', { version: 1, status: 'pending' }))).toBe(false);
    expect(await book.record(payment('v-1', { version: 2, status: 'pending' }))).toBe(false);
    const order = await book.find('payment', 'v-1');
    expect(order).toMatchObject({ status: 'succeeded', version: 2, amountFen: 10_000, finishedAt: '2026-11-30T08:05:00.000Z' });
    expect(await book.find('payout', 'v-1')).toBeUndefined();
  });

  it('pages newest first with a keyset position, and scans every match', async () => {
    for (let i = 0; i < 7; i++) {
      await book.record(payment(`p-${i}`, { createdAt: `2026-11-29T0${i}:00:00.000Z`, status: i % 2 === 0 ? 'succeeded' : 'pending' }));
    }
    const filter = { createdFrom: '2026-11-29T00:00:00.000Z', createdTo: '2026-11-30T00:00:00.000Z' };
    const first = await book.page('payment', filter, { limit: 3 });
    expect(first.orders.map((o) => o.mrn)).toEqual(['p-6', 'p-5', 'p-4']);
    const second = await book.page('payment', filter, { after: first.next ?? undefined, limit: 3 });
    expect(second.orders.map((o) => o.mrn)).toEqual(['p-3', 'p-2', 'p-1']);
    const seen: string[] = [];
    for await (const order of book.scan('payment', { ...filter, status: 'succeeded' }, 2)) seen.push(order.mrn);
    expect(seen).toEqual(['p-6', 'p-4', 'p-2', 'p-0']);
  });

  it('a reconciliation difference raises attention in the view without touching money state, and survives later writes', async () => {
    await book.record(payment('r-1', { status: 'succeeded' }));
    await book.markReconciliationDifference('payment', 'r-1', 'ours succeeded, the platform says 2 (failed)');
    await book.record(payment('r-1', { version: 5, status: 'succeeded' }));
    const order = await book.find('payment', 'r-1');
    expect(order?.status).toBe('succeeded');
    expect(order?.needsAttention).toBe(true);
    expect(order?.view).toMatchObject({ needsAttention: true, attentionReasons: ['ReconciliationDiffers: ours succeeded, the platform says 2 (failed)'] });
    const flagged = await book.page('payment', { needsAttention: true }, { limit: 10 });
    expect(flagged.orders.map((o) => o.mrn)).toContain('r-1');
  });

  it('notes create requests durably: the first is the only one without an earlier request', async () => {
    const first = await book.noteCreateRequest('payment', 'cr-1');
    const second = await book.noteCreateRequest('payment', 'cr-1');
    expect(first.earlier).toBe(false);
    expect(second).toEqual({ earlier: true, firstSentAt: first.firstSentAt });
    expect((await book.noteCreateRequest('payout', 'cr-1')).earlier).toBe(false);
  });

  it('applies the migrations once: opening the same book again finds nothing to do', async () => {
    const { migrate } = await import('../../src/book/database');
    expect(await migrate(database.pool)).toEqual([]);
  });
});

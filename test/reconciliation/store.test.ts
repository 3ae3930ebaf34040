import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReconciliationActivities } from '../../src/activities/reconciliation';
import { openDatabase, type Database } from '../../src/book/database';
import { OrderBook } from '../../src/book/order-book';
import { ReconciliationBook } from '../../src/book/reconciliations';
import type { OrderRecord } from '../../src/contracts/order-record';
import type { OrderKind } from '../../src/contracts/order';
import type { GatewayClient, Outcome } from '../../src/gateway';
import { Reconciliations } from '../../src/api/reconciliations/reconciliations';
import { ApiError } from '../../src/api/errors';

/** A book row as a workflow writes it, with only what the reconciliation reads mattering. */
function order(kind: OrderKind, mrn: string, status: string, createdAt: string, finishedAt: string | null): OrderRecord {
  return {
    kind,
    mrn,
    version: 1,
    status,
    amountFen: 10_000,
    paidAmountFen: null,
    channelId: kind === 'payment' ? 2 : null,
    requestHash: 'hash',
    needsAttention: false,
    attentionReasons: [],
    amountMismatch: false,
    createdAt,
    finishedAt,
    lastPlatformAnswer: null,
    notification: { url: null, deliveries: [] },
    account: null,
    timeline: [],
    view: { mrn, status, needsAttention: false, attentionReasons: [] } as unknown as OrderRecord['view'],
  };
}

type Answer = Outcome<{ status: 0 | 1 | 2 }>;

/** The platform's query endpoint as a table: mrn → answer (unknown mrns: not found). Records each call. */
function fakeGateway(answers: Record<string, Answer>) {
  const calls: { kind: OrderKind; mrn: string; callback: boolean; at: number }[] = [];
  const answer = (kind: OrderKind) => async (mrn: string, options: { callback: boolean }): Promise<Answer> => {
    calls.push({ kind, mrn, callback: options.callback, at: Date.now() });
    return answers[mrn] ?? { kind: 'refused', code: 'object_not_found', message: 'no such order' };
  };
  return { gateway: { queryPayment: answer('payment'), queryPayout: answer('payout') } as unknown as GatewayClient, calls };
}

/** The end of a day long over. */
const END = '2026-03-01T00:00:00.000Z';

const status = (s: 0 | 1 | 2): Answer => ({ kind: 'accepted', value: { status: s } });

describe('the reconciliations in the order book (own embedded PostgreSQL: the day\'s orders are exactly the test\'s)', () => {
  let dir: string;
  let database: Database;
  let book: OrderBook;
  let reconciliations: ReconciliationBook;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reconciliation-book-'));
    database = await openDatabase({ url: undefined, dataDir: dir });
    book = new OrderBook(database.pool);
    reconciliations = new ReconciliationBook(database.pool);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a date to one run: the same run claims again, another is told who has it', async () => {
    expect(await reconciliations.claim('2026-01-05', 'run-a', 'Asia/Shanghai', END)).toEqual({ claimed: true });
    expect(await reconciliations.claim('2026-01-05', 'run-a', 'Asia/Shanghai', END)).toEqual({ claimed: true });
    expect(await reconciliations.claim('2026-01-05', 'run-b', 'Asia/Shanghai', END)).toEqual({ claimed: false, workflowId: 'run-a', status: 'running' });
    await reconciliations.finish('2026-01-05', 'run-b');
    expect((await reconciliations.find('2026-01-05'))?.status).toBe('running');
    await reconciliations.finish('2026-01-05', 'run-a');
    expect(await reconciliations.find('2026-01-05')).toMatchObject({ date: '2026-01-05', workflowId: 'run-a', status: 'done', timezone: 'Asia/Shanghai' });
    expect(await reconciliations.claim('2026-01-05', 'run-b', 'Asia/Shanghai', END)).toEqual({ claimed: false, workflowId: 'run-a', status: 'done' });
    expect(await reconciliations.find('2026-01-06')).toBeUndefined();
  });

  it('lets a full run take over a date reconciled before its day was over, once the day is over', async () => {
    // Finished "now", for a day that ends in the future: partial; another run may not take it yet.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    await reconciliations.claim('2026-01-08', 'early', 'UTC', tomorrow);
    await reconciliations.finish('2026-01-08', 'early');
    expect(await reconciliations.claim('2026-01-08', 'full', 'UTC', tomorrow)).toEqual({ claimed: false, workflowId: 'early', status: 'done' });
    // The same row, with the day over since (its end an instant after it finished, and in the past): taken over.
    const finishedAt = (await reconciliations.find('2026-01-08'))!.finishedAt!;
    const justAfter = new Date(Date.parse(finishedAt) + 1).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await reconciliations.claim('2026-01-08', 'full', 'UTC', justAfter)).toEqual({ claimed: true });
    expect(await reconciliations.find('2026-01-08')).toMatchObject({ workflowId: 'full', status: 'running', finishedAt: null });
    // A run that finished after its day was over keeps it.
    await reconciliations.finish('2026-01-08', 'full');
    expect(await reconciliations.claim('2026-01-08', 'third', 'UTC', justAfter)).toEqual({ claimed: false, workflowId: 'full', status: 'done' });
  });

  it('counts from the items: an item written twice (a retried batch) counts once', async () => {
    await reconciliations.claim('2026-01-07', 'run', 'UTC', END);
    const item = { date: '2026-01-07', kind: 'payment' as const, mrn: 'c-1', outcome: 'differs' as const, ourStatus: 'succeeded', platformAnswer: 'status 2', detail: 'x' };
    await reconciliations.upsertItem(item);
    await reconciliations.upsertItem(item);
    await reconciliations.upsertItem({ ...item, mrn: 'c-2', outcome: 'matched', detail: null });
    await reconciliations.upsertItem({ ...item, kind: 'payout', mrn: 'c-1', outcome: 'no_answer', platformAnswer: 'unavailable: timeout', detail: null });
    expect(await reconciliations.counts('2026-01-07')).toEqual({ checked: 3, matched: 1, differs: 1, unknownAtPlatform: 0, noAnswer: 1 });
    expect((await reconciliations.items('2026-01-07', ['differs'], 10)).map((i) => i.mrn)).toEqual(['c-1']);
    const all: string[] = [];
    for await (const i of reconciliations.scanItems('2026-01-07', 2)) all.push(`${i.kind}:${i.mrn}`);
    expect(all).toEqual(['payment:c-1', 'payment:c-2', 'payout:c-1']);
  });

  it('checks the day\'s orders and every open one, a batch at a time, rate-limited, and flags each difference without touching money state', async () => {
    // 2026-02-10 in Asia/Shanghai is [2026-02-09T16:00Z, 2026-02-10T16:00Z).
    const day = '2026-02-10';
    const rows = [
      order('payment', 'd-ok', 'succeeded', '2026-02-09T16:00:00.000Z', '2026-02-09T16:05:00.000Z'),
      order('payment', 'd-lost', 'failed', '2026-02-10T03:00:00.000Z', '2026-02-10T04:00:00.000Z'),
      order('payment', 'd-open-old', 'pending', '2026-01-01T00:00:00.000Z', null),
      order('payment', 'd-creating', 'creating', '2026-02-10T05:00:00.000Z', null),
      order('payment', 'd-unknown', 'succeeded', '2026-02-10T06:00:00.000Z', '2026-02-10T06:01:00.000Z'),
      order('payment', 'd-silent', 'expired', '2026-02-10T07:00:00.000Z', '2026-02-10T09:00:00.000Z'),
      // Not the day's and finished: not checked.
      order('payment', 'd-before', 'succeeded', '2026-02-09T15:59:59.999Z', '2026-02-09T16:10:00.000Z'),
      order('payment', 'd-after', 'failed', '2026-02-10T16:00:00.000Z', '2026-02-10T17:00:00.000Z'),
      order('payout', 'd-payout', 'succeeded', '2026-02-10T08:00:00.000Z', '2026-02-10T08:30:00.000Z'),
    ];
    for (const row of rows) await book.record(row);
    const { gateway, calls } = fakeGateway({
      'd-ok': status(1),
      'd-lost': status(1),
      'd-open-old': status(0),
      'd-unknown': { kind: 'refused', code: 'object_not_found', message: 'no pay-in has this mrn' },
      'd-silent': { kind: 'transient', reason: 'timeout' },
      'd-payout': status(2),
    });
    const signals: { kind: OrderKind; mrn: string; date: string; difference: string }[] = [];
    const activities = createReconciliationActivities({
      gateway,
      book,
      reconciliations,
      signalDifference: async (kind, mrn, difference) => void signals.push({ kind, mrn, ...difference }),
    });
    expect(await activities.beginReconciliation({ date: day, timezone: 'Asia/Shanghai', workflowId: 'run-day' })).toEqual({ claimed: true });

    const qps = 20;
    const positions: unknown[] = [];
    let after = null;
    let batches = 0;
    do {
      const batch = await activities.reconcileBatch({ date: day, timezone: 'Asia/Shanghai', kind: 'payment', after, limit: 2, qps });
      positions.push(batch.next);
      after = batch.next;
      batches += 1;
    } while (after !== null);
    // 6 pay-ins to look at (creating is looked at and skipped), 2 a batch.
    expect(batches).toBe(3);
    await activities.reconcileBatch({ date: day, timezone: 'Asia/Shanghai', kind: 'payout', after: null, limit: 10, qps });

    expect(calls.map((c) => c.mrn).sort()).toEqual(['d-lost', 'd-ok', 'd-open-old', 'd-payout', 'd-silent', 'd-unknown']);
    expect(calls.every((c) => !c.callback)).toBe(true);
    // RECONCILE_QPS: never two queries closer than 1/qps, within a batch or across batches (timers may fire a ms early).
    for (let i = 1; i < calls.length; i++) expect(calls[i].at - calls[i - 1].at).toBeGreaterThanOrEqual(1000 / qps - 2);

    const counts = await activities.finishReconciliation({ date: day, workflowId: 'run-day' });
    expect(counts).toEqual({ checked: 6, matched: 2, differs: 2, unknownAtPlatform: 1, noAnswer: 1 });
    const differences = await reconciliations.items(day, ['differs'], 10);
    expect(differences.map((i) => [i.kind, i.mrn, i.ourStatus, i.platformAnswer])).toEqual([
      ['payment', 'd-lost', 'failed', 'status 1'],
      ['payout', 'd-payout', 'succeeded', 'status 2'],
    ]);
    expect(signals.map((s) => `${s.kind}:${s.mrn}`).sort()).toEqual(['payment:d-lost', 'payment:d-unknown', 'payout:d-payout']);
    expect(signals.every((s) => s.date === day && s.difference.startsWith(`${day}: `))).toBe(true);

    const lost = await book.find('payment', 'd-lost');
    expect(lost?.status).toBe('failed');
    expect(lost?.needsAttention).toBe(true);
    expect(lost?.attentionReasons).toEqual([`ReconciliationDiffers: ${day}: ours failed, the platform says succeeded (1): money received and not credited`]);
    expect((await book.find('payment', 'd-ok'))?.needsAttention).toBe(false);
    expect((await book.find('payment', 'd-silent'))?.needsAttention).toBe(false);
    expect((await reconciliations.find(day))?.status).toBe('done');

    // A batch run again (a retry after a crash) counts nothing twice.
    await activities.reconcileBatch({ date: day, timezone: 'Asia/Shanghai', kind: 'payout', after: null, limit: 10, qps });
    expect(await reconciliations.counts(day)).toEqual(counts);
  });

  it('judges a difference on our status as it is now: a run that caught up meanwhile is no difference', async () => {
    const day = '2026-02-12';
    await book.record(order('payment', 'late-cb', 'pending', '2026-02-12T03:00:00.000Z', null));
    const { gateway } = fakeGateway({ 'late-cb': status(1) });
    // The callback lands between our page read and the platform's answer: the workflow writes succeeded.
    const racing = {
      ...gateway,
      queryPayment: async (mrn: string, options: { callback: boolean }) => {
        await book.record({ ...order('payment', 'late-cb', 'succeeded', '2026-02-12T03:00:00.000Z', '2026-02-12T03:01:00.000Z'), version: 2 });
        return gateway.queryPayment(mrn, options);
      },
    } as unknown as GatewayClient;
    const activities = createReconciliationActivities({ gateway: racing, book, reconciliations, signalDifference: async () => undefined });
    await activities.beginReconciliation({ date: day, timezone: 'UTC', workflowId: 'run-race' });
    await activities.reconcileBatch({ date: day, timezone: 'UTC', kind: 'payment', after: null, limit: 50, qps: 100 });
    const items = await reconciliations.items(day, [], 50);
    expect(items.find((i) => i.mrn === 'late-cb')).toMatchObject({ outcome: 'matched', ourStatus: 'succeeded', platformAnswer: 'status 1' });
    expect((await book.find('payment', 'late-cb'))?.needsAttention).toBe(false);
  });

  describe('POST /v1/reconciliations decides (the API, with a stand-in Temporal)', () => {
    function api(now: string, running: Record<string, string> = {}) {
      const starts: { type: string; workflowId: string; args: unknown[] }[] = [];
      const client = {
        workflow: {
          start: async (type: string, options: { workflowId: string; args: unknown[] }) => void starts.push({ type, ...options }),
          getHandle: (workflowId: string) => ({ describe: async () => ({ status: { name: running[workflowId] ?? 'COMPLETED' } }) }),
        },
      };
      const reconciliations = new Reconciliations({
        client: client as never,
        book: reconciliations_(),
        taskQueue: 'orders',
        settings: { timezone: 'Asia/Shanghai', qps: 5 },
        now: () => new Date(now),
      });
      return { reconciliations, starts };
    }
    const reconciliations_ = () => reconciliations;

    it('starts a run for a past or current day, never for a future one', async () => {
      // 2026-04-01T17:00Z is 2 April 01:00 in Shanghai: 2 April is today there, 3 April the future.
      const { reconciliations: api1, starts } = api('2026-04-01T17:00:00.000Z');
      await expect(api1.start('2026-04-03')).rejects.toThrow(ApiError);
      await expect(api1.start('2026-04-03')).rejects.toThrow(/in the future in Asia\/Shanghai \(today is 2026-04-02\)/);
      await expect(api1.start('2026-02-30')).rejects.toThrow(/not a calendar date/);
      expect(await api1.start('2026-04-02')).toEqual({ date: '2026-04-02', workflowId: 'reconciliation-2026-04-02', status: 'running', created: true });
      expect(starts).toEqual([
        expect.objectContaining({ type: 'reconciliationWorkflow', workflowId: 'reconciliation-2026-04-02', args: [{ date: '2026-04-02', timezone: 'Asia/Shanghai', qps: 5 }] }),
      ]);
    });

    it('answers the run of a date that has one: alive, it is answered; dead, it is started again under its ID; done, it is answered', async () => {
      const date = '2026-04-10';
      await reconciliations.claim(date, 'reconciliation-daily-orders-2026-04-10T18:00:00Z', 'Asia/Shanghai', END);
      const alive = api('2026-05-01T00:00:00.000Z', { 'reconciliation-daily-orders-2026-04-10T18:00:00Z': 'RUNNING' });
      expect(await alive.reconciliations.start(date)).toMatchObject({ workflowId: 'reconciliation-daily-orders-2026-04-10T18:00:00Z', status: 'running', created: false });
      expect(alive.starts).toEqual([]);
      const dead = api('2026-05-01T00:00:00.000Z', { 'reconciliation-daily-orders-2026-04-10T18:00:00Z': 'TERMINATED' });
      expect(await dead.reconciliations.start(date)).toMatchObject({ workflowId: 'reconciliation-daily-orders-2026-04-10T18:00:00Z', status: 'running', created: true });
      expect(dead.starts.map((s) => s.workflowId)).toEqual(['reconciliation-daily-orders-2026-04-10T18:00:00Z']);
      await reconciliations.finish(date, 'reconciliation-daily-orders-2026-04-10T18:00:00Z');
      // Finished now, long after its day: complete.
      const done = api(new Date(Date.now() + 1000).toISOString());
      expect(await done.reconciliations.start(date)).toMatchObject({ status: 'done', created: false });
      expect(done.starts).toEqual([]);
    });

    it('starts a full run of a day reconciled while it was still going on, once it is over', async () => {
      // Reconciled "today" (the row finished now, the day ends in the future)...
      const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
      await reconciliations.claim(day, `reconciliation-${day}`, 'Asia/Shanghai', END);
      await reconciliations.finish(day, `reconciliation-${day}`);
      const during = api(new Date(Date.now() + 1000).toISOString());
      await expect(during.reconciliations.start(day)).rejects.toThrow(/in the future/);
      // ...asked again after the day: the partial run does not stand for the whole day.
      const after = api(new Date(Date.now() + 5 * 86_400_000).toISOString());
      expect(await after.reconciliations.start(day)).toMatchObject({ workflowId: `reconciliation-${day}`, status: 'running', created: true });
      expect(after.starts).toHaveLength(1);
    });
  });
});

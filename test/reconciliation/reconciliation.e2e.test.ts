/**
 * The reconciliation end to end: the real system (API, worker, sandbox platform over HTTP) with its
 * own order book — an embedded PostgreSQL of its own (DATABASE_URL unset), so "the day's orders" are
 * exactly this file's, and no other test's order is flagged. Pay-ins and payouts are finished, the
 * sandbox is told to contradict some of them, and the reconciliation must report exactly those.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import pino from 'pino';
import { paymentStatus, paymentWorkflowId } from '../../src/contracts/payment';
import { businessDayOf, previousDay, reconciliationScheduleId, reconciliationWorkflowId, type ReconciliationInput } from '../../src/contracts/reconciliation';
import { ensureReconciliationSchedule } from '../../src/reconciliation/schedule';
import { testMrn } from '../helpers/orders';
import { eventually, startTestSystem, type TestSystem } from '../helpers/system';
import { uniqueName } from '../helpers/temporal';
import { waitForOrder } from '../e2e/support';

const TASK_QUEUE = uniqueName('reconcile');
const ZONE = 'UTC';
// Twelve hours away from now: the schedule must never fire by itself while the file runs (a fixed
// time did, once a day, and its run claimed the date another test reconciles).
const CRON_HOUR = (new Date().getUTCHours() + 12) % 24;
const CRON = `30 ${CRON_HOUR} * * *`;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem(
    {
      // Empty: the all-in-one start runs an embedded PostgreSQL of its own under DATA_DIR.
      DATABASE_URL: '',
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      CREATE_WAIT: '10s',
      // An open pay-in stays open (pending) for the whole file: its run is there to be signalled.
      PAYMENT_EXPIRY: '15m',
      RECONCILE_QPS: '200',
      RECONCILE_TIMEZONE: ZONE,
      RECONCILE_CRON: CRON,
    },
    { balanceFen: 1_000_000 },
  );
}, 180_000);

afterAll(async () => {
  await system?.client.schedule.getHandle(reconciliationScheduleId(TASK_QUEUE)).delete().catch(() => undefined);
  await system?.stop();
});

const control = () => system.sandbox!.control;

interface Made {
  kind: 'payment' | 'payout';
  mrn: string;
  ours: 'succeeded' | 'failed' | 'pending';
  /** What the sandbox's query endpoint is told to answer instead of the truth. */
  contradiction?: 0 | 1 | 2 | 'not_found';
}

async function finishedPayment(ours: 'succeeded' | 'failed' | 'pending'): Promise<string> {
  const mrn = testMrn('R');
  const created = await system.api('POST', '/v1/payments', { mrn, amount: '12.34', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(created).toMatchObject({ status: 201 });
  if (ours === 'succeeded') await control().markPaid('payment', mrn);
  else if (ours === 'failed') await control().markFailed('payment', mrn);
  await waitForOrder(system, 'payments', mrn, (v) => v.status === ours, ours, 60_000);
  return mrn;
}

async function finishedPayout(ours: 'succeeded' | 'failed'): Promise<string> {
  const mrn = testMrn('RW');
  const created = await system.api('POST', '/v1/payouts', { mrn, amount: 56, bankName: '中国工商银行', accountName: '张三丰', accountNumber: '6222021234567890123' });
  expect(created).toMatchObject({ status: 202 });
  if (ours === 'succeeded') await control().markPaid('payout', mrn);
  else await control().markFailed('payout', mrn);
  await waitForOrder(system, 'payouts', mrn, (v) => v.status === ours, ours, 60_000);
  return mrn;
}

const made: Made[] = [];
let date: string;
/** The date and run of the continue-as-new test. */
const can = { date: '', workflowId: '' };

/** The orders the platform contradicts, and what each item must say. */
const expectedDifferences = () =>
  made
    .filter((m) => m.contradiction !== undefined && m.contradiction !== 'not_found')
    .map((m) => ({ kind: m.kind, mrn: m.mrn, ourStatus: m.ours, platformAnswer: `status ${String(m.contradiction)}` }))
    .sort((a, b) => `${a.kind}:${a.mrn}`.localeCompare(`${b.kind}:${b.mrn}`));

test('a reconciliation over orders the sandbox contradicts reports exactly those, flags them, and changes no money state', async () => {
  made.push(
    { kind: 'payment', mrn: await finishedPayment('succeeded'), ours: 'succeeded', contradiction: 2 },
    { kind: 'payment', mrn: await finishedPayment('succeeded'), ours: 'succeeded' },
    { kind: 'payment', mrn: await finishedPayment('failed'), ours: 'failed', contradiction: 1 },
    { kind: 'payout', mrn: await finishedPayout('succeeded'), ours: 'succeeded', contradiction: 'not_found' },
    { kind: 'payout', mrn: await finishedPayout('failed'), ours: 'failed' },
    { kind: 'payout', mrn: await finishedPayout('succeeded'), ours: 'succeeded', contradiction: 2 },
    // Still open: the platform "does not know" it. Its run is alive and hears about the difference.
    { kind: 'payment', mrn: await finishedPayment('pending'), ours: 'pending', contradiction: 'not_found' },
  );
  // The orders' business day (UTC here); a run straddling midnight UTC would make two days: say so rather than guess.
  const days = new Set<string>();
  for (const m of made) {
    const { body } = await system.api('GET', `/v1/${m.kind}s/${m.mrn}`);
    days.add(businessDayOf(new Date(body.createdAt as string), ZONE));
  }
  expect(days.size).toBe(1);
  date = [...days][0];
  for (const m of made) if (m.contradiction !== undefined) await control().contradict(m.kind, m.mrn, m.contradiction);
  // The reconciliation reads the book, where an undecided order's first record comes up to 2 s after its create.
  await eventually(async () => {
    const { body } = await system.api('GET', '/v1/payments?status=pending');
    return (body.items as { mrn: string }[]).some((item) => item.mrn === made[made.length - 1].mrn);
  }, 'the pending pay-in in the order book');

  const started = await system.api('POST', '/v1/reconciliations', { date });
  expect(started.status).toBe(202);
  expect(started.body).toEqual({ date, workflowId: reconciliationWorkflowId(date), status: 'running' });

  // Asked again while it runs, or once it is done: the same run, never a second one.
  const again = await system.api('POST', '/v1/reconciliations', { date });
  expect([200, 202]).toContain(again.status);
  expect(again.body.workflowId).toBe(started.body.workflowId);

  const result = await eventually(
    async () => {
      const { status, body } = await system.api('GET', `/v1/reconciliations/${date}`);
      return status === 200 && body.status === 'done' ? body : undefined;
    },
    'the reconciliation to finish',
    120_000,
  );
  expect(result.counts).toEqual({ checked: 7, matched: 2, differs: 3, unknownAtPlatform: 2, noAnswer: 0 });
  expect(result.differences.map(({ kind, mrn, ourStatus, platformAnswer }: any) => ({ kind, mrn, ourStatus, platformAnswer }))).toEqual(expectedDifferences());
  const missing = made.filter((m) => m.contradiction === 'not_found');
  expect(result.unknownAtPlatform.map(({ kind, mrn, ourStatus, platformAnswer }: any) => ({ kind, mrn, ourStatus, platformAnswer }))).toEqual(
    missing.map((m) => ({ kind: m.kind, mrn: m.mrn, ourStatus: m.ours, platformAnswer: 'not_found' })).sort((a, b) => `${a.kind}:${a.mrn}`.localeCompare(`${b.kind}:${b.mrn}`)),
  );
  expect(result.noAnswer).toEqual([]);
  const lost = result.differences.find((d: any) => d.kind === 'payment' && d.ourStatus === 'failed');
  expect(lost.detail).toBe('ours failed, the platform says succeeded (1): money received and not credited');

  // Each contradicted order now needs attention, with its status (money state) unchanged; the others do not.
  for (const m of made) {
    const { status, body } = await system.api('GET', `/v1/${m.kind}s/${m.mrn}`);
    expect(status).toBe(200);
    expect(body.status).toBe(m.ours);
    if (m.contradiction === undefined) {
      expect(body.needsAttention).toBe(false);
    } else {
      expect(body.needsAttention).toBe(true);
      expect(body.attentionReasons).toContainEqual(expect.stringMatching(new RegExp(`^ReconciliationDiffers: ${date}: `)));
    }
  }

  // The open pay-in's run itself was told (a signal): its own flags say so, its status is still pending.
  const open = made.find((m) => m.ours === 'pending')!;
  const run = await system.client.workflow.getHandle(paymentWorkflowId(open.mrn)).query(paymentStatus);
  expect(run.status).toBe('pending');
  expect(run.needsAttention).toBe(true);
  expect(run.attentionReasons).toContain(`ReconciliationDiffers: ${date}: ours pending, the platform does not know the order`);
  const { body: openView } = await system.api('GET', `/v1/payments/${open.mrn}`);
  // Flagged by the book and by the run: one reason, not two.
  expect(openView.attentionReasons.filter((r: string) => r.startsWith('ReconciliationDiffers:'))).toHaveLength(1);

  // The date again: the finished run (200), the same ID.
  const done = await system.api('POST', '/v1/reconciliations', { date });
  expect(done).toEqual({ status: 200, body: { date, workflowId: reconciliationWorkflowId(date), status: 'done' } });

  // As CSV: BOM, header, one line per order checked.
  const csv = await fetch(`${system.apiUrl}/v1/reconciliations/${date}.csv`, { headers: { authorization: `Bearer ${system.apiToken}` } });
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  const bytes = new Uint8Array(await csv.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n').filter((line) => line !== '');
  expect(lines[0]).toBe('date,kind,mrn,outcome,our_status,platform_answer,detail,checked_at');
  expect(lines).toHaveLength(8);
  for (const m of made) expect(lines.some((line) => line.startsWith(`${date},${m.kind},${m.mrn},`))).toBe(true);
}, 300_000);

test('a large day continues as new: a chain of runs, each with a short history, the same result', async () => {
  expect(date).toBeDefined();
  // Another zone in which the same orders fall on another day: a date this book has not reconciled yet.
  const hour = new Date().getUTCHours();
  const zone = hour >= 10 ? 'Pacific/Kiritimati' : 'Etc/GMT+12';
  const { body: first } = await system.api('GET', `/v1/${made[0].kind}s/${made[0].mrn}`);
  const otherDate = businessDayOf(new Date(first.createdAt as string), zone);
  expect(otherDate).not.toBe(date);
  for (const m of made) {
    const { body } = await system.api('GET', `/v1/${m.kind}s/${m.mrn}`);
    expect(businessDayOf(new Date(body.createdAt as string), zone)).toBe(otherDate);
  }

  // One order a batch, two batches a run: 4 pay-ins (the last batch of a kind ends it) and 3 payouts are 7 batches, four runs.
  const input: ReconciliationInput = { date: otherDate, timezone: zone, qps: 200, batchSize: 1, batchesPerRun: 2 };
  const workflowId = `${reconciliationWorkflowId(otherDate)}-${uniqueName('can')}`;
  const handle = await system.client.workflow.start('reconciliationWorkflow', { workflowId, taskQueue: TASK_QUEUE, args: [input] });
  Object.assign(can, { date: otherDate, workflowId });
  const result = await handle.result();
  expect(result).toMatchObject({ date: otherDate, status: 'done', counts: { checked: 7, matched: 2, differs: 3, unknownAtPlatform: 2, noAnswer: 0 } });

  // Follow the chain from the first run: each ended by continuing as new, the last one completed.
  const runs: { events: number; ended: string }[] = [];
  let runId: string | undefined = handle.firstExecutionRunId;
  while (runId !== undefined) {
    const run: string = runId;
    const history = await system.client.workflow.getHandle(workflowId, run).fetchHistory();
    const events = history.events ?? [];
    const next: string | undefined = events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ events: events.length, ended: next === undefined ? 'completed' : 'continued as new' });
    runId = next;
  }
  expect(runs.map((r) => r.ended)).toEqual(['continued as new', 'continued as new', 'continued as new', 'completed']);
  // Two batches and their bookkeeping: the history does not grow with the number of orders.
  for (const run of runs) expect(run.events).toBeLessThan(40);

  const { body } = await system.api('GET', `/v1/reconciliations/${otherDate}`);
  expect(body).toMatchObject({ date: otherDate, timezone: zone, status: 'done', workflowId });
  expect(body.differences.map(({ kind, mrn }: any) => ({ kind, mrn }))).toEqual(expectedDifferences().map(({ kind, mrn }) => ({ kind, mrn })));
}, 180_000);

test('POST refuses a date that is not a date or is in the future; GET of a date never reconciled is 404', async () => {
  expect((await system.api('POST', '/v1/reconciliations', { date: '2026-02-30' })).status).toBe(400);
  expect((await system.api('POST', '/v1/reconciliations', { date: '2999-01-01' })).body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/in the future/) });
  expect((await system.api('POST', '/v1/reconciliations', { date: '1 Dec' })).status).toBe(400);
  expect((await system.api('POST', '/v1/reconciliations', {})).status).toBe(400);
  expect((await system.api('GET', '/v1/reconciliations/1999-01-01')).body).toMatchObject({ error: 'not_found' });
  expect((await system.api('GET', '/v1/reconciliations/1999-01-01.csv')).status).toBe(404);
  expect((await system.api('GET', '/v1/reconciliations/yesterday')).status).toBe(400);
  expect((await system.api('GET', `/v1/reconciliations/${date ?? '2026-01-01'}`, undefined, null)).status).toBe(401);
});

test('the daily schedule exists after start, with the configured cron and zone, and follows a changed configuration', async () => {
  const scheduleId = reconciliationScheduleId(TASK_QUEUE);
  const described = await system.client.schedule.getHandle(scheduleId).describe();
  expect(described.spec.timezone).toBe(ZONE);
  // "30 <hour> * * *" as Temporal compiled it: <hour>:30 every day.
  expect(described.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: CRON_HOUR, end: CRON_HOUR, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] })]);
  expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliationWorkflow', taskQueue: TASK_QUEUE, args: [{ timezone: ZONE, qps: 200 }] });
  expect((described.action as { args: ReconciliationInput[] }).args[0].date).toBeUndefined();

  // A run of the schedule (triggered now) reconciles the day before its scheduled time, in the zone.
  await system.client.schedule.getHandle(scheduleId).trigger();
  const action = await eventually(async () => (await system.client.schedule.getHandle(scheduleId).describe()).info.recentActions[0], 'the triggered run', 30_000);
  expect(action.action.workflow.workflowId.startsWith(`${scheduleId}-`)).toBe(true);
  const scheduled = await system.client.workflow.getHandle(action.action.workflow.workflowId).result();
  const yesterday = previousDay(businessDayOf(action.scheduledAt, ZONE));
  if (yesterday === can.date) {
    // The continue-as-new test reconciled that date already (its zone put today's orders on it): never twice.
    expect(scheduled).toMatchObject({ status: 'skipped', date: yesterday, ownedBy: can.workflowId });
  } else {
    // Only the open pay-in is looked at: the others are of today, not yesterday.
    expect(scheduled).toMatchObject({ status: 'done', date: yesterday, counts: { checked: 1, unknownAtPlatform: 1 } });
  }

  const log = pino({ level: 'silent' });
  const same = { cron: CRON, timezone: ZONE, qps: 200 };
  expect(await ensureReconciliationSchedule({ client: system.client, taskQueue: TASK_QUEUE, reconcile: same, log })).toBe('unchanged');
  await system.client.schedule.getHandle(scheduleId).pause('paused by an operator');
  expect(await ensureReconciliationSchedule({ client: system.client, taskQueue: TASK_QUEUE, reconcile: { ...same, cron: '0 2 * * *', timezone: 'Asia/Shanghai' }, log })).toBe('updated');
  const updated = await system.client.schedule.getHandle(scheduleId).describe();
  expect(updated.spec.timezone).toBe('Asia/Shanghai');
  expect(updated.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] })]);
  // An operator's pause is not undone by a configuration change.
  expect(updated.state.paused).toBe(true);
});

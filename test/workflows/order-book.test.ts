/**
 * The workflows write the order book (on the time-skipping test server, the book a stand-in that
 * keeps every record written): each change reaches it with a version that only grows, a closed run
 * always has its final record, a book that fails only delays the run, the book never sees an
 * account in clear, and a reconciliation finding raises attention without touching status or money.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { reconciliationDifferenceSignal, reconciliationReason, type OrderRecord } from '../../src/contracts/order-record';
import { paymentCallback, paymentStatus, paymentWorkflowId, resumePaymentInput, type PaymentWorkflowInput } from '../../src/contracts/payment';
import { awaitPayoutCreation, payoutCallback, payoutStatus, payoutWorkflowId, type PayoutWorkflowInput } from '../../src/contracts/payout';
import { NeedsAttention } from '../../src/contracts/search-attributes';
import type { paymentWorkflow } from '../../src/workflows/payment';
import type { payoutWorkflow } from '../../src/workflows/payout';
import { mrnOf, paymentCallbackSignal, payoutCallbackSignal } from '../helpers/callbacks';
import { FakePlatform, terminateOpenRun } from '../helpers/fake-platform';
import { HOUR, MINUTE, paymentInput, payoutInput } from '../helpers/orders';
import { timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([timeSkippingEnv(), workflowBundle(require.resolve('../../src/workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

/** Workflows a test started, terminated after it if still open (an open one would keep the server from skipping time). */
const started: WorkflowHandle[] = [];

async function withWorker<T>(platform: FakePlatform, scenario: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('order-book');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: platform.activities() });
  try {
    return await worker.runUntil(scenario(taskQueue));
  } finally {
    for (const handle of started.splice(0)) await terminateOpenRun(handle).catch(() => undefined);
  }
}

async function startPayment(taskQueue: string, input: PaymentWorkflowInput) {
  const handle = await env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', { taskQueue, workflowId: paymentWorkflowId(input.request.mrn), args: [input] });
  started.push(handle);
  return handle;
}

async function startPayout(taskQueue: string, input: PayoutWorkflowInput) {
  const handle = await env.client.workflow.start<typeof payoutWorkflow>('payoutWorkflow', { taskQueue, workflowId: payoutWorkflowId(input.request.mrn), args: [input] });
  started.push(handle);
  return handle;
}

/** Waits (in real time) until `done` holds. */
async function until<V>(read: () => V | Promise<V>, done: (value: V) => boolean, what: string): Promise<V> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`never ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const versions = (records: OrderRecord[]): number[] => records.map((record) => record.version);

/** Each write carries a higher version than the one before. */
function expectStrictlyGrowing(records: OrderRecord[]): void {
  const seen = versions(records);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(new Set(seen).size).toBe(seen.length);
}

test('a pay-in leaves its final record in the book, with a version above every earlier write', async () => {
  const platform = new FakePlatform();
  // The first notification fails: its retry is a change the book hears of too.
  platform.notify = (_args, attempt) => Promise.resolve(attempt === 1 ? { ok: false, error: 'HTTP 503' } : { ok: true, httpStatus: 200 });
  const input = paymentInput();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayment(taskQueue, input);
    await env.sleep(2 * MINUTE);
    await handle.signal(paymentCallback, paymentCallbackSignal(mrnOf(handle), 10_000, 10_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  const records = platform.recordsOf(input.request.mrn);
  expect(records.length).toBeGreaterThanOrEqual(3); // pending, succeeded, the notification's attempts
  expectStrictlyGrowing(records);
  // A starting order is read from its run, not from the book.
  expect(records.map((record) => record.status)).not.toContain('creating');
  expect(records[0].status).toBe('pending');
  const last = records[records.length - 1];
  expect(last).toMatchObject({
    kind: 'payment',
    mrn: input.request.mrn,
    status: 'succeeded',
    amountFen: 10_000,
    paidAmountFen: 10_000,
    channelId: 2,
    requestHash: input.requestHash,
    amountMismatch: false,
    needsAttention: false,
    account: null,
    finishedAt: final.finishedAt,
    createdAt: final.createdAt,
    notification: { url: input.request.notifyUrl, deliveries: [expect.objectContaining({ type: 'payment.succeeded', status: 'delivered', attempts: 2 })] },
    view: expect.objectContaining({ status: 'succeeded', paidAmount: '100.00', channelName: expect.any(String) }),
  });
  expect(last.timeline).toEqual(final.timeline);
  // The run closed only once the book held its final version.
  expect(final.book).toEqual({ version: last.version, written: last.version });
});

test('a pay-in decided soon after its create is written once, with its outcome: the first record waits a moment for it', async () => {
  const platform = new FakePlatform();
  const input = paymentInput({ notifyUrl: undefined });
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayment(taskQueue, input);
    await until(() => handle.query(paymentStatus), (view) => view.status === 'pending', 'created');
    await handle.signal(paymentCallback, paymentCallbackSignal(mrnOf(handle), 10_000, 10_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  const records = platform.recordsOf(input.request.mrn);
  expect(records.map((record) => record.status)).toEqual(['succeeded']);
  expect(final.book).toEqual({ version: records[0].version, written: records[0].version });
});

test('a pay-in still undecided after the wait is recorded as pending then', async () => {
  const platform = new FakePlatform();
  const input = paymentInput({ notifyUrl: undefined });
  await withWorker(platform, async (taskQueue) => {
    const handle = await startPayment(taskQueue, input);
    await until(() => handle.query(paymentStatus), (view) => view.status === 'pending', 'created');
    expect(platform.recordsOf(input.request.mrn)).toEqual([]);
    await env.sleep(3_000);
    const records = await until(() => platform.recordsOf(input.request.mrn), (written) => written.length > 0, 'recorded');
    expect(records.map((record) => record.status)).toEqual(['pending']);
  });
});

test('a payout leaves its final record, and the book never sees the account in clear', async () => {
  const platform = new FakePlatform();
  const input = payoutInput();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayout(taskQueue, input);
    await env.sleep(2 * MINUTE);
    await handle.signal(payoutCallback, payoutCallbackSignal(mrnOf(handle), 50_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  const records = platform.recordsOf(input.request.mrn);
  expect(records.length).toBeGreaterThanOrEqual(2);
  expectStrictlyGrowing(records);
  const last = records[records.length - 1];
  expect(last).toMatchObject({
    kind: 'payout',
    status: 'succeeded',
    amountFen: 50_000,
    paidAmountFen: null,
    channelId: null,
    finishedAt: final.finishedAt,
    account: { bankName: '中国工商银行', accountName: '张*', accountNumber: '****0123' },
    view: expect.objectContaining({ status: 'succeeded', accountName: '张*', accountNumber: '****0123' }),
  });
  expect(final.book).toEqual({ version: last.version, written: last.version });
  const everything = JSON.stringify(platform.records);
  expect(everything).not.toContain(input.request.accountNumber);
  expect(everything).not.toContain(input.request.accountName);
});

test('a book that fails for a while only delays the run: it closes once the final record is written', async () => {
  const platform = new FakePlatform();
  let bookDown = true;
  platform.book = () => (bookDown ? Promise.reject(new Error('connection refused')) : Promise.resolve());
  const input = paymentInput();
  const { handle, final } = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayment(taskQueue, input);
    await handle.signal(paymentCallback, paymentCallbackSignal(mrnOf(handle), 10_000, 10_000));
    await until(() => platform.notifications.length, (count) => count === 1, 'the merchant told');
    // Everything else is done; hours pass while every write fails (retried with backoff).
    await env.sleep(3 * HOUR);
    expect(platform.count('recordOrder')).toBeGreaterThanOrEqual(3);
    expect(platform.recordsOf(input.request.mrn)).toEqual([]);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    bookDown = false;
    return { handle, final: await handle.result() };
  });
  expect(final.status).toBe('succeeded');
  const records = platform.recordsOf(input.request.mrn);
  expect(records.length).toBeGreaterThanOrEqual(1);
  expect(records[records.length - 1]).toMatchObject({ status: 'succeeded', version: final.book?.version });
  expect((await handle.describe()).status.name).toBe('COMPLETED');
});

test('a reconciliation difference raises attention, which the next record says, and changes neither status nor money', async () => {
  const platform = new FakePlatform();
  const input = payoutInput();
  const difference = 'ours pending, the platform says 2 (failed)';
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayout(taskQueue, input);
    await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
    const before = await until(() => platform.recordsOf(input.request.mrn), (records) => records.length > 0, 'recorded as pending');
    expect(before[before.length - 1]).toMatchObject({ status: 'pending', needsAttention: false });

    await handle.signal(reconciliationDifferenceSignal, { date: '2026-12-01', difference });
    const view = await until(() => handle.query(payoutStatus), (view) => view.needsAttention, 'flagged');
    expect(view).toMatchObject({ status: 'pending', amount: '500', finishedAt: null, attentionReasons: [reconciliationReason(difference)] });
    expect(view.timeline.map((entry) => entry.event)).toContain('reconciliation of 2026-12-01: the platform differs');
    expect((await handle.describe()).typedSearchAttributes.get(NeedsAttention)).toBe(true);
    const after = await until(() => platform.recordsOf(input.request.mrn), (records) => records[records.length - 1].needsAttention, 'recorded as flagged');
    expect(after[after.length - 1]).toMatchObject({ status: 'pending', finishedAt: null, attentionReasons: [reconciliationReason(difference)] });
    expect(platform.count('queryPayoutAtPlatform')).toBe(0); // the signal asked the platform nothing either

    await handle.signal(payoutCallback, payoutCallbackSignal(mrnOf(handle), 50_000));
    return handle.result();
  });
  expect(final).toMatchObject({ status: 'succeeded', needsAttention: true });
  const records = platform.recordsOf(input.request.mrn);
  expectStrictlyGrowing(records);
  expect(records[records.length - 1]).toMatchObject({ status: 'succeeded', needsAttention: true });
});

test('a closed expired pay-in restarted by a late success writes its new status with a higher version', async () => {
  const platform = new FakePlatform();
  const input = paymentInput({}, { paymentLateWindowMs: HOUR });
  const { expired, final } = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayment(taskQueue, input);
    const expired = await handle.result();
    expect(expired.status).toBe('expired');
    // As the API restarts a closed run for a callback that came after it (src/api/orders/callbacks.ts).
    const restarted = await env.client.workflow.signalWithStart<typeof paymentWorkflow, [ReturnType<typeof paymentCallbackSignal>]>('paymentWorkflow', {
      taskQueue,
      workflowId: handle.workflowId,
      args: [resumePaymentInput(expired)],
      signal: paymentCallback,
      signalArgs: [paymentCallbackSignal(input.request.mrn, 10_000, 10_000)],
    });
    started.push(restarted);
    await until(() => restarted.query(paymentStatus), (view) => view.status === 'succeeded', 'paid late');
    return { expired, final: await restarted.result() };
  });
  expect(final).toMatchObject({ status: 'succeeded', late: true });
  const records = platform.recordsOf(input.request.mrn);
  expectStrictlyGrowing(records);
  const expiredRecord = records.find((record) => record.status === 'expired');
  expect(expiredRecord?.version).toBeLessThanOrEqual(expired.book?.version ?? 0);
  const last = records[records.length - 1];
  expect(last).toMatchObject({ status: 'succeeded', view: expect.objectContaining({ late: true }) });
  expect(last.version).toBeGreaterThan(expired.book?.version ?? Infinity);
  expect(final.book).toEqual({ version: last.version, written: last.version });
});

test('the version is carried across continue-as-new: the next run writes on from where the last one stopped', async () => {
  const platform = new FakePlatform();
  let polls = 0;
  platform.queryPayout = () => Promise.resolve({ kind: 'status', status: ++polls < 12 ? 0 : 1 });
  const input = payoutInput({}, { continueAsNewAfterEvents: 40, pollIntervalMaxMs: 30_000 });
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await startPayout(taskQueue, input);
    const final = await handle.result();
    // It did continue as new: the first run is not the one that closed.
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
    return final;
  });
  expect(final.status).toBe('succeeded');
  const records = platform.recordsOf(input.request.mrn);
  expectStrictlyGrowing(records);
  expect(records[0].status).toBe('pending');
  expect(records[records.length - 1]).toMatchObject({ status: 'succeeded', version: final.book?.version });
});

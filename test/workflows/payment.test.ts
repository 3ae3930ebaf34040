/**
 * The pay-in workflow, branch by branch, on the time-skipping test server: hours of waiting
 * (callback timeout, polling backoff, expiry, the late window) pass in seconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import {
  awaitPaymentCreation,
  paymentCallback,
  paymentStatus,
  paymentWorkflowId,
  type PaymentView,
  type PaymentWorkflowInput,
} from '../../src/contracts/payment';
import type { paymentWorkflow } from '../../src/workflows/payment';
import { mrnOf, paymentCallbackSignal, signedFields, TEST_GATEWAY } from '../helpers/callbacks';
import { FakePlatform, terminateOpenRun } from '../helpers/fake-platform';
import { HOUR, MINUTE, paymentInput } from '../helpers/orders';
import { timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([timeSkippingEnv(), workflowBundle(require.resolve('../../src/workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

/** Runs `scenario` with a worker whose activities are `platform`'s, on a task queue of its own. */
async function withWorker<T>(platform: FakePlatform, scenario: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('payments');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: platform.activities() });
  return worker.runUntil(scenario(taskQueue));
}

function start(taskQueue: string, input: PaymentWorkflowInput) {
  return env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', {
    taskQueue,
    workflowId: paymentWorkflowId(input.request.mrn),
    args: [input],
  });
}

/** Queries the order until `done` holds: a callback signal applies after its verification (a local activity). */
async function viewWhen(handle: WorkflowHandle<typeof paymentWorkflow>, done: (view: PaymentView) => boolean, what: string): Promise<PaymentView> {
  // Generous: a signal that comes while a local activity runs waits for the workflow task's heartbeat (~8 s).
  for (const deadline = Date.now() + 20_000; ; ) {
    const view = await handle.query(paymentStatus);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`the pay-in never became ${what}: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A signed callback for the order of `handle`, as our API signals it (the worker verifies it again). */
const callback = (handle: { workflowId: string }, amountFen: number, originAmountFen = 10_000) => paymentCallbackSignal(mrnOf(handle), amountFen, originAmountFen);

test('when the callback comes in time, the order succeeds with the paid amount and the merchant is told', async () => {
  const platform = new FakePlatform();
  const input = paymentInput();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    await env.sleep(2 * MINUTE);
    await handle.signal(paymentCallback, callback(handle, 10_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  expect(final.paidAmountFen).toBe(10_000);
  expect(final.amountMismatch).toBe(false);
  expect(final.payUrl).toBe('https://gw.example.com/api/Pay?id=1&channel=Alipay');
  expect(platform.count('queryPaymentAtPlatform')).toBe(0);
  expect(platform.notifications).toEqual([
    expect.objectContaining({ type: 'payment.succeeded', mrn: input.request.mrn, status: 'succeeded', amount: '100.00', paidAmount: '100.00', late: false }),
  ]);
});

test('duplicate callbacks change nothing and notify once', async () => {
  const platform = new FakePlatform();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    await handle.signal(paymentCallback, callback(handle, 10_000));
    await handle.signal(paymentCallback, callback(handle, 10_000));
    await handle.signal(paymentCallback, callback(handle, 10_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  expect(platform.notifications).toHaveLength(1);
});

test('a callback that arrives before the create answer decides the order', async () => {
  const platform = new FakePlatform();
  const input = paymentInput();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    platform.createPayment = async () => {
      await handle.signal(paymentCallback, callback(handle, 10_000));
      return { kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=2' };
    };
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  expect(final.timeline.map((entry) => entry.event)).toContain('callback: paid');
  expect(platform.notifications.map((event) => event.type)).toEqual(['payment.succeeded']);
});

test('a verified callback whose originAmount is not the order amount is never applied: recorded, the order needs attention', async () => {
  const platform = new FakePlatform();
  await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    try {
      await handle.signal(paymentCallback, callback(handle, 5_000, 5_000));
      const view = await viewWhen(handle, (v) => v.needsAttention, 'flagged');
      expect(view).toMatchObject({ status: 'pending', paidAmount: null, amountMismatch: false });
      expect(view.attentionReasons).toEqual([expect.stringContaining('originAmount 50.00')]);
      expect(view.timeline).toContainEqual(expect.objectContaining({ event: 'callback ignored' }));
    } finally {
      await terminateOpenRun(handle);
    }
  });
  expect(platform.notifications).toEqual([]);
});

test('when the callback is lost, the query says paid and the re-sent callback brings a different amount', async () => {
  const platform = new FakePlatform();
  const input = paymentInput();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    platform.queryPayment = async ({ callback: resend }) => {
      // The platform re-sends the callback (callback=true), with what the payer actually paid.
      if (resend) await handle.signal(paymentCallback, callback(handle, 9_998));
      return { kind: 'status', status: 1 };
    };
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  expect(final.paidAmountFen).toBe(9_998);
  expect(final.amountMismatch).toBe(true);
  expect(platform.calls.find((call) => call.name === 'queryPaymentAtPlatform')?.args).toEqual({ mrn: input.request.mrn, callback: true });
  expect(platform.notifications[0]).toMatchObject({ type: 'payment.succeeded', paidAmount: '99.98', amountMismatch: true });
});

test('when the query says paid but no callback is re-sent, the order succeeds with the amount unknown', async () => {
  const platform = new FakePlatform();
  platform.queryPayment = () => Promise.resolve({ kind: 'status', status: 1 });
  let view;
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    const result = await handle.result();
    view = await handle.query(paymentStatus);
    return result;
  });
  expect(final.status).toBe('succeeded');
  expect(final.paidAmountFen).toBeNull();
  expect(view).toMatchObject({ status: 'succeeded', paidAmount: null, paidAmountKnown: false });
  expect(final.timeline.map((entry) => entry.event)).toContain('paid, amount unknown');
  expect(platform.notifications[0]).toMatchObject({ type: 'payment.succeeded', paidAmount: null });
});

test('when the query says failed, the order fails', async () => {
  const platform = new FakePlatform();
  let polls = 0;
  platform.queryPayment = () => Promise.resolve({ kind: 'status', status: ++polls < 3 ? 0 : 2 });
  const final = await withWorker(platform, async (taskQueue) => (await start(taskQueue, paymentInput())).result());
  expect(final.status).toBe('failed');
  expect(platform.count('queryPaymentAtPlatform')).toBe(3);
  expect(platform.notifications.map((event) => event.type)).toEqual(['payment.failed']);
});

test('polling backs off from POLL_INTERVAL to POLL_INTERVAL_MAX and the order expires after PAYMENT_EXPIRY', async () => {
  const platform = new FakePlatform();
  const queryTimes: number[] = [];
  platform.queryPayment = async () => {
    queryTimes.push(await env.currentTimeMs());
    return { kind: 'status', status: 0 };
  };
  const final = await withWorker(platform, async (taskQueue) => (await start(taskQueue, paymentInput())).result());
  expect(final.status).toBe('expired');
  const gaps = queryTimes.slice(1).map((t, i) => t - (queryTimes[i]));
  expect(gaps[0]).toBeGreaterThanOrEqual(30_000);
  expect(gaps[0]).toBeLessThan(45_000);
  expect(Math.max(...gaps)).toBeLessThanOrEqual(10 * MINUTE + 5_000);
  expect(gaps[1]).toBeGreaterThan(gaps[0]);
  expect(platform.notifications.map((event) => event.type)).toEqual(['payment.expired']);
});

test('a success that comes after expiry turns the order succeeded, late, and the merchant is told again', async () => {
  const platform = new FakePlatform();
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    await env.sleep(3 * HOUR);
    expect((await handle.query(paymentStatus)).status).toBe('expired');
    await handle.signal(paymentCallback, callback(handle, 10_000));
    return handle.result();
  });
  expect(final).toMatchObject({ status: 'succeeded', late: true, paidAmountFen: 10_000 });
  expect(platform.notifications.map((event) => [event.type, event.late])).toEqual([
    ['payment.expired', false],
    ['payment.succeeded', true],
  ]);
});

test('a refused create ends the order rejected', async () => {
  const platform = new FakePlatform();
  platform.createPayment = () => Promise.resolve({ kind: 'refused', message: 'channel closed' });
  const final = await withWorker(platform, async (taskQueue) => (await start(taskQueue, paymentInput())).result());
  expect(final.status).toBe('rejected');
  expect(final.error).toEqual({ message: 'channel closed' });
  expect(platform.notifications.map((event) => event.type)).toEqual(['payment.rejected']);
});

test('transient create errors are retried with backoff until the platform answers', async () => {
  const platform = new FakePlatform();
  platform.createPayment = (_args, attempt) =>
    attempt < 3 ? Promise.reject(new Error('create: HTTP 502')) : Promise.resolve({ kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=3' });
  await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    const reply = await handle.executeUpdate(awaitPaymentCreation, { args: [{ requestHash: `hash-${handle.workflowId.slice('payment-'.length)}` }] });
    expect(reply.view.status).toBe('pending');
    expect(reply.view.payUrl).toBe('https://gw.example.com/api/Pay?id=3');
    await terminateOpenRun(handle);
  });
  expect(platform.count('createPaymentAtPlatform')).toBe(3);
});

test('page mode: the signed form is returned, "not found" before the payer submits keeps it pending', async () => {
  const platform = new FakePlatform();
  const form = { action: 'https://gw.example.com/api/Pay', fields: { amount: '100.00', sign: 'x' } };
  platform.createPayment = () => Promise.resolve({ kind: 'page', form });
  platform.queryPayment = () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' });
  const input = paymentInput({ mode: 'page' });
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    const reply = await handle.executeUpdate(awaitPaymentCreation, { args: [{ requestHash: input.requestHash }] });
    expect(reply.pageForm).toEqual(form);
    await env.sleep(30 * MINUTE);
    expect((await handle.query(paymentStatus)).status).toBe('pending');
    await handle.signal(paymentCallback, callback(handle, 10_000));
    return handle.result();
  });
  expect(final.status).toBe('succeeded');
  expect(platform.count('queryPaymentAtPlatform')).toBeGreaterThan(0);
});

test('the merchant notification is retried with the same event id until the receiver answers 2xx', async () => {
  const platform = new FakePlatform();
  platform.notify = (_args, attempt) => Promise.resolve(attempt < 4 ? { ok: false, error: 'HTTP 500' } : { ok: true, httpStatus: 200 });
  const final = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, paymentInput());
    await handle.signal(paymentCallback, callback(handle, 10_000));
    return handle.result();
  });
  const ids = platform.calls.filter((call) => call.name === 'notifyMerchant').map((call) => (call.args as { event: { id: string } }).event.id);
  expect(ids).toHaveLength(4);
  expect(new Set(ids).size).toBe(1);
  expect(final.deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 4, type: 'payment.succeeded' })]);
});

test('the first Update-with-Start learns the payUrl; a retry with the same request attaches; a different request is refused', async () => {
  const platform = new FakePlatform();
  const input = paymentInput();
  await withWorker(platform, async (taskQueue) => {
    const startOp = () =>
      new WithStartWorkflowOperation<typeof paymentWorkflow>('paymentWorkflow', {
        taskQueue,
        workflowId: paymentWorkflowId(input.request.mrn),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    const first = await env.client.workflow.executeUpdateWithStart(awaitPaymentCreation, { args: [{ requestHash: input.requestHash }], startWorkflowOperation: startOp() });
    const again = await env.client.workflow.executeUpdateWithStart(awaitPaymentCreation, { args: [{ requestHash: input.requestHash }], startWorkflowOperation: startOp() });
    expect(first).toMatchObject({ firstRequest: true, view: { status: 'pending', payUrl: expect.stringContaining('/api/Pay?') } });
    expect(again).toMatchObject({ firstRequest: false, view: { status: 'pending' } });
    await expect(
      env.client.workflow.executeUpdateWithStart(awaitPaymentCreation, { args: [{ requestHash: 'another request' }], startWorkflowOperation: startOp() }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await terminateOpenRun(env.client.workflow.getHandle(paymentWorkflowId(input.request.mrn)));
  });
  expect(platform.count('createPaymentAtPlatform')).toBe(1);
});

test('a long wait continues as new with its state and still decides the order', async () => {
  const platform = new FakePlatform();
  let polls = 0;
  platform.queryPayment = () => Promise.resolve({ kind: 'status', status: ++polls < 12 ? 0 : 2 });
  const input = paymentInput({}, { continueAsNewAfterEvents: 40, pollIntervalMaxMs: 30_000 });
  const { final, firstRunId } = await withWorker(platform, async (taskQueue) => {
    const handle = await start(taskQueue, input);
    return { final: await handle.result(), firstRunId: handle.firstExecutionRunId };
  });
  expect(final.status).toBe('failed');
  expect(final.poll.attempts).toBe(12);
  const firstRun = await env.client.workflow.getHandle(paymentWorkflowId(input.request.mrn), firstRunId).fetchHistory();
  expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
});

describe('callback signals are verified by the worker before they apply', () => {
  test('a forged signal (bad signature, wrong appKey, another order, arbitrary JSON) changes nothing and raises ForgedSignal attention; a signed one applies', async () => {
    const platform = new FakePlatform();
    const input = paymentInput();
    const { mrn } = input.request;
    const values = { amount: '100.00', channel: '2', mrn, originAmount: '100.00' };
    const forged = {
      badSignature: { fields: signedFields('payment.callback', values, { ...TEST_GATEWAY, secret: 'guessed' }) },
      tampered: { fields: { ...signedFields('payment.callback', { ...values, amount: '1.00' }), amount: '100.00' } },
      wrongAppKey: { fields: signedFields('payment.callback', values, { ...TEST_GATEWAY, appKey: 'someone-else' }) },
      anotherOrder: paymentCallbackSignal(`${mrn}-other`, 10_000, 10_000),
      // What the signal carried before: parsed values, no signature.
      arbitraryJson: { amountFen: 10_000, originAmountFen: 10_000, channel: 2, receivedAt: new Date().toISOString() },
    };
    const final = await withWorker(platform, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      for (const signal of Object.values(forged)) await handle.signal(paymentCallback, signal as never);
      // Signals apply in the order they arrived: once the last is refused, all are.
      const view = await viewWhen(handle, (v) => v.attentionReasons.some((reason) => reason.includes('no fields')), 'flagged for each');
      expect(view).toMatchObject({ status: 'pending', paidAmount: null, amountMismatch: false, finishedAt: null, needsAttention: true });
      expect(view.attentionReasons).toEqual([
        'ForgedSignal: signature mismatch',
        'ForgedSignal: unknown appKey',
        'ForgedSignal: signed for another order',
        'ForgedSignal: not a signed platform callback (no fields)',
      ]);
      const refusals = view.timeline.filter((entry) => entry.event === 'callback signal refused');
      expect(refusals.reduce((sum, entry) => sum + (entry.count ?? 1), 0)).toBe(5);
      expect(platform.notifications).toEqual([]);

      await handle.signal(paymentCallback, callback(handle, 10_000));
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', paidAmountFen: 10_000, needsAttention: true });
    expect(platform.notifications.map((event) => event.type)).toEqual(['payment.succeeded']);
    // The secret never enters history: not in the signal, not in the verification's marker.
    const history = await env.client.workflow.getHandle(paymentWorkflowId(mrn)).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(bytes.includes(Buffer.from('test-app-key'))).toBe(true); // the signed fields are there, readable
    expect(bytes.includes(Buffer.from(TEST_GATEWAY.secret))).toBe(false);
    // And the history replays: the verification's results are read back from their markers.
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history)).resolves.toBeUndefined();
  });

  test('a forged signal while the order is still being created changes nothing', async () => {
    const platform = new FakePlatform();
    const input = paymentInput();
    let release!: () => void;
    const created = new Promise<void>((resolve) => (release = resolve));
    platform.createPayment = async () => {
      await created;
      return { kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=4' };
    };
    await withWorker(platform, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      try {
        await handle.signal(paymentCallback, { amountFen: 10_000, originAmountFen: 10_000, channel: 2, receivedAt: new Date().toISOString() } as never);
        // A pay-in's callback is verified once the create has answered (two local activities never run at once).
        expect((await handle.query(paymentStatus)).status).toBe('creating');
      } finally {
        release();
      }
      const view = await viewWhen(handle, (v) => v.status !== 'creating' && v.needsAttention, 'created, then flagged');
      expect(view).toMatchObject({ status: 'pending', payUrl: 'https://gw.example.com/api/Pay?id=4', needsAttention: true });
      await terminateOpenRun(handle);
    });
  });

  test('callbacks apply in the order they arrived: the first paid amount is the one recorded', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform, async (taskQueue) => {
      const handle = await start(taskQueue, paymentInput());
      await handle.signal(paymentCallback, callback(handle, 9_990));
      await handle.signal(paymentCallback, callback(handle, 10_000));
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', paidAmountFen: 9_990, amountMismatch: true });
    expect(final.timeline.map((entry) => entry.event)).toEqual(expect.arrayContaining(['callback: paid', 'duplicate callback']));
  });

  test('the paid amount of a query-only success that arrives while the run is open is recorded; a different one flags the order and tells the merchant', async () => {
    const platform = new FakePlatform();
    platform.queryPayment = () => Promise.resolve({ kind: 'status', status: 1 });
    // The merchant's endpoint is down for now: the succeeded run stays open, retrying the notification.
    let merchantUp = false;
    platform.notify = () => Promise.resolve(merchantUp ? { ok: true, httpStatus: 200 } : { ok: false, error: 'HTTP 503' });
    const final = await withWorker(platform, async (taskQueue) => {
      const handle = await start(taskQueue, paymentInput());
      await env.sleep(15 * MINUTE);
      expect(await handle.query(paymentStatus)).toMatchObject({ status: 'succeeded', paidAmount: null, paidAmountKnown: false });
      await handle.signal(paymentCallback, callback(handle, 9_990));
      const view = await viewWhen(handle, (v) => v.paidAmountKnown, 'told the paid amount');
      expect(view).toMatchObject({ status: 'succeeded', paidAmount: '99.90', amountMismatch: true, needsAttention: true });
      expect(view.attentionReasons).toEqual(['paid 99.90 CNY, asked 100.00 CNY']);
      merchantUp = true;
      return handle.result();
    });
    expect(final).toMatchObject({ paidAmountFen: 9_990, amountMismatch: true, needsAttention: true });
    expect(platform.notifications).toEqual([
      expect.objectContaining({ type: 'payment.succeeded', paidAmount: null, amountMismatch: false }),
      expect.objectContaining({ type: 'payment.amount_mismatch', status: 'succeeded', amount: '100.00', paidAmount: '99.90', amountMismatch: true }),
    ]);
  });

  test('a history recorded before signals were verified by the worker (parsed values in the signal) still replays', async () => {
    // Recorded with the code of that time: a pay-in that took a callback signal of the old shape.
    const history = historyFromJSON(JSON.parse(readFileSync(join(__dirname, '../fixtures/legacy-payment-callback-history.json'), 'utf8')));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'payment-P-legacy-callback-1')).resolves.toBeUndefined();
  });
});

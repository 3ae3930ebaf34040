/**
 * The payout workflow, branch by branch, on the time-skipping test server: the callback wait,
 * days of slow polling and notification retries pass in seconds. Two things matter most and are
 * asserted throughout: a payout is created once (one mrn, retried as-is) and it ends as not paid
 * only through a refusal that created nothing or the platform's status 2.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApplicationFailure,
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createPlatformActivities } from '../../src/activities/platform';
import type { OrderActivities, PayoutCreateResult } from '../../src/contracts/activities';
import type { PlatformAnswer } from '../../src/contracts/order';
import { GatewayClient, verify } from '../../src/gateway';
import {
  awaitPayoutCreation,
  CONTRADICTED_BY_PLATFORM,
  NOT_PENDING,
  payoutCallback,
  payoutStatus,
  payoutWorkflowId,
  REASON_REQUIRED,
  recheckPayout,
  resolvePayout,
  UNCONFIRMED_BY_PLATFORM,
  type OperatorRequest,
  type PayoutView,
  type PayoutWorkflowInput,
  type ResolveRequest,
} from '../../src/contracts/payout';
import type { payoutWorkflow } from '../../src/workflows/payout';
import { mrnOf, payoutCallbackSignal, signedFields, TEST_GATEWAY } from '../helpers/callbacks';
import { FakePlatform, terminateOpenRun } from '../helpers/fake-platform';
import { HOUR, MINUTE, payoutInput, TEST_TIMEOUTS } from '../helpers/orders';
import { timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

/** Payouts send no pay-in creates: the pay-in create's request log is never asked. */
const noPayInCreates = { noteCreateRequest: () => Promise.reject(new Error('a payout test sent a pay-in create')) };

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([timeSkippingEnv(), workflowBundle(require.resolve('../../src/workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

/** Workflows a test started, terminated after it if still open. */
const started: Handle[] = [];

/**
 * Runs `scenario` with a worker on a task queue of its own, whose activities are `activities`.
 * Whatever the scenario left open is terminated afterwards: an orphaned activity task would stop
 * the server from skipping time for the tests that follow.
 */
async function withWorker<T>(activities: OrderActivities, scenario: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('payouts');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  try {
    return await worker.runUntil(scenario(taskQueue));
  } finally {
    for (const handle of started.splice(0)) {
      await terminateOpenRun(handle).catch(() => undefined);
    }
  }
}

async function start(taskQueue: string, input: PayoutWorkflowInput) {
  const handle = await env.client.workflow.start<typeof payoutWorkflow>('payoutWorkflow', {
    taskQueue,
    workflowId: payoutWorkflowId(input.request.mrn),
    args: [input],
  });
  started.push(handle);
  return handle;
}

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof payoutWorkflow>;

/** The payout of payoutInput() is 500 yuan. */
const PAYOUT_FEN = 50_000;
/** A signed callback for the payout of `handle`, as our API signals it (the worker verifies it again). */
const callback = (handle: { workflowId: string }, amountFen = PAYOUT_FEN) => payoutCallbackSignal(mrnOf(handle), amountFen);

const recheck = (handle: Handle, request: OperatorRequest) => handle.executeUpdate(recheckPayout, { args: [request] });
const resolve = (handle: Handle, request: ResolveRequest) => handle.executeUpdate(resolvePayout, { args: [request] });

/** The failure type an update was refused with (by its validator or its handler). */
async function refusal(update: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const error: unknown = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: (cause as ApplicationFailure).type ?? undefined, message: (cause as ApplicationFailure).message };
}

/** Polls the status query until the workflow has reached `status` (the first workflow task may still be on its way). */
async function waitForStatus(handle: Handle, status: PayoutView['status']): Promise<void> {
  for (let tries = 0; (await handle.query(payoutStatus)).status !== status; tries++) {
    if (tries > 50) throw new Error(`payout never reached ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls the status query until `done` holds: a callback signal applies after its verification (a local activity). */
async function viewWhen(handle: Handle, done: (view: PayoutView) => boolean): Promise<PayoutView> {
  for (const deadline = Date.now() + 20_000; ; ) {
    const view = await handle.query(payoutStatus);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`the payout never got there: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const events = (view: { timeline: { event: string }[] }) => view.timeline.map((entry) => entry.event);
const queryArgs = (platform: FakePlatform) => platform.calls.filter((call) => call.name === 'queryPayoutAtPlatform').map((call) => call.args);
const notified = (platform: FakePlatform) => platform.notifications.map((event) => event.type);

describe('the platform decides', () => {
  test('when the callback comes in time with the payout amount, the payout succeeds, the merchant is told and no query is made', async () => {
    const platform = new FakePlatform();
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(2 * MINUTE);
      expect((await handle.query(payoutStatus)).status).toBe('pending');
      await handle.signal(payoutCallback, callback(handle));
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', needsAttention: false, amountMismatch: false, error: null, resolution: null });
    expect(final.finishedAt).not.toBeNull();
    expect(platform.count('createPayoutAtPlatform')).toBe(1);
    expect(platform.count('queryPayoutAtPlatform')).toBe(0);
    expect(platform.notifications).toEqual([
      expect.objectContaining({ type: 'payout.succeeded', mrn: input.request.mrn, status: 'succeeded', amount: '500', amountMismatch: false, needsAttention: false }),
    ]);
  });

  test('when the callback is lost, the payout is settled succeeded by a query (callback=true) made after PAYOUT_CALLBACK_TIMEOUT', async () => {
    const platform = new FakePlatform();
    const queryTimes: number[] = [];
    platform.queryPayout = async () => {
      queryTimes.push(await env.currentTimeMs());
      return { kind: 'status', status: 1 };
    };
    const input = payoutInput();
    const { final, startedAt } = await withWorker(platform.activities(), async (taskQueue) => {
      const startedAt = await env.currentTimeMs();
      const handle = await start(taskQueue, input);
      return { final: await handle.result(), startedAt };
    });
    expect(final.status).toBe('succeeded');
    expect(queryArgs(platform)).toEqual([{ mrn: input.request.mrn, callback: true }]);
    expect(queryTimes[0] - startedAt).toBeGreaterThanOrEqual(TEST_TIMEOUTS.payoutCallbackMs);
    expect(queryTimes[0] - startedAt).toBeLessThan(TEST_TIMEOUTS.payoutCallbackMs + MINUTE);
    expect(events(final)).toEqual(expect.arrayContaining(['no callback yet', 'platform query: paid out']));
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('when the query says 2 after some pending answers, the payout fails and the merchant is told payout.failed', async () => {
    const platform = new FakePlatform();
    let polls = 0;
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: ++polls < 3 ? 0 : 2 });
    const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());
    expect(final.status).toBe('failed');
    expect(final.error).toBeNull();
    expect(final.resolution).toBeNull();
    expect(platform.count('queryPayoutAtPlatform')).toBe(3);
    expect(events(final)).toContain('platform query: payout failed');
    expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.failed', status: 'failed', amount: '500' })]);
  });

  test.each(['invalid_data', 'sign_error', 'insufficient_balance', 'object_not_found'])(
    'a create refused with %s (nothing was created) ends the payout rejected with that error, and payout.rejected is sent',
    async (code) => {
      const platform = new FakePlatform();
      const message = `platform says ${code}`;
      platform.createPayout = () => Promise.resolve({ kind: 'refused', code, message });
      const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());
      expect(final.status).toBe('rejected');
      expect(final.error).toEqual({ code, message });
      expect(final.needsAttention).toBe(false);
      expect(platform.count('createPayoutAtPlatform')).toBe(1);
      expect(platform.count('queryPayoutAtPlatform')).toBe(0);
      expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.rejected', status: 'rejected', errorCode: code })]);
    },
  );

  test('a callback that arrives before the create answer decides the payout; the late create answer changes nothing', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      platform.createPayout = async () => {
        await handle.signal(payoutCallback, callback(handle));
        return { kind: 'accepted' };
      };
      return handle.result();
    });
    expect(final.status).toBe('succeeded');
    expect(events(final)).toContain('callback: paid out');
    expect(events(final)).not.toContain('created at platform');
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('the same callback delivered three times settles the payout once and notifies once', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await handle.signal(payoutCallback, callback(handle));
      await handle.signal(payoutCallback, callback(handle));
      await handle.signal(payoutCallback, callback(handle));
      return handle.result();
    });
    expect(final.status).toBe('succeeded');
    const duplicates = final.timeline.filter((entry) => entry.event === 'duplicate callback').reduce((sum, entry) => sum + (entry.count ?? 1), 0);
    expect(duplicates).toBe(2);
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });
});

describe('never paid twice: one mrn, retried as-is', () => {
  test('a create that timed out after the platform stored it is retried with the same mrn; the duplicate, confirmed by query, goes pending and later succeeds', async () => {
    const platform = new FakePlatform();
    platform.createPayout = (_args, attempt) =>
      attempt === 1
        ? Promise.reject(new Error('create: POST /api/Payouts/Create: timed out'))
        : Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(MINUTE); // past the workflow's retry backoff
      const reply = await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
      expect(reply.view).toMatchObject({ status: 'pending', needsAttention: false, error: null });
      expect(reply.view.lastPlatformAnswer).toContain('status 0');
      expect(events(reply.view)).toEqual(expect.arrayContaining(['created at platform', 'platform query']));
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      return handle.result();
    });
    expect(final.status).toBe('succeeded');
    const creates = platform.calls.filter((call) => call.name === 'createPayoutAtPlatform').map((call) => call.args);
    expect(creates).toHaveLength(2);
    expect(creates[1]).toEqual(creates[0]);
    expect(creates[0]).toEqual({
      mrn: input.request.mrn,
      amountFen: input.request.amountFen,
      bankName: input.request.bankName,
      accountName: input.request.accountName,
      accountNumber: input.request.accountNumber,
    });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('a confirmed duplicate the platform already reports failed (status 2) ends the payout failed', async () => {
    const platform = new FakePlatform();
    platform.createPayout = (_args, attempt) =>
      attempt === 1 ? Promise.reject(new Error('create: connection reset')) : Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 2 });
    const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());
    expect(final.status).toBe('failed');
    // The one query is the confirmation: no polling after that.
    expect(platform.count('queryPayoutAtPlatform')).toBe(1);
    expect(notified(platform)).toEqual(['payout.failed']);
  });

  test('with the real activities over HTTP: the first create times out after the platform stored it, the retry gets mrn_duplication, one order exists and the payout succeeds', async () => {
    const platform = new LocalPayoutPlatform({ answerFirstCreateAfterMs: 1_000, statuses: [0, 1] });
    const baseUrl = await platform.listen();
    const gateway = new GatewayClient({ baseUrl, appKey: APP_KEY, secret: SECRET, timeoutMs: 300 });
    const merchant = new FakePlatform();
    const activities = { ...merchant.activities(), ...createPlatformActivities({ gateway, createRequests: noPayInCreates, publicUrl: 'https://orders.example.com' }) };
    const input = payoutInput();
    try {
      const final = await withWorker(activities, async (taskQueue) => (await start(taskQueue, input)).result());
      expect(final.status).toBe('succeeded');
      expect(final.lastPlatformAnswer).toBe('status 1 (paid out)');
      expect(events(final)).toEqual(expect.arrayContaining(['created at platform', 'platform query: paid out']));
    } finally {
      await gateway.close();
      await platform.close();
    }
    expect([...platform.orders.keys()]).toEqual([input.request.mrn]);
    expect(platform.creates.map((create) => create.answer)).toEqual(['success (after the client gave up)', 'mrn_duplication']);
    expect(new Set(platform.creates.map((create) => JSON.stringify(create.body))).size).toBe(1);
    expect(platform.creates[0].body).toMatchObject({ mrn: input.request.mrn, amount: 500, accountNumber: input.request.accountNumber });
    // First the activity confirms the duplicate (no re-send), then the poll asks with callback=true.
    expect(platform.queries).toEqual([
      { mrn: input.request.mrn, callback: 'false', status: 0 },
      { mrn: input.request.mrn, callback: 'true', status: 1 },
    ]);
    expect(merchant.notifications.map((event) => event.type)).toEqual(['payout.succeeded']);
  });

  test('mrn_duplication on the very first attempt: pending, needs attention, no polling, until an operator resolves it', async () => {
    const platform = new FakePlatform();
    platform.createPayout = () => Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(48 * HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', needsAttention: true, error: { code: 'mrn_duplication', message: 'mrn already exists' } });
      expect(view.attentionReasons).toEqual([expect.stringContaining('mrn_duplication on the first attempt')]);
      expect(view.nextPollAt).toBeNull();
      expect(platform.count('queryPayoutAtPlatform')).toBe(0);
      // The mrn's order at the platform is someone else's: its "paid" does not contradict ours failing.
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      const resolved = await resolve(handle, { outcome: 'failed', reason: 'support: the mrn belongs to an order from the old system' });
      expect(resolved.status).toBe('failed');
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'failed', needsAttention: true, foreignDuplicate: true });
    expect(final.resolution).toMatchObject({ outcome: 'failed', reason: 'support: the mrn belongs to an order from the old system' });
    expect(platform.count('createPayoutAtPlatform')).toBe(1);
    // The only query is the one the resolution makes, without asking for a re-sent callback.
    expect(queryArgs(platform)).toEqual([{ mrn: input.request.mrn, callback: false }]);
    expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.failed', errorCode: 'mrn_duplication' })]);
  });

  test("an operator re-check of a first-attempt mrn_duplication shows the platform's answer but does not apply another order's status", async () => {
    const platform = new FakePlatform();
    platform.createPayout = () => Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 2 });
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: `hash-${handle.workflowId.slice('payout-'.length)}` }] });
      const view = await recheck(handle, { reason: 'what does the platform say?' });
      expect(view).toMatchObject({ status: 'pending', needsAttention: true, lastPlatformAnswer: 'status 2 (failed)' });
      expect(view.timeline).toContainEqual(
        expect.objectContaining({ event: 'platform query (mrn used outside this system, not applied)', detail: 'status 2 (failed)' }),
      );
      expect(platform.notifications).toEqual([]);
    });
  });

  test('the first Update-with-Start learns the outcome; a retry with the same request attaches; a different request is refused; one create', async () => {
    const platform = new FakePlatform();
    const input = payoutInput();
    await withWorker(platform.activities(), async (taskQueue) => {
      const startOp = () =>
        new WithStartWorkflowOperation<typeof payoutWorkflow>('payoutWorkflow', {
          taskQueue,
          workflowId: payoutWorkflowId(input.request.mrn),
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      const update = (requestHash: string) => env.client.workflow.executeUpdateWithStart(awaitPayoutCreation, { args: [{ requestHash }], startWorkflowOperation: startOp() });
      expect(await update(input.requestHash)).toMatchObject({ firstRequest: true, view: { status: 'pending', accountNumber: '****0123' } });
      expect(await update(input.requestHash)).toMatchObject({ firstRequest: false, view: { status: 'pending' } });
      await expect(update('another request')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await terminateOpenRun(env.client.workflow.getHandle(payoutWorkflowId(input.request.mrn)));
    });
    expect(platform.count('createPayoutAtPlatform')).toBe(1);
  });
});

describe('never failed unless the platform said so', () => {
  test('timeouts, unavailable answers, not_found and unknown refusals from the query keep the payout pending', async () => {
    const platform = new FakePlatform();
    const answers: (() => Promise<PlatformAnswer>)[] = [
      () => Promise.resolve({ kind: 'unavailable', reason: 'GET /api/Payouts/Query: timed out' }),
      () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' }),
      () => Promise.resolve({ kind: 'refused', code: 'server_busy', message: 'try later' }),
      // An activity that fails for good (both of its attempts) is "no answer this time", too.
      () => Promise.reject(new Error('query: socket hang up')),
      () => Promise.reject(new Error('query: socket hang up')),
    ];
    platform.queryPayout = (_args, call) => (answers[call - 1] ?? (() => Promise.resolve({ kind: 'status', status: 0 })))();
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(3 * HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', finishedAt: null, error: null });
      expect(view.nextPollAt).not.toBeNull();
      const said = view.timeline.filter((entry) => entry.event === 'platform query').map((entry) => entry.detail);
      expect(said).toEqual(
        expect.arrayContaining([
          'no answer: GET /api/Payouts/Query: timed out',
          'not found (object_not_found)',
          'server_busy: try later',
          expect.stringContaining('socket hang up'),
        ]),
      );
      expect(platform.notifications).toEqual([]);
    });
    expect(platform.count('queryPayoutAtPlatform')).toBeGreaterThan(answers.length);
  });

  test('a payout undecided beyond PAYOUT_ATTENTION_AFTER stays pending, needs attention, keeps polling at POLL_INTERVAL_MAX and continues as new without losing count', async () => {
    const platform = new FakePlatform();
    const queryTimes: number[] = [];
    let paid = false;
    platform.queryPayout = async () => {
      queryTimes.push(await env.currentTimeMs());
      return { kind: 'status', status: paid ? 1 : 0 };
    };
    const input = payoutInput({}, { continueAsNewAfterEvents: 200 });
    const { final, firstRunId, startedAt } = await withWorker(platform.activities(), async (taskQueue) => {
      const startedAt = await env.currentTimeMs();
      const handle = await start(taskQueue, input);
      await env.sleep(26 * HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', needsAttention: true, finishedAt: null });
      expect(view.attentionReasons).toEqual([expect.stringMatching(/^no decision after /)]);
      expect(view.nextPollAt).not.toBeNull();
      paid = true;
      return { final: await handle.result(), firstRunId: handle.firstExecutionRunId, startedAt };
    });
    expect(final).toMatchObject({ status: 'succeeded', needsAttention: true });
    expect(events(final)).toContain('needs attention');

    // Still polling after the threshold, at the slow rate only.
    const attentionAt = startedAt + TEST_TIMEOUTS.payoutAttentionAfterMs;
    const late = queryTimes.filter((t) => t >= attentionAt);
    expect(late.length).toBeGreaterThanOrEqual(12);
    const lateGaps = late.slice(1).map((t, i) => t - late[i]);
    for (const gap of lateGaps) {
      expect(gap).toBeGreaterThanOrEqual(TEST_TIMEOUTS.pollIntervalMaxMs);
      expect(gap).toBeLessThanOrEqual(TEST_TIMEOUTS.pollIntervalMaxMs + 5_000);
    }

    // History stays bounded: the first run continued as new, and the count carried over.
    const firstRun = await env.client.workflow.getHandle(payoutWorkflowId(input.request.mrn), firstRunId).fetchHistory();
    const continued = firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued).toBeTruthy();
    expect(firstRun.events!.length).toBeLessThan(300);
    expect(final.poll.attempts).toBe(platform.count('queryPayoutAtPlatform'));
    expect(final.poll.attempts).toBeGreaterThan(140);

    // The next run starts from the state alone: the bank account is not carried into it.
    const secondRun = await env.client.workflow.getHandle(payoutWorkflowId(input.request.mrn), continued!.newExecutionRunId!).fetchHistory();
    const payload = secondRun.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload;
    expect(Buffer.from(payload.data!).toString('utf8')).not.toContain(input.request.accountNumber);
    const carried = defaultPayloadConverter.fromPayload<PayoutWorkflowInput>(payload);
    expect(carried.request).toMatchObject({ mrn: input.request.mrn, accountName: '', accountNumber: '' });
    expect(carried.resume).toMatchObject({ status: 'pending', accountNumberMasked: '****0123', accountNameMasked: '张*' });
    expect(carried.resume?.poll.attempts).toBeGreaterThan(0);

    expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.succeeded', needsAttention: true })]);
  });
});

describe('operators', () => {
  test('a re-check with a reason queries the platform at once (callback=true) and applies the answer', async () => {
    const platform = new FakePlatform();
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(5 * MINUTE);
      expect(await recheck(handle, { reason: 'merchant is asking' })).toMatchObject({ status: 'pending', lastPlatformAnswer: 'status 0 (pending)' });
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      const view = await recheck(handle, { reason: 'support says it went out' });
      expect(view.status).toBe('succeeded');
      return handle.result();
    });
    expect(final.status).toBe('succeeded');
    expect(queryArgs(platform)).toEqual([
      { mrn: input.request.mrn, callback: true },
      { mrn: input.request.mrn, callback: true },
    ]);
    expect(final.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'operator: re-check now', detail: 'merchant is asking' }),
        expect.objectContaining({ event: 'operator: re-check now', detail: 'support says it went out' }),
      ]),
    );
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('a re-check without a reason, or with a too short one, is rejected by the validator and queries nothing', async () => {
    const platform = new FakePlatform();
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      for (const request of [{ reason: '' }, { reason: '  x ' }, {} as OperatorRequest]) {
        expect(await refusal(recheck(handle, request))).toMatchObject({ type: REASON_REQUIRED });
      }
      expect(await refusal(resolve(handle, { outcome: 'failed', reason: '' }))).toMatchObject({ type: REASON_REQUIRED });
      expect(await refusal(resolve(handle, { outcome: 'lost' as 'failed', reason: 'a good reason' }))).toMatchObject({ type: REASON_REQUIRED });
      const view = await handle.query(payoutStatus);
      expect(view.status).toBe('pending');
      expect(events(view)).not.toContain('operator: re-check now');
    });
    expect(platform.count('queryPayoutAtPlatform')).toBe(0);
  });

  // Until issue 9 this resolved as failed while the platform answered 0: the platform could still pay it.
  test('resolved as failed once the platform answers 2 (refused while it answered 0): failed, with the resolution and the reason on record', async () => {
    const platform = new FakePlatform();
    const reason = 'platform support confirmed the payout was cancelled (ticket 4711)';
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(2 * HOUR);
      expect(await refusal(resolve(handle, { outcome: 'failed', reason }))).toMatchObject({ type: UNCONFIRMED_BY_PLATFORM, message: expect.stringContaining('status 0') });
      // The polls (callback=true) still hear 0; the resolution's own query (callback=false) hears 2.
      platform.queryPayout = (args) => Promise.resolve({ kind: 'status', status: args.callback ? 0 : 2 });
      const view = await resolve(handle, { outcome: 'failed', reason });
      expect(view).toMatchObject({ status: 'failed', resolution: { outcome: 'failed', reason } });
      return handle.result();
    });
    expect(final.status).toBe('failed');
    expect(final.resolution).toEqual({ outcome: 'failed', reason, at: expect.any(String) });
    expect(final.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'operator: resolve as failed', detail: reason }),
        expect.objectContaining({ event: 'resolved manually as failed', detail: expect.stringContaining(reason) }),
      ]),
    );
    expect(queryArgs(platform).at(-1)).toEqual({ mrn: input.request.mrn, callback: false });
    expect(notified(platform)).toEqual(['payout.failed']);
  });

  test('resolved as succeeded while the platform answers 0: succeeded, with the resolution on record', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await resolve(handle, { outcome: 'succeeded', reason: 'bank statement shows the transfer' });
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: { outcome: 'succeeded', reason: 'bank statement shows the transfer' } });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('resolving as failed while the platform answers 1 is refused (ContradictedByPlatform); the payout stays pending and later succeeds', async () => {
    const platform = new FakePlatform();
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(5 * MINUTE);
      const refused = await refusal(resolve(handle, { outcome: 'failed', reason: 'merchant says nothing arrived' }));
      expect(refused.type).toBe(CONTRADICTED_BY_PLATFORM);
      expect(refused.message).toContain('status 1');
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', resolution: null });
      expect(events(view)).toContain('manual resolution refused');
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: null });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('resolving a payout that is already settled is refused (NotPending)', async () => {
    const platform = new FakePlatform();
    // The merchant's endpoint is down for a while: the settled run stays open, retrying.
    platform.notify = (_args, attempt) => Promise.resolve(attempt < 3 ? { ok: false, error: 'HTTP 503' } : { ok: true, httpStatus: 200 });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await handle.signal(payoutCallback, callback(handle));
      await waitForStatus(handle, 'succeeded');
      for (const outcome of ['failed', 'succeeded'] as const) {
        expect(await refusal(resolve(handle, { outcome, reason: 'too late' }))).toMatchObject({ type: NOT_PENDING });
      }
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: null });
    expect(platform.count('queryPayoutAtPlatform')).toBe(0);
  });

  test('a callback that settles the payout while the resolution is asking the platform wins; the resolution is refused (NotPending)', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      platform.queryPayout = async () => {
        await handle.signal(payoutCallback, callback(handle));
        return { kind: 'status', status: 1 };
      };
      expect(await refusal(resolve(handle, { outcome: 'succeeded', reason: 'support confirmed' }))).toMatchObject({ type: NOT_PENDING });
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: null });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('resolving as failed while the create is unanswered is refused (NotPending): our own retry could still create the payout', async () => {
    const platform = new FakePlatform();
    const createAnswer = deferred<PayoutCreateResult>();
    platform.createPayout = () => createAnswer.promise;
    platform.queryPayout = () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      try {
        await waitForStatus(handle, 'creating');
        const refused = await refusal(resolve(handle, { outcome: 'failed', reason: 'the platform is down, give up' }));
        expect(refused).toMatchObject({ type: NOT_PENDING, message: expect.stringContaining('still being created') });
      } finally {
        // And rightly so: the create lands after all (released in any case: the worker waits for its activities).
        createAnswer.resolve({ kind: 'accepted' });
      }
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: null });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('resolving as succeeded while the create is unanswered settles the payout; the late create answer changes nothing', async () => {
    const platform = new FakePlatform();
    const createAnswer = deferred<PayoutCreateResult>();
    platform.createPayout = () => createAnswer.promise;
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      try {
        await waitForStatus(handle, 'creating');
        const view = await resolve(handle, { outcome: 'succeeded', reason: 'support sees the payout paid out' });
        expect(view).toMatchObject({ status: 'succeeded', resolution: { outcome: 'succeeded' } });
      } finally {
        createAnswer.resolve({ kind: 'accepted' });
      }
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: { outcome: 'succeeded', reason: 'support sees the payout paid out' } });
    expect(events(final)).toEqual(expect.arrayContaining(['operator takes over', 'resolved manually as succeeded']));
    expect(events(final)).not.toContain('created at platform');
    expect(platform.count('createPayoutAtPlatform')).toBe(1);
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });
});

describe('what the merchant and the operators see', () => {
  test('a callback with an amount different from the payout is not applied and flagged; a later query 1 still settles it, flags kept', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const input = payoutInput();
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
      await handle.signal(payoutCallback, callback(handle, 49_900));
      const view = await viewWhen(handle, (v) => v.needsAttention);
      expect(view).toMatchObject({ status: 'pending', amountMismatch: true, needsAttention: true });
      expect(view.attentionReasons).toEqual([expect.stringContaining('499 CNY')]);
      expect(view.timeline).toContainEqual(expect.objectContaining({ event: 'callback with a different amount', detail: expect.stringContaining('not applied') }));
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', amountMismatch: true, needsAttention: true });
    expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.succeeded', amountMismatch: true, needsAttention: true })]);
  });

  test('an amount mismatch raised attention first; a payout still undecided after PAYOUT_ATTENTION_AFTER adds that reason too', async () => {
    const platform = new FakePlatform();
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await handle.signal(payoutCallback, callback(handle, 49_900));
      await env.sleep(26 * HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', needsAttention: true, amountMismatch: true });
      expect(view.attentionReasons).toEqual([expect.stringContaining('callback amount'), expect.stringMatching(/^no decision after /)]);
    });
  });

  test('a success callback after the payout failed is recorded and flagged, never applied', async () => {
    const platform = new FakePlatform();
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 2 });
    // The merchant's endpoint is down for now: the failed run stays open, retrying the notification.
    let merchantUp = false;
    platform.notify = () => Promise.resolve(merchantUp ? { ok: true, httpStatus: 200 } : { ok: false, error: 'HTTP 503' });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(45 * MINUTE);
      expect((await handle.query(payoutStatus)).status).toBe('failed');
      await handle.signal(payoutCallback, callback(handle));
      const view = await viewWhen(handle, (v) => v.needsAttention);
      expect(view).toMatchObject({ status: 'failed', needsAttention: true });
      expect(view.attentionReasons).toEqual(['success callback after the payout was failed']);
      merchantUp = true;
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'failed', needsAttention: true });
    expect(events(final)).toContain('success callback after the payout was failed');
    expect(notified(platform)).toEqual(['payout.failed']);
  });

  test('the status view masks the bank account: ****0123 and 张*, never the full number', async () => {
    const platform = new FakePlatform();
    const input = payoutInput();
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const views: PayoutView[] = [await handle.query(payoutStatus)];
      await handle.signal(payoutCallback, callback(handle));
      await handle.result();
      views.push(await handle.query(payoutStatus));
      for (const view of views) {
        expect(view).toMatchObject({ accountNumber: '****0123', accountName: '张*', bankName: '中国工商银行', amount: '500' });
        expect(JSON.stringify(view)).not.toContain(input.request.accountNumber);
        expect(JSON.stringify(view)).not.toContain(input.request.accountName);
      }
    });
    expect(JSON.stringify(platform.notifications)).not.toContain(input.request.accountNumber);
  });

  test('the merchant notification is retried with the same event id until the receiver answers 2xx', async () => {
    const platform = new FakePlatform();
    platform.notify = (_args, attempt) => Promise.resolve(attempt < 4 ? { ok: false, error: 'HTTP 500' } : { ok: true, httpStatus: 200 });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await handle.signal(payoutCallback, callback(handle));
      return handle.result();
    });
    const ids = platform.calls.filter((call) => call.name === 'notifyMerchant').map((call) => (call.args as { event: { id: string } }).event.id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(1);
    expect(final.deliveries).toEqual([expect.objectContaining({ eventId: ids[0], status: 'delivered', attempts: 4, type: 'payout.succeeded' })]);
  });
});

describe('callback signals are verified by the worker before they apply', () => {
  test('a forged signal (bad signature, wrong appKey, another payout, arbitrary JSON) changes nothing and raises ForgedSignal attention; a signed one applies', async () => {
    const platform = new FakePlatform();
    const input = payoutInput();
    const { mrn } = input.request;
    const forged = {
      badSignature: { fields: signedFields('payout.callback', { amount: '500', mrn }, { ...TEST_GATEWAY, secret: 'guessed' }) },
      wrongAppKey: { fields: signedFields('payout.callback', { amount: '500', mrn }, { ...TEST_GATEWAY, appKey: 'someone-else' }) },
      anotherPayout: payoutCallbackSignal(`${mrn}-other`, PAYOUT_FEN),
      // What the signal carried before: a parsed amount, no signature.
      arbitraryJson: { amountFen: PAYOUT_FEN, receivedAt: new Date().toISOString() },
    };
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
      for (const signal of Object.values(forged)) await handle.signal(payoutCallback, signal as never);
      // Signals apply in the order they arrived: once the last is refused, all are.
      const view = await viewWhen(handle, (v) => v.attentionReasons.some((reason) => reason.includes('no fields')));
      expect(view).toMatchObject({ status: 'pending', finishedAt: null, needsAttention: true, amountMismatch: false });
      expect(view.attentionReasons).toEqual([
        'ForgedSignal: signature mismatch',
        'ForgedSignal: unknown appKey',
        'ForgedSignal: signed for another order',
        'ForgedSignal: not a signed platform callback (no fields)',
      ]);
      expect(events(view)).toContain('callback signal refused');
      expect(platform.notifications).toEqual([]);

      await handle.signal(payoutCallback, callback(handle));
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', needsAttention: true });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });
});

const APP_KEY = 'test-app';
const SECRET = 'test-secret';

interface LocalPlatformOptions {
  /** The first create of an mrn is stored at once but answered only after this long. */
  answerFirstCreateAfterMs: number;
  /** What the query answers, one after another (the last one repeats). */
  statuses: (0 | 1 | 2)[];
}

/**
 * A tiny payout platform on 127.0.0.1: checks signatures, stores payouts by mrn (answering
 * mrn_duplication to a second create) and answers queries from a script.
 */
class LocalPayoutPlatform {
  readonly orders = new Map<string, Record<string, unknown>>();
  readonly creates: { body: Record<string, unknown>; answer: string }[] = [];
  readonly queries: { mrn: string | null; callback: string | null; status: number }[] = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(private readonly options: LocalPlatformOptions) {}

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://platform');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = (body: unknown) => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/api/Payouts/Create') {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const mrn = String(body.mrn);
      if (!verify('payout.create', { ...body, amount: String(body.amount) }, SECRET).ok) {
        this.creates.push({ body, answer: 'sign_error' });
        return answer({ error: 'sign_error', errorMessage: 'bad sign' });
      }
      if (this.orders.has(mrn)) {
        this.creates.push({ body, answer: 'mrn_duplication' });
        return answer({ error: 'mrn_duplication', errorMessage: 'mrn already exists' });
      }
      this.orders.set(mrn, body);
      this.creates.push({ body, answer: 'success (after the client gave up)' });
      setTimeout(() => answer({ error: 'success', errorMessage: '' }), this.options.answerFirstCreateAfterMs);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/Payouts/Query') {
      const mrn = url.searchParams.get('mrn');
      if (!verify('payout.query', Object.fromEntries(url.searchParams), SECRET).ok) return answer({ error: 'sign_error' });
      if (mrn === null || !this.orders.has(mrn)) return answer({ error: 'object_not_found', errorMessage: 'no such order' });
      const { statuses } = this.options;
      const status = statuses[Math.min(this.queries.length, statuses.length - 1)];
      this.queries.push({ mrn, callback: url.searchParams.get('callback'), status });
      return answer({ error: 'success', result: { Mrn: mrn, status } });
    }
    res.writeHead(404).end();
  }
}

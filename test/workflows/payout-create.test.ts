/**
 * Money safety of payouts on the time-skipping test server: the create is retried by the workflow
 * (one request per activity run), and once an earlier attempt's outcome is unknown no refusal is
 * believed until the payout query confirms it; an operator cannot call a payout failed while the
 * platform may still pay it; a payout stuck creating, or a platform answering about other orders,
 * raises attention.
 */
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { OrderActivities } from '../../src/contracts/activities';
import type { payoutWorkflow } from '../../src/workflows/payout';
import {
  awaitPayoutCreation,
  payoutStatus,
  payoutWorkflowId,
  resolvePayout,
  UNCONFIRMED_BY_PLATFORM,
  type PayoutView,
  type PayoutWorkflowInput,
  type ResolveRequest,
} from '../../src/contracts/payout';
import type { PlatformAnswer } from '../../src/contracts/order';
import { FakePlatform, terminateOpenRun } from '../helpers/fake-platform';
import { HOUR, MINUTE, payoutInput } from '../helpers/orders';
import { timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([timeSkippingEnv(), workflowBundle(require.resolve('../../src/workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

type Handle = WorkflowHandleWithFirstExecutionRunId<typeof payoutWorkflow>;
const started: Handle[] = [];

/** A worker on a task queue of its own; whatever the scenario left open is terminated afterwards. */
async function withWorker<T>(activities: OrderActivities, scenario: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = uniqueName('payout-create');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  try {
    return await worker.runUntil(scenario(taskQueue));
  } finally {
    for (const handle of started.splice(0)) await terminateOpenRun(handle).catch(() => undefined);
  }
}

async function start(taskQueue: string, input: PayoutWorkflowInput): Promise<Handle> {
  const handle = await env.client.workflow.start<typeof payoutWorkflow>('payoutWorkflow', { taskQueue, workflowId: payoutWorkflowId(input.request.mrn), args: [input] });
  started.push(handle);
  return handle;
}

/** The answer POST /v1/payouts waits for: the view once the create is decided (pending, rejected…). */
const createAnswer = async (handle: Handle, input: PayoutWorkflowInput) => (await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] })).view;
const resolve = (handle: Handle, request: ResolveRequest) => handle.executeUpdate(resolvePayout, { args: [request] });

async function refusal(update: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const error: unknown = await update.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: cause.type ?? undefined, message: cause.message };
}

async function waitForView(handle: Handle, done: (view: PayoutView) => boolean, what: string): Promise<PayoutView> {
  for (let tries = 0; ; tries++) {
    const view = await handle.query(payoutStatus);
    if (done(view)) return view;
    if (tries > 100) throw new Error(`payout never reached: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const events = (view: { timeline: { event: string }[] }) => view.timeline.map((entry) => entry.event);
const notified = (platform: FakePlatform) => platform.notifications.map((event) => event.type);
const creates = (platform: FakePlatform) => platform.calls.filter((call) => call.name === 'createPayoutAtPlatform').map((call) => call.args);
const queries = (platform: FakePlatform) => platform.calls.filter((call) => call.name === 'queryPayoutAtPlatform').map((call) => call.args);

/** The first create "times out" (the platform stored it and spent the balance); the retries hear `code`. */
function firstCreateLostThenRefused(platform: FakePlatform, code: string, times: number[] = []): void {
  platform.createPayout = async (_args, attempt) => {
    times.push(await env.currentTimeMs());
    if (attempt === 1) throw new Error('create: POST /api/Payouts/Create: timed out');
    return { kind: 'refused', code, message: `platform says ${code}` };
  };
}

describe('a refusal after a create whose outcome is unknown proves nothing: the payout query decides', () => {
  test('the first create timed out after the platform stored it; the retry hears insufficient_balance; the query finds the payout: pending, then succeeded — never rejected', async () => {
    const platform = new FakePlatform();
    firstCreateLostThenRefused(platform, 'insufficient_balance');
    let paid = false;
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: paid ? 1 : 0 });
    const input = payoutInput();

    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(MINUTE); // past the workflow's retry backoff
      const answered = await createAnswer(handle, input);
      expect(answered).toMatchObject({ status: 'pending', error: null, lastPlatformAnswer: 'status 0 (pending)' });
      expect(answered.timeline).toContainEqual(
        expect.objectContaining({ event: 'created at platform', detail: expect.stringContaining('insufficient_balance, confirmed ours by query') }),
      );
      paid = true;
      return handle.result();
    });

    expect(final).toMatchObject({ status: 'succeeded', error: null });
    expect(creates(platform)).toHaveLength(2);
    expect(creates(platform)[1]).toEqual(creates(platform)[0]);
    // The confirming query does not ask for a re-sent callback; the later poll does.
    expect(queries(platform)[0]).toEqual({ mrn: input.request.mrn, callback: false });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test.each(['invalid_data', 'sign_error', 'object_not_found', 'mrn_duplication', 'system_busy'])(
    'after a create without answer, a retry answered %s is confirmed by the query; status 2 there ends the payout failed, not rejected',
    async (code) => {
      const platform = new FakePlatform();
      firstCreateLostThenRefused(platform, code);
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 2 });

      const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());

      expect(final).toMatchObject({ status: 'failed', error: null, foreignDuplicate: false });
      expect(final.lastPlatformAnswer).toBe('status 2 (failed)');
      expect(events(final)).toEqual(expect.arrayContaining(['create: no answer', 'create refused after an attempt without answer', 'created at platform', 'platform query: payout failed']));
      expect(notified(platform)).toEqual(['payout.failed']);
    },
  );

  test('"not found" rejects only when answered twice, the second time PAYOUT_NOT_FOUND_CONFIRM after the last create attempt; the error is the create\'s refusal', async () => {
    const platform = new FakePlatform();
    const createTimes: number[] = [];
    firstCreateLostThenRefused(platform, 'insufficient_balance', createTimes);
    const queryTimes: number[] = [];
    platform.queryPayout = async () => {
      queryTimes.push(await env.currentTimeMs());
      return { kind: 'not_found', message: 'object_not_found' };
    };
    const confirmMs = 20 * MINUTE;
    const input = payoutInput({}, { payoutNotFoundConfirmMs: confirmMs });

    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const once = await waitForView(handle, (v) => events(v).includes('not found once'), 'the first "not found"');
      expect(once).toMatchObject({ status: 'creating', error: null });
      await env.sleep(confirmMs / 2);
      expect((await handle.query(payoutStatus)).status).toBe('creating');
      return handle.result();
    });

    expect(final).toMatchObject({ status: 'rejected', error: { code: 'insufficient_balance', message: 'platform says insufficient_balance' } });
    expect(queryTimes).toHaveLength(2);
    expect(queryTimes[1] - createTimes[1]).toBeGreaterThanOrEqual(confirmMs);
    expect(queryTimes[1] - createTimes[1]).toBeLessThan(confirmMs + MINUTE);
    expect(events(final)).toContain('platform refused the payout; its query confirms nothing was created');
    expect(platform.notifications).toEqual([expect.objectContaining({ type: 'payout.rejected', errorCode: 'insufficient_balance' })]);
  });

  test('a first "not found" is not believed: the slow first request lands, the second query finds it, and the payout succeeds', async () => {
    const platform = new FakePlatform();
    firstCreateLostThenRefused(platform, 'insufficient_balance');
    let asked = 0;
    platform.queryPayout = () => Promise.resolve(++asked === 1 ? { kind: 'not_found', message: 'object_not_found' } : { kind: 'status', status: 1 });

    const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());

    expect(final).toMatchObject({ status: 'succeeded', error: null });
    expect(events(final)).toEqual(expect.arrayContaining(['not found once', 'created at platform', 'platform query: paid out']));
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('mrn_duplication is never rejected: "not found" twice keeps the payout creating, asking, with attention', async () => {
    const platform = new FakePlatform();
    firstCreateLostThenRefused(platform, 'mrn_duplication');
    platform.queryPayout = () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' });

    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'creating', needsAttention: true, error: null });
      expect(view.attentionReasons).toEqual([expect.stringContaining('mrn_duplication, yet the payout query does not find it')]);
      expect(platform.notifications).toEqual([]);
    });
    expect(platform.count('queryPayoutAtPlatform')).toBeGreaterThan(3);
    expect(platform.count('createPayoutAtPlatform')).toBe(2);
  });

  test('a confirming query that is refused or unanswered keeps the payout creating and asks again later, with the same result once it answers', async () => {
    const platform = new FakePlatform();
    firstCreateLostThenRefused(platform, 'insufficient_balance');
    const answers: PlatformAnswer[] = [
      { kind: 'refused', code: 'sign_error', message: 'bad sign' },
      { kind: 'unavailable', reason: 'GET /api/Payouts/Query: timed out' },
      { kind: 'unavailable', reason: 'answer is about another order: result.Mrn "W-other", not the mrn asked for', wrongOrder: true },
    ];
    platform.queryPayout = (_args, call) => Promise.resolve(answers[call - 1] ?? { kind: 'status', status: 1 });

    const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());

    expect(final.status).toBe('succeeded');
    expect(platform.count('queryPayoutAtPlatform')).toBe(4);
    expect(platform.count('createPayoutAtPlatform')).toBe(2);
  });

  test('without an earlier unknown outcome nothing changes: insufficient_balance on the only attempt is rejected at once, no query', async () => {
    const platform = new FakePlatform();
    platform.createPayout = () => Promise.resolve({ kind: 'refused', code: 'insufficient_balance', message: 'balance too low' });

    const final = await withWorker(platform.activities(), async (taskQueue) => (await start(taskQueue, payoutInput())).result());

    expect(final).toMatchObject({ status: 'rejected', error: { code: 'insufficient_balance' } });
    expect(platform.count('queryPayoutAtPlatform')).toBe(0);
  });

  test('each create request is its own activity run: a retry comes from the workflow after a durable backoff of 2 s doubling', async () => {
    const platform = new FakePlatform();
    const times: number[] = [];
    platform.createPayout = async (_args, attempt) => {
      times.push(await env.currentTimeMs());
      if (attempt <= 3) throw new Error('create: connection reset');
      return { kind: 'accepted' };
    };
    const input = payoutInput();

    const view = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(MINUTE);
      return createAnswer(handle, input);
    });

    expect(view.status).toBe('pending');
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(2_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(4_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(8_000);
    expect(view.timeline).toContainEqual(expect.objectContaining({ event: 'create: no answer', count: 3 }));
  });
});

describe('a payout stuck creating raises attention after PAYOUT_ATTENTION_AFTER', () => {
  const stuck: [string, (platform: FakePlatform) => void][] = [
    ['the platform is down', (platform) => (platform.createPayout = () => Promise.reject(new Error('create: connect ECONNREFUSED')))],
    ['the create keeps answering an unknown code', (platform) => {
      platform.createPayout = () => Promise.resolve({ kind: 'refused', code: 'system_busy', message: 'try later' });
      platform.queryPayout = () => Promise.resolve({ kind: 'unavailable', reason: 'GET /api/Payouts/Query: HTTP 502' });
    }],
    ['the confirming query is refused', (platform) => {
      firstCreateLostThenRefused(platform, 'insufficient_balance');
      platform.queryPayout = () => Promise.resolve({ kind: 'refused', code: 'sign_error', message: 'bad sign' });
    }],
  ];

  test.each(stuck)('when %s: still creating, GET answers, needsAttention with the reason, and the platform is still asked', async (_what, arrange) => {
    const platform = new FakePlatform();
    arrange(platform);
    const input = payoutInput({}, { payoutAttentionAfterMs: 2 * HOUR });
    const asked = () => platform.count('createPayoutAtPlatform') + platform.count('queryPayoutAtPlatform');

    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(HOUR);
      expect(await handle.query(payoutStatus)).toMatchObject({ status: 'creating', needsAttention: false });
      await env.sleep(90 * MINUTE);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'creating', needsAttention: true, finishedAt: null });
      expect(view.attentionReasons).toEqual([expect.stringMatching(/^no decision after .*the platform has not confirmed the create/)]);
      const askedBefore = asked();
      await env.sleep(30 * MINUTE);
      expect(asked()).toBeGreaterThanOrEqual(askedBefore + 5);
    });
    expect(platform.notifications).toEqual([]);
  });

  test('a long stuck create continues as new carrying the bank account (the next run still creates with it), and still succeeds', async () => {
    const platform = new FakePlatform();
    let up = false;
    platform.createPayout = () => (up ? Promise.resolve({ kind: 'accepted' }) : Promise.reject(new Error('create: connect ECONNREFUSED')));
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
    const input = payoutInput({}, { continueAsNewAfterEvents: 120 });

    const { final, firstRunId } = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await env.sleep(6 * HOUR);
      expect((await handle.query(payoutStatus)).status).toBe('creating');
      up = true;
      return { final: await handle.result(), firstRunId: handle.firstExecutionRunId };
    });

    expect(final.status).toBe('succeeded');
    const sent = creates(platform);
    expect(sent.length).toBeGreaterThan(20);
    for (const args of sent) expect(args).toEqual(creates(platform)[0]);
    expect(sent.at(-1)).toMatchObject({ accountNumber: input.request.accountNumber, accountName: input.request.accountName });
    const firstRun = await env.client.workflow.getHandle(payoutWorkflowId(input.request.mrn), firstRunId).fetchHistory();
    const continued = firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued).toBeTruthy();
    const secondRun = await env.client.workflow.getHandle(payoutWorkflowId(input.request.mrn), continued!.newExecutionRunId!).fetchHistory();
    const carried = defaultPayloadConverter.fromPayload<PayoutWorkflowInput>(secondRun.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as Payload);
    expect(carried.resume).toMatchObject({ status: 'creating', create: { outcomeUnknown: true } });
    expect(carried.request.accountNumber).toBe(input.request.accountNumber);
  });
});

describe('the platform answers about another order', () => {
  test('query answers naming another mrn are no answer: not applied, logged, and three of them raise attention', async () => {
    const platform = new FakePlatform();
    platform.queryPayout = () =>
      Promise.resolve({ kind: 'unavailable', reason: 'answer is about another order: result.Mrn "W-other", not the mrn asked for', wrongOrder: true });

    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(3 * HOUR);
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', needsAttention: true, finishedAt: null });
      expect(view.attentionReasons).toEqual(["the platform's query answered about another order 3 times"]);
      expect(view.timeline).toContainEqual(expect.objectContaining({ event: 'platform query', detail: expect.stringContaining('answer is about another order') }));
    });
  });
});

describe('an operator cannot call a payout failed while the platform may still pay it', () => {
  test('resolve failed while the platform answers status 0 is refused (409-mapped, with its answer); the payout stays pending', async () => {
    const platform = new FakePlatform();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(2 * HOUR);
      const refused = await refusal(resolve(handle, { outcome: 'failed', reason: 'merchant says it never arrived' }));
      expect(refused).toMatchObject({ type: UNCONFIRMED_BY_PLATFORM, message: expect.stringContaining('status 0 (pending)') });
      const view = await handle.query(payoutStatus);
      expect(view).toMatchObject({ status: 'pending', resolution: null });
      expect(view.timeline).toContainEqual(expect.objectContaining({ event: 'manual resolution refused', detail: expect.stringContaining('status 0') }));
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      return handle.result();
    });
    expect(final).toMatchObject({ status: 'succeeded', resolution: null });
    expect(notified(platform)).toEqual(['payout.succeeded']);
  });

  test('resolve failed while the platform cannot be reached is refused with "no answer"', async () => {
    const platform = new FakePlatform();
    await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await waitForView(handle, (v) => v.status === 'pending', 'pending');
      platform.queryPayout = () => Promise.reject(new Error('query: connect ECONNREFUSED'));
      const refused = await refusal(resolve(handle, { outcome: 'failed', reason: 'give up on it' }));
      expect(refused).toMatchObject({ type: UNCONFIRMED_BY_PLATFORM, message: expect.stringContaining('no answer') });
      expect((await handle.query(payoutStatus)).status).toBe('pending');
    });
  });

  test('"not found" allows failed only when confirmed: refused the first time, allowed when asked again PAYOUT_NOT_FOUND_CONFIRM after the create', async () => {
    const platform = new FakePlatform();
    platform.queryPayout = () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' });
    const input = payoutInput();
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await createAnswer(handle, input);
      const first = await refusal(resolve(handle, { outcome: 'failed', reason: 'support cannot find it' }));
      expect(first).toMatchObject({ type: UNCONFIRMED_BY_PLATFORM, message: expect.stringContaining('not found') });
      expect(first.message).toContain('counts when answered again');
      await env.sleep(6 * MINUTE);
      const view = await resolve(handle, { outcome: 'failed', reason: 'support cannot find it, still' });
      expect(view).toMatchObject({ status: 'failed', resolution: { outcome: 'failed' } });
      return handle.result();
    });
    expect(final.status).toBe('failed');
    expect(notified(platform)).toEqual(['payout.failed']);
  });

  test('while creating after an unanswered attempt, status 2 at the platform lets an operator resolve failed', async () => {
    const platform = new FakePlatform();
    firstCreateLostThenRefused(platform, 'system_busy');
    platform.queryPayout = () => Promise.resolve({ kind: 'unavailable', reason: 'GET /api/Payouts/Query: HTTP 502' });
    const final = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await start(taskQueue, payoutInput());
      await env.sleep(10 * MINUTE);
      expect((await handle.query(payoutStatus)).status).toBe('creating');
      // The next query is the resolution's own (the create loop waits minutes now, and time stands still during the update).
      let answered = false;
      platform.queryPayout = () => Promise.resolve(answered ? { kind: 'unavailable', reason: 'HTTP 502' } : ((answered = true), { kind: 'status', status: 2 }));
      const view = await resolve(handle, { outcome: 'failed', reason: 'platform support: failed' });
      expect(view).toMatchObject({ status: 'failed', resolution: { outcome: 'failed' } });
      expect(events(view)).toEqual(expect.arrayContaining(['operator takes over', 'resolved manually as failed']));
      return handle.result();
    });
    expect(final.status).toBe('failed');
    expect(notified(platform)).toEqual(['payout.failed']);
  });
});

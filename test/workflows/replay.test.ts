/**
 * Replay: every branch of the order workflows is kept as a recorded history in
 * test/fixtures/histories/<kind>-<branch>.json and replayed against the current workflow code, so a
 * change that would break running workflows (a new command, a reordered timer, an activity renamed —
 * nondeterminism) fails here before it reaches a worker.
 *
 * `npm run record-histories` (RECORD_HISTORIES=1) first runs each branch on a time-skipping server
 * and writes its history again; see the README ("Replay fixtures") for when that is right and when
 * the change needs `patched()` instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { OrderActivities } from '../../src/contracts/activities';
import { reconciliationDifferenceSignal } from '../../src/contracts/order-record';
import {
  awaitPaymentCreation,
  paymentCallback,
  paymentStatus,
  paymentWorkflowId,
  type PaymentView,
  type PaymentWorkflowInput,
} from '../../src/contracts/payment';
import type { paymentWorkflow } from '../../src/workflows/payment';
import {
  awaitPayoutCreation,
  payoutCallback,
  payoutStatus,
  payoutWorkflowId,
  resolvePayout,
  type PayoutView,
  type PayoutWorkflowInput,
} from '../../src/contracts/payout';
import type { payoutWorkflow } from '../../src/workflows/payout';
import { paymentCallbackSignal, payoutCallbackSignal, signedFields, TEST_GATEWAY } from '../helpers/callbacks';
import { FakePlatform } from '../helpers/fake-platform';
import { HOUR, MINUTE, paymentInput, payoutInput } from '../helpers/orders';
import { installQuietRuntime, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const FIXTURES = join(__dirname, '../fixtures/histories');
const RECORDING = process.env.RECORD_HISTORIES === '1';

/** Every branch that must have a fixture: a deleted or renamed one fails the check below. */
const BRANCHES = [
  'payment-happy',
  'payment-lost-callback',
  'payment-expiry',
  'payment-late-success',
  'payment-amount-mismatch',
  'payment-page-mode',
  'payment-forged-signal',
  'payment-order-book',
  'payment-patch-generation',
  'payment-local-activity-lane',
  'payout-happy',
  'payout-ambiguous-create',
  'payout-foreign-duplicate',
  'payout-needs-attention',
  'payout-operator-resolution',
  'payout-continue-as-new',
  'payout-continue-as-new-resumed',
  'payout-forged-signal',
  'payout-order-book',
  'payout-patch-generation',
  'payout-local-activity-lane',
] as const;
type Branch = (typeof BRANCHES)[number];

let bundle: WorkflowBundle;

beforeAll(async () => {
  installQuietRuntime(); // the replay workers' state changes are not news
  bundle = await workflowBundle(require.resolve('../../src/workflows'));
});

// ---- Recording (RECORD_HISTORIES=1) ------------------------------------------------------------

/** Writes one history, atomically, as the JSON `temporal workflow show --output json` also reads. */
function writeFixture(branch: Branch, history: temporal.api.history.v1.IHistory): void {
  mkdirSync(FIXTURES, { recursive: true });
  // Failure stack traces name files by absolute path: keep them relative to the repository.
  const json = historyToJSON(history).split(`${join(__dirname, '../..')}/`).join('');
  // Histories are recorded without the payload codec: nothing secret may be in them.
  if (json.includes(TEST_GATEWAY.secret)) throw new Error(`${branch}: the gateway secret is in the history`);
  const file = join(FIXTURES, `${branch}.json`);
  writeFileSync(`${file}.partial`, `${json}\n`);
  renameSync(`${file}.partial`, file);
}

type PaymentHandle = WorkflowHandleWithFirstExecutionRunId<typeof paymentWorkflow>;
type PayoutHandle = WorkflowHandleWithFirstExecutionRunId<typeof payoutWorkflow>;

async function until<V>(read: () => Promise<V>, done: (view: V) => boolean, what: string): Promise<V> {
  for (const deadline = Date.now() + 20_000; ; ) {
    const view = await read();
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`never ${what}: ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fixed mrns: a recorded history names its order, and a fresh recording then differs only where the code does. */
const mrn = (branch: Branch) => `${branch.startsWith('payment') ? 'P' : 'W'}-replay-${branch.replace(/^(payment|payout)-/, '')}`;

// Defined only when recording: `npm test` lists no skipped tests for it.
if (RECORDING) describe('recording (RECORD_HISTORIES=1)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await timeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function withWorker<T>(activities: OrderActivities, scenario: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = 'replay-recording';
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    return await worker.runUntil(scenario(taskQueue));
  }

  const startPayment = (taskQueue: string, input: PaymentWorkflowInput): Promise<PaymentHandle> =>
    env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', { taskQueue, workflowId: paymentWorkflowId(input.request.mrn), args: [input] });
  const startPayout = (taskQueue: string, input: PayoutWorkflowInput): Promise<PayoutHandle> =>
    env.client.workflow.start<typeof payoutWorkflow>('payoutWorkflow', { taskQueue, workflowId: payoutWorkflowId(input.request.mrn), args: [input] });

  /** Runs a pay-in branch to its end (or to `scenario`'s end, then terminates it) and records its history. */
  async function recordPayment(branch: Branch, platform: FakePlatform, scenario: (handle: PaymentHandle) => Promise<unknown>, overrides: Partial<PaymentWorkflowInput['request']> = {}) {
    const input = paymentInput({ mrn: mrn(branch), ...overrides });
    const handle = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await startPayment(taskQueue, input);
      await scenario(handle);
      return handle;
    });
    writeFixture(branch, await handle.fetchHistory());
  }

  async function recordPayout(branch: Branch, platform: FakePlatform, scenario: (handle: PayoutHandle, input: PayoutWorkflowInput) => Promise<unknown>, timeouts: Partial<PayoutWorkflowInput['timeouts']> = {}) {
    const input = payoutInput({ mrn: mrn(branch) }, timeouts);
    const handle = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await startPayout(taskQueue, input);
      await scenario(handle, input);
      return handle;
    });
    writeFixture(branch, await handle.fetchHistory());
    return handle;
  }

  const payIn = (handle: { workflowId: string }, amountFen: number, originAmountFen = 10_000) =>
    paymentCallbackSignal(handle.workflowId.slice('payment-'.length), amountFen, originAmountFen);
  const payOut = (handle: { workflowId: string }, amountFen = 50_000) => payoutCallbackSignal(handle.workflowId.slice('payout-'.length), amountFen);
  const paymentView = (handle: PaymentHandle, done: (view: PaymentView) => boolean, what: string) => until(() => handle.query(paymentStatus), done, what);
  const payoutView = (handle: PayoutHandle, done: (view: PayoutView) => boolean, what: string) => until(() => handle.query(payoutStatus), done, what);

  test('payment-happy: the callback comes in time', async () => {
    await recordPayment('payment-happy', new FakePlatform(), async (handle) => {
      await env.sleep(2 * MINUTE);
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect((await handle.result()).status).toBe('succeeded');
    });
  });

  test('payment-lost-callback: no callback, the query says paid, the re-sent callback brings the amount', async () => {
    const platform = new FakePlatform();
    let handleOf: PaymentHandle | undefined;
    platform.queryPayment = async ({ callback: resend }) => {
      if (resend && handleOf) await handleOf.signal(paymentCallback, payIn(handleOf, 10_000));
      return { kind: 'status', status: 1 };
    };
    await recordPayment('payment-lost-callback', platform, async (handle) => {
      handleOf = handle;
      expect(await handle.result()).toMatchObject({ status: 'succeeded', paidAmountFen: 10_000 });
    });
  });

  test('payment-expiry: the query keeps answering pending until PAYMENT_EXPIRY', async () => {
    await recordPayment('payment-expiry', new FakePlatform(), async (handle) => {
      expect((await handle.result()).status).toBe('expired');
    });
  });

  test('payment-late-success: a success after expiry, within the late window', async () => {
    await recordPayment('payment-late-success', new FakePlatform(), async (handle) => {
      await env.sleep(3 * HOUR);
      expect((await handle.query(paymentStatus)).status).toBe('expired');
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', late: true });
    });
  });

  test('payment-amount-mismatch: the paid amount differs; a callback for another amount is never applied', async () => {
    await recordPayment('payment-amount-mismatch', new FakePlatform(), async (handle) => {
      await handle.signal(paymentCallback, payIn(handle, 5_000, 5_000));
      await paymentView(handle, (view) => view.needsAttention, 'flagged');
      await handle.signal(paymentCallback, payIn(handle, 9_990));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', paidAmountFen: 9_990, amountMismatch: true });
    });
  });

  test('payment-page-mode: the signed form, "not found" until the payer submits, then the callback', async () => {
    const platform = new FakePlatform();
    const form = { action: 'https://gw.example.com/api/Pay', fields: { amount: '100.00', sign: 'x' } };
    platform.createPayment = () => Promise.resolve({ kind: 'page', form });
    platform.queryPayment = () => Promise.resolve({ kind: 'not_found', message: 'object_not_found' });
    await recordPayment(
      'payment-page-mode',
      platform,
      async (handle) => {
        const input = paymentInput({ mrn: mrn('payment-page-mode') });
        await handle.executeUpdate(awaitPaymentCreation, { args: [{ requestHash: input.requestHash }] });
        await env.sleep(30 * MINUTE);
        await handle.signal(paymentCallback, payIn(handle, 10_000));
        expect((await handle.result()).status).toBe('succeeded');
      },
      { mode: 'page' },
    );
  });

  test('payment-forged-signal: refused signals raise ForgedSignal attention, a signed one applies', async () => {
    await recordPayment('payment-forged-signal', new FakePlatform(), async (handle) => {
      const values = { amount: '100.00', channel: '2', mrn: mrn('payment-forged-signal'), originAmount: '100.00' };
      await handle.signal(paymentCallback, { fields: signedFields('payment.callback', values, { ...TEST_GATEWAY, secret: 'guessed' }), receivedAt: new Date().toISOString() });
      await handle.signal(paymentCallback, { amountFen: 10_000, receivedAt: new Date().toISOString() } as never);
      await paymentView(handle, (view) => view.attentionReasons.length === 2, 'flagged twice');
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
    });
  });

  test('payment-order-book: every change reaches the order book; a reconciliation difference raises attention', async () => {
    const platform = new FakePlatform();
    platform.notify = (_args, attempt) => Promise.resolve(attempt === 1 ? { ok: false, error: 'HTTP 503' } : { ok: true, httpStatus: 200 });
    await recordPayment('payment-order-book', platform, async (handle) => {
      await paymentView(handle, (view) => view.status === 'pending', 'created');
      await handle.signal(reconciliationDifferenceSignal, { date: '2026-12-01', difference: 'ours pending, the platform says 1 (paid)' });
      await paymentView(handle, (view) => view.needsAttention, 'flagged');
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded', needsAttention: true });
    });
  });

  test('payment-patch-generation: a run of this generation asks one patch (forged signal, callback after the wait, book writes)', async () => {
    const platform = new FakePlatform();
    await recordPayment('payment-patch-generation', platform, async (handle) => {
      await paymentView(handle, (view) => view.status === 'pending', 'created');
      const forged = { ...payIn(handle, 10_000), fields: { ...payIn(handle, 10_000).fields, sign: 'forged' } };
      await handle.signal(paymentCallback, forged);
      await paymentView(handle, (view) => view.needsAttention, 'flagged');
      await env.sleep(20 * MINUTE);
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded' });
    });
  });

  test('payment-local-activity-lane: local activities one at a time, the book written by one (a write fails once), a forged signal, the callback', async () => {
    const platform = new FakePlatform();
    platform.book = (_args, attempt) => (attempt === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve());
    await recordPayment('payment-local-activity-lane', platform, async (handle) => {
      await paymentView(handle, (view) => view.status === 'pending', 'created');
      const forged = { ...payIn(handle, 10_000), fields: { ...payIn(handle, 10_000).fields, sign: 'forged' } };
      await handle.signal(paymentCallback, forged);
      await paymentView(handle, (view) => view.needsAttention, 'flagged');
      await handle.signal(paymentCallback, payIn(handle, 10_000));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded', needsAttention: true });
    });
  });

  test('payout-happy: the callback comes in time', async () => {
    await recordPayout('payout-happy', new FakePlatform(), async (handle) => {
      await env.sleep(2 * MINUTE);
      await handle.signal(payoutCallback, payOut(handle));
      expect((await handle.result()).status).toBe('succeeded');
    });
  });

  test('payout-ambiguous-create: the create timed out, the retry is refused, the query confirms the payout', async () => {
    const platform = new FakePlatform();
    platform.createPayout = (_args, attempt) =>
      attempt === 1
        ? Promise.reject(new Error('create: POST /api/Payouts/Create: timed out'))
        : Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    await recordPayout('payout-ambiguous-create', platform, async (handle, input) => {
      await env.sleep(MINUTE);
      const reply = await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
      expect(reply.view.status).toBe('pending');
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      expect((await handle.result()).status).toBe('succeeded');
    });
  });

  test('payout-foreign-duplicate: mrn_duplication on the first attempt waits for an operator, who resolves it failed', async () => {
    const platform = new FakePlatform();
    platform.createPayout = () => Promise.resolve({ kind: 'refused', code: 'mrn_duplication', message: 'mrn already exists' });
    await recordPayout('payout-foreign-duplicate', platform, async (handle) => {
      await env.sleep(48 * HOUR);
      expect(await handle.query(payoutStatus)).toMatchObject({ status: 'pending', needsAttention: true });
      platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
      await handle.executeUpdate(resolvePayout, { args: [{ outcome: 'failed', reason: 'support: the mrn belongs to an order from the old system' }] });
      expect(await handle.result()).toMatchObject({ status: 'failed', foreignDuplicate: true });
    });
  });

  test('payout-needs-attention: undecided past PAYOUT_ATTENTION_AFTER, then paid', async () => {
    const platform = new FakePlatform();
    await recordPayout(
      'payout-needs-attention',
      platform,
      async (handle) => {
        await env.sleep(3 * HOUR);
        expect(await handle.query(payoutStatus)).toMatchObject({ status: 'pending', needsAttention: true });
        platform.queryPayout = () => Promise.resolve({ kind: 'status', status: 1 });
        expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
      },
      { payoutAttentionAfterMs: 2 * HOUR },
    );
  });

  test('payout-operator-resolution: a resolution refused while the platform answers 0, accepted once it answers 2', async () => {
    const platform = new FakePlatform();
    const reason = 'platform support confirmed the payout was cancelled (ticket 4711)';
    await recordPayout('payout-operator-resolution', platform, async (handle) => {
      await env.sleep(2 * HOUR);
      await expect(handle.executeUpdate(resolvePayout, { args: [{ outcome: 'failed', reason }] })).rejects.toThrow();
      platform.queryPayout = (args) => Promise.resolve({ kind: 'status', status: args.callback ? 0 : 2 });
      await handle.executeUpdate(resolvePayout, { args: [{ outcome: 'failed', reason }] });
      expect(await handle.result()).toMatchObject({ status: 'failed', resolution: { outcome: 'failed', reason } });
    });
  });

  test('payout-continue-as-new: a long wait continues as new; the next run resumes and decides', async () => {
    const platform = new FakePlatform();
    let polls = 0;
    platform.queryPayout = () => Promise.resolve({ kind: 'status', status: ++polls < 12 ? 0 : 1 });
    const input = payoutInput({ mrn: mrn('payout-continue-as-new') }, { continueAsNewAfterEvents: 40, pollIntervalMaxMs: 30_000 });
    const { handle, firstRunId } = await withWorker(platform.activities(), async (taskQueue) => {
      const handle = await startPayout(taskQueue, input);
      expect((await handle.result()).status).toBe('succeeded');
      return { handle, firstRunId: handle.firstExecutionRunId };
    });
    const firstRun = await env.client.workflow.getHandle(handle.workflowId, firstRunId).fetchHistory();
    const continued = firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(continued).toBeTruthy();
    writeFixture('payout-continue-as-new', firstRun);
    writeFixture('payout-continue-as-new-resumed', await env.client.workflow.getHandle(handle.workflowId, continued!.newExecutionRunId!).fetchHistory());
  });

  test('payout-order-book: a book write that fails is retried; the run closes once the final record is written', async () => {
    const platform = new FakePlatform();
    platform.book = (_args, attempt) => (attempt === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve());
    await recordPayout('payout-order-book', platform, async (handle) => {
      await env.sleep(2 * MINUTE);
      await handle.signal(payoutCallback, payOut(handle));
      expect((await handle.result()).status).toBe('succeeded');
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded' });
    });
  });

  test('payout-patch-generation: a run of this generation asks one patch (callback in time, book writes)', async () => {
    const platform = new FakePlatform();
    await recordPayout('payout-patch-generation', platform, async (handle) => {
      await env.sleep(2 * MINUTE);
      await handle.signal(payoutCallback, payOut(handle));
      expect((await handle.result()).status).toBe('succeeded');
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded' });
    });
  });

  test('payout-local-activity-lane: the book written by a local activity (a write fails once), the callback in time', async () => {
    const platform = new FakePlatform();
    platform.book = (_args, attempt) => (attempt === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve());
    await recordPayout('payout-local-activity-lane', platform, async (handle) => {
      await env.sleep(2 * MINUTE);
      await handle.signal(payoutCallback, payOut(handle));
      expect((await handle.result()).status).toBe('succeeded');
      expect(platform.records.at(-1)).toMatchObject({ status: 'succeeded' });
    });
  });

  test('payout-forged-signal: refused signals raise ForgedSignal attention, a signed one applies', async () => {
    await recordPayout('payout-forged-signal', new FakePlatform(), async (handle, input) => {
      await handle.executeUpdate(awaitPayoutCreation, { args: [{ requestHash: input.requestHash }] });
      const forged = signedFields('payout.callback', { amount: '500', mrn: input.request.mrn }, { ...TEST_GATEWAY, secret: 'guessed' });
      await handle.signal(payoutCallback, { fields: forged, receivedAt: new Date().toISOString() });
      await payoutView(handle, (view) => view.needsAttention, 'flagged');
      await handle.signal(payoutCallback, payOut(handle));
      expect(await handle.result()).toMatchObject({ status: 'succeeded', needsAttention: true });
    });
  });
});

// ---- Replay (always) ---------------------------------------------------------------------------

/** The workflow ID a fixture ran under: `<kind>-<mrn>`, the mrn read from the (unencoded) input. */
function workflowIdOf(history: temporal.api.history.v1.IHistory): string {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const type = started?.workflowType?.name;
  const data = started?.input?.payloads?.[0]?.data;
  if (!type || !data) throw new Error('not a workflow history: no start event with an input');
  const input = JSON.parse(Buffer.from(data).toString('utf8')) as { request: { mrn: string } };
  return type === 'paymentWorkflow' ? paymentWorkflowId(input.request.mrn) : payoutWorkflowId(input.request.mrn);
}

/** Every fixture in the folder replays: the branches above, and older versions kept next to them. */
const fixtures = [...new Set<string>([...BRANCHES, ...(existsSync(FIXTURES) ? readdirSync(FIXTURES) : []).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length))])].sort();

test('the fixture folder holds a history for every workflow branch', () => {
  expect(BRANCHES.filter((branch) => !existsSync(join(FIXTURES, `${branch}.json`)))).toEqual([]);
});

test.each(fixtures)('%s replays against the current workflow code', async (name) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')));
  expect(history.events?.length).toBeGreaterThan(3);
  // Fails with a DeterminismViolationError (or the workflow's own failure) when the code no longer fits.
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowIdOf(history))).resolves.toBeUndefined();
});

/**
 * A local activity that outlives a workflow-task heartbeat (a pay-in create waiting on a slow
 * platform) lets the first run read a later Date.now() than a replay of the same history reads. A
 * command started or skipped on the clock then differs between the two, and every other worker that
 * picks the run up fails it with a nondeterminism error (found by `npm run chaos`: pay-ins stuck after a
 * worker was killed). The callback wait now starts its timer whatever the clock says, and a pay-in's
 * callback is verified (a local activity too) only once the create has answered.
 */
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { paymentCallback, paymentWorkflowId } from '../../src/contracts/payment';
import type { paymentWorkflow } from '../../src/workflows/payment';
import { mrnOf, paymentCallbackSignal } from '../helpers/callbacks';
import { FakePlatform, terminateOpenRun } from '../helpers/fake-platform';
import { paymentInput } from '../helpers/orders';
import { timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
beforeAll(async () => {
  [env, bundle] = await Promise.all([timeSkippingEnv(), workflowBundle(require.resolve('../../src/workflows'))]);
});
afterAll(async () => env?.teardown());

test('a create slower than a workflow-task heartbeat and than the callback wait: the history replays', async () => {
  const platform = new FakePlatform();
  // The heartbeat comes at 80 % of the 10 s workflow-task timeout; the create answers after 12 s,
  // past the 10 s callback wait as the first run's clock reads it, not as a replay's does.
  const input = paymentInput({}, { paymentCallbackMs: 10_000 });
  platform.createPayment = async () => {
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    return { kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=4' };
  };
  const taskQueue = uniqueName('clock-skew');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: platform.activities() });
  const history = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', { taskQueue, workflowId: paymentWorkflowId(input.request.mrn), args: [input] });
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const recorded = await handle.fetchHistory();
    await terminateOpenRun(handle);
    return recorded;
  });
  const kinds = (history.events ?? []).map((event) => Object.keys(event).find((key) => key.endsWith('EventAttributes')));
  expect(kinds).toContain('markerRecordedEventAttributes'); // the create's local-activity marker, after the heartbeat
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'clock-skew')).resolves.toBeUndefined();
}, 60_000);

test('a callback that arrives while a slow create is still running: the history replays', async () => {
  const platform = new FakePlatform();
  const input = paymentInput({}, { paymentCallbackMs: 10_000 });
  let release!: () => void;
  const answered = new Promise<void>((resolve) => (release = resolve));
  platform.createPayment = async () => {
    await answered;
    return { kind: 'created', payUrl: 'https://gw.example.com/api/Pay?id=5' };
  };
  const taskQueue = uniqueName('clock-skew');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: platform.activities() });
  const { history, final } = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof paymentWorkflow>('paymentWorkflow', { taskQueue, workflowId: paymentWorkflowId(input.request.mrn), args: [input] });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // The platform calls back before its create answer reaches us (the create outlives a workflow-task heartbeat).
    await handle.signal(paymentCallback, paymentCallbackSignal(mrnOf(handle), 10_000, 10_000));
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    release();
    const result = await handle.result();
    return { history: await handle.fetchHistory(), final: result };
  });
  expect(final).toMatchObject({ status: 'succeeded', paidAmountFen: 10_000 });
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'callback-during-create')).resolves.toBeUndefined();
}, 60_000);

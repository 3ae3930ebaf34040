/**
 * Proves the installed Temporal binaries work end to end: a worker runs a workflow with a timer and
 * an activity on the time-skipping test server and on the run's dev server. A broken install fails here.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { ORDER_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { accumulate, addUpdate, finishSignal, sleepThenGreet } from '../fixtures/smoke-workflows';
import { devServerEnv, timeSkippingEnv, uniqueName, workflowBundle } from '../helpers/temporal';

const ONE_HOUR_MS = 3_600_000;

let bundle: WorkflowBundle;

beforeAll(async () => {
  bundle = await workflowBundle(require.resolve('../fixtures/smoke-workflows'));
});

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await timeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  test('a workflow that sleeps one hour completes in seconds with its activity result', async () => {
    const taskQueue = uniqueName('smoke');
    const calls: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createSmokeActivities(calls),
    });
    const serverTimeBefore = await env.currentTimeMs();
    const wallClockBefore = Date.now();

    const result = await worker.runUntil(
      env.client.workflow.execute(sleepThenGreet, {
        taskQueue,
        workflowId: uniqueName('sleep-then-greet'),
        args: ['time-skipping', ONE_HOUR_MS],
      }),
    );

    expect(result).toBe('Hello, time-skipping!');
    expect(calls).toEqual(['time-skipping']);
    expect((await env.currentTimeMs()) - serverTimeBefore).toBeGreaterThanOrEqual(ONE_HOUR_MS);
    expect(Date.now() - wallClockBefore).toBeLessThan(30_000);
  });
});

describe('dev server', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await devServerEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  test('a workflow with a short timer and an activity completes with the activity result', async () => {
    const taskQueue = uniqueName('smoke');
    const calls: string[] = [];
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createSmokeActivities(calls),
    });

    const result = await worker.runUntil(
      env.client.workflow.execute(sleepThenGreet, {
        taskQueue,
        workflowId: uniqueName('sleep-then-greet'),
        args: ['dev server', 200],
      }),
    );

    expect(result).toBe('Hello, dev server!');
    expect(calls).toEqual(['dev server']);
  });

  test('update-with-start starts the workflow and answers the update', async () => {
    const taskQueue = uniqueName('smoke');
    const workflowId = uniqueName('accumulate');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createSmokeActivities(),
    });

    const total = await worker.runUntil(async () => {
      const startWorkflowOperation = new WithStartWorkflowOperation(accumulate, {
        taskQueue,
        workflowId,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      const afterFirst = await env.client.workflow.executeUpdateWithStart(addUpdate, { args: [5], startWorkflowOperation });
      const handle = await startWorkflowOperation.workflowHandle();
      const afterSecond = await handle.executeUpdate(addUpdate, { args: [7] });
      await handle.signal(finishSignal);
      return { afterFirst, afterSecond, result: await handle.result() };
    });

    expect(total).toEqual({ afterFirst: 5, afterSecond: 12, result: 12 });
  });

  test('the order search attributes are registered with their types', async () => {
    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });

    const cliTypeOf: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
    const registered = Object.fromEntries(
      Object.keys(ORDER_SEARCH_ATTRIBUTES).map((name) => [name, cliTypeOf[Number(customAttributes?.[name])]]),
    );
    expect(registered).toEqual(ORDER_SEARCH_ATTRIBUTES);
  });
});

/**
 * Guards the protobufjs duplicate-copy trap: historyToJSON / historyFromJSON and the replayer only
 * work when @temporalio/* and this project share one protobufjs. A real history from the dev
 * server must survive a JSON round trip unchanged and replay against the same workflow code.
 */
import { dirname } from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createSmokeActivities } from '../fixtures/smoke-activities';
import { sleepThenGreet } from '../fixtures/smoke-workflows';
import { devServerEnv, uniqueName, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([devServerEnv(), workflowBundle(require.resolve('../fixtures/smoke-workflows'))]);
});

afterAll(async () => {
  await env?.teardown();
});

test('the project and every @temporalio package load the same protobufjs', () => {
  const ours = require.resolve('protobufjs');
  for (const pkg of ['@temporalio/proto', '@temporalio/common', '@temporalio/client', '@temporalio/worker']) {
    const theirs = require.resolve('protobufjs', { paths: [dirname(require.resolve(`${pkg}/package.json`))] });
    expect({ pkg, protobufjs: theirs }).toEqual({ pkg, protobufjs: ours });
  }
});

test('a dev-server history survives historyToJSON → historyFromJSON and replays', async () => {
  const taskQueue = uniqueName('history');
  const workflowId = uniqueName('sleep-then-greet');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createSmokeActivities(),
  });
  const history = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(sleepThenGreet, { taskQueue, workflowId, args: ['history', 10] });
    await handle.result();
    return await handle.fetchHistory();
  });

  const json = historyToJSON(history);
  const parsed: unknown = JSON.parse(json);
  const roundTripped = historyFromJSON(parsed);

  // proto3 JSON is canonical (defaults omitted, enums by name): equal JSON means equal histories.
  expect(historyToJSON(roundTripped)).toBe(json);
  expect(roundTripped.events?.map((event) => [String(event.eventId), event.eventType])).toEqual(
    history.events?.map((event) => [String(event.eventId), event.eventType]),
  );
  expect(roundTripped.events?.length).toBeGreaterThanOrEqual(11); // start, 3 workflow tasks, timer, activity, completion
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, roundTripped, workflowId)).resolves.toBeUndefined();
  await expect(Worker.runReplayHistory({ workflowBundle: bundle }, parsed, workflowId)).resolves.toBeUndefined();
});

/**
 * Scenario C, the engine's ceiling: bench/ceiling-workflow.ts on its own task queue and worker.
 * The bench starts each workflow with `client.workflow.start` and signals it at once, then awaits
 * the result through its observer client, as for the other scenarios.
 *
 * Why start + signal rather than signalWithStart: an order's lifecycle costs the engine a start
 * RPC, a separate signal RPC from outside (the platform's callback, which cannot exist before the
 * order does) and a result. signalWithStart folds the first two into one RPC and one history
 * write, a shape no order can have, and so would overstate the ceiling. Start then signal keeps
 * the engine's share of an order's work and drops everything the orders add (activities, the
 * order book, updates, queries, search attributes). The signal usually reaches the server before
 * a worker has picked up the first workflow task, so that task sees both events and completes the
 * workflow (one workflow task): the cheapest the engine can carry this shape, which is what a
 * ceiling is. The table's "workflow tasks/order" row shows how often it took two.
 */
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { temporalConnectionOptions } from '../src/temporal/connection-options';
import { ceilingSignal, ceilingWorkflow, ceilingWorkflowId } from './ceiling-workflow';
import { failed, type OrderRunner } from './run';

/** The ceiling's worker (default options, like the naive one's); `stop()` shuts it down. */
export async function startCeiling(options: { temporalAddress: string; namespace: string; taskQueue: string; bundle: WorkflowBundle }): Promise<{ stop(): Promise<void> }> {
  const connection = await NativeConnection.connect(temporalConnectionOptions(process.env, options.temporalAddress));
  try {
    const worker = await Worker.create({ connection, namespace: options.namespace, taskQueue: options.taskQueue, workflowBundle: options.bundle });
    const running = worker.run();
    return {
      async stop() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/**
 * One ceiling "order": start, signal at once, await completion. Its first milestone (the column
 * start→payUrl / start→accepted) is the start RPC's answer.
 */
export function ceilingRunner(client: Client, observer: Client, taskQueue: string, mrnPrefix: string): OrderRunner {
  return async (index) => {
    const mrn = `${mrnPrefix}${index}`;
    const workflowId = ceilingWorkflowId(mrn);
    const startedAt = Date.now();
    const t0 = performance.now();
    let partial: { payUrlMs?: number; payUrlAt?: number } = {};
    try {
      const handle = await client.workflow.start(ceilingWorkflow, { workflowId, taskQueue });
      const t1 = performance.now();
      partial = { payUrlMs: t1 - t0, payUrlAt: Date.now() };
      await handle.signal(ceilingSignal);
      const result = await observer.workflow.getHandle<typeof ceilingWorkflow>(workflowId).result();
      if (result !== 'done') throw new Error(`workflow ended ${String(result)}`);
      const t2 = performance.now();
      return { mrn, workflowId, startedAt, payUrlMs: t1 - t0, payUrlAt: partial.payUrlAt ?? null, completedMs: t2 - t0, completedAt: Date.now() };
    } catch (error) {
      return failed({ mrn, workflowId, startedAt, ...partial }, error);
    }
  };
}

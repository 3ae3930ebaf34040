/**
 * `orchestrator_orders_needing_attention{kind}`: running orders flagged NeedsAttention, counted
 * through Temporal visibility once a minute by one process of the fleet, not each.
 *
 * Who counts: a lease (one per task queue: the fleet). Every worker ticks once a minute. If the lease workflow (fixed ID, on a task
 * queue nobody polls, closed by its own execution timeout just under a minute) is running, its memo
 * holds the latest counts and the worker only copies them into its gauge (one describe, no
 * visibility query). If none is running, the worker counts and starts the lease with the counts as
 * its memo; should two start at the same moment, the loser's start is refused and it takes the
 * winner's counts at its next tick. So every worker exports the same value, and a scraper may take
 * `max by (kind)` over the fleet: a worker that died stops exporting, the others carry on.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowNotFoundError, type MetricMeter } from '@temporalio/common';
import type { Logger } from 'pino';

/** One lease per fleet: the workers of one task queue. */
export const attentionLeaseWorkflowId = (taskQueue: string): string => `orchestrator-metrics-attention-count-${taskQueue}`;
/** Nobody polls it: the lease workflow never runs a task, it only exists until its timeout. */
export const ATTENTION_LEASE_TASK_QUEUE = 'orchestrator-metrics-lease';

const KINDS = ['payment', 'payout'] as const;
type Counts = Record<(typeof KINDS)[number], number>;

export interface AttentionGaugeOptions {
  client: Client;
  /** The fleet's task queue: its orders are counted, its workers share the lease. */
  taskQueue: string;
  meter: MetricMeter;
  log: Logger;
  /** Default one minute. */
  intervalMs?: number;
}

export interface AttentionGauge {
  /** One refresh now (tests; the timer calls it too). */
  refresh(): Promise<Counts>;
  stop(): void;
}

export function startAttentionGauge({ client, taskQueue, meter, log, intervalMs = 60_000 }: AttentionGaugeOptions): AttentionGauge {
  const gauge = meter.createGauge('orchestrator_orders_needing_attention', 'int', undefined, 'Running orders flagged NeedsAttention, by kind (Temporal visibility, refreshed every minute)');
  const publish = (counts: Counts): Counts => {
    for (const kind of KINDS) gauge.set(counts[kind], { kind });
    return counts;
  };

  const refresh = async (): Promise<Counts> => {
    const leaseId = attentionLeaseWorkflowId(taskQueue);
    try {
      const description = await client.workflow.getHandle(leaseId).describe();
      if (description.status.name === 'RUNNING') {
        const kept = leaseCounts(description.memo);
        if (kept !== undefined) return publish(kept);
      }
    } catch (error) {
      // No lease yet (or its memo unreadable, e.g. written with a key this process lacks): count.
      if (!(error instanceof WorkflowNotFoundError)) log.debug({ err: error }, 'attention lease unreadable; counting');
    }
    const counts = {} as Counts;
    for (const kind of KINDS) {
      const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}" AND OrderKind = "${kind}" AND NeedsAttention = true AND ExecutionStatus = "Running"`);
      counts[kind] = count;
    }
    try {
      await client.workflow.start('orchestratorMetricsLease', {
        workflowId: leaseId,
        taskQueue: ATTENTION_LEASE_TASK_QUEUE,
        workflowExecutionTimeout: Math.max(1_000, intervalMs - 5_000),
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { attention: counts },
        staticSummary: 'Metrics lease: the worker that started it counted orders needing attention',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    return publish(counts);
  };

  let running: Promise<unknown> = Promise.resolve();
  const tick = (): void => {
    running = refresh().catch((error: unknown) => log.warn({ err: error }, 'could not refresh the needing-attention gauge'));
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    refresh,
    stop() {
      clearInterval(timer);
      void running;
    },
  };
}

function leaseCounts(memo: Record<string, unknown> | undefined): Counts | undefined {
  const attention = memo?.attention as Partial<Counts> | undefined;
  if (attention === undefined || typeof attention.payment !== 'number' || typeof attention.payout !== 'number') return undefined;
  return { payment: attention.payment, payout: attention.payout };
}

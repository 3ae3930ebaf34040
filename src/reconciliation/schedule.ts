/**
 * The daily reconciliation's Temporal Schedule: created at start when missing, brought in line with
 * the configuration when RECONCILE_CRON, RECONCILE_TIMEZONE or RECONCILE_QPS changed (a paused
 * schedule stays paused: pausing is an operator's decision, the configuration is not).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ReconcileConfig } from '../config';
import { reconciliationScheduleId, type ReconciliationInput } from '../contracts/reconciliation';

export interface ReconciliationScheduleOptions {
  client: Client;
  /** The order task queue: the schedule's runs are worked by this deployment's workers. */
  taskQueue: string;
  reconcile: ReconcileConfig;
  log: Logger;
}

export type ScheduleOutcome = 'created' | 'updated' | 'unchanged';

/** The settings the schedule was made from, kept in its action's details: describe() answers them as written. */
function settingsText(reconcile: ReconcileConfig): string {
  return `RECONCILE_CRON="${reconcile.cron}" RECONCILE_TIMEZONE="${reconcile.timezone}" RECONCILE_QPS=${reconcile.qps}`;
}

function action(taskQueue: string, reconcile: ReconcileConfig): ScheduleOptionsStartWorkflowAction<(input: ReconciliationInput) => Promise<unknown>> {
  // No date: each run reconciles the day before its scheduled time, in the zone (the workflow derives it).
  const input: ReconciliationInput = { timezone: reconcile.timezone, qps: reconcile.qps };
  return {
    type: 'startWorkflow',
    workflowType: 'reconciliationWorkflow',
    // The schedule appends each run's scheduled time to this ID.
    workflowId: reconciliationScheduleId(taskQueue),
    taskQueue,
    args: [input],
    staticSummary: `Daily reconciliation of the previous day (${reconcile.timezone})`,
    staticDetails: settingsText(reconcile),
  };
}

function spec(reconcile: ReconcileConfig) {
  return { cronExpressions: [reconcile.cron], timezone: reconcile.timezone };
}

const policies = {
  // A day still being reconciled is not started again on top of itself.
  overlap: ScheduleOverlapPolicy.SKIP,
  // A worker fleet down at the scheduled time still reconciles the day when it is back within a day;
  // older days are reconciled by hand (POST /v1/reconciliations).
  catchupWindow: '1d',
} as const;

export async function ensureReconciliationSchedule({ client, taskQueue, reconcile, log }: ReconciliationScheduleOptions): Promise<ScheduleOutcome> {
  const scheduleId = reconciliationScheduleId(taskQueue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: spec(reconcile),
      action: action(taskQueue, reconcile),
      policies,
    });
    log.info({ scheduleId, cron: reconcile.cron, timezone: reconcile.timezone }, 'reconciliation schedule created');
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(scheduleId);
  const current = await handle.describe();
  const wanted = settingsText(reconcile);
  if (current.action.type === 'startWorkflow' && current.action.staticDetails === wanted && current.action.taskQueue === taskQueue && current.spec.timezone === reconcile.timezone) {
    return 'unchanged';
  }
  try {
    await handle.update((previous) => ({
      spec: spec(reconcile),
      action: action(taskQueue, reconcile),
      policies,
      state: { paused: previous.state.paused, ...(previous.state.note === undefined ? {} : { note: previous.state.note }) },
    }));
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return ensureReconciliationSchedule({ client, taskQueue, reconcile, log });
    throw error;
  }
  log.info({ scheduleId, cron: reconcile.cron, timezone: reconcile.timezone, was: current.action.type === 'startWorkflow' ? current.action.staticDetails : undefined }, 'reconciliation schedule updated to the configuration');
  return 'updated';
}

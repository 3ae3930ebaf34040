/**
 * The reconciliation of one business day against the platform: claim the day, check its orders a
 * batch at a time (pay-ins, then payouts), and mark it done. The run keeps running totals and a
 * position only, and continues as new every few batches: its history does not grow with the number
 * of orders. Its current details (Temporal UI) say how far it is.
 */
import { continueAsNew, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import {
  addCounts,
  businessDayOf,
  previousDay,
  RECONCILED_KINDS,
  type ReconciliationActivities,
  type ReconciliationInput,
  type ReconciliationProgress,
  type ReconciliationResult,
} from '../contracts/reconciliation';
import { NO_COUNTS } from '../contracts/reconciliation';

/** A batch is ~20 s of queries: far below its timeout even when every query waits its full HTTP timeout a few times. */
const BATCH_SECONDS = 20;
const DEFAULT_BATCHES_PER_RUN = 50;

const { beginReconciliation, finishReconciliation } = proxyActivities<ReconciliationActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', maximumInterval: '1m' },
});

const { reconcileBatch } = proxyActivities<ReconciliationActivities>({
  // Each order heartbeats; a worker that dies mid-batch is noticed within the heartbeat timeout and
  // the batch is redone (its items are upserted: counted once).
  heartbeatTimeout: '2m',
  startToCloseTimeout: '30m',
  retry: { initialInterval: '5s', maximumInterval: '5m' },
});

export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationResult> {
  const { workflowId } = workflowInfo();
  const date = input.date ?? previousDay(businessDayOf(scheduledTime(), input.timezone));
  const batchSize = input.batchSize ?? Math.max(1, Math.ceil(input.qps * BATCH_SECONDS));
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN;

  let progress: ReconciliationProgress;
  if (input.progress === undefined) {
    const claim = await beginReconciliation({ date, timezone: input.timezone, workflowId });
    if (!claim.claimed) {
      // Another run has (or had) the day: the schedule never starts a second reconciliation of it.
      setCurrentDetails(`${date}: already reconciled by ${claim.workflowId} (${claim.status})`);
      return { date, workflowId, status: 'skipped', counts: { ...NO_COUNTS }, ownedBy: claim.workflowId };
    }
    progress = { phase: 0, after: null, counts: { ...NO_COUNTS }, batches: 0, startedAt: new Date().toISOString() };
  } else {
    progress = input.progress;
  }

  let batchesThisRun = 0;
  while (progress.phase < RECONCILED_KINDS.length) {
    if (batchesThisRun >= batchesPerRun) {
      return continueAsNew<typeof reconciliationWorkflow>({ ...input, date, progress });
    }
    const kind = RECONCILED_KINDS[progress.phase];
    showProgress(date, input.timezone, progress, kind);
    const batch = await reconcileBatch({ date, timezone: input.timezone, kind, after: progress.after, limit: batchSize, qps: input.qps });
    progress = {
      ...progress,
      counts: addCounts(progress.counts, batch.counts),
      batches: progress.batches + 1,
      ...(batch.next === null ? { phase: progress.phase + 1, after: null } : { after: batch.next }),
    };
    batchesThisRun += 1;
  }

  // The day's counts as the book has them: a batch redone after a crash is not counted twice there.
  const counts = await finishReconciliation({ date, workflowId });
  setCurrentDetails(`**${date}** (${input.timezone}) done: ${describe(counts)}`);
  return { date, workflowId, status: 'done', counts };
}

/**
 * When the schedule meant this run to start (TemporalScheduledStartTime), so a run that starts late —
 * a catch-up after downtime — still reconciles the day it was scheduled for; otherwise when the
 * chain of runs started. Both are in history: replays derive the same date.
 */
function scheduledTime(): Date {
  const info = workflowInfo();
  const scheduled = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  if (scheduled instanceof Date) return scheduled;
  if (typeof scheduled === 'string') return new Date(scheduled);
  return info.startTime;
}

function showProgress(date: string, timezone: string, progress: ReconciliationProgress, kind: string): void {
  setCurrentDetails(
    `**${date}** (${timezone}): checking ${kind === 'payment' ? 'pay-ins' : 'payouts'}, batch ${progress.batches + 1}\n\n${describe(progress.counts)}`,
  );
}

function describe(counts: ReconciliationProgress['counts']): string {
  return `checked ${counts.checked}, matched ${counts.matched}, differ ${counts.differs}, unknown at the platform ${counts.unknownAtPlatform}, no answer ${counts.noAnswer}`;
}

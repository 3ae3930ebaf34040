/**
 * The reconciliation's activities: claim a business day, check a batch of its orders against the
 * platform's query endpoint, finish. A batch is rate-limited to RECONCILE_QPS (queries are spread,
 * one at a time), heartbeats per order, and writes what it found per order (an upsert): retried, it
 * redoes the same work and counts nothing twice.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ReconciliationBook } from '../book/reconciliations';
import type { OrderBook } from '../book/order-book';
import { reconciliationDifferenceSignal } from '../contracts/order-record';
import type { OrderKind, PlatformAnswer } from '../contracts/order';
import { paymentWorkflowId } from '../contracts/payment';
import { payoutWorkflowId } from '../contracts/payout';
import {
  addCounts,
  dayBounds,
  NO_COUNTS,
  type BeginReconciliationArgs,
  type BeginReconciliationResult,
  type FinishReconciliationArgs,
  type ReconcileBatchArgs,
  type ReconcileBatchResult,
  type ReconciliationActivities,
  type ReconciliationCounts,
  type ReconciliationOutcome,
} from '../contracts/reconciliation';
import type { GatewayClient } from '../gateway';
import { classify } from '../reconciliation/classify';
import { toAnswer } from './platform';

export interface ReconciliationDeps {
  gateway: GatewayClient;
  book: OrderBook;
  reconciliations: ReconciliationBook;
  /**
   * Tells an order's open run about a difference; by default through the worker's client. A run that
   * has closed is not an error: the book's flag is what stays.
   */
  signalDifference?: (kind: OrderKind, mrn: string, difference: { date: string; difference: string }) => Promise<void>;
}

const COUNT_FIELD: Record<ReconciliationOutcome, keyof ReconciliationCounts> = {
  matched: 'matched',
  differs: 'differs',
  unknown_at_platform: 'unknownAtPlatform',
  no_answer: 'noAnswer',
};

/** Our statuses compared with the platform's. `creating` is not: its run is still finding out whether the platform has the order. */
const NOT_RECONCILED = new Set(['creating']);

export function createReconciliationActivities(deps: ReconciliationDeps): ReconciliationActivities {
  const signalDifference = deps.signalDifference ?? signalThroughWorkerClient;

  async function beginReconciliation(args: BeginReconciliationArgs): Promise<BeginReconciliationResult> {
    return deps.reconciliations.claim(args.date, args.workflowId, args.timezone, dayBounds(args.date, args.timezone).to);
  }

  async function reconcileBatch(args: ReconcileBatchArgs): Promise<ReconcileBatchResult> {
    const page = await deps.reconciliations.ordersToCheck(args.kind, dayBounds(args.date, args.timezone), args.after, args.limit);
    const spacingMs = 1000 / args.qps;
    let counts: ReconciliationCounts = { ...NO_COUNTS };
    // As if a query had just been sent: the previous batch's last one may have been, a moment ago.
    let lastQueryAt = Date.now();
    for (const [index, order] of page.orders.entries()) {
      heartbeat({ kind: args.kind, mrn: order.mrn, index });
      if (NOT_RECONCILED.has(order.status)) continue;
      // One query at a time, spaced: RECONCILE_QPS holds within the batch and across batches (which run one after another).
      const wait = lastQueryAt + spacingMs - Date.now();
      if (wait > 0) await sleep(wait);
      lastQueryAt = Date.now();
      const answer = await query(args.kind, order.mrn);
      let ours = order.status;
      let found = classify(args.kind, ours, answer);
      if (found.outcome === 'differs' || found.outcome === 'unknown_at_platform') {
        // Our run may have moved since the page was read (a callback landed meanwhile): judge its status now.
        const now = await deps.reconciliations.currentStatus(args.kind, order.mrn);
        if (now !== undefined && now !== ours) {
          ours = now;
          found = classify(args.kind, ours, answer);
        }
      }
      await deps.reconciliations.upsertItem({ date: args.date, kind: args.kind, mrn: order.mrn, outcome: found.outcome, ourStatus: ours, platformAnswer: found.platformAnswer, detail: found.detail });
      counts = addCounts(counts, { ...NO_COUNTS, checked: 1, [COUNT_FIELD[found.outcome]]: 1 });
      if (found.outcome === 'differs' || found.outcome === 'unknown_at_platform') {
        const difference = `${args.date}: ${found.detail ?? found.platformAnswer}`;
        // The flag in the book first: it is what remains when the run is gone. Money state is never touched.
        await deps.book.markReconciliationDifference(args.kind, order.mrn, difference);
        await signalDifference(args.kind, order.mrn, { date: args.date, difference });
      }
    }
    return { counts, next: page.next };
  }

  async function finishReconciliation(args: FinishReconciliationArgs): Promise<ReconciliationCounts> {
    await deps.reconciliations.finish(args.date, args.workflowId);
    return deps.reconciliations.counts(args.date);
  }

  async function query(kind: OrderKind, mrn: string): Promise<PlatformAnswer> {
    // callback: false — asking about an order must not make the platform call us back about it.
    const outcome = kind === 'payment' ? await deps.gateway.queryPayment(mrn, { callback: false }) : await deps.gateway.queryPayout(mrn, { callback: false });
    return toAnswer(outcome);
  }

  return { beginReconciliation, reconcileBatch, finishReconciliation };
}

async function signalThroughWorkerClient(kind: OrderKind, mrn: string, difference: { date: string; difference: string }): Promise<void> {
  const workflowId = kind === 'payment' ? paymentWorkflowId(mrn) : payoutWorkflowId(mrn);
  try {
    await Context.current().client.workflow.getHandle(workflowId).signal(reconciliationDifferenceSignal, difference);
  } catch (error) {
    // Closed, or deleted by retention: the book row carries the finding.
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

function heartbeat(details: unknown): void {
  // Outside an activity (unit tests call the functions directly) there is no one to tell.
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity context
  }
}

function sleep(ms: number): Promise<void> {
  try {
    return Context.current().sleep(ms);
  } catch {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/**
 * Workflow interceptor (runs in the workflow sandbox, bundled with the workflows): when an order's
 * run returns its final state, `orchestrator_orders_finished_total{kind,status}` and
 * `orchestrator_order_duration_seconds{kind,status}` are recorded through the SDK's workflow
 * meter. It adds no command, so histories and replays are unchanged, and the meter skips replays,
 * so a run is counted once whichever worker finishes it. A run that continues as new is not
 * finished; an order restarted after closing (a late callback) counts again when it ends again.
 */
import { metricMeter, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

const KINDS: Record<string, 'payment' | 'payout'> = { paymentWorkflow: 'payment', payoutWorkflow: 'payout' };

/** `payment-<mrn>` → mrn: the SDK's log lines carry workflowId, ours add the order's mrn. */
const mrnOf = (workflowId: string): string | undefined => /^(?:payment|payout)-(.+)$/.exec(workflowId)?.[1];

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      getLogAttributes(input, next) {
        const mrn = mrnOf(workflowInfo().workflowId);
        return next(mrn === undefined ? input : { ...input, mrn });
      },
    },
  ],
  inbound: [
    {
      async execute(input, next) {
        const result: unknown = await next(input);
        const kind = KINDS[workflowInfo().workflowType];
        if (kind !== undefined) recordFinished(kind, result);
        return result;
      },
    },
  ],
});

function recordFinished(kind: 'payment' | 'payout', result: unknown): void {
  const state = result as { status?: unknown; createdAt?: unknown } | null;
  if (state === null || typeof state !== 'object' || typeof state.status !== 'string') return;
  const tags = { kind, status: state.status };
  metricMeter.createCounter('orchestrator_orders_finished_total', undefined, 'Orders whose run ended, by kind and final status').add(1, tags);
  // From the order's creation (kept across restarts and continue-as-new) to now, in workflow time.
  const created = typeof state.createdAt === 'string' ? Date.parse(state.createdAt) : workflowInfo().startTime.getTime();
  const seconds = Math.max(0, (Date.now() - (Number.isNaN(created) ? workflowInfo().startTime.getTime() : created)) / 1000);
  metricMeter.createHistogram('orchestrator_order_duration_seconds', 'float', undefined, 'Order duration from creation to final state, by kind and status').record(seconds, tags);
}

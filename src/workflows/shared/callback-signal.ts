/**
 * What both order kinds do with a callback signal before they apply it. A signal can come from
 * anyone with write access to Temporal (the UI, the CLI), not only from our API: the worker
 * verifies the platform's signature again, and the callback must name this order.
 */
import { condition, proxyLocalActivities } from '@temporalio/workflow';
import { OneAtATime } from './one-at-a-time';
import { applies, PATCHES } from './patches';
import type { CallbackVerification, OrderActivities } from '../../contracts/activities';
import type { CallbackKind } from '../../gateway/callback';

/*
 * Runs before this change applied the API's parsed values as they came: their histories are
 * replayed that way (the patch marker tells new runs from those).
 */
/** True while replaying a callback that a run received before signals were verified by the worker. */
export function isLegacyCallback(): boolean {
  return !applies(PATCHES.verifiedCallbackSignals);
}

/** The attention reason of a signal that failed verification (one prefix operators can search for). */
export const forgedSignalReason = (reason: string): string => `ForgedSignal: ${reason}`;

const { verifyPlatformCallback } = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '10s',
  // Pure computation: a failure is a bug or a misconfigured worker, never a verdict on the signal.
  // It is retried (on durable timers past the first second) until fixed: nothing is lost meanwhile.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  localRetryThreshold: '1s',
});

/** The signal's fields verified (appKey, signature, amounts) and naming the order `mrn`. */
export async function verifyCallbackSignal(kind: CallbackKind, signal: unknown, mrn: string): Promise<CallbackVerification> {
  const fields = signal !== null && typeof signal === 'object' ? (signal as { fields?: unknown }).fields : undefined;
  if (fields === undefined) return { ok: false, reason: 'not a signed platform callback (no fields)' };
  const verdict = await verifyPlatformCallback.executeWithOptions({ summary: 'verify callback signature' }, [{ kind, fields }]);
  if (verdict.ok && verdict.callback.mrn !== mrn) return { ok: false, reason: 'signed for another order' };
  return verdict;
}

/**
 * Callback signals wait for their verification (a local activity) before they apply. This keeps
 * them applying one at a time, in the order they arrived, and lets a decision from elsewhere (an
 * operator's resolution) wait for the callbacks that came before it: the first to arrive wins.
 */
export class CallbackQueue extends OneAtATime {
  /** Runs `apply` once the callbacks that arrived before it are done. */
  enqueue(apply: () => Promise<void>): Promise<void> {
    return this.run(apply);
  }

  /** Resolves once every callback received so far is applied or refused (no verification local activity is out). */
  drained(): Promise<void> {
    return this.idle() ? Promise.resolve() : condition(() => this.idle());
  }
}

/**
 * The patches the order workflows still carry, asked in one way. Each `patched()` a new run asks
 * costs it two history events (a marker and an upsert of TemporalChangeVersion): the four patches
 * below were eight of a pay-in's events. So a run asks first whether it was started under this
 * generation of the code; if so, every patch of the generation holds without being asked. A run
 * recorded before the generation has no such marker, so on replay the generation does not hold for
 * it and it asks each patch where it always did: it replays exactly as recorded
 * (test/workflows/replay.test.ts and its fixtures). A new patch is added to the list and asked
 * through `applies` the same way; the next squash starts a new generation.
 */
import { patched } from '@temporalio/workflow';

/** Runs started under this generation: every patch below holds. */
const GENERATION = 'order-workflows-2026-12';

export const PATCHES = {
  /** The callback wait starts its timer whatever the clock says (order-steps.ts). */
  callbackTimerAlways: 'callback-wait-timer-whatever-the-clock',
  /** Callback signals carry the signed fields, verified by the worker (callback-signal.ts). */
  verifiedCallbackSignals: 'callback-signals-verified-by-the-worker',
  /** A pay-in's callback is verified once its create has answered (order-core.ts). */
  verifyAfterCreate: 'payment-callback-verified-after-create',
  /** The run writes the order book (book-keeper.ts). */
  orderBook: 'order-book',
} as const;

/** Whether the run follows the patched code path of `patchId`. */
export function applies(patchId: (typeof PATCHES)[keyof typeof PATCHES]): boolean {
  return patched(GENERATION) || patched(patchId);
}

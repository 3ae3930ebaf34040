/**
 * The patches the order workflows still carry, asked in one way. Each `patched()` a new run asks
 * costs it two history events (a marker and an upsert of TemporalChangeVersion): the four patches
 * of the first generation were eight of a pay-in's events. So a run asks first whether it was
 * started under the newest generation of the code; if so, every patch of the generation holds
 * without being asked. A run recorded under an older generation has no marker of the newer one, so
 * on replay it asks its own generation, and a run recorded before any generation asks each patch
 * where it always did: each replays exactly as recorded (test/workflows/replay.test.ts and its
 * fixtures). A new patch goes into a new generation (which holds every patch before it too) and is
 * asked through `applies` the same way.
 */
import { patched } from '@temporalio/workflow';

export const PATCHES = {
  /** The callback wait starts its timer whatever the clock says (order-steps.ts). */
  callbackTimerAlways: 'callback-wait-timer-whatever-the-clock',
  /** Callback signals carry the signed fields, verified by the worker (callback-signal.ts). */
  verifiedCallbackSignals: 'callback-signals-verified-by-the-worker',
  /** A pay-in's callback is verified once its create has answered (order-core.ts). */
  verifyAfterCreate: 'payment-callback-verified-after-create',
  /** The run writes the order book (book-keeper.ts). */
  orderBook: 'order-book',
  /** A run's local activities go one at a time, and the order book is written by one (local-activity-lane.ts, book-keeper.ts). */
  localActivityLane: 'local-activities-one-at-a-time',
} as const;

type PatchId = (typeof PATCHES)[keyof typeof PATCHES];

/** Generations, newest first: a run started under one follows every patch it lists. */
const GENERATIONS: readonly { name: string; patches: readonly PatchId[] }[] = [
  { name: 'order-workflows-2026-12b', patches: Object.values(PATCHES) },
  { name: 'order-workflows-2026-12', patches: [PATCHES.callbackTimerAlways, PATCHES.verifiedCallbackSignals, PATCHES.verifyAfterCreate, PATCHES.orderBook] },
];

/** Whether the run follows the patched code path of `patchId`. */
export function applies(patchId: PatchId): boolean {
  // Newest first: a new run records the newest generation's marker and asks nothing else.
  for (const generation of GENERATIONS) if (generation.patches.includes(patchId) && patched(generation.name)) return true;
  return patched(patchId);
}

/**
 * Keeps the order book in step with the order: every change the book must hear of bumps a version
 * (carried in state, across continue-as-new and into a restarted run), and one loop writes the
 * order's current record whenever the book is behind — several changes in a row make one write.
 * The book keeps the highest version it has seen, so a retried or late write never takes an order back.
 */
import { ActivityFailure, condition, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { OrderActivities } from '../../contracts/activities';
import type { BookProgress, OrderStateBase } from '../../contracts/order';
import type { OrderRecord } from '../../contracts/order-record';
import { applies, PATCHES } from './patches';

const WRITE_RETRY_MAX = '1m';

/**
 * The book write's options, in one place. A regular activity, not a local one: a local activity in
 * flight next to another one (the callback verification) resolved in one order in the first run and
 * in another on replay (see PATCHES.verifyAfterCreate in order-core.ts). Retried for as long as it takes:
 * the book must end up holding every change; a database outage only delays it.
 */
const { recordOrder } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: WRITE_RETRY_MAX },
});

/** What the book keeper needs of an order's state. */
type KeptState = Pick<OrderStateBase, 'status' | 'book'>;

export interface BookKeeperHooks {
  /** The order's record as of now, under the given version (built from state alone: deterministic). */
  snapshot: (version: number) => OrderRecord;
  /** No local activity is out (no callback being verified): see `keep`. */
  quiet: () => boolean;
}

export class BookKeeper {
  private readonly progress: BookProgress;
  private writes = false;

  constructor(
    private readonly state: KeptState,
    private readonly hooks: BookKeeperHooks,
  ) {
    // States from before the book: the book has nothing of the order yet, so its current state is owed.
    this.progress = state.book ??= { version: 1, written: 0 };
  }

  /** Once per run, as it starts: decides whether this run writes the book and starts the loop that does. */
  start(): void {
    this.writes = applies(PATCHES.orderBook);
    if (this.writes) void this.keep();
  }

  /** The order changed in a way the book must hear of. */
  changed(): void {
    this.progress.version += 1;
  }

  /** The book holds the order's latest version (always true in a run from before the book: it writes nothing). */
  upToDate(): boolean {
    return !this.writes || this.progress.written >= this.progress.version;
  }

  /**
   * Writes the current record whenever the book is behind, for the life of the run. Not while the
   * order is still being created (the API reads a starting order from its run) and never while a
   * local activity is out (the pay-in's create, a callback's verification): a local activity that
   * outlives a workflow-task heartbeat resolves in the next task, and a write scheduled in that task
   * by another event (the previous write's completion) lands before the local activity's commands
   * in the first run and after them on replay — a nondeterminism error. Scheduled only once the
   * local activities are done, the write always comes after their commands.
   */
  private async keep(): Promise<void> {
    const { progress, state, hooks } = this;
    for (;;) {
      await condition(() => state.status !== 'creating' && progress.written < progress.version && hooks.quiet());
      const version = progress.version;
      try {
        await recordOrder.executeWithOptions({ summary: `order book: version ${version} (${state.status})` }, [{ record: hooks.snapshot(version) }]);
        progress.written = Math.max(progress.written, version);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        if (isCancellation(error)) return; // the run is being cancelled
        // Its retry policy has no end, so only a non-retryable failure gets here: write again later.
        await sleep(WRITE_RETRY_MAX, { summary: `order book: write again (version ${version})` });
      }
    }
  }
}

/**
 * Keeps the order book in step with the order: every change the book must hear of bumps a version
 * (carried in state, across continue-as-new and into a restarted run), and one loop writes the
 * order's current record whenever the book is behind — several changes in a row make one write.
 * The book keeps the highest version it has seen, so a retried or late write never takes an order back.
 */
import { condition, isCancellation, proxyActivities, proxyLocalActivities, sleep, TemporalFailure } from '@temporalio/workflow';
import type { OrderActivities } from '../../contracts/activities';
import type { BookProgress, OrderStateBase } from '../../contracts/order';
import type { OrderRecord } from '../../contracts/order-record';
import type { LocalActivityLane } from './local-activity-lane';
import { applies, PATCHES } from './patches';

const WRITE_RETRY_MAX = '1m';

/**
 * The book write's options, in one place. A local activity: one marker in the workflow task that
 * made the change, instead of three events and a workflow task more for a regular activity. One
 * attempt, well inside a workflow task's heartbeat (8 s of its 10 s), so a write never outlives the
 * task that started it; a failed write waits on a durable timer outside the lane (callbacks are
 * verified meanwhile) and is written again: the book must end up holding every change, a database
 * outage only delays it.
 */
const { recordOrder: recordOrderLocally } = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '5s',
  retry: { maximumAttempts: 1 },
});
const LOCAL_RETRY_FIRST_MS = 1_000;
const LOCAL_RETRY_MAX_MS = 60_000;

/**
 * How long a new order's first record waits for the order's outcome. Most callbacks follow the
 * create within a second or two: waiting lets one write carry both (a write costs the worker about
 * 4 ms of CPU, a tenth of a pay-in's; bench/RESULTS.md), and keeps the write out of the workflow
 * task that answers the creation request. Meanwhile the API reads the order from
 * its run, and lists show it this much later.
 */
const FIRST_RECORD_WAIT_MS = 2_000;

/** Runs from before the lane wrote the book through a regular activity, retried for as long as it takes. */
const { recordOrder } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: WRITE_RETRY_MAX },
});

/** What the book keeper needs of an order's state. */
type KeptState = Pick<OrderStateBase, 'status' | 'book' | 'finishedAt'>;

export interface BookKeeperHooks {
  /** The order's record as of now, under the given version (built from state alone: deterministic). */
  snapshot: (version: number) => OrderRecord;
  /** No callback waits to be verified or applied: see `keep`. */
  quiet: () => boolean;
  /** The run's local activities: a run whose lane serialises writes through it, by a local activity. */
  lane: LocalActivityLane;
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
   * order is still being created (the API reads a starting order from its run) and not while a
   * callback waits (its change comes first; one write then carries both).
   */
  private async keep(): Promise<void> {
    const { progress, state, hooks } = this;
    let failures = 0;
    let firstRecordWaited = false;
    for (;;) {
      await condition(() => state.status !== 'creating' && progress.written < progress.version && hooks.quiet());
      if (hooks.lane.serialising && progress.written === 0 && !firstRecordWaited) {
        firstRecordWaited = true;
        if (state.finishedAt === null) {
          await condition(() => state.finishedAt !== null, FIRST_RECORD_WAIT_MS, { summary: 'order book: first record once decided, or in 2 s' });
          continue; // the callbacks that decided it may still be applying
        }
      }
      const outcome = this.hooks.lane.serialising ? await this.writeLocally() : await this.writeByActivity(progress.version);
      if (outcome === 'cancelled') return;
      if (outcome === 'written') {
        failures = 0;
        continue;
      }
      failures += 1;
      // Outside the lane: a callback is verified and applied while the book is down.
      const waitMs = this.hooks.lane.serialising ? Math.min(LOCAL_RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16), LOCAL_RETRY_MAX_MS) : WRITE_RETRY_MAX;
      await sleep(waitMs, { summary: `order book: write again (version ${progress.version})` });
    }
  }

  /** One attempt through the lane, of the record as it is when the lane's turn comes. */
  private async writeLocally(): Promise<WriteOutcome> {
    const { progress, state, hooks } = this;
    try {
      await hooks.lane.run(async () => {
        const version = progress.version;
        await recordOrderLocally.executeWithOptions({ summary: `order book: version ${version} (${state.status})` }, [{ record: hooks.snapshot(version) }]);
        progress.written = Math.max(progress.written, version);
      });
      return 'written';
    } catch (error) {
      return failedWrite(error);
    }
  }

  /**
   * Runs recorded before the lane: a regular activity (its retry policy has no end, so only a
   * non-retryable failure ends it), scheduled only while no callback is being verified: a write
   * scheduled in the task where a local activity resolved landed before its commands in the first
   * run and after them on replay.
   */
  private async writeByActivity(version: number): Promise<WriteOutcome> {
    const { progress, state, hooks } = this;
    try {
      await recordOrder.executeWithOptions({ summary: `order book: version ${version} (${state.status})` }, [{ record: hooks.snapshot(version) }]);
      progress.written = Math.max(progress.written, version);
      return 'written';
    } catch (error) {
      return failedWrite(error);
    }
  }
}

type WriteOutcome = 'written' | 'failed' | 'cancelled';

/** A failed activity, as the SDK hands it over (a local activity's own failure arrives unwrapped); anything else is a bug. */
function failedWrite(error: unknown): WriteOutcome {
  if (!(error instanceof TemporalFailure)) throw error;
  return isCancellation(error) ? 'cancelled' : 'failed'; // cancelled: the run is being cancelled
}

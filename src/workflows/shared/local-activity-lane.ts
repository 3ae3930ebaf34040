/**
 * One local activity at a time per run. A local activity resolves inside the workflow task that ran
 * it; two of them out at once (a pay-in's create and a callback's verification, or either and an
 * order-book write) can resolve in one order in the first run and in another on replay, which is a
 * nondeterminism error that stalls the order (npm run chaos; test/workflows/clock-skew.test.ts).
 * Queued in the lane, each starts once the one before it has resolved, so a replay meets them in
 * the order the first run did. Runs recorded before the lane existed ran them side by side and
 * replay that way: a lane serialises only once told to, as a run under the patch starts.
 */
import { OneAtATime } from './one-at-a-time';

export class LocalActivityLane extends OneAtATime {
  private serialised = false;

  /** From now on, one local activity at a time. */
  serialise(): void {
    this.serialised = true;
  }

  /** Whether the lane serialises (the run follows the patch). */
  get serialising(): boolean {
    return this.serialised;
  }

  /** Runs `call` (which starts one local activity) after those queued before it; at once when not serialising. */
  override run<T>(call: () => Promise<T>): Promise<T> {
    return this.serialised ? super.run(call) : call();
  }
}

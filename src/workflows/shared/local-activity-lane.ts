/**
 * One local activity at a time per run. A local activity resolves inside the workflow task that ran
 * it; two of them out at once (a pay-in's create and a callback's verification, or either and an
 * order-book write) can resolve in one order in the first run and in another on replay, which is a
 * nondeterminism error that stalls the order (npm run chaos; test/workflows/clock-skew.test.ts).
 * Queued in the lane, each starts once the one before it has resolved, so a replay meets them in
 * the order the first run did. Runs recorded before the lane existed ran them side by side and
 * replay that way: a lane serialises only once told to, as a run under the patch starts.
 */
export class LocalActivityLane {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private serialised = false;

  /** From now on, one local activity at a time. */
  serialise(): void {
    this.serialised = true;
  }

  /** Whether the lane serialises (the run follows the patch). */
  get serialising(): boolean {
    return this.serialised;
  }

  /** Runs `call` (which starts one local activity) after those queued before it. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.serialised) return call();
    this.queued += 1;
    const result = this.tail.then(call).finally(() => {
      this.queued -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** No local activity of the lane is out or waiting. */
  idle(): boolean {
    return this.queued === 0;
  }
}

/**
 * Calls run one after another, in the order they were asked, each once the one before it has
 * settled (a failure included). Plain promises, deterministic in a workflow: the callback queue
 * and the local-activity lane are both this.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Runs `call` after those asked before it; answers what `call` answers. */
  run<T>(call: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const result = this.tail.then(call).finally(() => {
      this.queued -= 1;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Nothing runs or waits. */
  idle(): boolean {
    return this.queued === 0;
  }
}

/**
 * Every wait the sandbox makes (callback retries, auto-settle, late or hanging answers) goes
 * through one Timers object, so reset and close can end them all at once: a test never inherits
 * a callback scheduled by the previous one, and closing the app never waits out a 60-minute retry.
 */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();

  /** Runs `task` after `ms`, unless cancelled first. */
  after(ms: number, task: () => void): void {
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      task();
    }, ms);
    this.pending.set(handle, () => undefined);
  }

  /** Resolves 'elapsed' after `ms`, or 'cancelled' as soon as cancelAll() runs. */
  sleep(ms: number): Promise<'elapsed' | 'cancelled'> {
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.pending.delete(handle);
        resolve('elapsed');
      }, ms);
      this.pending.set(handle, () => resolve('cancelled'));
    });
  }

  get size(): number {
    return this.pending.size;
  }

  cancelAll(): void {
    const entries = [...this.pending];
    this.pending.clear();
    for (const [handle, onCancel] of entries) {
      clearTimeout(handle);
      onCancel();
    }
  }
}

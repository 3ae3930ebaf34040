/**
 * The amounts of the orders this API process has started, by kind and mrn, so that the callback
 * of such an order is checked against what we asked without a DescribeWorkflowExecution round
 * trip first (measured by `npm run bench`: the describe sat on every callback's critical path).
 * A miss — another API process started the order, or it was forgotten — just takes the describe
 * path. An entry never goes stale: the mrn is the workflow ID, and another request under the same
 * mrn is refused (409), so the amount of an mrn never changes.
 */
export class KnownAmounts {
  private readonly amounts = new Map<string, number>();

  /** Bounded: past `capacity` entries the oldest are forgotten. */
  constructor(private readonly capacity = 100_000) {}

  remember(kind: 'payment' | 'payout', mrn: string, amountFen: number): void {
    const key = `${kind}:${mrn}`;
    this.amounts.delete(key);
    this.amounts.set(key, amountFen);
    if (this.amounts.size > this.capacity) {
      const oldest = this.amounts.keys().next();
      if (oldest.done !== true) this.amounts.delete(oldest.value);
    }
  }

  get(kind: 'payment' | 'payout', mrn: string): number | undefined {
    return this.amounts.get(`${kind}:${mrn}`);
  }
}

import type { InspectQuery, OrdersQuery, RequestRecord } from './control-schema';
import { trimOldest } from './records';
import type { Order, OrderKind } from './orders';

/**
 * The sandbox's memory: orders, unique per (kind, merchant, mrn), and the log of every platform
 * request received. Orders survive a restart only when the sandbox has a data directory
 * (persistence.ts); the request log never does.
 */
export class Store {
  private readonly byId = new Map<string, Order>();
  private readonly byMrn = new Map<string, Order>();
  private requests: RequestRecord[] = [];
  private nextSeq = 1;

  constructor(private readonly maxRecords: number) {}

  private static key(kind: OrderKind, appKey: string, mrn: string): string {
    // JSON keeps the three parts apart whatever characters an mrn contains.
    return JSON.stringify([kind, appKey, mrn]);
  }

  get(kind: OrderKind, appKey: string, mrn: string): Order | undefined {
    return this.byMrn.get(Store.key(kind, appKey, mrn));
  }

  getById(id: string): Order | undefined {
    return this.byId.get(id);
  }

  /** Adds an order whose (kind, appKey, mrn) is new. The caller has checked; a second add is a bug. */
  add(order: Order): void {
    const key = Store.key(order.kind, order.appKey, order.mrn);
    if (this.byMrn.has(key) || this.byId.has(order.id)) throw new Error(`order ${order.kind} ${order.mrn} already stored`);
    this.byMrn.set(key, order);
    this.byId.set(order.id, order);
  }

  all(): Order[] {
    return [...this.byId.values()];
  }

  find(filter: OrdersQuery): Order[] {
    const found: Order[] = [];
    for (const order of this.byId.values()) {
      if (filter.kind !== undefined && order.kind !== filter.kind) continue;
      if (filter.mrn !== undefined && order.mrn !== filter.mrn) continue;
      if (filter.appKey !== undefined && order.appKey !== filter.appKey) continue;
      if (filter.status !== undefined && order.status !== filter.status) continue;
      found.push(order);
    }
    return found;
  }

  logRequest(record: Omit<RequestRecord, 'seq'>): RequestRecord {
    const stored = { seq: this.nextSeq++, ...record };
    this.requests.push(stored);
    trimOldest(this.requests, this.maxRecords);
    return stored;
  }

  requestLog(filter: InspectQuery = {}): RequestRecord[] {
    return this.requests
      .filter((r) => (filter.kind === undefined || r.kind === filter.kind) && (filter.mrn === undefined || r.mrn === filter.mrn))
      .map((r) => ({ ...r }));
  }

  reset(): void {
    this.byId.clear();
    this.byMrn.clear();
    this.requests = [];
  }
}

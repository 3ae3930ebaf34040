/** The figures of a chaos run: per fault, and the invariants over the whole run. */
import type { DeliveryView } from '../sandbox';
import type { ApiAnswer } from './load';
import type { BookSnapshot, OrderCheck } from './reconcile';
import type { NotificationReceiver } from './receiver';
import type { Target } from './topology';

export interface FaultRecord {
  fault: string;
  startedAt: number;
  endedAt: number;
  /** Orders taken by the API and not yet seen final when the fault struck. */
  inFlight: number;
  /** From the fault (for an outage: its end) to the first pay-in through end to end; null: never. */
  recoverySeconds: number | null;
}

export interface FaultRow {
  fault: string;
  inFlight: number;
  /** Orders first posted during this fault's window, by verdict. */
  orders: number;
  lost: number;
  duplicated: number;
  wrong: number;
  /** Finished orders whose order-book row is missing or has another status. */
  book: number;
  /** 5xx answers of the API in this window that break the rule (anything but a 503 while Temporal is down). */
  unexpected5xx: number;
  /** 503s while Temporal was down (the documented answer). */
  allowed503: number;
  recoverySeconds: number | null;
}

export interface Invariants {
  lostOrders: number;
  ordersCreatedTwiceAtPlatform: number;
  ordersInWrongState: number;
  payoutsFailedOrRejectedWithoutPlatform: number;
  payInsSucceededUnpaid: number;
  notificationsMissing: number;
  unstableEventIds: number;
  badNotificationSignatures: number;
  unexpected5xx: number;
  /** Finished orders the order book does not hold with the final status the API answers. */
  finishedOrdersNotInBookAsAnswered: number;
  /** Book rows beyond one per posted order (rows ≤ orders). */
  bookRowsBeyondOrders: number;
}

export interface ChaosReport {
  target: Target;
  mode: 'quick' | 'full';
  startedAt: string;
  durationSeconds: number;
  passed: boolean;
  totals: {
    orders: number;
    payIns: number;
    payouts: number;
    apiRequests: number;
    callbackDeliveries: number;
    callbackAttempts: number;
    notificationDeliveries: number;
    /** What a receiver that de-duplicates on the event id processed. */
    notificationEventsAfterDedup: number;
    /** Rows in the order book at the end. */
    bookRows: number;
  };
  invariants: Invariants;
  faults: FaultRow[];
  /** Every order that broke an invariant, with why. */
  violations: OrderCheck[];
  byScenario: Record<string, { orders: number; ok: number }>;
}

interface Inputs {
  target: Target;
  quick: boolean;
  startedAt: number;
  faults: FaultRecord[];
  checks: OrderCheck[];
  answers: ApiAnswer[];
  temporalDown: { from: number; to: number }[];
  receiver: NotificationReceiver;
  deliveries: DeliveryView[];
  book: BookSnapshot;
}

export function buildReport(input: Inputs): ChaosReport {
  const { checks, answers } = input;
  const allowed = (answer: ApiAnswer): boolean => answer.status === 503 && input.temporalDown.some((w) => answer.at >= w.from && answer.at <= w.to);
  const fiveXx = answers.filter((a) => a.status >= 500);
  const broken = (c: OrderCheck): boolean => c.verdict !== 'ok' || c.platformCreates > 1 || c.notified === false || c.eventIds > 1 || c.bookProblem !== undefined;
  const invariants: Invariants = {
    lostOrders: checks.filter((c) => c.verdict === 'lost').length,
    ordersCreatedTwiceAtPlatform: checks.filter((c) => c.platformCreates > 1).length,
    ordersInWrongState: checks.filter((c) => c.verdict === 'wrong' || c.verdict === 'unsettled').length,
    payoutsFailedOrRejectedWithoutPlatform: checks.filter((c) => c.kind === 'payout' && (c.apiStatus === 'failed' || c.apiStatus === 'rejected') && c.verdict === 'wrong').length,
    payInsSucceededUnpaid: checks.filter((c) => c.kind === 'payment' && c.apiStatus === 'succeeded' && c.platformStatus !== 'paid').length,
    notificationsMissing: checks.filter((c) => c.notified === false).length,
    unstableEventIds: checks.filter((c) => c.eventIds > 1).length,
    badNotificationSignatures: input.receiver.badSignatures,
    unexpected5xx: fiveXx.filter((a) => !allowed(a)).length,
    finishedOrdersNotInBookAsAnswered: checks.filter((c) => c.bookProblem !== undefined).length,
    bookRowsBeyondOrders: input.book.strayRows,
  };
  const rows: FaultRow[] = input.faults.map((f) => {
    const mine = checks.filter((c) => c.phase === f.fault);
    const window = fiveXx.filter((a) => a.at >= f.startedAt && a.at < f.endedAt);
    return {
      fault: f.fault,
      inFlight: f.inFlight,
      orders: mine.length,
      lost: mine.filter((c) => c.verdict === 'lost').length,
      duplicated: mine.filter((c) => c.platformCreates > 1).length,
      wrong: mine.filter((c) => c.verdict === 'wrong' || c.verdict === 'unsettled').length,
      book: mine.filter((c) => c.bookProblem !== undefined).length,
      unexpected5xx: window.filter((a) => !allowed(a)).length,
      allowed503: window.filter(allowed).length,
      recoverySeconds: f.recoverySeconds === null ? null : Math.round(f.recoverySeconds * 10) / 10,
    };
  });
  const byScenario: Record<string, { orders: number; ok: number }> = {};
  for (const c of checks) {
    const entry = (byScenario[`${c.kind} ${c.scenario}`] ??= { orders: 0, ok: 0 });
    entry.orders += 1;
    if (!broken(c)) entry.ok += 1;
  }
  const events = [...input.receiver.events.values()];
  return {
    target: input.target,
    mode: input.quick ? 'quick' : 'full',
    startedAt: new Date(input.startedAt).toISOString(),
    durationSeconds: Math.round((Date.now() - input.startedAt) / 1000),
    passed: Object.values(invariants).every((n) => n === 0) && rows.every((r) => r.recoverySeconds !== null || r.fault === 'baseline'),
    totals: {
      orders: checks.length,
      payIns: checks.filter((c) => c.kind === 'payment').length,
      payouts: checks.filter((c) => c.kind === 'payout').length,
      apiRequests: answers.length,
      callbackDeliveries: input.deliveries.length,
      callbackAttempts: input.deliveries.reduce((sum, d) => sum + d.attempts.length, 0),
      notificationDeliveries: events.reduce((sum, e) => sum + e.deliveries, 0),
      notificationEventsAfterDedup: events.length,
      bookRows: input.book.rows,
    },
    invariants,
    faults: rows,
    violations: checks.filter(broken),
    byScenario,
  };
}

export function printTable(report: ChaosReport): void {
  const header = ['fault', 'in flight', 'orders', 'lost', 'duplicated', 'wrong', 'book', '5xx', '503 (Temporal down)', 'recovery s'];
  const lines = report.faults.map((r) => [
    r.fault,
    String(r.inFlight),
    String(r.orders),
    String(r.lost),
    String(r.duplicated),
    String(r.wrong),
    String(r.book),
    String(r.unexpected5xx),
    String(r.allowed503),
    r.recoverySeconds === null ? (r.fault === 'baseline' ? '-' : 'never') : r.recoverySeconds.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [
    '',
    `Chaos run — target ${report.target}, ${report.mode}, ${report.durationSeconds} s, ${report.totals.orders} orders (${report.totals.payIns} pay-ins, ${report.totals.payouts} payouts)`,
    '',
    row(header),
    row(widths.map((w) => '-'.repeat(w))),
    ...lines.map(row),
    '',
    'invariants (all must be 0):',
    ...Object.entries(report.invariants).map(([name, value]) => `  ${name.padEnd(40)} ${value}`),
    '',
    `order book: ${report.totals.bookRows} rows for ${report.totals.orders} orders`,
    `callbacks: ${report.totals.callbackDeliveries} deliveries, ${report.totals.callbackAttempts} attempts; notifications: ${report.totals.notificationDeliveries} deliveries, ${report.totals.notificationEventsAfterDedup} events after de-duplication`,
    report.passed
      ? 'PASSED'
      : `FAILED: ${report.violations.length} orders broke an invariant (report.json "violations"); faults never recovered from: ${
          report.faults.filter((r) => r.recoverySeconds === null && r.fault !== 'baseline').length
        }`,
    '',
  ];
  process.stdout.write(out.join('\n'));
}

/**
 * The end of a chaos run: the API's view of every order against the platform's own records (the
 * sandbox's orders and create requests), the merchant's receiver and the order book (its table,
 * read directly). Each order gets one verdict; the invariants of the issue are counts of the bad ones.
 */
import type { Pool } from 'pg';
import type { OrderKind, OrderView, RequestRecord, SandboxControl } from '../sandbox';
import type { ApiDriver, OrderRecord } from './load';
import type { NotificationReceiver } from './receiver';

export type Verdict =
  | 'ok'
  /** Accepted (or existing at the platform) yet unknown to the API. */
  | 'lost'
  /** A final state the platform contradicts (paid but failed, succeeded but never paid, …). */
  | 'wrong'
  /** Not final although the platform decided, or undecided without needsAttention. */
  | 'unsettled';

export interface OrderCheck {
  mrn: string;
  kind: OrderKind;
  scenario: string;
  phase: string;
  canary: boolean;
  apiStatus: string | undefined;
  needsAttention: boolean;
  platformStatus: string | undefined;
  /** Creates the platform stored for this mrn (more than 1: created twice). */
  platformCreates: number;
  verdict: Verdict;
  why: string;
  /** Its final state's event reached the receiver (undefined: not final, or no event expected). */
  notified: boolean | undefined;
  /** Distinct event ids for that event (1 is right; more: the id was not stable). */
  eventIds: number;
  /** Its row's status in the order book (undefined: no row). */
  bookStatus: string | undefined;
  /** How the book disagrees with the API's final answer (undefined: it agrees). */
  bookProblem: string | undefined;
}

/** The order book's rows as the end of the run finds them. */
export interface BookSnapshot {
  /** Status by `${kind} ${mrn}`. */
  statuses: Map<string, string>;
  rows: number;
  /** Rows of orders the run never posted, plus rows beyond one per order (the primary key allows none). */
  strayRows: number;
}

const FINAL = new Set(['succeeded', 'failed', 'expired', 'rejected']);

interface ApiView {
  status: string;
  needsAttention: boolean;
}

/** The verdict of one order given what the platform says and what the API says. */
export function judge(kind: OrderKind, accepted: boolean, platform: OrderView | undefined, api: ApiView | undefined, ageMs: number, attentionAfterMs: number): { verdict: Verdict; why: string } {
  if (api === undefined) {
    if (accepted || platform !== undefined) return { verdict: 'lost', why: `the API does not know it (platform: ${platform?.status ?? 'none'})` };
    return { verdict: 'ok', why: 'never accepted, never created' };
  }
  const s = api.status;
  const final = FINAL.has(s);
  const contradiction = (what: string): { verdict: Verdict; why: string } => ({ verdict: 'wrong', why: `API ${s}, ${what}` });
  if (platform?.status === 'paid') {
    if (s === 'succeeded') return { verdict: 'ok', why: '' };
    return final ? contradiction('platform paid') : { verdict: 'unsettled', why: `API ${s}, platform paid` };
  }
  if (platform?.status === 'failed') {
    if (s === 'failed') return { verdict: 'ok', why: '' };
    return final ? contradiction('platform failed') : { verdict: 'unsettled', why: `API ${s}, platform failed` };
  }
  // Undecided at the platform, or never created there.
  if (s === 'succeeded') return contradiction(platform === undefined ? 'never created at the platform' : 'platform never paid');
  if (s === 'failed') return contradiction(platform === undefined ? 'never created at the platform' : 'platform never decided');
  if (s === 'rejected') return platform === undefined ? { verdict: 'ok', why: '' } : contradiction('the platform has the order');
  if (s === 'expired') return { verdict: 'ok', why: '' }; // a pay-in nobody paid
  // creating / pending while the platform never decided: a payout must say it needs attention.
  if (kind === 'payment') return { verdict: 'ok', why: '' };
  if (api.needsAttention || ageMs < attentionAfterMs + 20_000) return { verdict: 'ok', why: '' };
  return { verdict: 'unsettled', why: `API ${s} without needsAttention, platform ${platform?.status ?? 'none'}` };
}

/**
 * The book against the API, for one order: a finished order (the API answers a final status, which
 * judge() held against the platform) has its row in the book, with that very status. The book is read
 * after the API, and a row's version only grows, so the book is never behind what the API answered.
 * (An order the API still shows open is not judged here: it may finish between the two reads.)
 */
export function judgeBook(apiStatus: string | undefined, bookStatus: string | undefined): string | undefined {
  if (apiStatus === undefined || !FINAL.has(apiStatus)) return undefined;
  if (bookStatus === undefined) return `API ${apiStatus}, not in the book`;
  if (bookStatus !== apiStatus) return `API ${apiStatus}, book ${bookStatus}`;
  return undefined;
}

/** The book's rows against the run's orders: at most one row per order, and none for an order never posted. */
export function bookSnapshot(rows: readonly { kind: string; mrn: string; status: string }[], orders: Iterable<{ kind: string; mrn: string }>): BookSnapshot {
  const known = new Set<string>();
  for (const order of orders) known.add(`${order.kind} ${order.mrn}`);
  const statuses = new Map<string, string>();
  let strayRows = 0;
  for (const row of rows) {
    const key = `${row.kind} ${row.mrn}`;
    if (!known.has(key) || statuses.has(key)) strayRows += 1;
    else statuses.set(key, row.status);
  }
  return { statuses, rows: rows.length, strayRows };
}

/** Reads the whole book (the run's own database: a few thousand rows at most). */
export async function readBook(pool: Pool, orders: Iterable<{ kind: string; mrn: string }>): Promise<BookSnapshot> {
  const result = await pool.query<{ kind: string; mrn: string; status: string }>('SELECT kind, mrn, status FROM orders');
  return bookSnapshot(result.rows, orders);
}

export async function checkOrders(
  driver: ApiDriver,
  sandbox: SandboxControl,
  receiver: NotificationReceiver,
  attentionAfterMs: number,
  bookPool: Pool,
): Promise<{ checks: OrderCheck[]; book: BookSnapshot }> {
  const requests: RequestRecord[] = await sandbox.requests();
  const creates = new Map<string, number>();
  for (const r of requests) {
    if (r.operation === 'create' && r.orderCreated && r.mrn !== null) creates.set(`${r.kind} ${r.mrn}`, (creates.get(`${r.kind} ${r.mrn}`) ?? 0) + 1);
  }
  const platformOrders = new Map<string, OrderView>();
  for (const o of await sandbox.orders()) platformOrders.set(`${o.kind} ${o.mrn}`, o);
  const checks: OrderCheck[] = [];
  const list = [...driver.orders.values()];
  // A few at a time: the APIs are shared with nothing else, but the machine is small.
  for (let i = 0; i < list.length; i += 8) {
    checks.push(...(await Promise.all(list.slice(i, i + 8).map((order) => checkOne(order)))));
  }
  // After every API read (see judgeBook).
  const book = await readBook(bookPool, list);
  for (const check of checks) {
    check.bookStatus = book.statuses.get(`${check.kind} ${check.mrn}`);
    check.bookProblem = judgeBook(check.apiStatus, check.bookStatus);
  }
  return { checks, book };

  async function checkOne(order: OrderRecord): Promise<OrderCheck> {
    const key = `${order.kind} ${order.mrn}`;
    let api: ApiView | undefined;
    let readable = false;
    let lastStatus = 0;
    for (let attempt = 0; attempt < 5 && !readable; attempt++) {
      const answer = await driver.call('GET', `/v1/${order.kind === 'payment' ? 'payments' : 'payouts'}/${encodeURIComponent(order.mrn)}`);
      lastStatus = answer.status;
      if (answer.status === 200) {
        const body = answer.body as { status: string; needsAttention: boolean };
        api = { status: body.status, needsAttention: body.needsAttention };
      }
      readable = answer.status === 200 || answer.status === 404;
    }
    const platform = platformOrders.get(key);
    const accepted = order.outcome !== undefined && order.outcome >= 200 && order.outcome < 300;
    // An order the API cannot show (its GET fails) is not lost, but it is not settled either.
    const { verdict, why } = readable
      ? judge(order.kind, accepted, platform, api, Date.now() - order.postedAt, attentionAfterMs)
      : { verdict: 'unsettled' as const, why: `GET answered ${lastStatus === 0 ? 'nothing' : lastStatus}` };
    let notified: boolean | undefined;
    let eventIds = 0;
    if (api !== undefined && FINAL.has(api.status)) {
      const ids = receiver.idsByOrderEvent.get(`${order.mrn} ${order.kind}.${api.status}`);
      eventIds = ids?.size ?? 0;
      notified = eventIds > 0;
    }
    return {
      mrn: order.mrn,
      kind: order.kind,
      scenario: order.scenario,
      phase: order.phase,
      canary: order.canary,
      apiStatus: api?.status,
      needsAttention: api?.needsAttention ?? false,
      platformStatus: platform?.status,
      platformCreates: creates.get(key) ?? 0,
      verdict,
      why,
      notified,
      eventIds,
      bookStatus: undefined,
      bookProblem: undefined,
    };
  }
}

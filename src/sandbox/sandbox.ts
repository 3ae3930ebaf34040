import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { verify, type Fen, type PlatformStatus } from '../gateway';
import { CallbackDispatcher } from './callbacks';
import { Ledger } from './ledger';
import { checkSchedule, DEFAULT_CALLBACK_SCHEDULE_MS, DEFAULT_CALLBACK_TIMEOUT_MS, DEFAULT_MAX_RECORDS, systemClock, type Clock, type SandboxOptions } from './options';
import { nextStatus, WIRE_STATUS, type Actor, type Order, type OrderEvent, type OrderKind, type PaymentOrder, type PayoutOrder } from './orders';
import { SandboxStateFile, type SandboxSnapshot } from './persistence';
import type { PaymentCreateFields, PayoutCreateFields, QueryFields, Refusal } from './platform-requests';
import { Scenarios } from './scenarios';
import { Store } from './store';
import { Timers } from './timers';

export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };
export type SettleResult = { ok: true; order: Order } | { ok: false; reason: string };

const refuse = (code: Refusal['code'], message: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { code, message } });

/** The pay-in's cashier address as the create answer gives it: path and query only. */
export function payUrlOf(order: PaymentOrder): string {
  return `/api/Pay?${new URLSearchParams({ id: order.id, channel: String(order.channelId) }).toString()}`;
}

/**
 * The platform's behaviour, apart from HTTP: creates, queries and settlements over the
 * in-memory state, with the scenario rules applied. Routes parse and answer; everything that
 * decides happens here.
 */
export class Sandbox {
  readonly ledger: Ledger;
  readonly store: Store;
  readonly scenarios = new Scenarios();
  readonly timers = new Timers();
  readonly callbacks: CallbackDispatcher;
  readonly clock: Clock;
  readonly publicUrl: string | undefined;
  /** Present with a data directory: orders and balances outlive a restart. */
  private readonly stateFile: SandboxStateFile | undefined;

  constructor(
    options: SandboxOptions,
    private readonly logger: FastifyBaseLogger,
  ) {
    const schedule = options.callbackScheduleMs ?? DEFAULT_CALLBACK_SCHEDULE_MS;
    checkSchedule(schedule);
    this.clock = options.clock ?? systemClock;
    this.ledger = new Ledger(options.merchants);
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.store = new Store(maxRecords);
    this.publicUrl = options.publicUrl?.replace(/\/+$/, '');
    this.callbacks = new CallbackDispatcher({
      schedule: [...schedule],
      timeoutMs: options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
      maxRecords,
      timers: this.timers,
      clock: this.clock,
      logger,
      ledger: this.ledger,
      scenarios: this.scenarios,
      onChange: () => this.changed(),
    });
    if (options.dataDir !== undefined) {
      this.stateFile = new SandboxStateFile(options.dataDir, () => this.snapshot());
      const saved = this.stateFile.load();
      if (saved !== undefined) this.restore(saved);
    }
  }

  createPayment(fields: PaymentCreateFields, amountFen: Fen, channelId: number, mode: 'api' | 'page'): Result<PaymentOrder> {
    const checked = this.checkCreate('payment.create', fields);
    if (!checked.ok) return checked;
    const order: PaymentOrder = {
      ...this.newOrder('payment', fields, amountFen),
      channelId,
      returnUrl: fields.returnUrl,
      mode,
    };
    if (fields.payer !== undefined && fields.payer !== '') order.payer = fields.payer;
    this.store.add(order);
    this.logger.info({ kind: 'payment', mrn: order.mrn, appKey: order.appKey, amountFen, channelId, mode }, 'pay-in created');
    this.changed();
    this.scheduleAutoSettle(order);
    return { ok: true, value: order };
  }

  createPayout(fields: PayoutCreateFields, amountFen: Fen): Result<PayoutOrder> {
    const insufficient = () => refuse('insufficient_balance', `the balance is ${this.ledger.balanceOf(fields.appKey)} fen, the payout needs ${amountFen}`);
    // A scenario: the balance before the mrn, so a retry of a payout that spent the balance hears insufficient_balance.
    const balanceFirst = this.scenarios.payoutChecks().balanceBeforeMrn;
    const balanceCheck = () => (this.ledger.covers(fields.appKey, amountFen) ? undefined : insufficient());
    const checked = this.checkCreate('payout.create', fields, balanceFirst ? balanceCheck : undefined);
    if (!checked.ok) return checked;
    // By default checked after the duplicate: a repeated mrn is news about an existing order, whatever the balance now.
    if (!this.ledger.debit(fields.appKey, amountFen)) return insufficient();
    const order: PayoutOrder = {
      ...this.newOrder('payout', fields, amountFen),
      bankName: fields.bankName,
      accountName: fields.accountName,
      accountNumber: fields.accountNumber,
    };
    this.store.add(order);
    this.logger.info({ kind: 'payout', mrn: order.mrn, appKey: order.appKey, amountFen }, 'payout accepted');
    this.changed();
    this.scheduleAutoSettle(order);
    return { ok: true, value: order };
  }

  query(kind: OrderKind, fields: QueryFields): Result<{ order: Order; status: PlatformStatus; resent: boolean }> {
    const secret = this.ledger.secretOf(fields.appKey);
    if (secret === undefined) return refuse('object_not_found', 'no merchant has this appKey');
    const verdict = verify(kind === 'payment' ? 'payment.query' : 'payout.query', fields, secret);
    if (!verdict.ok) return refuse('sign_error', verdict.reason);
    // A test told the query endpoint to contradict the order: it answers that, and does nothing else (no callback).
    const contradiction = this.scenarios.contradictionFor(kind, fields.mrn);
    const order = contradiction === 'not_found' ? undefined : this.store.get(kind, fields.appKey, fields.mrn);
    if (order === undefined) return refuse('object_not_found', `no ${kind === 'payment' ? 'pay-in' : 'payout'} has this mrn`);
    if (contradiction !== undefined && contradiction !== 'not_found') return { ok: true, value: { order, status: contradiction, resent: false } };
    // The platform calls back again only for a successful order, and only when asked.
    const resent = fields.callback && order.status === 'paid';
    if (resent) this.callbacks.send(order, 'query');
    return { ok: true, value: { order, status: WIRE_STATUS[order.status], resent } };
  }

  /**
   * Moves an order through the transition table and applies what the move means: a paid pay-in
   * credits the sum paid and calls back; a paid-out payout calls back; a failed payout gives its
   * amount back. An order kept pending by a scenario moves only by an explicit control call.
   */
  settle(order: Order, event: OrderEvent, actor: Actor, paidFen?: Fen): SettleResult {
    if (actor !== 'control' && this.scenarios.isKeptPending(order.kind, order.mrn)) {
      return { ok: false, reason: 'this order is kept pending by a sandbox scenario' };
    }
    if (paidFen !== undefined && (order.kind === 'payout' || event === 'fail') && paidFen !== order.amountFen) {
      return { ok: false, reason: 'only a paid pay-in can be paid with a different amount' };
    }
    if (paidFen !== undefined && paidFen <= 0) return { ok: false, reason: 'the amount paid must be more than 0' };
    const next = nextStatus(order.status, event);
    if (next === undefined) return { ok: false, reason: `the order is already ${order.status}` };

    const now = this.clock.now();
    order.status = next;
    order.settledAt = now;
    order.history.push({ at: now, event, actor, ...(paidFen !== undefined && order.kind === 'payment' ? { amountFen: paidFen } : {}) });
    if (order.kind === 'payment' && next === 'paid') {
      order.paidFen = paidFen ?? order.amountFen;
      this.ledger.credit(order.appKey, order.paidFen);
    }
    if (order.kind === 'payout' && next === 'failed') this.ledger.credit(order.appKey, order.amountFen);
    this.logger.info({ kind: order.kind, mrn: order.mrn, status: next, actor, paidFen: order.kind === 'payment' ? order.paidFen : undefined }, 'order settled');
    this.changed();
    // Only success is called back: the platform sends no failure callback for either kind.
    if (next === 'paid') this.callbacks.send(order, 'settled');
    return { ok: true, order };
  }

  /** Orders of a kind with this mrn (one per merchant at most). */
  ordersByMrn(kind: OrderKind, mrn: string, appKey?: string): Order[] {
    return this.store.find({ kind, mrn, appKey });
  }

  /** Forgets every order, request, delivery and scenario; balances go back to their opening values. */
  reset(): void {
    this.timers.cancelAll();
    this.callbacks.reset();
    this.store.reset();
    this.scenarios.reset();
    this.ledger.reset();
    this.logger.info('sandbox reset');
    this.changed();
  }

  /** Ends every wait at once (hanging and late answers, callback retries), so closing the server is quick. */
  stop(): void {
    this.timers.cancelAll();
  }

  async close(): Promise<void> {
    this.timers.cancelAll();
    await this.callbacks.close();
    // Last: the callbacks cut off by closing are written as undelivered, to be sent again on restart.
    this.stateFile?.close();
  }

  private changed(): void {
    this.stateFile?.changed();
  }

  private snapshot(): SandboxSnapshot {
    return { version: 1, balances: this.ledger.balances(), orders: this.store.all(), undeliveredCallbacks: this.callbacks.undelivered() };
  }

  /**
   * Takes back a saved state: balances, the orders of merchants still configured, and a new delivery
   * (from the start of the schedule) for each paid order whose callback had not been received.
   * Auto-settle and other scenarios are not saved: a restarted sandbox has none.
   */
  private restore(saved: SandboxSnapshot): void {
    this.ledger.restore(saved.balances);
    let dropped = 0;
    for (const order of saved.orders) {
      if (this.ledger.has(order.appKey)) this.store.add(order);
      else dropped += 1;
    }
    let resent = 0;
    for (const { kind, appKey, mrn } of saved.undeliveredCallbacks) {
      const order = this.store.get(kind, appKey, mrn);
      if (order?.status !== 'paid') continue;
      this.callbacks.send(order, 'settled');
      resent += 1;
    }
    this.logger.info({ file: this.stateFile?.file, orders: saved.orders.length - dropped, droppedOfUnknownMerchants: dropped, callbacksResent: resent }, 'sandbox state restored');
  }

  /** The checks both creates share, in the platform's order: merchant, signature, (`beforeMrn`,) then the mrn. */
  private checkCreate(
    kind: 'payment.create' | 'payout.create',
    fields: PaymentCreateFields | PayoutCreateFields,
    beforeMrn?: () => { ok: false; refusal: Refusal } | undefined,
  ): { ok: true } | { ok: false; refusal: Refusal } {
    const secret = this.ledger.secretOf(fields.appKey);
    if (secret === undefined) return refuse('object_not_found', 'no merchant has this appKey');
    const verdict = verify(kind, fields, secret);
    if (!verdict.ok) return refuse('sign_error', verdict.reason);
    const early = beforeMrn?.();
    if (early !== undefined) return early;
    const orderKind: OrderKind = kind === 'payment.create' ? 'payment' : 'payout';
    if (this.store.get(orderKind, fields.appKey, fields.mrn) !== undefined) {
      return refuse('mrn_duplication', 'an order with this mrn already exists');
    }
    return { ok: true };
  }

  /** What every new order starts with: pending, created by the merchant now. */
  private newOrder<K extends OrderKind>(kind: K, fields: { appKey: string; mrn: string; callbackUrl: string }, amountFen: Fen) {
    const now = this.clock.now();
    return {
      kind,
      id: newOrderId(),
      appKey: fields.appKey,
      mrn: fields.mrn,
      amountFen,
      callbackUrl: fields.callbackUrl,
      status: 'pending' as const,
      createdAt: now,
      history: [{ at: now, event: 'created' as const, actor: 'merchant' as const }],
    };
  }

  private scheduleAutoSettle(order: Order): void {
    const rule = this.scenarios.autoSettleFor(order.kind);
    if (rule === null) return;
    const event: OrderEvent = rule.outcome === 'paid' ? 'pay' : 'fail';
    // Even with afterMs 0 the settlement waits for the next turn of the event loop, so the create answer goes out first.
    this.timers.after(rule.afterMs, () => {
      if (order.status !== 'pending' || this.scenarios.isKeptPending(order.kind, order.mrn)) return;
      this.settle(order, event, 'auto-settle');
    });
  }
}

function newOrderId(): string {
  return randomBytes(10).toString('hex');
}

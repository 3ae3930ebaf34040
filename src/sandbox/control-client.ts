import { Agent, request, type Dispatcher } from 'undici';
import type { Fen } from '../gateway';
import type {
  AutoSettleAnswer,
  AutoSettleInput,
  CallbackRule,
  CallbackRuleInput,
  ContradictionValue,
  CreateFault,
  CreateFaultInput,
  DeliveryState,
  DeliveryView,
  InspectQuery,
  MerchantView,
  OrdersQuery,
  OrderView,
  PaymentView,
  PayoutChecks,
  PayoutView,
  RequestRecord,
  SettleBody,
} from './control-schema';
import type { OrderKind } from './orders';

export class SandboxControlError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxControlError';
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

const KIND_PATH: Record<OrderKind, string> = { payment: 'payments', payout: 'payouts' };

type Query = Record<string, string | undefined>;

/**
 * A typed client of the sandbox's control and inspection API (/sandbox/...), for end-to-end
 * tests, the benchmark and demos. Every method is one HTTP call except the wait helpers, which poll.
 */
export class SandboxControl {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly options: { dispatcher?: Dispatcher; timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ connections: 8 });
  }

  async health(): Promise<boolean> {
    try {
      await this.call('GET', '/health');
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets every order, request, delivery and scenario; balances return to their opening values. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  async merchants(): Promise<MerchantView[]> {
    return (await this.call<{ merchants: MerchantView[] }>('GET', '/merchants')).merchants;
  }

  /** The balance of `appKey`, or of the only (first) merchant. */
  async balanceFen(appKey?: string): Promise<Fen> {
    const merchants = await this.merchants();
    const merchant = appKey === undefined ? merchants[0] : merchants.find((m) => m.appKey === appKey);
    if (merchant === undefined) throw new SandboxControlError(404, 'not_found', `no merchant ${appKey ?? ''}`);
    return merchant.balanceFen;
  }

  async orders(filter: OrdersQuery = {}): Promise<OrderView[]> {
    return (await this.call<{ orders: OrderView[] }>('GET', '/orders', { query: filter })).orders;
  }

  /** The order, or undefined when the platform has none with this mrn. */
  async order(kind: OrderKind, mrn: string, appKey?: string): Promise<OrderView | undefined> {
    try {
      return await this.call<OrderView>('GET', this.orderPath(kind, mrn), { query: { appKey } });
    } catch (error) {
      if (error instanceof SandboxControlError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async payment(mrn: string, appKey?: string): Promise<PaymentView | undefined> {
    return (await this.order('payment', mrn, appKey)) as PaymentView | undefined;
  }

  async payout(mrn: string, appKey?: string): Promise<PayoutView | undefined> {
    return (await this.order('payout', mrn, appKey)) as PayoutView | undefined;
  }

  /** Settles a pending order as the platform would: paid (a pay-in optionally with a different amount) or failed. */
  settle(kind: OrderKind, mrn: string, body: SettleBody, appKey?: string): Promise<OrderView> {
    return this.call<OrderView>('POST', `${this.orderPath(kind, mrn)}/settle`, { body, query: { appKey } });
  }

  markPaid(kind: OrderKind, mrn: string, amountFen?: Fen): Promise<OrderView> {
    return this.settle(kind, mrn, amountFen === undefined ? { status: 'paid' } : { status: 'paid', amountFen });
  }

  markFailed(kind: OrderKind, mrn: string): Promise<OrderView> {
    return this.settle(kind, mrn, { status: 'failed' });
  }

  /** Keeps the order (existing or future) pending: auto-settle, the cashier and the operator leave it alone. */
  async keepPending(kind: OrderKind, mrn: string, keepPending = true): Promise<void> {
    await this.call('PUT', `${this.orderPath(kind, mrn)}/keep-pending`, { body: { keepPending } });
  }

  /**
   * Makes the platform's query endpoint contradict the order: it answers `answer` (a status 0|1|2 or
   * "not_found") for this mrn until cleared with null. No settlement, no callback: only the query lies.
   */
  async contradict(kind: OrderKind, mrn: string, answer: ContradictionValue | null): Promise<void> {
    await this.call('PUT', `${this.orderPath(kind, mrn)}/contradiction`, { body: { answer } });
  }

  /** Sets how this order's callbacks go (drop, delay, duplicate, wrong signature); unset fields are 0. */
  setCallbackRule(kind: OrderKind, mrn: string, rule: CallbackRuleInput): Promise<CallbackRule> {
    return this.call<CallbackRule>('PUT', `${this.orderPath(kind, mrn)}/callback-rule`, { body: rule });
  }

  /** The callback rule of every order that has none of its own. */
  setDefaultCallbackRule(rule: CallbackRuleInput): Promise<CallbackRule> {
    return this.call<CallbackRule>('PUT', '/callback-rule', { body: rule });
  }

  async resendCallback(kind: OrderKind, mrn: string, appKey?: string): Promise<DeliveryView[]> {
    return (await this.call<{ deliveries: DeliveryView[] }>('POST', `${this.orderPath(kind, mrn)}/resend-callback`, { query: { appKey } })).deliveries;
  }

  /** The next `count` create calls answer HTTP 500, hang, or are stored but answered late. */
  async addCreateFault(fault: CreateFaultInput): Promise<CreateFault[]> {
    return (await this.call<{ faults: CreateFault[] }>('POST', '/faults', { body: fault })).faults;
  }

  async createFaults(): Promise<CreateFault[]> {
    return (await this.call<{ faults: CreateFault[] }>('GET', '/faults')).faults;
  }

  async clearCreateFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  /** The order of the payout create checks: `balanceBeforeMrn` answers a retried, already-funded create insufficient_balance. */
  setPayoutChecks(checks: PayoutChecks): Promise<PayoutChecks> {
    return this.call<PayoutChecks>('PUT', '/payout-checks', { body: checks });
  }

  payoutChecks(): Promise<PayoutChecks> {
    return this.call<PayoutChecks>('GET', '/payout-checks');
  }

  setAutoSettle(rule: AutoSettleInput): Promise<AutoSettleAnswer> {
    return this.call<AutoSettleAnswer>('PUT', '/auto-settle', { body: rule });
  }

  autoSettle(): Promise<AutoSettleAnswer> {
    return this.call<AutoSettleAnswer>('GET', '/auto-settle');
  }

  /** Every platform request received (optionally for one kind or mrn), oldest first, with its outcome. */
  async requests(filter: InspectQuery = {}): Promise<RequestRecord[]> {
    return (await this.call<{ requests: RequestRecord[] }>('GET', '/requests', { query: filter })).requests;
  }

  /** Every callback delivery (optionally for one kind or mrn) with each attempt and the answer it got. */
  async deliveries(filter: InspectQuery = {}): Promise<DeliveryView[]> {
    return (await this.call<{ deliveries: DeliveryView[] }>('GET', '/callbacks', { query: filter })).deliveries;
  }

  /** Polls `probe` until it returns a value (not undefined/false), or fails after the timeout. */
  async waitFor<T>(probe: () => Promise<T | undefined | false>, description: string, options: WaitOptions = {}): Promise<T> {
    const { timeoutMs = 5000, intervalMs = 20 } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Waits until a delivery of this order's callback reaches `state` (default: delivered). */
  waitForDelivery(kind: OrderKind, mrn: string, state: DeliveryState = 'delivered', options?: WaitOptions): Promise<DeliveryView> {
    return this.waitFor(
      async () => (await this.deliveries({ kind, mrn })).find((d) => d.state === state),
      `a ${state} callback of ${kind} ${mrn}`,
      options,
    );
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private orderPath(kind: OrderKind, mrn: string): string {
    return `/${KIND_PATH[kind]}/${encodeURIComponent(mrn)}`;
  }

  private async call<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, input: { body?: unknown; query?: Query } = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) query.set(key, value);
    const url = `${this.baseUrl}/sandbox${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const response = await request(url, {
      method,
      dispatcher: this.dispatcher,
      headers: input.body === undefined ? {} : { 'content-type': 'application/json' },
      body: input.body === undefined ? undefined : JSON.stringify(input.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SandboxControlError(response.statusCode, 'bad_answer', `${method} ${path}: HTTP ${response.statusCode}, not JSON`);
    }
    if (response.statusCode >= 300) {
      const { error, message } = (parsed ?? {}) as { error?: unknown; message?: unknown };
      throw new SandboxControlError(
        response.statusCode,
        typeof error === 'string' ? error : 'error',
        `${method} ${path}: ${typeof message === 'string' ? message : `HTTP ${response.statusCode}`}`,
      );
    }
    return parsed as T;
  }
}

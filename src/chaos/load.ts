/**
 * The steady mixed load of a chaos run: pay-ins and payouts over the sandbox's scenarios, posted
 * through the API as a careful merchant would (a 503 or a cut connection is retried with the same
 * mrn and body, on the next API), with every answer recorded; and the platform's side of each
 * order — paid, failed or never decided — played by a settler that acts on the sandbox.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { delay } from '../cluster/child';
import type { OrderKind, SandboxControl } from '../sandbox';

export type Scenario =
  | 'normal'
  | 'lost-callback'
  | 'duplicate-callbacks'
  | 'slow-create-lost-answer'
  | 'create-cut'
  | 'failing'
  | 'never-deciding'
  | 'callback-before-answer';

/** What the platform does with an order in the end. */
export type Plan = 'paid' | 'failed' | 'keep';

export interface OrderRecord {
  kind: OrderKind;
  mrn: string;
  scenario: Scenario;
  plan: Plan;
  /** The phase (fault) during which it was first posted. */
  phase: string;
  postedAt: number;
  /** Every HTTP status the API answered to its POSTs (0: no answer — connection refused or cut). */
  answers: number[];
  /** The last status answered: 200/201/202 accepted, 422 rejected, else not accepted. */
  outcome: number | undefined;
  /** When the settler should act at the platform (ms epoch). */
  settleAt: number;
  settled: boolean;
  canary: boolean;
  /** The API was seen answering a final state for it (the tracker's last look). */
  finalSeen: boolean;
  checkedAt: number;
}

export interface ApiAnswer {
  at: number;
  status: number;
  method: string;
  route: string;
}

const SCENARIOS: readonly { scenario: Scenario; weight: number }[] = [
  { scenario: 'normal', weight: 40 },
  { scenario: 'lost-callback', weight: 10 },
  { scenario: 'duplicate-callbacks', weight: 10 },
  { scenario: 'slow-create-lost-answer', weight: 8 },
  { scenario: 'create-cut', weight: 5 },
  { scenario: 'failing', weight: 12 },
  { scenario: 'never-deciding', weight: 7 },
  { scenario: 'callback-before-answer', weight: 8 },
];

/** How long a slow create holds its answer back: longer than GATEWAY_HTTP_TIMEOUT, so the answer is lost. */
export const SLOW_CREATE_MS = 7_000;

export class ApiDriver {
  readonly orders = new Map<string, OrderRecord>();
  readonly answers: ApiAnswer[] = [];
  phase = 'baseline';
  private next = 0;
  private seq = 0;
  /** When set, new orders do not use the never-deciding scenario (its attention would come after the end). */
  noNeverDeciding = false;
  /** Every new order gets the callback-before-answer scenario (the storm phase). */
  forceScenario: Scenario | undefined;

  constructor(
    private readonly apiUrls: readonly string[],
    private readonly token: string,
    private readonly sandbox: SandboxControl,
    private readonly notifyUrl: string,
  ) {}

  private pickScenario(): Scenario {
    if (this.forceScenario !== undefined) return this.forceScenario;
    const choices = this.noNeverDeciding ? SCENARIOS.filter((s) => s.scenario !== 'never-deciding') : SCENARIOS;
    let roll = Math.random() * choices.reduce((sum, s) => sum + s.weight, 0);
    for (const choice of choices) {
      roll -= choice.weight;
      if (roll < 0) return choice.scenario;
    }
    return 'normal';
  }

  /** One HTTP call to the next API in turn; a refused or cut connection answers status 0. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const url = this.apiUrls[this.next++ % this.apiUrls.length];
    try {
      const response = await request(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.body.text();
      this.answers.push({ at: Date.now(), status: response.statusCode, method, route: path.replace(/\/[^/]+$/, method === 'GET' ? '/:mrn' : '') });
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: response.statusCode, body: parsed };
    } catch {
      return { status: 0, body: undefined };
    }
  }

  /** Starts one order of a random scenario and returns once the API accepted or refused it. */
  async startOrder(options: { canary?: boolean } = {}): Promise<OrderRecord> {
    const kind: OrderKind = options.canary === true || this.seq % 5 < 3 ? 'payment' : 'payout';
    const scenario: Scenario = options.canary === true ? 'normal' : this.pickScenario();
    this.seq += 1;
    const mrn = `chaos-${kind === 'payment' ? 'P' : 'W'}-${randomUUID().slice(0, 18)}`;
    const plan: Plan = scenario === 'never-deciding' ? 'keep' : scenario === 'failing' ? 'failed' : 'paid';
    const now = Date.now();
    const order: OrderRecord = {
      kind,
      mrn,
      scenario,
      plan,
      phase: this.phase,
      postedAt: now,
      answers: [],
      outcome: undefined,
      settleAt: now + (options.canary === true || scenario === 'callback-before-answer' ? 0 : 500 + Math.random() * 2500),
      settled: plan === 'keep',
      canary: options.canary === true,
      finalSeen: false,
      checkedAt: now,
    };
    this.orders.set(mrn, order);
    await this.arrange(order);
    const body =
      kind === 'payment'
        ? { mrn, amount: `${10 + Math.floor(Math.random() * 490)}.00`, channelId: 2, returnUrl: 'https://shop.example.com/paid', notifyUrl: this.notifyUrl }
        : { mrn, amount: String(1 + Math.floor(Math.random() * 50)), bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123', notifyUrl: this.notifyUrl };
    const path = kind === 'payment' ? '/v1/payments' : '/v1/payouts';
    const deadline = Date.now() + 240_000;
    for (;;) {
      const answer = await this.call('POST', path, body);
      order.answers.push(answer.status);
      order.outcome = answer.status;
      // Accepted (200/201/202) or refused (4xx): done. No answer, 503 or any 5xx: the order may or
      // may not exist — the merchant retries with the same mrn and body, as the README says.
      if (answer.status >= 200 && answer.status < 500) return order;
      if (Date.now() > deadline) return order;
      await delay(answer.status === 0 ? 300 : 1000);
    }
  }

  /** Sets the platform's behaviour for this order before it exists (rules are keyed by mrn). */
  private async arrange(order: OrderRecord): Promise<void> {
    const { kind, mrn } = order;
    switch (order.scenario) {
      case 'lost-callback':
        await this.sandbox.setCallbackRule(kind, mrn, { dropNext: 1000 });
        break;
      case 'duplicate-callbacks':
        await this.sandbox.setCallbackRule(kind, mrn, { duplicates: 3 });
        break;
      case 'slow-create-lost-answer':
        await this.sandbox.addCreateFault({ mode: 'late-answer', count: 1, kind, delayMs: SLOW_CREATE_MS });
        break;
      case 'create-cut':
        await this.sandbox.addCreateFault({ mode: 'timeout', count: 1, kind, delayMs: SLOW_CREATE_MS });
        break;
      case 'failing':
        await this.sandbox.addCreateFault({ mode: 'http500', count: 2, kind });
        break;
      case 'never-deciding':
        await this.sandbox.keepPending(kind, mrn);
        break;
      case 'callback-before-answer':
        // The create is stored at once and answered late; the settler pays it as soon as it
        // exists, so the callback reaches the API before the create's answer does.
        await this.sandbox.addCreateFault({ mode: 'late-answer', count: 1, kind, delayMs: 3_000 });
        break;
      case 'normal':
        break;
    }
  }

  /** Plays the platform's side: settles each order as planned once it exists there. */
  async settleDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.orders.values()].filter((order) => !order.settled && order.settleAt <= now);
    for (const order of due) {
      try {
        const found = await this.sandbox.order(order.kind, order.mrn);
        if (found === undefined) {
          // Not created (yet): a refused create, a retry still to come. Give up after a while.
          if (now - order.postedAt > 180_000) order.settled = true;
          continue;
        }
        if (found.status === 'pending') await this.sandbox.settle(order.kind, order.mrn, { status: order.plan === 'failed' ? 'failed' : 'paid' });
        order.settled = true;
      } catch {
        // the sandbox is in this process; a conflict means it was settled meanwhile
        order.settled = true;
      }
    }
  }

  /** Looks at a few orders not yet seen final (longest unchecked first), so "in flight" can be counted. */
  async track(batch: number): Promise<void> {
    const open = [...this.orders.values()].filter((order) => !order.finalSeen && order.outcome !== undefined).sort((a, b) => a.checkedAt - b.checkedAt);
    for (const order of open.slice(0, batch)) {
      order.checkedAt = Date.now();
      const answer = await this.call('GET', `/v1/${order.kind === 'payment' ? 'payments' : 'payouts'}/${order.mrn}`);
      const status = (answer.body as { status?: string } | undefined)?.status;
      if (answer.status === 200 && status !== undefined && ['succeeded', 'failed', 'expired', 'rejected'].includes(status)) order.finalSeen = true;
    }
  }

  /** Orders the API took and has not been seen finishing. */
  inFlight(): number {
    const refused = (order: OrderRecord): boolean => order.outcome !== undefined && order.outcome >= 400 && order.outcome < 500;
    return [...this.orders.values()].filter((order) => !order.finalSeen && !refused(order)).length;
  }

  /** Ends with a pay-in that went through end to end (created, paid, seen succeeded); returns when. */
  async canary(timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const order = await this.startOrder({ canary: true });
      if (order.outcome === 201 || order.outcome === 200 || order.outcome === 202) {
        const until = Math.min(deadline, Date.now() + 30_000);
        while (Date.now() < until) {
          const answer = await this.call('GET', `/v1/payments/${order.mrn}`);
          if (answer.status === 200 && (answer.body as { status?: string }).status === 'succeeded') return Date.now();
          await delay(250);
        }
      }
    }
    return undefined;
  }
}

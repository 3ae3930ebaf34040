import type { FastifyBaseLogger } from 'fastify';
import { Agent, request } from 'undici';
import { renderPaymentAmount, renderPayoutAmount, sign, type MessageKind } from '../gateway';
import type { Attempt, DeliveryReason, DeliveryState, DeliveryView, InspectQuery } from './control-schema';
import type { Ledger } from './ledger';
import { trimOldest } from './records';
import type { Clock } from './options';
import type { Order, OrderKind } from './orders';
import type { Scenarios } from './scenarios';
import type { Timers } from './timers';

const BODY_KEPT = 200;

/** Scheme, host and path of a URL, without query or credentials: callback URLs may carry tokens. */
function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

interface Delivery {
  id: number;
  kind: OrderKind;
  appKey: string;
  mrn: string;
  reason: DeliveryReason;
  url: string;
  fields: Record<string, string>;
  state: DeliveryState;
  createdAt: number;
  attempts: Array<Omit<Attempt, 'at'> & { at: number }>;
}

export interface CallbackDispatcherOptions {
  schedule: readonly number[];
  timeoutMs: number;
  maxRecords: number;
  timers: Timers;
  clock: Clock;
  logger: FastifyBaseLogger;
  ledger: Ledger;
  scenarios: Scenarios;
  /** Called when a delivery starts or ends (the state file keeps the undelivered ones). */
  onChange?: () => void;
}

/** The callback an order's status calls for, signed with the merchant's secret: amounts rendered by src/gateway. */
export function callbackFields(order: Order, secret: string): Record<string, string> {
  if (order.kind === 'payment') {
    const signed = {
      amount: renderPaymentAmount(order.paidFen ?? order.amountFen),
      appKey: order.appKey,
      channel: String(order.channelId),
      mrn: order.mrn,
      originAmount: renderPaymentAmount(order.amountFen),
    };
    return { ...signed, sign: sign('payment.callback', signed, secret) };
  }
  const signed = { amount: renderPayoutAmount(order.amountFen), appKey: order.appKey, mrn: order.mrn };
  return { ...signed, sign: sign('payout.callback', signed, secret) };
}

export const CALLBACK_KIND: Record<OrderKind, MessageKind> = { payment: 'payment.callback', payout: 'payout.callback' };

/** A well-formed signature that is wrong: the last hex digit changed. */
function corrupt(signature: string): string {
  const last = signature.slice(-1);
  return signature.slice(0, -1) + (last === '0' ? '1' : '0');
}

/**
 * Sends callbacks the way the platform does: a form-urlencoded POST to the order's callbackUrl;
 * only HTTP 200 with the body `success` counts as received, anything else is tried again on the
 * schedule until it is received or the schedule runs out. Every attempt is recorded for inspection.
 */
export class CallbackDispatcher {
  private readonly agent: Agent;
  private deliveries: Delivery[] = [];
  private nextId = 1;
  private generation = new AbortController();

  constructor(private readonly options: CallbackDispatcherOptions) {
    this.agent = new Agent({ connections: 32, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  }

  /**
   * Starts the delivery of a settled order's callback (and the copies the scenario asks for), or
   * records it as dropped. Returns at once; attempts run in the background.
   */
  send(order: Order, reason: DeliveryReason): DeliveryView[] {
    const secret = this.options.ledger.secretOf(order.appKey);
    if (secret === undefined) throw new Error(`unknown merchant ${order.appKey}`);
    const rule = this.options.scenarios.callbackRuleFor(order.kind, order.mrn);
    const fields = callbackFields(order, secret);
    if (rule.dropNext > 0) {
      rule.dropNext -= 1;
      const dropped = this.record(order, reason, fields, 'dropped');
      this.options.logger.info({ kind: order.kind, mrn: order.mrn, delivery: dropped.id }, 'callback dropped by scenario');
      return [this.view(dropped)];
    }
    const started: Delivery[] = [];
    for (let copy = 0; copy <= rule.duplicates; copy++) {
      const delivery = this.record(order, copy === 0 ? reason : 'duplicate', fields, 'scheduled');
      started.push(delivery);
      void this.run(delivery, rule.delayMs, this.generation.signal);
    }
    return started.map((d) => this.view(d));
  }

  /**
   * Orders whose callback is still to be received: no delivery of theirs got through, and one is
   * scheduled, being sent, or was cut off by the sandbox closing. One entry per order.
   */
  undelivered(): { kind: OrderKind; appKey: string; mrn: string }[] {
    const owed = new Map<string, { kind: OrderKind; appKey: string; mrn: string } | null>();
    for (const d of this.deliveries) {
      const key = JSON.stringify([d.kind, d.appKey, d.mrn]);
      if (d.state === 'delivered') owed.set(key, null);
      else if ((d.state === 'scheduled' || d.state === 'delivering' || d.state === 'cancelled') && owed.get(key) !== null) owed.set(key, { kind: d.kind, appKey: d.appKey, mrn: d.mrn });
    }
    return [...owed.values()].filter((entry) => entry !== null);
  }

  list(filter: InspectQuery = {}): DeliveryView[] {
    return this.deliveries
      .filter((d) => (filter.kind === undefined || d.kind === filter.kind) && (filter.mrn === undefined || d.mrn === filter.mrn))
      .map((d) => this.view(d));
  }

  /** Forgets every delivery and abandons those under way (their timers are cancelled by Timers). */
  reset(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.deliveries = [];
  }

  async close(): Promise<void> {
    this.generation.abort();
    await this.agent.close();
  }

  private record(order: Order, reason: DeliveryReason, fields: Record<string, string>, state: DeliveryState): Delivery {
    const delivery: Delivery = {
      id: this.nextId++,
      kind: order.kind,
      appKey: order.appKey,
      mrn: order.mrn,
      reason,
      url: order.callbackUrl,
      fields,
      state,
      createdAt: this.options.clock.now(),
      attempts: [],
    };
    this.deliveries.push(delivery);
    trimOldest(this.deliveries, this.options.maxRecords);
    this.options.onChange?.();
    return delivery;
  }

  private async run(delivery: Delivery, extraDelayMs: number, signal: AbortSignal): Promise<void> {
    const { schedule, timers, logger } = this.options;
    try {
      for (let index = 0; index < schedule.length; index++) {
        const wait = schedule[index] + (index === 0 ? extraDelayMs : 0);
        // Cancelled: the sandbox is closing (or was reset); not "gave up", the platform never got to try.
        if (wait > 0 && (await timers.sleep(wait)) === 'cancelled') {
          delivery.state = 'cancelled';
          return;
        }
        if (signal.aborted) break;
        delivery.state = 'delivering';
        const delivered = await this.attempt(delivery, index + 1, signal);
        if (delivered) {
          delivery.state = 'delivered';
          this.options.onChange?.();
          return;
        }
        if (signal.aborted) break;
        delivery.state = 'scheduled';
      }
      if (signal.aborted) {
        delivery.state = 'cancelled';
        return;
      }
      delivery.state = 'gave-up';
      this.options.onChange?.();
      logger.warn({ kind: delivery.kind, mrn: delivery.mrn, delivery: delivery.id, attempts: delivery.attempts.length }, 'callback never received; giving up');
    } catch (error) {
      // Never reached in practice (attempt() catches its own failures); a bug here must not take the process down.
      delivery.state = 'gave-up';
      logger.error({ err: error, delivery: delivery.id }, 'callback delivery failed unexpectedly');
    }
  }

  private async attempt(delivery: Delivery, number: number, signal: AbortSignal): Promise<boolean> {
    const { clock, logger, timeoutMs } = this.options;
    const rule = this.options.scenarios.callbackRuleFor(delivery.kind, delivery.mrn);
    const wrongSignature = rule.wrongSignatureNext > 0;
    if (wrongSignature) rule.wrongSignatureNext -= 1;
    const fields = wrongSignature ? { ...delivery.fields, sign: corrupt(delivery.fields.sign) } : delivery.fields;

    const startedAt = clock.now();
    const started = performance.now();
    let statusCode: number | null = null;
    let body: string | null = null;
    let error: string | null = null;
    try {
      const response = await request(delivery.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      statusCode = response.statusCode;
      body = await response.body.text();
    } catch (caught) {
      error = signal.aborted ? 'cancelled (sandbox reset or closed)' : describe(caught);
    }
    const delivered = statusCode === 200 && body === 'success';
    delivery.attempts.push({
      number,
      at: startedAt,
      wrongSignature,
      statusCode,
      body: body === null ? null : body.slice(0, BODY_KEPT),
      error,
      delivered,
      durationMs: Math.round(performance.now() - started),
    });
    logger.info(
      { kind: delivery.kind, mrn: delivery.mrn, delivery: delivery.id, attempt: number, target: urlForLog(delivery.url), statusCode, error, delivered, wrongSignature },
      delivered ? 'callback received' : 'callback not received',
    );
    return delivered;
  }

  private view(d: Delivery): DeliveryView {
    return {
      id: d.id,
      kind: d.kind,
      appKey: d.appKey,
      mrn: d.mrn,
      reason: d.reason,
      url: d.url,
      fields: { ...d.fields },
      state: d.state,
      createdAt: new Date(d.createdAt).toISOString(),
      attempts: d.attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

import { Agent, request, type Dispatcher } from 'undici';
import { renderPaymentAmount, renderPayoutAmount, type Fen } from './amount';
import { sign } from './signing';
import type {
  Outcome,
  PaymentCreateAnswer,
  PaymentCreateRequest,
  PayoutCreateAnswer,
  PayoutCreateRequest,
  PlatformStatus,
  QueryAnswer,
} from './types';

export interface GatewayClientOptions {
  /** The platform's base URL, e.g. https://gw.example.com (a path prefix is kept). */
  baseUrl: string;
  appKey: string;
  secret: string;
  /** Per-request limit for headers and body. */
  timeoutMs: number;
  /** Connection pool; one is created when not given. */
  dispatcher?: Dispatcher;
}

export interface CreatePaymentInput {
  mrn: string;
  amountFen: Fen;
  channelId: number;
  callbackUrl: string;
  returnUrl: string;
  payer?: string;
}

export interface CreatePayoutInput {
  mrn: string;
  amountFen: Fen;
  bankName: string;
  accountName: string;
  accountNumber: string;
  callbackUrl: string;
}

export interface PageForm {
  /** Absolute URL of the platform's POST /api/Pay. */
  action: string;
  fields: Record<string, string>;
}

export type QueryOptions = { callback: boolean };

/** The "+" join the document asks for: base URL (without trailing slash) + path-and-query. */
export function joinGatewayUrl(baseUrl: string, pathAndQuery: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return pathAndQuery.startsWith('/') ? base + pathAndQuery : `${base}/${pathAndQuery}`;
}

/**
 * The platform's five calls (pay-in create in both modes, pay-in query, payout create, payout
 * query), each signed here and answered with a typed Outcome. Nothing here throws on a bad
 * answer: network errors, timeouts, non-2xx and malformed bodies are `transient`.
 */
export class GatewayClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: GatewayClientOptions) {
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connections: 64, keepAliveTimeout: 10_000, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  paymentCreateRequest(input: CreatePaymentInput): PaymentCreateRequest {
    // The platform takes an integer id; NaN would even be signed as "NaN" but sent as JSON null.
    if (!Number.isSafeInteger(input.channelId) || input.channelId < 1) {
      throw new RangeError(`channelId must be a positive integer: ${String(input.channelId)}`);
    }
    const signed = {
      amount: renderPaymentAmount(input.amountFen),
      appKey: this.options.appKey,
      callbackUrl: input.callbackUrl,
      channelId: String(input.channelId),
      mrn: input.mrn,
      returnUrl: input.returnUrl,
    };
    const body: PaymentCreateRequest = {
      ...signed,
      channelId: input.channelId,
      sign: sign('payment.create', signed, this.options.secret),
    };
    if (input.payer !== undefined && input.payer !== '') body.payer = input.payer;
    return body;
  }

  /** Page mode: the signed fields the payer's browser posts to POST /api/Pay. */
  paymentPageForm(input: CreatePaymentInput): PageForm {
    const request = this.paymentCreateRequest(input);
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(request)) fields[key] = String(value);
    return { action: joinGatewayUrl(this.options.baseUrl, '/api/Pay'), fields };
  }

  /** WebAPI mode: POST /api/Pay/Create. `payUrl` in the result is absolute. */
  async createPayment(input: CreatePaymentInput): Promise<Outcome<{ payUrl: string }>> {
    const answer = await this.call<PaymentCreateAnswer>('POST', '/api/Pay/Create', this.paymentCreateRequest(input));
    if (answer.kind !== 'ok') return answer.outcome;
    const body = answer.body;
    if (typeof body.success !== 'boolean') return transient('answer has no boolean "success"');
    if (!body.success) return { kind: 'refused', code: 'refused', message: stringOr(body.errorMsg, 'refused without a message') };
    if (typeof body.payUrl !== 'string' || body.payUrl === '') return transient('accepted answer has no payUrl');
    return { kind: 'accepted', value: { payUrl: joinGatewayUrl(this.options.baseUrl, body.payUrl) } };
  }

  queryPayment(mrn: string, options: QueryOptions): Promise<Outcome<{ status: PlatformStatus }>> {
    return this.query('/api/Payments/Query', 'payment.query', mrn, options);
  }

  async createPayout(input: CreatePayoutInput): Promise<Outcome<Record<string, never>>> {
    const signed = {
      accountName: input.accountName,
      accountNumber: input.accountNumber,
      amount: renderPayoutAmount(input.amountFen),
      appKey: this.options.appKey,
      bankName: input.bankName,
      callbackUrl: input.callbackUrl,
      mrn: input.mrn,
    };
    const request: PayoutCreateRequest = {
      ...signed,
      // A JSON integer whose characters are exactly the signed string.
      amount: Number(signed.amount),
      sign: sign('payout.create', signed, this.options.secret),
    };
    const answer = await this.call<PayoutCreateAnswer>('POST', '/api/Payouts/Create', request);
    if (answer.kind !== 'ok') return answer.outcome;
    const { error, errorMessage } = answer.body;
    if (typeof error !== 'string') return transient('answer has no "error" code');
    if (error === 'success') return { kind: 'accepted', value: {} };
    return { kind: 'refused', code: error, message: stringOr(errorMessage, error) };
  }

  queryPayout(mrn: string, options: QueryOptions): Promise<Outcome<{ status: PlatformStatus }>> {
    return this.query('/api/Payouts/Query', 'payout.query', mrn, options);
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private async query(
    path: string,
    kind: 'payment.query' | 'payout.query',
    mrn: string,
    options: QueryOptions,
  ): Promise<Outcome<{ status: PlatformStatus }>> {
    const signed = { appKey: this.options.appKey, mrn };
    const params = new URLSearchParams({
      ...signed,
      sign: sign(kind, signed, this.options.secret),
      callback: options.callback ? 'true' : 'false',
    });
    const answer = await this.call<QueryAnswer>('GET', `${path}?${params.toString()}`);
    if (answer.kind !== 'ok') return answer.outcome;
    const { error, errorMessage, result } = answer.body;
    if (typeof error !== 'string') return transient('answer has no "error" code');
    if (error !== 'success') return { kind: 'refused', code: error, message: stringOr(errorMessage, error) };
    const status = result?.status;
    if (status !== 0 && status !== 1 && status !== 2) return transient(`answer has an unknown status ${JSON.stringify(status)}`);
    // A status is only about our order when the answer names it: anything else is no answer at all.
    const answeredMrn: unknown = result?.Mrn;
    if (answeredMrn !== mrn) {
      const named = answeredMrn === undefined ? 'no result.Mrn' : `result.Mrn ${String(JSON.stringify(answeredMrn)).slice(0, 80)}`;
      return { kind: 'transient', reason: `answer is about another order: ${named}, not the mrn asked for`, wrongOrder: true };
    }
    return { kind: 'accepted', value: { status } };
  }

  private async call<T>(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    json?: unknown,
  ): Promise<{ kind: 'ok'; body: Partial<T> } | { kind: 'failed'; outcome: { kind: 'transient'; reason: string } }> {
    const url = joinGatewayUrl(this.options.baseUrl, pathAndQuery);
    let text: string;
    let statusCode: number;
    try {
      const response = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: json === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      return { kind: 'failed', outcome: transient(`${method} ${pathOf(pathAndQuery)}: ${describeError(error)}`) };
    }
    if (statusCode < 200 || statusCode > 299) {
      return { kind: 'failed', outcome: transient(`${method} ${pathOf(pathAndQuery)}: HTTP ${statusCode}`) };
    }
    try {
      const body: unknown = JSON.parse(text);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
      return { kind: 'ok', body: body as Partial<T> };
    } catch {
      return { kind: 'failed', outcome: transient(`${method} ${pathOf(pathAndQuery)}: malformed JSON answer`) };
    }
  }
}

function transient(reason: string): { kind: 'transient'; reason: string } {
  return { kind: 'transient', reason };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

/** Only the path: query strings carry signatures and must not reach logs or history. */
function pathOf(pathAndQuery: string): string {
  return pathAndQuery.split('?')[0];
}

const TIMEOUT_CODES = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'];

/**
 * Duck-typed rather than `instanceof Error`: errors from Node's core (the AbortSignal's
 * TimeoutError, socket errors) may come from another realm (jest, vm contexts).
 */
function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError' || TIMEOUT_CODES.includes(String(code))) return 'timed out';
  const text = typeof message === 'string' ? message : 'request failed';
  return typeof code === 'string' ? `${code} ${text}` : text;
}

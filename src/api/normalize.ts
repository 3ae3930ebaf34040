import type { Static } from '@sinclair/typebox';
import { channelById, parseDecimal, parseWholeYuan } from '../gateway';
import { refusedHost } from '../notify/destination';
import type { PaymentRequest } from '../contracts/payment';
import type { PayoutRequest } from '../contracts/payout';
import { badRequest } from './errors';
import { generateMrn } from './orders/mrn';
import type { OrderFilter } from './orders/list-orders';
import type { CreatePaymentBody, CreatePayoutBody, PaymentExportQuery, PaymentListQuery } from './schemas';

/** The largest single order we accept: far above any real order, far below float trouble. */
const MAX_FEN = 100_000_000_000; // 1 000 000 000 yuan

/** Settings the request rules depend on. */
export interface RequestRules {
  /** NOTIFY_ALLOW_PRIVATE: notifyUrl may point at loopback, private, link-local and metadata addresses. */
  notifyAllowPrivate: boolean;
}

/** Beyond the schema: the rules a JSON schema cannot say well, each with a message naming the field. */
export function normalizePaymentRequest(body: Static<typeof CreatePaymentBody>, rules: RequestRules): PaymentRequest {
  const amountFen = paymentAmountFen(body.amount);
  if (channelById(body.channelId) === undefined) throw badRequest(`channelId: ${body.channelId} is not a platform channel (1-15)`);
  const request: PaymentRequest = {
    mrn: body.mrn ?? generateMrn('P'),
    amountFen,
    channelId: body.channelId,
    returnUrl: httpUrl('returnUrl', body.returnUrl),
    mode: body.mode ?? 'api',
  };
  if (body.notifyUrl !== undefined) request.notifyUrl = notifyUrl(body.notifyUrl, rules);
  if (body.payer !== undefined) request.payer = printable('payer', body.payer);
  return request;
}

export function normalizePayoutRequest(body: Static<typeof CreatePayoutBody>, rules: RequestRules): PayoutRequest {
  const text = typeof body.amount === 'number' ? String(body.amount) : body.amount;
  const parsed = parseWholeYuan(text);
  if (!parsed.ok) throw badRequest(`amount: must be a positive whole number of yuan (got ${JSON.stringify(body.amount)})`);
  if (parsed.fen > MAX_FEN) throw badRequest('amount: too large');
  const request: PayoutRequest = {
    mrn: body.mrn,
    amountFen: parsed.fen,
    bankName: printable('bankName', body.bankName),
    accountName: printable('accountName', body.accountName),
    accountNumber: body.accountNumber,
  };
  if (body.notifyUrl !== undefined) request.notifyUrl = notifyUrl(body.notifyUrl, rules);
  return request;
}

function paymentAmountFen(amount: string | number): number {
  // A JSON number is read through its shortest decimal text (0.1 → "0.1"), never through arithmetic.
  const text = typeof amount === 'number' ? String(amount) : amount;
  const parsed = parseDecimal(text);
  if (!parsed.ok) throw badRequest(`amount: must be a decimal number of yuan with at most 2 decimals (got ${JSON.stringify(amount)})`);
  if (parsed.fen <= 0) throw badRequest('amount: must be greater than 0');
  if (parsed.fen > MAX_FEN) throw badRequest('amount: too large');
  return parsed.fen;
}

function httpUrl(field: string, value: string): string {
  if (!/^https?:\/\//i.test(value)) throw badRequest(`${field}: must be an absolute http(s) URL`);
  // The URL parser would percent-encode such characters silently; a URL we store and call is refused instead.
  const hidden = HIDDEN_CHARACTER.exec(value)?.[0] ?? LONE_SURROGATE.exec(value)?.[0] ?? /\s/u.exec(value)?.[0];
  if (hidden !== undefined) throw badRequest(`${field}: must not contain spaces, control, bidirectional or zero-width characters (found ${codePointOf(hidden)})`);
  try {
    new URL(value);
  } catch {
    throw badRequest(`${field}: must be an absolute http(s) URL`);
  }
  return value;
}

/** The worker POSTs to notifyUrl from inside our network: refused early when it plainly points back into it. */
function notifyUrl(value: string, rules: RequestRules): string {
  const url = httpUrl('notifyUrl', value);
  const refused = rules.notifyAllowPrivate ? undefined : refusedHost(new URL(url));
  if (refused !== undefined) throw badRequest(`notifyUrl: must not point at a loopback, private, link-local or metadata address (${refused})`);
  return url;
}

/**
 * Characters a name must not hold: controls (C0, DEL, C1); bidirectional controls, which make a name
 * read differently from what it is (U+061C, U+200E/F, U+202A-E, U+2066-9); zero-width characters,
 * which make two different names look the same (U+200B-D, U+2060, U+FEFF).
 */
const HIDDEN_CHARACTER = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/u;
/** Half a UTF-16 surrogate pair: not a character at all (JSON can carry it as \ud800); it cannot be signed or shown. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const codePointOf = (character: string): string => `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Names: no hidden characters and no leading/trailing spaces — they are signed, and shown to people who act on them. */
function printable(field: string, value: string): string {
  const hidden = HIDDEN_CHARACTER.exec(value)?.[0];
  if (hidden !== undefined) throw badRequest(`${field}: must not contain control, bidirectional or zero-width characters (found ${codePointOf(hidden)})`);
  const surrogate = LONE_SURROGATE.exec(value)?.[0];
  if (surrogate !== undefined) throw badRequest(`${field}: must be well-formed Unicode (found a lone surrogate ${codePointOf(surrogate)})`);
  if (value.trim() !== value || value === '') throw badRequest(`${field}: must not be blank or start/end with spaces`);
  return value;
}

/** List filters from query-string text to typed values, each problem naming its parameter. */
export function normalizeListQuery(query: Static<typeof PaymentListQuery>): OrderFilter {
  const filter: OrderFilter = {};
  if (query.status !== undefined) filter.status = query.status;
  if (query.channelId !== undefined) {
    const channelId = Number(query.channelId);
    if (channelById(channelId) === undefined) throw badRequest(`channelId: ${query.channelId} is not a platform channel (1-15)`);
    filter.channelId = channelId;
  }
  if (query.needsAttention !== undefined) filter.needsAttention = query.needsAttention === 'true';
  if (query.amountMismatch !== undefined) filter.amountMismatch = query.amountMismatch === 'true';
  Object.assign(filter, createdRange(query));
  if (query.pageSize !== undefined) {
    const pageSize = Number(query.pageSize);
    if (pageSize < 1 || pageSize > 100) throw badRequest('pageSize: must be between 1 and 100');
    filter.pageSize = pageSize;
  }
  if (query.cursor !== undefined) filter.cursor = query.cursor;
  return filter;
}

/** Export filters: a range of creation times (from before to, when both are given) and a status. */
export function normalizeExportQuery(query: Static<typeof PaymentExportQuery>): OrderFilter {
  const filter: OrderFilter = createdRange(query);
  // Compared as given (both read above), not as clamped to the years the book holds.
  if (query.createdFrom !== undefined && query.createdTo !== undefined && Date.parse(query.createdFrom) >= Date.parse(query.createdTo)) {
    throw badRequest(`createdTo: must be after createdFrom (got createdFrom ${query.createdFrom}, createdTo ${query.createdTo})`);
  }
  if (query.status !== undefined) filter.status = query.status;
  return filter;
}

/** PostgreSQL has no year 0 (ISO 0000 is 1 BC) and no orders outside these years: a bound beyond them lists the same orders. */
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function createdRange(query: { createdFrom?: string; createdTo?: string }): Pick<OrderFilter, 'createdFrom' | 'createdTo'> {
  const range: Pick<OrderFilter, 'createdFrom' | 'createdTo'> = {};
  for (const field of ['createdFrom', 'createdTo'] as const) {
    const value = query[field];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw badRequest(`${field}: not an ISO 8601 date-time`);
    // A date JavaScript can read but the book cannot (years before 0000 or after 9999: "+275760-09-13T…").
    if (!/^[0-9]{4}-/.test(value)) throw badRequest(`${field}: must be a date-time between the years 0000 and 9999`);
    range[field] = new Date(Math.min(Math.max(ms, FIRST_INSTANT), LAST_INSTANT)).toISOString();
  }
  return range;
}

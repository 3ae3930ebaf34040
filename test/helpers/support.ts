/**
 * What every kind of test shares, in one place: waiting for a condition, raw HTTP (form posts
 * included, as the platform and a browser send them), reading a page's form, and the builders of
 * mrns and of orders as a merchant sends them to the platform. Workflow inputs are built in
 * ./orders.ts; the API in-process in ./inject.ts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import type { CreatePaymentInput, CreatePayoutInput } from '../../src/gateway';

/** Polls `probe` until it returns something truthy, and returns that (real time: nothing skips it). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body as JSON (throws naming the text when it is not). */
  json<T = any>(): T;
}

/** One HTTP call with the body sent exactly as given (bad JSON included): for requests our clients would never make. */
export async function http(
  url: string,
  options: { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; headers?: Record<string, string>; body?: string; contentType?: string } = {},
): Promise<HttpAnswer> {
  const headers = { ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }), ...options.headers };
  const response = await request(url, { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers, body: options.body });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers as IncomingHttpHeaders,
    text,
    json: <T>() => {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new Error(`not JSON (HTTP ${response.statusCode}): ${text.slice(0, 200)}`);
      }
    },
  };
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  http(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json' });

/** A form POST, as the platform (callbacks) or a browser (cashier, operator, checkout) sends it. */
export const postForm = (url: string, fields: Record<string, string>): Promise<HttpAnswer> =>
  http(url, { method: 'POST', body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded; charset=utf-8' });

export function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A page's first form as a browser reads it: its action (resolved against `pageUrl` when given), method and every named input's value. */
export function readForm(page: string, pageUrl?: string): { action: string; method: string; fields: Record<string, string> } {
  const form = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (form === null) throw new Error('the page has no form');
  const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  const fields: Record<string, string> = {};
  for (const [input] of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(attribute(input, 'value') ?? '');
  }
  const action = unescapeHtml(attribute(form[1], 'action') ?? '');
  return { action: pageUrl === undefined ? action : new URL(action, pageUrl).toString(), method: (attribute(form[1], 'method') ?? 'get').toLowerCase(), fields };
}

export function testMrn(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 18)}`;
}

/** Where the platform's callbacks for an order go: a test's receiver. */
export interface CallbackTarget {
  url(path: string): string;
}

/** A pay-in as a merchant creates it at the platform (src/gateway's client input). */
export function platformPaymentInput(receiver: CallbackTarget, overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  return {
    mrn: testMrn('pay'),
    amountFen: 10_000,
    channelId: 2,
    callbackUrl: receiver.url('/callbacks/payment'),
    returnUrl: 'https://merchant.example/return',
    ...overrides,
  };
}

/** A payout as a merchant creates it at the platform. */
export function platformPayoutInput(receiver: CallbackTarget, overrides: Partial<CreatePayoutInput> = {}): CreatePayoutInput {
  return {
    mrn: testMrn('out'),
    amountFen: 50_000,
    bankName: '招商银行',
    accountName: '张三',
    accountNumber: '6225880123456789',
    callbackUrl: receiver.url('/callbacks/payout'),
    ...overrides,
  };
}

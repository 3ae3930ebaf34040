/**
 * What the end-to-end tests share beyond test/helpers/system.ts: raw HTTP to our API, the
 * platform's side of a callback (signed form posts), a merchant's notification receiver, and
 * waiting for an order to reach a status through GET.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { sign, type MessageKind } from '../../src/gateway';
import { eventually, type TestSystem } from '../helpers/system';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** Any request, with the body sent exactly as given (bad JSON included). */
export async function http(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  const response = await request(url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers as IncomingHttpHeaders, text, json };
}

/** A form POST, as the platform (callbacks) or a browser (cashier, operator) sends it. */
export function postForm(url: string, fields: Record<string, string>): Promise<HttpAnswer> {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The fields of a callback as the platform signs them (`secret`/`appKey` default to the system's). */
export function signedCallback(
  system: TestSystem,
  kind: 'payment.callback' | 'payout.callback',
  values: Record<string, string>,
  credentials: { appKey?: string; secret?: string } = {},
): Record<string, string> {
  const fields = { appKey: credentials.appKey ?? system.gateway.appKey, ...values };
  return { ...fields, sign: sign(kind as MessageKind, fields as never, credentials.secret ?? system.gateway.secret) };
}

/** GETs the order until `done` holds for it; returns that view. */
export function waitForOrder(
  system: TestSystem,
  kind: 'payments' | 'payouts',
  mrn: string,
  done: (view: any) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<any> {
  return eventually(
    async () => {
      const { status, body } = await system.api('GET', `/v1/${kind}/${mrn}`);
      return status === 200 && done(body) ? body : undefined;
    },
    `${kind} ${mrn}: ${what}`,
    timeoutMs,
  );
}

/** The workflow of an order, or undefined when none was ever started. */
export async function describeWorkflow(system: TestSystem, workflowId: string) {
  try {
    return await system.client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return undefined;
    throw error;
  }
}

/** The event names of an order view's timeline, oldest first. */
export function timelineEvents(view: { timeline: { event: string }[] }): string[] {
  return view.timeline.map((entry) => entry.event);
}

export function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The action and hidden fields of the first form of an HTML page. */
export function firstForm(page: string): { action: string; method: string; fields: Record<string, string> } {
  const form = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(page);
  if (form === null) throw new Error('the page has no form');
  const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  const fields: Record<string, string> = {};
  for (const [input] of form[2].matchAll(/<input[^>]*>/gi)) {
    const name = attribute(input, 'name');
    if (name !== undefined) fields[unescapeHtml(name)] = unescapeHtml(attribute(input, 'value') ?? '');
  }
  return { action: unescapeHtml(attribute(form[1], 'action') ?? ''), method: (attribute(form[1], 'method') ?? 'get').toLowerCase(), fields };
}

export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  body: string;
  answeredWith: number;
}

export interface MerchantReceiver {
  url: string;
  received: ReceivedNotification[];
  close(): Promise<void>;
}

/**
 * A merchant's notification endpoint on loopback: answers the n-th request with `answers[n]`
 * (200 once the list runs out) and keeps every request it got.
 */
export async function startMerchantReceiver(answers: readonly number[]): Promise<MerchantReceiver> {
  const received: ReceivedNotification[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const answeredWith = answers[received.length] ?? 200;
      received.push({ headers: req.headers, body, answeredWith });
      res.writeHead(answeredWith, { 'content-type': 'text/plain' }).end(answeredWith === 200 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/merchant/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

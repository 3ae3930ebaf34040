/**
 * What the end-to-end tests share beyond test/helpers/system.ts and test/helpers/support.ts (raw
 * HTTP, form posts, waiting): the platform's side of a callback (signed fields), a merchant's
 * notification receiver, and waiting for an order to reach a status through GET.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, type MessageKind } from '../../src/gateway';
import { eventually } from '../helpers/support';
import type { TestSystem } from '../helpers/system';

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

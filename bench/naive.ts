/**
 * Scenario B: the naive baseline on the same Temporal server and the same sandbox platform.
 * Its own worker (regular activities calling the sandbox through GatewayClient), its own callback
 * receiver (verify the signature, signal the workflow), and a client that starts the workflow
 * and queries it until the payUrl is there (a payout: until the platform has accepted it).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { GatewayConfig } from '../src/config';
import { checkCallback, GatewayClient, parseDecimal, safeEqual, verify } from '../src/gateway';
import { temporalConnectionOptions } from '../src/temporal/connection-options';
import {
  naivePaid,
  naivePayoutAccepted,
  naivePayoutPaid,
  naivePayoutWorkflowId,
  naivePayUrl,
  naiveWorkflowId,
  type NaiveActivities,
  type NaiveOrderInput,
  type NaiveOrderResult,
  type NaivePayoutActivities,
  type NaivePayoutInput,
  type NaivePayoutResult,
} from './naive-definitions';
import { naivePaymentWorkflow, naivePayoutWorkflow } from './naive-workflow';
import { ORDER_AMOUNT_FEN, ORDER_CHANNEL, PAYOUT_ACCOUNT, PAYOUT_AMOUNT_FEN, RETURN_URL } from './orchestrator';
import { failed, type OrderRunner, type OrderSample } from './run';

export function createNaiveActivities(gateway: GatewayClient, callbackBaseUrl: string): NaiveActivities & NaivePayoutActivities {
  return {
    async createPayment(input: NaiveOrderInput) {
      const outcome = await gateway.createPayment({ ...input, callbackUrl: `${callbackBaseUrl}/payments` });
      switch (outcome.kind) {
        case 'accepted':
          return { kind: 'created', payUrl: outcome.value.payUrl };
        case 'refused':
          return { kind: 'refused', message: outcome.message };
        case 'transient':
          throw new Error(outcome.reason); // retried by the activity's retry policy
      }
    },
    async createPayout(input: NaivePayoutInput) {
      const outcome = await gateway.createPayout({ ...input, callbackUrl: `${callbackBaseUrl}/payouts` });
      switch (outcome.kind) {
        case 'accepted':
          return { kind: 'accepted' };
        case 'refused':
          return { kind: 'refused', message: outcome.message };
        case 'transient':
          throw new Error(outcome.reason); // retried by the activity's retry policy
      }
    },
  };
}

export interface NaiveSide {
  /** The receiver's base: pay-in callbacks go to `${callbackUrl}/payments`, payouts' to `${callbackUrl}/payouts`. */
  callbackUrl: string;
  /** Callbacks the receiver refused or could not deliver as a signal. */
  receiverErrors(): number;
  stop(): Promise<void>;
}

/** Starts the naive worker and its callback receiver. */
export async function startNaive(options: {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundle;
  gateway: GatewayConfig;
  client: Client;
}): Promise<NaiveSide> {
  const stack: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const step of stack.reverse().splice(0)) await step().catch(() => undefined);
  };
  try {
    let errors = 0;
    const server = createServer((req, res) => {
      receiveCallback(req, options.gateway, options.client)
        .catch(() => ({ status: 503, body: 'fail: temporarily unavailable' }))
        .then(({ status, body }) => {
          if (status !== 200) errors += 1;
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(body);
        })
        .catch(() => res.destroy());
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stack.push(() => closeServer(server));
    const callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks`;

    const gateway = new GatewayClient({ baseUrl: options.gateway.url, appKey: options.gateway.appKey, secret: options.gateway.secret, timeoutMs: options.gateway.timeoutMs });
    stack.push(() => gateway.close());
    const connection = await NativeConnection.connect(temporalConnectionOptions(process.env, options.temporalAddress));
    stack.push(() => connection.close());
    // Default worker options, as a straightforward implementation would have them.
    const worker = await Worker.create({
      connection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: options.bundle,
      activities: createNaiveActivities(gateway, callbackUrl),
    });
    const running = worker.run();
    stack.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    return { callbackUrl, receiverErrors: () => errors, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The platform's callback: verify appKey and signature over the raw values, then signal the order. */
async function receiveCallback(req: IncomingMessage, gateway: GatewayConfig, client: Client): Promise<{ status: number; body: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
  if (req.url === '/callbacks/payouts') {
    const checked = checkCallback('payout', fields, gateway);
    if (!checked.ok) return { status: 400, body: 'fail: invalid callback' };
    await client.workflow.getHandle(naivePayoutWorkflowId(checked.callback.mrn)).signal(naivePayoutPaid, { amountFen: checked.callback.amountFen });
    return { status: 200, body: 'success' };
  }
  if (req.url !== '/callbacks/payments') return { status: 404, body: 'fail: no such receiver' };
  const amount = typeof fields.amount === 'string' ? parseDecimal(fields.amount) : undefined;
  const valid = typeof fields.appKey === 'string' && safeEqual(fields.appKey, gateway.appKey) && verify('payment.callback', fields, gateway.secret).ok;
  if (!valid || amount === undefined || !amount.ok || typeof fields.mrn !== 'string') return { status: 400, body: 'fail: invalid callback' };
  await client.workflow.getHandle(naiveWorkflowId(fields.mrn)).signal(naivePaid, { amountFen: amount.fen });
  return { status: 200, body: 'success' };
}

/**
 * The naive client: start, then query for the payUrl every `pollMs` until it is there. The bench
 * then awaits the result through `observer` (its own connection, as for scenario A).
 */
export function naiveRunner(client: Client, observer: Client, taskQueue: string, pollMs: number, mrnPrefix: string): OrderRunner {
  return async (index) => {
    const mrn = `${mrnPrefix}${index}`;
    const workflowId = naiveWorkflowId(mrn);
    const startedAt = Date.now();
    const t0 = performance.now();
    let partial: Partial<OrderSample> = {};
    try {
      const handle = await client.workflow.start(naivePaymentWorkflow, {
        workflowId,
        taskQueue,
        args: [{ mrn, amountFen: ORDER_AMOUNT_FEN, channelId: ORDER_CHANNEL, returnUrl: RETURN_URL }],
      });
      let queries = 0;
      let payUrl: string | null = null;
      for (;;) {
        queries += 1;
        try {
          payUrl = await handle.query(naivePayUrl);
        } catch {
          // The first workflow task may not have run yet: ask again.
        }
        if (payUrl !== null) break;
        if (performance.now() - t0 > 30_000) throw new Error('no payUrl within 30 s');
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      const t1 = performance.now();
      partial = { payUrlMs: t1 - t0, payUrlAt: Date.now(), queries };
      const final: NaiveOrderResult = await observer.workflow.getHandle<typeof naivePaymentWorkflow>(workflowId).result();
      if (final.status !== 'succeeded') throw new Error(`workflow ended ${final.status}`);
      const t2 = performance.now();
      return { mrn, workflowId, startedAt, payUrlMs: t1 - t0, payUrlAt: partial.payUrlAt ?? null, completedMs: t2 - t0, completedAt: Date.now(), queries };
    } catch (error) {
      return failed({ mrn, workflowId, startedAt, ...partial }, error);
    }
  };
}

/** The naive payout client: start, then query until the platform has accepted the create; then await the result. */
export function naivePayoutRunner(client: Client, observer: Client, taskQueue: string, pollMs: number, mrnPrefix: string): OrderRunner {
  return async (index) => {
    const mrn = `${mrnPrefix}${index}`;
    const workflowId = naivePayoutWorkflowId(mrn);
    const startedAt = Date.now();
    const t0 = performance.now();
    let partial: Partial<OrderSample> = {};
    try {
      const handle = await client.workflow.start(naivePayoutWorkflow, {
        workflowId,
        taskQueue,
        args: [{ mrn, amountFen: PAYOUT_AMOUNT_FEN, ...PAYOUT_ACCOUNT }],
      });
      let queries = 0;
      let accepted = false;
      for (;;) {
        queries += 1;
        try {
          accepted = await handle.query(naivePayoutAccepted);
        } catch {
          // The first workflow task may not have run yet: ask again.
        }
        if (accepted) break;
        if (performance.now() - t0 > 30_000) throw new Error('not accepted within 30 s');
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      const t1 = performance.now();
      partial = { payUrlMs: t1 - t0, payUrlAt: Date.now(), queries };
      const final: NaivePayoutResult = await observer.workflow.getHandle<typeof naivePayoutWorkflow>(workflowId).result();
      if (final.status !== 'succeeded') throw new Error(`workflow ended ${final.status}`);
      const t2 = performance.now();
      return { mrn, workflowId, startedAt, payUrlMs: t1 - t0, payUrlAt: partial.payUrlAt ?? null, completedMs: t2 - t0, completedAt: Date.now(), queries };
    } catch (error) {
      return failed({ mrn, workflowId, startedAt, ...partial }, error);
    }
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

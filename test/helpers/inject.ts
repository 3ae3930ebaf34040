import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, type ApiSettings } from '../../src/api/app';
import { openTestBook } from './book';

/**
 * The API built in-process with a stand-in Temporal client, for `app.inject` tests of what the API
 * decides by itself (validation, normalisation, error mapping, callback checks): no server, no port.
 * Each Temporal call the routes make goes to `temporal`; what a test does not set throws.
 */
export interface StubTemporal {
  query?(workflowId: string): Promise<unknown>;
  executeUpdate?(workflowId: string, args: unknown[]): Promise<unknown>;
  /** POST /v1/payments|payouts: the create's Update-with-Start; `input` is the workflow's input. */
  updateWithStart?(input: unknown): Promise<unknown>;
  signal?(workflowId: string, args: unknown[]): Promise<void>;
  describe?(workflowId: string): Promise<{ status: { name: string }; runId: string }>;
  start?(workflowType: string, options: { workflowId: string; args: unknown[] }): Promise<unknown>;
}

export const INJECT_TOKEN = 'inject-test-api-token';
export const INJECT_OPERATOR_TOKEN = 'inject-test-operator-token';
export const INJECT_GATEWAY = { appKey: 'inject-app-key', secret: 'inject-gateway-secret' };

const missing = (what: string) => () => Promise.reject(new Error(`stub Temporal: ${what} not expected by this test`));

function stubClient(temporal: StubTemporal): Client {
  const handle = (workflowId: string) => ({
    workflowId,
    query: () => (temporal.query ?? missing('query'))(workflowId),
    executeUpdate: (_def: unknown, options: { args: unknown[] }) => (temporal.executeUpdate ?? missing('executeUpdate'))(workflowId, options.args),
    signal: (_def: unknown, ...args: unknown[]) => (temporal.signal ?? missing('signal'))(workflowId, args),
    describe: () => (temporal.describe ?? missing('describe'))(workflowId),
  });
  const client = {
    options: { namespace: 'inject' },
    withDeadline: <T>(_deadline: number, run: () => Promise<T>) => run(),
    workflow: {
      getHandle: handle,
      executeUpdateWithStart: (_def: unknown, options: { startWorkflowOperation: { options: { args: unknown[] } } }) =>
        (temporal.updateWithStart ?? missing('updateWithStart'))(options.startWorkflowOperation.options.args[0]),
      start: (type: string, options: { workflowId: string; args: unknown[] }) => (temporal.start ?? missing('start'))(type, options),
    },
  };
  return client as unknown as Client;
}

export async function injectApp(temporal: StubTemporal = {}, settings: Partial<Omit<ApiSettings, 'codec'>> & { codec?: PayloadCodec } = {}): Promise<FastifyInstance> {
  const { codec, ...rest } = settings;
  const { book, close } = openTestBook();
  const app = await buildApp({
    settings: {
      apiToken: INJECT_TOKEN,
      publicUrl: 'http://127.0.0.1:3000',
      taskQueue: 'inject',
      gateway: INJECT_GATEWAY,
      callbackAllowedIps: [],
      trustProxy: [],
      notifyAllowPrivate: false,
      timeouts: {
        paymentCallbackMs: 600_000,
        paymentExpiryMs: 7_200_000,
        paymentResendWaitMs: 60_000,
        paymentLateWindowMs: 172_800_000,
        payoutCallbackMs: 1_800_000,
        pollIntervalMs: 30_000,
        pollIntervalMaxMs: 600_000,
        payoutAttentionAfterMs: 86_400_000,
        notifyRetryForMs: 172_800_000,
      },
      createWaitMs: 1_000,
      namespace: 'inject',
      ...(codec === undefined ? {} : { codec: { codec, operatorToken: INJECT_OPERATOR_TOKEN, corsOrigins: [] } }),
      ...rest,
    },
    client: stubClient(temporal),
    book,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  app.addHook('onClose', close);
  await app.ready();
  return app;
}

export const bearer = { authorization: `Bearer ${INJECT_TOKEN}` };

/** Temporal's failures as the client raises them. */
export const temporalFailures = {
  unavailable: () => new ServiceError('connection refused', { cause: Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }) }),
  notFound: (workflowId: string) => new WorkflowNotFoundError('workflow not found', workflowId, undefined),
  refusedUpdate: (type: string, message: string) => new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type, message, nonRetryable: true })),
};

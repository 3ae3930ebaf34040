import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { useStrictJson } from '../http/strict-json';
import { typeboxValidatorCompiler } from '../http/typebox';
import { registerApiMetrics } from '../metrics/api-metrics';
import { traceRequests } from '../tracing';
import type { OrderBook } from '../book/order-book';
import type { OrderTimeouts } from '../contracts/order';
import { frameworkErrors, registerErrorHandler } from './errors';
import { CallbackIntake } from './orders/callbacks';
import { bindRequestContext, orderLogFields } from './request-context';
import { CheckoutLinks } from './orders/checkout-links';
import { ListCursors } from './orders/list-cursor';
import { PaymentOrders } from './orders/payments';
import { PayoutOrders } from './orders/payouts';
import { requireBearerToken } from './plugins/bearer-auth';
import { callbackRoutes } from './routes/callbacks';
import { checkoutRoutes } from './routes/checkout';
import { codecRoutes } from './routes/codec';
import { exportRoutes } from './routes/exports';
import { healthRoutes } from './routes/health';
import { paymentRoutes } from './routes/payments';
import { payoutRoutes } from './routes/payouts';
import { reconciliationRoutes } from './routes/reconciliations';
import type { ReconcileSettings } from './reconciliations/reconciliations';

export interface ApiSettings {
  apiToken: string;
  publicUrl: string;
  taskQueue: string;
  gateway: { appKey: string; secret: string };
  /** Addresses and CIDR ranges allowed to post callbacks; empty: any. */
  callbackAllowedIps: string[];
  /** Reverse proxies (addresses, CIDR ranges) trusted to name the client in X-Forwarded-For; empty: none. */
  trustProxy: string[];
  /** notifyUrl may point at loopback, private, link-local and metadata addresses (local setups only). */
  notifyAllowPrivate: boolean;
  timeouts: OrderTimeouts;
  /** How long POST /v1/payments|payouts waits for the platform before answering 202 "creating". */
  createWaitMs: number;
  namespace: string;
  /** METRICS_TOKEN: bearer token of GET /metrics; unset: open. */
  metricsToken?: string;
  /** A server span per request (OTEL_EXPORTER_OTLP_ENDPOINT set; the process started tracing). */
  tracing?: boolean;
  /** The codec server for operators (Temporal UI decoding); off when no codec is given. */
  codec?: { codec: PayloadCodec; operatorToken: string; corsOrigins: string[] };
  /** RECONCILE_TIMEZONE and RECONCILE_QPS for POST /v1/reconciliations; absent: the defaults. */
  reconcile?: ReconcileSettings;
}

export interface ApiDeps {
  settings: ApiSettings;
  client: Client;
  /** The order book: orders, lists and exports at any age, and idempotency beyond Temporal's retention. */
  book: OrderBook;
  logger: FastifyBaseLogger;
}

/** The API as a Fastify app, not yet listening (tests use port 0; main calls listen). */
export async function buildApp({ settings, client, book, logger }: ApiDeps): Promise<FastifyInstance> {
  // Request lines are logged by path only (onResponse below): query strings may carry link signatures.
  // Behind a proxy, request.ip (the callback allow-list's input) is the client named by the trusted proxies only.
  const trustProxy = settings.trustProxy.length > 0 ? settings.trustProxy : false;
  // maxParamLength: a too long mrn or token reaches its route and is refused naming the parameter (Fastify's 100 answers "no route").
  const app = Fastify({ loggerInstance: logger, disableRequestLogging: true, bodyLimit: 64 * 1024, trustProxy, routerOptions: { maxParamLength: 1024 }, frameworkErrors });
  app.setValidatorCompiler(typeboxValidatorCompiler);
  registerErrorHandler(app);
  useStrictJson(app);
  // JSON (and the callbacks' forms) only: a text/plain body is refused 415, not read as a string that fails the schema.
  app.removeContentTypeParser('text/plain');
  app.addHook('onResponse', async (request, reply) => {
    // The codec route may carry the operator token in its path: log the route pattern there.
    const path = request.routeOptions.url?.includes(':token') ? request.routeOptions.url : request.url.split('?')[0];
    // A request about an order names it as every order log line does: mrn and workflowId (and reqId, pino's).
    request.log.info({ method: request.method, path, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime), ...orderLogFields(request) }, 'request');
  });

  const metrics = registerApiMetrics(app, { token: settings.metricsToken });
  if (settings.tracing === true) traceRequests(app);
  bindRequestContext(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Payment order orchestrator', version: '1.0.0', description: 'Pay-ins and payouts as durable Temporal workflows.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const checkoutLinks = new CheckoutLinks(settings.apiToken, settings.publicUrl);
  const common = { client, book, taskQueue: settings.taskQueue, timeouts: settings.timeouts, createWaitMs: settings.createWaitMs };
  const payments = new PaymentOrders({ ...common, checkoutLinks });
  const payouts = new PayoutOrders(common);
  const intake = new CallbackIntake({ client, taskQueue: settings.taskQueue, ...settings.gateway, log: logger, metrics });

  await app.register(healthRoutes, { client });
  await app.register(callbackRoutes, { intake, allowedIps: settings.callbackAllowedIps, metrics });
  await app.register(checkoutRoutes, { orders: payments, links: checkoutLinks });
  if (settings.codec !== undefined) await app.register(codecRoutes, { ...settings.codec, namespace: settings.namespace });
  await app.register(async (v1) => {
    requireBearerToken(v1, settings.apiToken);
    const rules = { notifyAllowPrivate: settings.notifyAllowPrivate };
    const cursors = new ListCursors(settings.apiToken);
    await v1.register(paymentRoutes, { orders: payments, book, cursors, rules });
    await v1.register(payoutRoutes, { orders: payouts, book, cursors, rules });
    await v1.register(exportRoutes, { book });
    await v1.register(reconciliationRoutes, { client, book, taskQueue: settings.taskQueue, reconcile: settings.reconcile });
  });
  return app;
}

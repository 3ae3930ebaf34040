/**
 * The API's Prometheus metrics (`GET /metrics`, text format): Node's default process metrics, the
 * request-duration histogram, order starts and callback outcomes. One registry per app, so tests
 * that build several apps in one process count separately.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { safeEqual } from '../gateway/signing';

export type OrderKindLabel = 'payment' | 'payout';

/** Every way a platform callback can end, as `orchestrator_callbacks_total{outcome}` names it. */
export type CallbackOutcome =
  | 'accepted'
  | 'bad_signature'
  /** A missing field or an amount that does not parse (400): not in the platform's normal vocabulary. */
  | 'invalid'
  | 'unknown_order'
  | 'amount_mismatch'
  | 'ip_denied'
  | 'temporal_unavailable'
  | 'duplicate';

/** What the callback intake and routes report; the API counts it. */
export interface CallbackMetrics {
  callback(kind: OrderKindLabel, outcome: CallbackOutcome): void;
}

/** Seconds; from a fast health check to a create that waited CREATE_WAIT (5 s) for the platform. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Order-start routes: their answers are counted as starts or rejections (below). */
const START_ROUTES: Record<string, OrderKindLabel> = { '/v1/payments': 'payment', '/v1/payouts': 'payout' };

export class ApiMetrics implements CallbackMetrics {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'orchestrator_http_request_duration_seconds',
    help: 'API request duration by route pattern, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly ordersStarted = new Counter({
    name: 'orchestrator_orders_started_total',
    help: 'Orders started through the API (201/202 of POST /v1/payments|payouts), by kind and channel',
    labelNames: ['kind', 'channel'] as const,
    registers: [this.registry],
  });
  private readonly startsRejected = new Counter({
    name: 'orchestrator_order_starts_rejected_total',
    help: 'Order starts that did not start an order, by kind and reason (invalid_request, unauthorized, conflict, the platform code of a 422, temporal_unavailable, error)',
    labelNames: ['kind', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly callbacks = new Counter({
    name: 'orchestrator_callbacks_total',
    help: 'Platform callbacks by kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every series exists from the start: a rate() over a counter that appears only at its first
    // increment misses that increment, and alerts on "no callbacks" need a zero to compare with.
    for (const kind of ['payment', 'payout'] as const) {
      for (const outcome of CALLBACK_OUTCOMES) this.callbacks.labels(kind, outcome).inc(0);
    }
  }

  callback(kind: OrderKindLabel, outcome: CallbackOutcome): void {
    this.callbacks.labels(kind, outcome).inc();
  }

  /** Called once per answered request (onResponse). */
  observeRequest(request: FastifyRequest, reply: FastifyReply, payload: string | undefined): void {
    // The route pattern (`/v1/payments/:mrn`), never the raw URL: mrns and tokens in paths would make
    // a series per order. Requests no route matched share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    this.httpDuration.labels(route, request.method, String(status)).observe(reply.elapsedTime / 1000);
    const kind = request.method === 'POST' ? START_ROUTES[route] : undefined;
    if (kind === undefined) return;
    if (status === 201 || status === 202) {
      const body = request.body as { channelId?: unknown } | undefined;
      const channel = kind === 'payment' && typeof body?.channelId === 'number' ? String(body.channelId) : 'none';
      this.ordersStarted.labels(kind, channel).inc();
    } else if (status !== 200) {
      this.startsRejected.labels(kind, rejectionReason(status, payload)).inc();
    }
  }
}

const CALLBACK_OUTCOMES: readonly CallbackOutcome[] = [
  'accepted',
  'bad_signature',
  'invalid',
  'unknown_order',
  'amount_mismatch',
  'ip_denied',
  'temporal_unavailable',
  'duplicate',
];

/** A bounded label: the platform's code of a 422 when it looks like one, else a fixed word per status. */
function rejectionReason(status: number, payload: string | undefined): string {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 409:
      return 'conflict';
    case 422: {
      try {
        const code = (JSON.parse(payload ?? '') as { error?: { code?: unknown } }).error?.code;
        if (typeof code === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(code)) return code;
      } catch {
        // not JSON: the generic word
      }
      return 'platform_rejected';
    }
    case 503:
      return 'temporal_unavailable';
    default:
      return status >= 500 ? 'error' : `http_${status}`;
  }
}

export interface ApiMetricsOptions {
  /** METRICS_TOKEN: when set, `/metrics` wants `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/** Adds the request hooks and `GET /metrics` to the app; returns the metrics for the callback intake. */
export function registerApiMetrics(app: FastifyInstance, { token }: ApiMetricsOptions): ApiMetrics {
  const metrics = new ApiMetrics();
  const payloads = new WeakMap<FastifyRequest, string>();
  app.addHook('onSend', async (request, reply, payload) => {
    // Only a refused start's body is read (for the platform's code); nothing is kept past the response.
    if (reply.statusCode === 422 && typeof payload === 'string') payloads.set(request, payload);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request, reply, payloads.get(request));
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token !== undefined) {
      const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
      if (match === null || !safeEqual(match[1], token)) return reply.code(401).type('text/plain').send('metrics need the METRICS_TOKEN bearer token\n');
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return metrics;
}

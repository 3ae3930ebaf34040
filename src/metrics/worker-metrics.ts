/**
 * The worker's metrics. The Temporal SDK's runtime serves one Prometheus endpoint
 * (WORKER_METRICS_PORT) with its own metrics (task latencies, slots, sticky cache) and ours, which
 * are recorded through the runtime's meter: platform requests (a GatewayClient that measures each
 * call), merchant notifications (an activity interceptor), finished orders (a workflow interceptor,
 * `workflow-interceptors.ts`) and the needing-attention gauge (`attention-gauge.ts`).
 */
import { SpanKind, trace } from '@opentelemetry/api';
import type { MetricMeter } from '@temporalio/common';
import { Runtime, type ActivityInboundCallsInterceptor, type ActivityOutboundCallsInterceptor, type RuntimeOptions, type WorkerInterceptors } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { GatewayClient, type GatewayClientOptions, type Outcome } from '../gateway';

/** Histogram buckets in seconds: the runtime's defaults are for milliseconds. */
const BUCKETS: Record<string, number[]> = {
  orchestrator_platform_request_duration_seconds: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  // From a pay-in paid at once to a payout decided after days of polling.
  orchestrator_order_duration_seconds: [1, 5, 15, 30, 60, 300, 600, 1800, 3600, 7200, 21600, 86400, 259200],
};

/**
 * Installs the process's Temporal runtime with the Prometheus exporter on `0.0.0.0:port`. Must run
 * before any NativeConnection or Worker exists (the runtime is per process and installed once).
 */
export function installWorkerRuntime(port: number, options: Omit<RuntimeOptions, 'telemetryOptions'> = {}): Runtime {
  return Runtime.install({
    ...options,
    telemetryOptions: {
      metrics: {
        prometheus: {
          bindAddress: `0.0.0.0:${port}`,
          // Durations in seconds, as Prometheus conventions (and our alerts) expect.
          useSecondsForDurations: true,
          histogramBucketOverrides: BUCKETS,
        },
      },
    },
  });
}

/** The meter our metrics are recorded on: the runtime's (a no-op exporter when none was installed). */
export function runtimeMeter(): MetricMeter {
  return Runtime.instance().metricMeter;
}

const tracer = trace.getTracer('orchestrator-platform');

type Endpoint = 'payment.create' | 'payment.query' | 'payout.create' | 'payout.query';

/** `accepted`, `transient`, `wrong_order`, or the platform's refusal code (bounded: the platform's vocabulary). */
function outcomeLabel(outcome: Outcome<unknown>): string {
  switch (outcome.kind) {
    case 'accepted':
      return 'accepted';
    case 'transient':
      return outcome.wrongOrder === true ? 'wrong_order' : 'transient';
    case 'refused':
      return /^[A-Za-z0-9_.-]{1,40}$/.test(outcome.code) ? outcome.code : 'refused';
  }
}

/**
 * The gateway client, each platform call counted (`orchestrator_platform_requests_total{endpoint,
 * outcome}`) and timed (`orchestrator_platform_request_duration_seconds{endpoint}`). A subclass so
 * every user of GatewayClient takes it unchanged.
 */
export class MeteredGatewayClient extends GatewayClient {
  private readonly requests;
  private readonly duration;

  constructor(options: GatewayClientOptions, meter: MetricMeter) {
    super(options);
    this.requests = meter.createCounter('orchestrator_platform_requests_total', undefined, 'Platform API calls by endpoint and outcome (accepted, transient, wrong_order or the refusal code)');
    this.duration = meter.createHistogram('orchestrator_platform_request_duration_seconds', 'float', undefined, 'Platform API call duration by endpoint');
  }

  override createPayment(...args: Parameters<GatewayClient['createPayment']>): ReturnType<GatewayClient['createPayment']> {
    return this.measure('payment.create', () => super.createPayment(...args));
  }

  override queryPayment(...args: Parameters<GatewayClient['queryPayment']>): ReturnType<GatewayClient['queryPayment']> {
    return this.measure('payment.query', () => super.queryPayment(...args));
  }

  override createPayout(...args: Parameters<GatewayClient['createPayout']>): ReturnType<GatewayClient['createPayout']> {
    return this.measure('payout.create', () => super.createPayout(...args));
  }

  override queryPayout(...args: Parameters<GatewayClient['queryPayout']>): ReturnType<GatewayClient['queryPayout']> {
    return this.measure('payout.query', () => super.queryPayout(...args));
  }

  private async measure<T extends Outcome<unknown>>(endpoint: Endpoint, call: () => Promise<T>): Promise<T> {
    // A client span under the activity's (a no-op unless tracing is on): the platform call in the order's trace.
    return tracer.startActiveSpan(`platform ${endpoint}`, { kind: SpanKind.CLIENT, attributes: { 'orchestrator.platform.endpoint': endpoint } }, async (span) => {
      const started = performance.now();
      let outcome = 'error';
      try {
        const result = await call();
        outcome = outcomeLabel(result);
        return result;
      } finally {
        this.requests.add(1, { endpoint, outcome });
        this.duration.record((performance.now() - started) / 1000, { endpoint });
        span.setAttribute('orchestrator.platform.outcome', outcome);
        span.end();
      }
    });
  }
}

/**
 * Counts merchant notification attempts by outcome (`delivered`, `failed`, `error`) from the
 * notifyMerchant activity's result, without touching the activity: an attempt that was not
 * delivered is retried by the notifier, so failures piling up show here first. Also adds the
 * order's mrn to every activity log line.
 */
export function notificationMetricsInterceptor(meter: MetricMeter): NonNullable<WorkerInterceptors['activity']>[number] {
  const notifications = meter.createCounter('orchestrator_notifications_total', undefined, 'Merchant notification attempts by outcome (delivered, failed, error)');
  return (ctx: Context) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        if (ctx.info.activityType !== 'notifyMerchant') return next(input);
        try {
          const result = (await next(input)) as { ok?: unknown } | undefined;
          notifications.add(1, { outcome: result?.ok === true ? 'delivered' : 'failed' });
          return result;
        } catch (error) {
          notifications.add(1, { outcome: 'error' });
          throw error;
        }
      },
    };
    // Activity log lines (the SDK adds workflowId) name the order's mrn too.
    const mrn = /^(?:payment|payout)-(.+)$/.exec(ctx.info.workflowExecution?.workflowId ?? '')?.[1];
    const outbound: ActivityOutboundCallsInterceptor = {
      getLogAttributes: (input, next) => next(mrn === undefined ? input : { ...input, mrn }),
    };
    return { inbound, outbound };
  };
}

/** The workflow-side interceptor module (orders finished, their duration); bundled with the workflows. */
export const WORKFLOW_METRICS_MODULE = require.resolve('./workflow-interceptors');

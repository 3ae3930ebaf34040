/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: one trace from an API
 * request (a server span per request, below) through the Temporal client call it makes (the
 * client interceptor puts the span context into the workflow's headers), the workflow's run and
 * its activities (@temporalio/interceptors-opentelemetry) to the platform calls they make.
 * Spans leave over OTLP/HTTP to `<endpoint>/v1/traces`; workflow spans go through the worker's
 * span-exporter sink (a workflow cannot do I/O, and its spans are not re-exported on replay).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The workflow-side interceptors of the package, bundled with the workflows when tracing is on. */
export const WORKFLOW_TRACING_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface Tracing {
  /** Workflow client interceptors: the caller's active span becomes the parent of the workflow's spans. */
  workflowClientInterceptors: WorkflowClientInterceptor[];
  /** Worker options: activity interceptors, workflow interceptor module, the workflow span sink. */
  worker: { activity: NonNullable<WorkerInterceptors['activity']>; workflowModules: string[]; sinks: InjectedSinks<Record<string, never>> };
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/**
 * Starts tracing for this process when `endpoint` is set (undefined: off, and nothing is loaded
 * into the request path). The tracer provider is global: the first call installs it, later calls
 * in the same process (tests) share it.
 */
export function startTracing(endpoint: string | undefined, serviceName: string): Tracing | undefined {
  if (endpoint === undefined) return undefined;
  if (installed !== undefined) return installed;
  const resource = new Resource({ 'service.name': serviceName });
  const processor: SpanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }), { scheduledDelayMillis: 1_000 });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global tracer provider, W3C trace-context propagation, AsyncLocalStorage context.
  provider.register();
  const tracing: Tracing = {
    workflowClientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    worker: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      workflowModules: [WORKFLOW_TRACING_MODULE],
      sinks: { exporter: makeWorkflowExporter(processor, resource) } as unknown as InjectedSinks<Record<string, never>>,
    },
    async shutdown() {
      await provider.forceFlush();
    },
  };
  installed = tracing;
  return tracing;
}

/**
 * A server span per API request, named after its route pattern, active while the handler runs
 * (so the Temporal client calls it makes are its children). Trace context arriving in the request
 * headers (traceparent) is its parent.
 */
export function traceRequests(app: FastifyInstance): void {
  const tracer = trace.getTracer('orchestrator-api');
  const spans = new WeakMap<FastifyRequest, { span: Span; parent: ReturnType<typeof context.active> }>();
  app.addHook('onRequest', async (request) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'fastify.request_id': request.id } },
      parent,
    );
    spans.set(request, { span, parent });
  });
  // Activated right before the handler (after the body was read): the handler and what it awaits run in the span's context.
  app.addHook('preHandler', (request, _reply, done) => {
    const entry = spans.get(request);
    if (entry === undefined) return done();
    context.with(trace.setSpan(entry.parent, entry.span), done);
  });
  app.addHook('onResponse', async (request, reply) => {
    const entry = spans.get(request);
    if (entry === undefined) return;
    entry.span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
    entry.span.end();
  });
}

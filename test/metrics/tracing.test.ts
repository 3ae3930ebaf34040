/**
 * Tracing with OTEL_EXPORTER_OTLP_ENDPOINT set: a pay-in started through the API is one trace —
 * the API's request span, the Temporal client call, the workflow's run, its activity and the
 * platform call — exported over OTLP/HTTP (JSON) to a small receiver on loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { loadConfig } from '../../src/config';
import { WORKFLOW_METRICS_MODULE } from '../../src/metrics/worker-metrics';
import { startSystem, type RunningSystem } from '../../src/system';
import { findFreePort } from '../../src/temporal/dev-server';
import { WORKFLOW_TRACING_MODULE } from '../../src/tracing';
import { testMrn } from '../helpers/orders';
import { E2E_ENV, eventually } from '../helpers/system';
import { devServerAddress, devServerNamespace, uniqueName, workflowBundle } from '../helpers/temporal';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

const spans: ReceivedSpan[] = [];
let receiver: Server;
let system: RunningSystem;
let dataDir: string;

beforeAll(async () => {
  // An OTLP/HTTP receiver: POST /v1/traces with the JSON encoding.
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const message = JSON.parse(body) as {
          resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[] }[];
        };
        for (const resourceSpans of message.resourceSpans) {
          const service = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-tracing-'));
  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: String(await findFreePort()),
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_NAMESPACE: devServerNamespace(),
      TEMPORAL_TASK_QUEUE: uniqueName('tracing'),
      API_TOKEN: randomBytes(18).toString('base64url'),
      NOTIFY_SECRET: randomBytes(18).toString('base64url'),
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...E2E_ENV,
      // The test needs the 201 (the order created within the request); a loaded machine can take seconds.
      CREATE_WAIT: '30s',
    },
    'all-in-one',
  );
  system = await startSystem({
    config,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    sandbox: { port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000] },
    // As the worker bundles itself with tracing on: the metrics and the OpenTelemetry workflow interceptors.
    workflowBundle: await workflowBundle(require.resolve('../../src/workflows'), { workflowInterceptorModules: [WORKFLOW_METRICS_MODULE, WORKFLOW_TRACING_MODULE] }),
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

test('POST /v1/payments, the workflow, its activities and the platform calls are one trace', async () => {
  const response = await request(`${system.apiUrl}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${system.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mrn: testMrn('T'), amount: '3.21', channelId: 2, returnUrl: 'https://shop.example.com/paid' }),
  });
  expect(response.statusCode).toBe(201);
  const { mrn } = (await response.body.json()) as { mrn: string };
  // The workflow's span ends (and is exported) when its run does: the payer pays.
  await system.sandbox!.control.markPaid('payment', mrn);

  const received = () => spans.map((span) => `${span.service} ${span.name} ${span.traceId.slice(0, 8)}/${span.spanId.slice(0, 8)}<-${(span.parentSpanId ?? '').slice(0, 8)}`).join('\n');
  const trace = await eventually(
    async () => {
      const root = spans.find((span) => span.name === 'POST /v1/payments');
      if (root === undefined) return undefined;
      const inTrace = spans.filter((span) => span.traceId === root.traceId);
      const names = inTrace.map((span) => span.name);
      const complete =
        names.some((name) => name.startsWith('RunWorkflow:paymentWorkflow')) &&
        names.some((name) => name.startsWith('RunActivity:createPaymentAtPlatform')) &&
        names.includes('platform payment.create');
      return complete ? { root, inTrace } : undefined;
    },
    'the trace of the pay-in to reach the receiver',
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; spans received:\n${received()}`);
  });
  expect(trace.root.parentSpanId ?? '').toBe('');
  const byId = new Map(trace.inTrace.map((span) => [span.spanId, span]));
  // Every span of the trace descends from the API's request span.
  for (const span of trace.inTrace) {
    let cursor: ReceivedSpan | undefined = span;
    for (let hops = 0; cursor !== undefined && cursor !== trace.root && hops < 20; hops++) cursor = cursor.parentSpanId ? byId.get(cursor.parentSpanId) : undefined;
    expect({ span: span.name, fromRoot: cursor === trace.root }).toEqual({ span: span.name, fromRoot: true });
  }
  const platform = trace.inTrace.find((span) => span.name === 'platform payment.create')!;
  expect(byId.get(platform.parentSpanId!)?.name).toMatch(/^RunActivity:createPaymentAtPlatform/);
});

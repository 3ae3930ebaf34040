/**
 * Both /metrics endpoints on the real system (API, worker, sandbox over HTTP, dev server): after a
 * pay-in and a payout through the API the counters move by the right amounts; a forged callback
 * moves `bad_signature`. The worker's endpoint is the Temporal SDK runtime's Prometheus exporter,
 * installed here as the worker entry points install it (once per process, before any connection).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import pino from 'pino';
import { request } from 'undici';
import { encryptingDataConverter, parseCodecKeys } from '../../src/codec';
import { loadConfig } from '../../src/config';
import { payoutCallback, payoutWorkflowId } from '../../src/contracts/payout';
import { attentionLeaseWorkflowId, startAttentionGauge } from '../../src/metrics/attention-gauge';
import { installWorkerRuntime, runtimeMeter, WORKFLOW_METRICS_MODULE } from '../../src/metrics/worker-metrics';
import { startSystem, type RunningSystem } from '../../src/system';
import { findFreePort } from '../../src/temporal/dev-server';
import { startMerchantReceiver, type MerchantReceiver } from '../e2e/support';
import { baseName, queriedMetricNames, SDK_METRICS } from '../helpers/monitoring';
import { testMrn } from '../helpers/orders';
import { E2E_ENV, eventually } from '../helpers/system';
import { devServerAddress, devServerNamespace, uniqueName, workflowBundle } from '../helpers/temporal';

const METRICS_TOKEN = randomBytes(18).toString('base64url');
const CODEC_KEYS = `k1:${randomBytes(32).toString('base64')}`;

let system: RunningSystem;
let workerMetricsUrl: string;
let receiver: MerchantReceiver;
let dataDir: string;
let taskQueue: string;
let metricsBundle: WorkflowBundle;
/** The system's log lines (JSON), to check what they carry. */
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const workerMetricsPort = await findFreePort();
  installWorkerRuntime(workerMetricsPort, { logger: new DefaultLogger('WARN') });
  workerMetricsUrl = `http://127.0.0.1:${workerMetricsPort}/metrics`;
  receiver = await startMerchantReceiver([]);
  dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-metrics-'));
  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: String(await findFreePort()),
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_NAMESPACE: devServerNamespace(),
      TEMPORAL_TASK_QUEUE: (taskQueue = uniqueName('metrics')),
      API_TOKEN: randomBytes(18).toString('base64url'),
      NOTIFY_SECRET: randomBytes(18).toString('base64url'),
      METRICS_TOKEN,
      CODEC_KEYS,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...E2E_ENV,
      // The counters are checked after 201s (orders created within the request); a loaded machine can take seconds.
      CREATE_WAIT: '30s',
    },
    'all-in-one',
  );
  system = await startSystem({
    config,
    log: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) }),
    sandbox: { port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000] },
    // As the worker bundles itself in production: with the workflow interceptor that counts finished orders.
    workflowBundle: (metricsBundle = await workflowBundle(require.resolve('../../src/workflows'), { workflowInterceptorModules: [WORKFLOW_METRICS_MODULE] })),
  });
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** Prometheus text format → one number per series (`name{label="value",…}`), labels sorted. */
type Samples = Map<string, number>;

function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** Sum of the series of `name` whose labels include all of `labels`. */
function sum(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of samples) {
    if (!series.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

async function scrape(url: string, token?: string): Promise<{ status: number; text: string; samples: Samples }> {
  const response = await request(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const text = await response.body.text();
  return { status: response.statusCode, text, samples: parseMetrics(text) };
}

function codecKeys() {
  const parsed = parseCodecKeys(CODEC_KEYS);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.ring;
}

const apiMetrics = async () => (await scrape(`${system.apiUrl}/metrics`, METRICS_TOKEN)).samples;
const workerMetrics = async () => (await scrape(workerMetricsUrl)).samples;

async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await request(`${system.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

const waitForStatus = (kind: 'payments' | 'payouts', mrn: string, status: string) =>
  eventually(async () => (await api('GET', `/v1/${kind}/${mrn}`)).body.status === status, `${kind} ${mrn} ${status}`, 30_000);

test('the API serves GET /metrics in Prometheus text format behind METRICS_TOKEN, with Node process metrics', async () => {
  expect((await scrape(`${system.apiUrl}/metrics`)).status).toBe(401);
  expect((await scrape(`${system.apiUrl}/metrics`, 'not-the-metrics-token')).status).toBe(401);
  const answer = await scrape(`${system.apiUrl}/metrics`, METRICS_TOKEN);
  expect(answer.status).toBe(200);
  expect(answer.text).toContain('# TYPE orchestrator_http_request_duration_seconds histogram');
  expect(answer.text).toContain('# TYPE orchestrator_callbacks_total counter');
  expect(answer.text).toContain('process_cpu_user_seconds_total');
  expect(answer.text).toContain('nodejs_eventloop_lag_seconds');
});

test('a pay-in and a payout through the API move both endpoints\' counters by the right amounts', async () => {
  const apiBefore = await apiMetrics();
  const workerBefore = await workerMetrics();

  const payment = await api('POST', '/v1/payments', { mrn: testMrn('M'), amount: '12.34', channelId: 2, returnUrl: 'https://shop.example.com/paid', notifyUrl: receiver.url });
  expect(payment.status).toBe(201);
  await system.sandbox!.control.markPaid('payment', payment.body.mrn);
  await waitForStatus('payments', payment.body.mrn, 'succeeded');

  const payoutMrn = testMrn('MW');
  const payout = await api('POST', '/v1/payouts', { mrn: payoutMrn, amount: 50, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123', notifyUrl: receiver.url });
  expect(payout.status).toBe(202);
  await system.sandbox!.control.markPaid('payout', payoutMrn);
  await waitForStatus('payouts', payoutMrn, 'succeeded');
  await eventually(async () => receiver.received.length >= 2, 'both merchant notifications');

  const moved = (before: Samples, after: Samples, name: string, labels: Record<string, string>) => sum(after, name, labels) - sum(before, name, labels);

  // API: one start each, the platform's callbacks accepted, the request histogram by route pattern.
  const apiAfter = await eventually(async () => {
    const samples = await apiMetrics();
    return moved(apiBefore, samples, 'orchestrator_callbacks_total', { kind: 'payout', outcome: 'accepted' }) >= 1 ? samples : undefined;
  }, 'the payout callback counted');
  expect(moved(apiBefore, apiAfter, 'orchestrator_orders_started_total', { kind: 'payment', channel: '2' })).toBe(1);
  expect(moved(apiBefore, apiAfter, 'orchestrator_orders_started_total', { kind: 'payout' })).toBe(1);
  expect(moved(apiBefore, apiAfter, 'orchestrator_order_starts_rejected_total', {})).toBe(0);
  expect(moved(apiBefore, apiAfter, 'orchestrator_callbacks_total', { kind: 'payment', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);
  expect(moved(apiBefore, apiAfter, 'orchestrator_callbacks_total', { outcome: 'bad_signature' })).toBe(0);
  expect(moved(apiBefore, apiAfter, 'orchestrator_http_request_duration_seconds_count', { route: '/v1/payments', method: 'POST', status: '201' })).toBe(1);
  expect(moved(apiBefore, apiAfter, 'orchestrator_http_request_duration_seconds_count', { route: '/v1/payouts', method: 'POST', status: '202' })).toBe(1);
  expect(moved(apiBefore, apiAfter, 'orchestrator_http_request_duration_seconds_count', { route: '/v1/payments/:mrn', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
  // Route patterns only: no order's mrn ever becomes a label value.
  expect([...apiAfter.keys()].some((series) => series.includes(payoutMrn))).toBe(false);

  // Worker: the platform calls, the finished orders and their durations, the notifications.
  const workerAfter = await eventually(async () => {
    const samples = await workerMetrics();
    return moved(workerBefore, samples, 'orchestrator_notifications_total', { outcome: 'delivered' }) >= 2 &&
      moved(workerBefore, samples, 'orchestrator_orders_finished_total', { kind: 'payout' }) >= 1
      ? samples
      : undefined;
  }, 'worker metrics to move');
  expect(moved(workerBefore, workerAfter, 'orchestrator_platform_requests_total', { endpoint: 'payment.create', outcome: 'accepted' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_platform_requests_total', { endpoint: 'payout.create', outcome: 'accepted' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_platform_request_duration_seconds_count', { endpoint: 'payout.create' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_orders_finished_total', { kind: 'payment', status: 'succeeded' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_orders_finished_total', { kind: 'payout', status: 'succeeded' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_order_duration_seconds_count', { kind: 'payment', status: 'succeeded' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_order_duration_seconds_count', { kind: 'payout', status: 'succeeded' })).toBe(1);
  expect(moved(workerBefore, workerAfter, 'orchestrator_notifications_total', { outcome: 'delivered' })).toBe(2);
  expect(moved(workerBefore, workerAfter, 'orchestrator_notifications_total', { outcome: 'failed' })).toBe(0);

  // The metrics interceptor adds no command: both histories replay with and without it.
  for (const workflowId of [`payment-${payment.body.mrn}`, `payout-${payoutMrn}`]) {
    const history = await system.client.workflow.getHandle(workflowId).fetchHistory();
    for (const bundle of [metricsBundle, await workflowBundle(require.resolve('../../src/workflows'))]) {
      await expect(Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: encryptingDataConverter(codecKeys()) }, history, workflowId)).resolves.toBeUndefined();
    }
  }
}, 90_000);

test('a forged callback moves bad_signature and nothing else', async () => {
  const before = await apiMetrics();
  const response = await request(`${system.apiUrl}/callbacks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ appKey: system.gateway.appKey, mrn: testMrn('F'), amount: '1.00', originAmount: '1.00', channel: '2', sign: 'f'.repeat(32) }).toString(),
  });
  expect(response.statusCode).toBe(401);
  await response.body.text();
  const after = await apiMetrics();
  expect(sum(after, 'orchestrator_callbacks_total', { kind: 'payment', outcome: 'bad_signature' }) - sum(before, 'orchestrator_callbacks_total', { kind: 'payment', outcome: 'bad_signature' })).toBe(1);
  expect(sum(after, 'orchestrator_callbacks_total', { outcome: 'accepted' }) - sum(before, 'orchestrator_callbacks_total', { outcome: 'accepted' })).toBe(0);
});

test('the worker endpoint carries the Temporal SDK\'s own metrics and the needing-attention gauge', async () => {
  // The gauge's first refresh runs at the system's start; under load it may still be on its way.
  const text = await eventually(async () => {
    const answer = (await scrape(workerMetricsUrl)).text;
    return /^orchestrator_orders_needing_attention\{/m.test(answer) ? answer : undefined;
  }, 'the needing-attention gauge');
  expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{/m);
  expect(text).toMatch(/^temporal_worker_task_slots_available\{/m);
  expect(text).toMatch(/^temporal_sticky_cache_size\{/m);
  expect(text).toMatch(/^orchestrator_orders_needing_attention\{kind="payout"\} \d+$/m);
  expect(text).toMatch(/^orchestrator_orders_needing_attention\{kind="payment"\} \d+$/m);
});

test('refused starts move orchestrator_order_starts_rejected_total by reason, not the started counter', async () => {
  const before = await apiMetrics();
  const invalid = await api('POST', '/v1/payouts', { amount: 50, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123' });
  expect(invalid.status).toBe(400);
  const mrn = testMrn('MC');
  const first = await api('POST', '/v1/payments', { mrn, amount: '1.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(first.status).toBe(201);
  const conflicting = await api('POST', '/v1/payments', { mrn, amount: '2.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(conflicting.status).toBe(409);
  const same = await api('POST', '/v1/payments', { mrn, amount: '1.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(same.status).toBe(200);
  const after = await apiMetrics();
  const moved = (name: string, labels: Record<string, string>) => sum(after, name, labels) - sum(before, name, labels);
  expect(moved('orchestrator_order_starts_rejected_total', { kind: 'payout', reason: 'invalid_request' })).toBe(1);
  expect(moved('orchestrator_order_starts_rejected_total', { kind: 'payment', reason: 'conflict' })).toBe(1);
  expect(moved('orchestrator_order_starts_rejected_total', {})).toBe(2);
  // The first start counts; the same request again (200) is no new order.
  expect(moved('orchestrator_orders_started_total', { kind: 'payment', channel: '2' })).toBe(1);
});

test('every metric the dashboard and the alerts query is served by one of the two endpoints', async () => {
  const served = new Set([...(await apiMetrics()).keys(), ...(await workerMetrics()).keys()].map((series) => series.slice(0, series.indexOf('{'))));
  for (const name of queriedMetricNames()) {
    expect({ name, served: served.has(name) || served.has(`${name}_bucket`) }).toEqual({ name, served: true });
  }
  for (const name of SDK_METRICS) expect({ name, served: served.has(name) || served.has(`${name}_bucket`) }).toEqual({ name, served: true });
  expect(queriedMetricNames().map(baseName)).toEqual(expect.arrayContaining(['orchestrator_orders_finished_total', 'orchestrator_callbacks_total']));
});

test('log lines about an order carry mrn and workflowId; the request id that started it is in the run\'s memo', async () => {
  const mrn = testMrn('ML');
  const created = await api('POST', '/v1/payments', { mrn, amount: '4.56', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(created.status).toBe(201);
  await system.sandbox!.control.markPaid('payment', mrn);
  await waitForStatus('payments', mrn, 'succeeded');

  const start = logLines.find((line) => line.msg === 'request' && line.method === 'POST' && line.mrn === mrn);
  expect(start).toMatchObject({ mrn, workflowId: `payment-${mrn}`, path: '/v1/payments', statusCode: 201 });
  expect(typeof start!.reqId).toBe('string');
  const callback = logLines.find((line) => line.msg === 'callback accepted' && line.mrn === mrn);
  expect(callback).toMatchObject({ mrn, workflowId: `payment-${mrn}` });
  // Every request line that names an order names both.
  for (const line of logLines.filter((l) => l.msg === 'request' && (l.mrn !== undefined || l.workflowId !== undefined))) {
    expect(line).toEqual(expect.objectContaining({ mrn: expect.any(String), workflowId: expect.stringMatching(/^(payment|payout)-/) }));
  }

  const description = await system.client.workflow.getHandle(`payment-${mrn}`).describe();
  expect(description.memo).toMatchObject({ requestId: start!.reqId });
});

test('the needing-attention gauge counts running orders flagged NeedsAttention through visibility, under a lease', async () => {
  // A payout the platform keeps pending, flagged by a forged callback signal.
  const mrn = testMrn('MA');
  await system.sandbox!.control.keepPending('payout', mrn);
  expect((await api('POST', '/v1/payouts', { mrn, amount: 60, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123' })).status).toBe(202);
  await system.client.workflow
    .getHandle(payoutWorkflowId(mrn))
    .signal(payoutCallback, { fields: { amount: '60', appKey: system.gateway.appKey, mrn, sign: '0'.repeat(32) }, receivedAt: new Date().toISOString() });
  const query = `TaskQueue = "${taskQueue}" AND OrderKind = "payout" AND NeedsAttention = true AND ExecutionStatus = "Running"`;
  await eventually(async () => (await system.client.workflow.count(query)).count === 1, 'visibility to see the flagged payout');

  // The lease the system's gauge took at start holds its counts (0) for a minute: end it, refresh now.
  await system.client.workflow.getHandle(attentionLeaseWorkflowId(taskQueue)).terminate('test: count again now');
  const gauge = startAttentionGauge({ client: system.client, taskQueue, meter: runtimeMeter(), log: pino({ level: 'silent' }), intervalMs: 60_000 });
  try {
    expect(await gauge.refresh()).toEqual({ payment: 0, payout: 1 });
    const lease = await system.client.workflow.getHandle(attentionLeaseWorkflowId(taskQueue)).describe();
    expect(lease.status.name).toBe('RUNNING');
    expect(lease.memo).toEqual({ attention: { payment: 0, payout: 1 } });
    // Another worker of the fleet, while the lease runs, takes its counts without a visibility query.
    expect(await gauge.refresh()).toEqual({ payment: 0, payout: 1 });
    expect((await scrape(workerMetricsUrl)).text).toMatch(/^orchestrator_orders_needing_attention\{kind="payout"\} 1$/m);
  } finally {
    gauge.stop();
  }
});

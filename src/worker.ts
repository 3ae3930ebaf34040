/**
 * The worker: runs order workflows and their activities. `node dist/worker.js` runs a worker only,
 * connected to TEMPORAL_ADDRESS; the all-in-one start calls `createOrderWorker` itself.
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from './activities';
import { openDatabase } from './book/database';
import { OrderBook } from './book/order-book';
import { encryptingDataConverter } from './codec';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startAttentionGauge } from './metrics/attention-gauge';
import { installWorkerRuntime, MeteredGatewayClient, notificationMetricsInterceptor, runtimeMeter, WORKFLOW_METRICS_MODULE } from './metrics/worker-metrics';
import { startTracing, type Tracing } from './tracing';
import { startWorkerHealthServer } from './worker-health';
import { ensureReconciliationSchedule } from './reconciliation/schedule';

/** What the worker connects to, and what its activities are built from (`ActivityDeps`). */
export interface OrderWorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Pre-bundled workflow code (tests bundle once); by default the worker bundles ./workflows. */
  workflowBundle?: WorkflowBundleOption;
  dataConverter?: DataConverter;
  /** After SIGTERM / shutdown(): how long running activities may finish before they are cancelled (default: at once). */
  shutdownGraceTime?: number;
  /** OpenTelemetry interceptors and the workflow span sink, when tracing is on. */
  tracing?: Tracing['worker'];
}

export async function createOrderWorker(deps: OrderWorkerDeps): Promise<Worker> {
  // A pre-built bundle carries its interceptor modules itself (bundleWorkflowCode's workflowInterceptorModules).
  const workflows =
    deps.workflowBundle === undefined
      ? { workflowsPath: require.resolve('./workflows'), workflowModules: [WORKFLOW_METRICS_MODULE, ...(deps.tracing?.workflowModules ?? [])] }
      : { workflowBundle: deps.workflowBundle, workflowModules: [] };
  const { workflowModules, ...workflowCode } = workflows;
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...workflowCode,
    interceptors: { activity: [...(deps.tracing?.activity ?? []), notificationMetricsInterceptor(runtimeMeter())], workflowModules },
    ...(deps.tracing === undefined ? {} : { sinks: deps.tracing.sinks }),
    activities: createActivities(deps),
    ...(deps.dataConverter === undefined ? {} : { dataConverter: deps.dataConverter }),
    ...(deps.shutdownGraceTime === undefined ? {} : { shutdownGraceTime: deps.shutdownGraceTime }),
  });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'worker');
  const log = createLogger('worker', config.logLevel);
  const gatewayConfig = config.gateway;
  // loadConfig('worker') has already insisted on these; the checks only narrow the types.
  if (gatewayConfig === undefined || config.notifySecret === undefined || config.temporal.address === undefined || config.codecKeys === undefined) {
    throw new Error('unreachable');
  }
  // Before any connection: the runtime (and its Prometheus exporter) is installed once per process.
  installWorkerRuntime(config.workerMetricsPort);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log });
  const tracing = startTracing(config.otlpEndpoint, 'orchestrator-worker');
  const connection = await NativeConnection.connect({ address: config.temporal.address, ...config.temporal.connection });
  const gateway = new MeteredGatewayClient({ baseUrl: gatewayConfig.url, appKey: gatewayConfig.appKey, secret: gatewayConfig.secret, timeoutMs: gatewayConfig.timeoutMs }, runtimeMeter());
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    gateway,
    book: new OrderBook(database.pool),
    gatewayCredentials: { appKey: gatewayConfig.appKey, secret: gatewayConfig.secret },
    publicUrl: config.publicUrl,
    notifySecret: config.notifySecret,
    notifyTimeoutMs: config.notifyTimeoutMs,
    notifyAllowPrivate: config.notifyAllowPrivate,
    dataConverter: encryptingDataConverter(config.codecKeys),
    shutdownGraceTime: config.worker.shutdownGraceMs,
    ...(tracing === undefined ? {} : { tracing: tracing.worker }),
  });
  const { healthPort, healthHost } = config.worker;
  const health = healthPort === undefined ? undefined : await startWorkerHealthServer(worker, connection, { port: healthPort, host: healthHost });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: encryptingDataConverter(config.codecKeys) });
  // Not fatal: orders keep moving without the daily reconciliation, and POST /v1/reconciliations still runs one.
  await ensureReconciliationSchedule({ client, taskQueue: config.temporal.taskQueue, reconcile: config.reconcile, log }).catch((error: unknown) =>
    log.error({ err: error }, 'the reconciliation schedule could not be created or updated: reconcile by hand (POST /v1/reconciliations) until a restart makes it'),
  );
  const attention = startAttentionGauge({
    client,
    taskQueue: config.temporal.taskQueue,
    meter: runtimeMeter(),
    log,
  });
  log.info({ address: config.temporal.address, taskQueue: config.temporal.taskQueue, healthPort: health?.port, metricsPort: config.workerMetricsPort }, 'worker running');
  // Worker.run() handles SIGINT/SIGTERM itself: it stops polling, lets running activities finish
  // within WORKER_SHUTDOWN_GRACE, and then resolves.
  await worker.run();
  log.info('worker stopped');
  await tracing?.shutdown();
  attention.stop();
  await health?.close();
  await gateway.close();
  await connection.close();
  await database.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}

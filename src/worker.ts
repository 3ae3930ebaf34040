/**
 * The worker: runs order workflows and their activities. `node dist/worker.js` runs a worker only,
 * connected to TEMPORAL_ADDRESS; the all-in-one start calls `createOrderWorker` itself.
 */
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from './activities';
import { encryptingDataConverter } from './codec';
import { ConfigError, loadConfig } from './config';
import { GatewayClient, type MerchantCredentials } from './gateway';
import { createLogger } from './logger';
import { temporalConnectionOptions, TemporalConnectionConfigError } from './temporal/connection-options';
import { startWorkerHealthServer, workerHealthPort, workerShutdownGrace } from './worker-health';

export interface OrderWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  gateway: GatewayClient;
  /** The gateway's appKey and secret: callback signals are verified again before they apply. */
  gatewayCredentials: MerchantCredentials;
  publicUrl: string;
  notifySecret: string;
  notifyTimeoutMs: number;
  /** NOTIFY_ALLOW_PRIVATE: notifications may go to loopback, private and link-local addresses. */
  notifyAllowPrivate: boolean;
  /** Pre-bundled workflow code (tests bundle once); by default the worker bundles ./workflows. */
  workflowBundle?: WorkflowBundleOption;
  dataConverter?: DataConverter;
  /** After SIGTERM / shutdown(): how long running activities may finish before they are cancelled (default: at once). */
  shutdownGraceTime?: number;
}

export async function createOrderWorker(deps: OrderWorkerDeps): Promise<Worker> {
  const workflows = deps.workflowBundle === undefined ? { workflowsPath: require.resolve('./workflows') } : { workflowBundle: deps.workflowBundle };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...workflows,
    activities: createActivities({
      gateway: deps.gateway,
      gatewayCredentials: deps.gatewayCredentials,
      publicUrl: deps.publicUrl,
      notifySecret: deps.notifySecret,
      notifyTimeoutMs: deps.notifyTimeoutMs,
      notifyAllowPrivate: deps.notifyAllowPrivate,
    }),
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
  const connection = await NativeConnection.connect(temporalConnectionOptions(process.env, config.temporal.address));
  const gateway = new GatewayClient({ baseUrl: gatewayConfig.url, appKey: gatewayConfig.appKey, secret: gatewayConfig.secret, timeoutMs: gatewayConfig.timeoutMs });
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    gateway,
    gatewayCredentials: { appKey: gatewayConfig.appKey, secret: gatewayConfig.secret },
    publicUrl: config.publicUrl,
    notifySecret: config.notifySecret,
    notifyTimeoutMs: config.notifyTimeoutMs,
    notifyAllowPrivate: config.notifyAllowPrivate,
    dataConverter: encryptingDataConverter(config.codecKeys),
    shutdownGraceTime: workerShutdownGrace(process.env),
  });
  const healthPort = workerHealthPort(process.env);
  const health = healthPort === undefined ? undefined : await startWorkerHealthServer(worker, connection, { port: healthPort, host: process.env.WORKER_HEALTH_HOST?.trim() || '127.0.0.1' });
  log.info({ address: config.temporal.address, taskQueue: config.temporal.taskQueue, healthPort: health?.port }, 'worker running');
  // Worker.run() handles SIGINT/SIGTERM itself: it stops polling, lets running activities finish
  // within WORKER_SHUTDOWN_GRACE, and then resolves.
  await worker.run();
  log.info('worker stopped');
  await health?.close();
  await gateway.close();
  await connection.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof TemporalConnectionConfigError ? error.message : error);
    process.exit(1);
  });
}

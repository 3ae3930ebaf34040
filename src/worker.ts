/**
 * The worker: runs order workflows and their activities. `node dist/worker.js` runs a worker only,
 * connected to TEMPORAL_ADDRESS; the all-in-one start calls `createOrderWorker` itself.
 */
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities } from './activities';
import { encryptingDataConverter } from './codec';
import { ConfigError, loadConfig } from './config';
import { GatewayClient } from './gateway';
import { createLogger } from './logger';

export interface OrderWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  gateway: GatewayClient;
  publicUrl: string;
  notifySecret: string;
  notifyTimeoutMs: number;
  /** Pre-bundled workflow code (tests bundle once); by default the worker bundles ./workflows. */
  workflowBundle?: WorkflowBundleOption;
  dataConverter?: DataConverter;
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
      publicUrl: deps.publicUrl,
      notifySecret: deps.notifySecret,
      notifyTimeoutMs: deps.notifyTimeoutMs,
    }),
    ...(deps.dataConverter === undefined ? {} : { dataConverter: deps.dataConverter }),
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
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const gateway = new GatewayClient({ baseUrl: gatewayConfig.url, appKey: gatewayConfig.appKey, secret: gatewayConfig.secret, timeoutMs: gatewayConfig.timeoutMs });
  const worker = await createOrderWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    gateway,
    publicUrl: config.publicUrl,
    notifySecret: config.notifySecret,
    notifyTimeoutMs: config.notifyTimeoutMs,
    dataConverter: encryptingDataConverter(config.codecKeys),
  });
  log.info({ address: config.temporal.address, taskQueue: config.temporal.taskQueue }, 'worker running');
  // Worker.run() handles SIGINT/SIGTERM itself: it drains and then resolves.
  await worker.run();
  await gateway.close();
  await connection.close();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}

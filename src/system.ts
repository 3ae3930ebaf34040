/**
 * The whole system in one process, as `npm start` runs it: an embedded Temporal dev server when
 * TEMPORAL_ADDRESS is unset, the sandbox platform when GATEWAY_URL is unset, a worker and the API.
 * End-to-end tests, the benchmark and the browser test start it the same way.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import { buildApp } from './api/app';
import { openDatabase } from './book/database';
import { OrderBook } from './book/order-book';
import { AesGcmPayloadCodec, encryptingDataConverter, parseCodecKeys, type CodecKeyRing } from './codec';
import { apiSettings } from './api/settings';
import type { Config, GatewayConfig } from './config';
import { startAttentionGauge } from './metrics/attention-gauge';
import { RequestIdMemoInterceptor } from './api/request-context';
import { startTracing } from './tracing';
import { MeteredGatewayClient, runtimeMeter } from './metrics/worker-metrics';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from './sandbox';
import { startDevServer, type DevServer, type DevServerOptions } from './temporal/dev-server';
import { ORDER_SEARCH_ATTRIBUTES } from './contracts/search-attributes';
import { createOrderWorker } from './worker';
import { ensureReconciliationSchedule } from './reconciliation/schedule';

export interface SystemOptions {
  config: Config;
  log: Logger;
  /** Embedded sandbox settings (e.g. a fast callback schedule in tests). */
  sandbox?: StartSandboxOptions;
  /** Pre-bundled workflow code (tests bundle once). */
  workflowBundle?: WorkflowBundleOption;
  /** Embedded dev server settings (e.g. free ports and a temporary database in tests). */
  devServer?: Partial<DevServerOptions>;
}

export interface RunningSystem {
  apiUrl: string;
  apiToken: string;
  operatorToken: string;
  notifySecret: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  gateway: GatewayConfig;
  sandbox: RunningSandbox | undefined;
  /** Where the order book is (DATABASE_URL without its password, or the embedded one's folder). */
  bookLocation: string;
  client: Client;
  stop(): Promise<void>;
}

/** Secrets the all-in-one start generates once and keeps in DATA_DIR, so restarts keep them. */
export interface LocalSecrets {
  apiToken: string;
  operatorToken: string;
  codecKeys: string;
  notifySecret: string;
  sandboxAppKey: string;
  sandboxSecret: string;
}

export async function startSystem({ config, log, sandbox: sandboxOptions, workflowBundle, devServer: devServerOptions }: SystemOptions): Promise<RunningSystem> {
  const stack: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const step of stack.reverse().splice(0)) {
      await step().catch((error: unknown) => log.error({ err: error }, 'error while stopping'));
    }
  };
  try {
    const secrets = localSecrets(config);
    const apiToken = config.apiToken ?? secrets.apiToken;
    const notifySecret = config.notifySecret ?? secrets.notifySecret;
    const operatorToken = config.operatorToken ?? secrets.operatorToken;
    const codecKeys = config.codecKeys ?? parsedLocalKeys(secrets.codecKeys);
    const dataConverter = encryptingDataConverter(codecKeys);
    const codec = new AesGcmPayloadCodec(codecKeys);

    // DATABASE_URL, or an embedded PostgreSQL under DATA_DIR: the order book both the API and the worker use.
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log: log.child({ component: 'order-book' }) });
    stack.push(() => database.close());
    const book = new OrderBook(database.pool);

    let sandbox: RunningSandbox | undefined;
    let gateway = config.gateway;
    if (gateway === undefined) {
      sandbox = await startSandbox({
        port: 4000,
        appKey: config.sandboxMerchant.appKey ?? secrets.sandboxAppKey,
        secret: config.sandboxMerchant.secret ?? secrets.sandboxSecret,
        logger: log.child({ component: 'sandbox' }),
        // Its orders live next to the dev server's database: a restart keeps pending payouts answerable.
        dataDir: resolve(config.dataDir),
        ...sandboxOptions,
      });
      stack.push(() => (sandbox as RunningSandbox).close());
      gateway = { url: sandbox.url, appKey: sandbox.appKey, secret: sandbox.secret, timeoutMs: config.gatewayTimeoutMs };
    }

    let temporalAddress = config.temporal.address;
    let temporalUiUrl: string | undefined;
    if (temporalAddress === undefined) {
      const devServer: DevServer = await startDevServer({
        port: 7233,
        uiPort: config.temporal.uiPort,
        namespace: config.temporal.namespace,
        dbFilename: join(resolve(config.dataDir), 'temporal.sqlite'),
        searchAttributes: ORDER_SEARCH_ATTRIBUTES,
        // The UI decodes through our codec server; the token rides in the path (the UI sends no headers).
        uiCodecEndpoint: `${config.publicUrl}/codec/${operatorToken}`,
        onLeftoverStopped: (pid) => log.warn({ pid }, 'stopped a Temporal dev server an earlier run left on this data directory'),
        ...devServerOptions,
      });
      stack.push(() => devServer.stop());
      temporalAddress = devServer.address;
      temporalUiUrl = devServer.uiUrl;
    }

    // An external cluster may need TLS or an API key (TEMPORAL_TLS_*, TEMPORAL_API_KEY); the embedded dev server is plaintext.
    const connectionOptions = config.temporal.address === undefined ? { address: temporalAddress } : { address: temporalAddress, ...config.temporal.connection };
    const tracing = startTracing(config.otlpEndpoint, 'payment-orchestrator');
    if (tracing !== undefined) stack.push(() => tracing.shutdown());
    const connection = await Connection.connect(connectionOptions);
    stack.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter,
      interceptors: { workflow: [new RequestIdMemoInterceptor(), ...(tracing?.workflowClientInterceptors ?? [])] },
    });

    const app = await buildApp({
      settings: apiSettings(config, { apiToken, gateway, codec, operatorToken }),
      client,
      book,
      logger: log.child({ component: 'api' }),
    });
    await app.listen({ host: config.host, port: config.port });
    stack.push(() => app.close());
    const publicUrl = config.publicUrl;

    const workerConnection = await NativeConnection.connect(connectionOptions);
    // The runtime's meter: exported when the entry point installed the runtime with metrics (npm start), a no-op otherwise.
    const gatewayClient = new MeteredGatewayClient({ baseUrl: gateway.url, appKey: gateway.appKey, secret: gateway.secret, timeoutMs: gateway.timeoutMs }, runtimeMeter());
    stack.push(() => workerConnection.close());
    stack.push(() => gatewayClient.close());
    const worker: Worker = await createOrderWorker({
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      gateway: gatewayClient,
      book,
      gatewayCredentials: { appKey: gateway.appKey, secret: gateway.secret },
      publicUrl,
      notifySecret,
      notifyTimeoutMs: config.notifyTimeoutMs,
      notifyAllowPrivate: config.notifyAllowPrivate,
      ...(workflowBundle ? { workflowBundle } : {}),
      dataConverter,
      ...(tracing === undefined ? {} : { tracing: tracing.worker }),
    });
    // Not fatal: orders keep moving without the daily reconciliation, and POST /v1/reconciliations still runs one.
    await ensureReconciliationSchedule({ client, taskQueue: config.temporal.taskQueue, reconcile: config.reconcile, log }).catch((error: unknown) =>
      log.error({ err: error }, 'the reconciliation schedule could not be created or updated: reconcile by hand (POST /v1/reconciliations) until a restart makes it'),
    );
    const attention = startAttentionGauge({ client, taskQueue: config.temporal.taskQueue, meter: runtimeMeter(), log });
    stack.push(async () => attention.stop());
    const running = worker.run();
    running.catch((error: unknown) => log.fatal({ err: error }, 'worker stopped with an error'));
    stack.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });

    return {
      operatorToken,
      apiUrl: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
      apiToken,
      notifySecret,
      temporalAddress,
      temporalUiUrl,
      gateway,
      sandbox,
      bookLocation: database.location,
      client,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function parsedLocalKeys(text: string): CodecKeyRing {
  const parsed = parseCodecKeys(text);
  if (!parsed.ok) throw new Error(`local-secrets.json: ${parsed.problems.join('; ')}`);
  return parsed.ring;
}

export function localSecrets(config: Config): LocalSecrets {
  const file = join(resolve(config.dataDir), 'local-secrets.json');
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    if (kept.apiToken && kept.operatorToken && kept.codecKeys && kept.notifySecret && kept.sandboxAppKey && kept.sandboxSecret) return kept as LocalSecrets;
  }
  const secrets: LocalSecrets = {
    apiToken: randomBytes(24).toString('base64url'),
    operatorToken: randomBytes(24).toString('base64url'),
    codecKeys: `local-1:${randomBytes(32).toString('base64')}`,
    notifySecret: randomBytes(32).toString('base64url'),
    sandboxAppKey: `sbx_${randomBytes(8).toString('hex')}`,
    sandboxSecret: randomBytes(24).toString('base64url'),
  };
  mkdirSync(resolve(config.dataDir), { recursive: true });
  // Private from the moment it exists: created with mode 0600 ('wx': a new file, never an old one's mode),
  // not written with the umask's mode and narrowed afterwards, which leaves a moment others could read it.
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}

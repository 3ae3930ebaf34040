/**
 * The processes the chaos suite runs and breaks: a backend — Temporal (the dev server on a database
 * file, or PostgreSQL + the pinned Temporal server) and the order book (an embedded PostgreSQL, or
 * the `orders` database on that same PostgreSQL) — and N API and M worker processes, every one a
 * child of the suite, so a SIGKILL is real and a restart starts the same thing again.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { migrate, startEmbeddedPostgres } from '../book/database';
import { Child, delay } from '../cluster/child';
import { ensureOrdersDatabase, startLocalPostgres, type LocalPostgres } from '../cluster/postgres';
import { buildTemporalBinaries, HISTORY_SHARDS, setUpNamespace, setUpSchema, startTemporalServer, type TemporalBinaries } from '../cluster/temporal';
import { ORDER_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { findFreePort, startDevServer, type DevServer } from '../temporal/dev-server';

export type Target = 'single' | 'cluster';

/** The Temporal side and the order book: where they listen and the faults they can suffer. */
export interface TemporalBackend {
  address: string;
  namespace: string;
  /** The order book every API and worker process shares (DATABASE_URL), migrated. */
  databaseUrl: string;
  /** SIGKILL of the server, then a start again on the same state. */
  killAndRestart(): Promise<void>;
  /** An orderly restart of PostgreSQL (cluster only). */
  restartDatabase?(): Promise<void>;
  stop(): Promise<void>;
}

const NAMESPACE = 'default';

/** Waits until the frontend answers for the namespace (after a start or a restart). */
async function untilTemporalAnswers(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} not answering within ${timeoutMs / 1000} s: ${(error as Error).message}`);
      await delay(500);
    }
  }
}

/**
 * Applies the migrations once, before the processes start: four of them migrating a fresh book at
 * the same moment would only wait on one another's lock (and an embedded book shares one session
 * among its connections, so its advisory lock would not even keep them apart).
 */
async function migrateBook(url: string): Promise<void> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** The single-process target's backend: the dev server (its state in one SQLite file) and an embedded order book. */
export async function startDevServerBackend(dir: string): Promise<TemporalBackend> {
  const port = await findFreePort();
  const dbFilename = join(dir, 'temporal.sqlite');
  const start = (): Promise<DevServer> => startDevServer({ port, headless: true, dbFilename, namespace: NAMESPACE, logLevel: 'error', readyTimeoutMs: 120_000 });
  // As `npm start` keeps it (DATA_DIR/order-book), served to the separate processes over loopback.
  const book = await startEmbeddedPostgres(join(dir, 'order-book'));
  let server: DevServer;
  try {
    await migrateBook(book.url);
    server = await start();
  } catch (error) {
    await book.stop();
    throw error;
  }
  return {
    address: server.address,
    namespace: NAMESPACE,
    databaseUrl: book.url,
    async killAndRestart() {
      server.process.kill('SIGKILL');
      await server.stop(); // reaps it and ends its watchdog
      server = await start();
    },
    async stop() {
      await server.stop();
      await book.stop();
    },
  };
}

/**
 * The cluster target's backend: PostgreSQL and the pinned server (as `npm run cluster` runs them),
 * the order book in the `orders` database of that PostgreSQL — so its restart hits the book too.
 */
export async function startClusterBackend(dir: string): Promise<TemporalBackend> {
  const binaries: TemporalBinaries = buildTemporalBinaries();
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const postgresPort = await findFreePort();
  const temporalPort = await findFreePort();
  const address = `127.0.0.1:${temporalPort}`;
  let postgres: LocalPostgres = await startLocalPostgres(join(dir, 'postgres'), postgresPort, join(logs, 'postgres.log'));
  let server: Child | undefined;
  try {
    server = await startClusterServer();
  } catch (error) {
    await server?.stop();
    await postgres.child.stop();
    throw error;
  }
  let running: Child = server;
  let databaseUrl: string;
  try {
    databaseUrl = await ensureOrdersDatabase(postgres.endpoint, join(dir, 'orders-password'));
    await migrateBook(databaseUrl);
  } catch (error) {
    await running.stop();
    await postgres.child.stop();
    throw error;
  }
  return {
    address,
    namespace: NAMESPACE,
    databaseUrl,
    async killAndRestart() {
      running.process.kill('SIGKILL');
      await running.stop();
      running = await startServer();
      await untilTemporalAnswers(address, 180_000);
    },
    async restartDatabase() {
      await postgres.child.stop(); // SIGINT: PostgreSQL's fast shutdown
      postgres = await startLocalPostgres(join(dir, 'postgres'), postgresPort, join(logs, 'postgres.log'));
    },
    async stop() {
      await running.stop();
      await postgres.child.stop();
    },
  };

  /** Schema, server, namespace and search attributes, as `npm run cluster` sets them up. */
  async function startClusterServer(): Promise<Child> {
    setUpSchema(binaries, postgres.endpoint);
    server = await startServer();
    await setUpDefaultNamespace();
    return server;
  }

  function startServer(): Promise<Child> {
    return startTemporalServer(binaries, {
      dir,
      db: postgres.endpoint,
      host: '127.0.0.1',
      port: temporalPort,
      numHistoryShards: HISTORY_SHARDS,
      logFile: join(logs, 'temporal-server.log'),
    });
  }

  async function setUpDefaultNamespace(): Promise<void> {
    const connection = await Connection.connect({ address });
    try {
      // A namespace just registered is unknown to the frontend until its cache refreshes: try again.
      const deadline = Date.now() + 180_000;
      for (;;) {
        try {
          await setUpNamespace(connection, { namespace: NAMESPACE, retentionMs: 86_400_000, searchAttributes: ORDER_SEARCH_ATTRIBUTES }, 180_000);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await delay(2000);
        }
      }
    } finally {
      await connection.close();
    }
  }
}

/** Secrets and settings shared by every API and worker process. */
export interface AppSettings {
  env: Record<string, string>;
  apiToken: string;
}

export function appSettings(
  backend: TemporalBackend,
  gateway: { url: string; appKey: string; secret: string },
  publicUrl: string,
  timeouts: Record<string, string>,
): AppSettings {
  const apiToken = randomBytes(18).toString('base64url');
  return {
    apiToken,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PUBLIC_URL: publicUrl,
      TEMPORAL_ADDRESS: backend.address,
      TEMPORAL_NAMESPACE: backend.namespace,
      TEMPORAL_TASK_QUEUE: 'orders',
      DATABASE_URL: backend.databaseUrl,
      API_TOKEN: apiToken,
      OPERATOR_TOKEN: randomBytes(18).toString('base64url'),
      NOTIFY_SECRET: randomBytes(18).toString('base64url'),
      CODEC_KEYS: `chaos-1:${randomBytes(32).toString('base64')}`,
      GATEWAY_URL: gateway.url,
      GATEWAY_APP_KEY: gateway.appKey,
      GATEWAY_SECRET: gateway.secret,
      GATEWAY_ALLOW_HTTP: 'true',
      NOTIFY_ALLOW_PRIVATE: 'true',
      LOG_LEVEL: 'warn',
      ...timeouts,
    },
  };
}

/** One API or worker process, started again (same port) after a kill or a SIGTERM. */
export class AppProcess {
  child: Child;
  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    /** /readyz of an API, /healthz of a worker. */
    readonly healthUrl: string,
  ) {
    this.child = this.spawn();
  }

  private spawn(): Child {
    return new Child({ name: this.name, command: process.execPath, args: [this.entry], env: this.env, logFile: this.logFile, stopGraceMs: 40_000 });
  }

  async untilHealthy(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.child.running) throw new Error(`${this.child.exitDescription()}`);
      try {
        const response = await fetch(this.healthUrl, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name} not healthy within ${timeoutMs / 1000} s`);
      await delay(250);
    }
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is cut. */
  async kill(): Promise<void> {
    this.child.process.kill('SIGKILL');
    await this.child.stop();
  }

  /** SIGTERM: the graceful shutdown (workers finish their activities). */
  stop(): Promise<void> {
    return this.child.stop();
  }

  restart(): void {
    this.child = this.spawn();
  }
}

export interface Apps {
  apis: AppProcess[];
  workers: AppProcess[];
  apiUrls: string[];
  stop(): Promise<void>;
}

/**
 * Starts the processes from `dist` (the build's own folder, or a copy of it: a copy taken at the
 * start keeps every restart on the code the run began with, whatever rebuilds `dist` meanwhile).
 */
export async function startApps(settings: AppSettings, counts: { apis: number; workers: number }, logs: string, dist: string): Promise<Apps> {
  mkdirSync(logs, { recursive: true });
  const workers: AppProcess[] = [];
  for (let i = 1; i <= counts.workers; i++) {
    const healthPort = await findFreePort();
    const metricsPort = await findFreePort();
    const env = { ...settings.env, WORKER_HEALTH_PORT: String(healthPort), WORKER_METRICS_PORT: String(metricsPort) };
    workers.push(new AppProcess(`worker-${i}`, join(dist, 'worker.js'), env, join(logs, `worker-${i}.log`), `http://127.0.0.1:${healthPort}/healthz`));
  }
  const apis: AppProcess[] = [];
  const apiUrls: string[] = [];
  for (let i = 1; i <= counts.apis; i++) {
    const port = await findFreePort();
    const url = `http://127.0.0.1:${port}`;
    apiUrls.push(url);
    apis.push(new AppProcess(`api-${i}`, join(dist, 'api-main.js'), { ...settings.env, PORT: String(port) }, join(logs, `api-${i}.log`), `${url}/readyz`));
  }
  const all = [...workers, ...apis];
  try {
    await Promise.all(all.map((app) => app.untilHealthy()));
  } catch (error) {
    // Their own process groups: nothing ends them if we do not.
    await Promise.all(all.map((app) => app.kill()));
    throw error;
  }
  return {
    apis,
    workers,
    apiUrls,
    async stop() {
      await Promise.all(all.map((app) => app.stop()));
    },
  };
}

export function freshDir(path: string): string {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true, mode: 0o755 });
  return path;
}

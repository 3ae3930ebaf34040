/**
 * Global setup of the cluster run of the end-to-end suites (jest.cluster.config.js): instead of a
 * dev server, the native production-shaped cluster — PostgreSQL and the pinned Temporal server,
 * `npm run cluster -- up --api 0 --workers 0` on ports of its own — and E2E_SEPARATE_PROCESSES=1,
 * so every test system runs its API and its worker as processes of their own against it. The
 * order book is the cluster's: its `orders` database on that PostgreSQL, migrated here before any
 * test opens it. The variables it exports are those of the dev-server setup, so the suites run
 * unchanged.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '../../src/book/database';
import { findFreePort } from '../../src/temporal/dev-server';
import { SEPARATE_PROCESSES } from '../helpers/process-system';
import { TEST_ENV } from '../helpers/temporal-env';

const MAIN = resolve(__dirname, '..', '..', 'dist', 'cluster', 'main.js');
const KEY = Symbol.for('payment-orchestrator.cluster-test-state');

export interface ClusterTestState {
  dataDir: string;
}

export function clusterEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.TEMPORAL_ADDRESS;
  // The cluster's own order book, never one the developer's shell points at.
  delete env.DATABASE_URL;
  return env;
}

export default async function clusterGlobalSetup(): Promise<void> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-cluster-e2e-'));
  chmodSync(dataDir, 0o755); // PostgreSQL runs as the postgres user when we are root
  const temporalPort = await findFreePort();
  const args = ['up', '--api', '0', '--workers', '0', '--temporal-port', String(temporalPort), '--ui-port', String(await findFreePort()), '--postgres-port', String(await findFreePort())];
  const up = spawnSync(process.execPath, [MAIN, ...args], { env: clusterEnv(dataDir), encoding: 'utf8', timeout: 20 * 60_000 });
  if (up.status !== 0) {
    throw new Error(`the native cluster did not start (node ${MAIN} ${args.join(' ')}):\n${up.stdout}${up.stderr}${up.error ? String(up.error) : ''}`);
  }
  (globalThis as Record<symbol, unknown>)[KEY] = { dataDir } satisfies ClusterTestState;
  let databaseUrl: string;
  try {
    databaseUrl = await migratedOrderBook(dataDir);
  } catch (error) {
    // jest runs no global teardown when the setup fails: stop the cluster here.
    spawnSync(process.execPath, [MAIN, 'down'], { env: clusterEnv(dataDir), encoding: 'utf8' });
    throw error;
  }
  process.env[TEST_ENV.databaseUrl] = databaseUrl;
  process.env[TEST_ENV.devAddress] = `127.0.0.1:${temporalPort}`;
  process.env[TEST_ENV.devNamespace] = 'default';
  const bundles = join(dataDir, 'bundles');
  mkdirSync(bundles, { recursive: true });
  process.env[TEST_ENV.bundleCacheDir] = bundles;
  process.env[SEPARATE_PROCESSES] = '1';
  process.stderr.write(`\ntemporal: native cluster 127.0.0.1:${temporalPort} and order book (PostgreSQL ${new URL(databaseUrl).host}/orders) ready in ${Date.now() - started} ms; API and worker in separate processes\n`);
}

/** The cluster's order book (named in its state file, which `up` has just written), migrated. */
async function migratedOrderBook(dataDir: string): Promise<string> {
  const { databaseUrl } = JSON.parse(readFileSync(join(dataDir, 'cluster', 'state.json'), 'utf8')) as { databaseUrl?: string };
  if (databaseUrl === undefined) throw new Error(`the native cluster in ${dataDir} named no order book (state.json has no databaseUrl)`);
  // Test files open the book before any API or worker process has started (and migrated) it.
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  await migrate(pool).finally(() => pool.end());
  return databaseUrl;
}

export function takeClusterState(): ClusterTestState | undefined {
  const state = (globalThis as Record<symbol, unknown>)[KEY] as ClusterTestState | undefined;
  delete (globalThis as Record<symbol, unknown>)[KEY];
  return state;
}

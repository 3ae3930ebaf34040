/**
 * Once per jest run: start the Temporal dev server every test file shares, check that the
 * time-skipping test server binary runs, and export addresses through process.env (the jest
 * workers inherit it). Test files use test/helpers/temporal.ts rather than reading these directly.
 *
 *   TEST_TEMPORAL_UI=1          start the dev server with its Web UI (URL printed)
 *   TEST_TEMPORAL_KEEP_STATE=1  keep the run's database after the run (path printed)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate, startEmbeddedPostgres } from '../../src/book/database';
import { temporalCliPath, temporalTestServerPath } from '../../src/temporal/binaries';
import { findFreePort, isListening, startDevServer } from '../../src/temporal/dev-server';
import { TEST_ENV } from '../helpers/temporal-env';
import { saveState } from './state';

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // Resolve once and pin for the workers, so every file uses the same binaries (and none downloads).
  process.env.TEMPORAL_CLI_PATH = temporalCliPath();
  process.env.TEMPORAL_TEST_SERVER_PATH = temporalTestServerPath();
  await checkTestServerRuns(process.env.TEMPORAL_TEST_SERVER_PATH);

  const stateDir = mkdtempSync(join(tmpdir(), 'payment-orchestrator-test-'));
  const withUi = process.env.TEST_TEMPORAL_UI === '1';
  const [database, devServer] = await Promise.all([
    startEmbeddedPostgres(join(stateDir, 'order-book')),
    startDevServer({
    executable: process.env.TEMPORAL_CLI_PATH,
    port: await findFreePort(),
    headless: !withUi,
    uiPort: withUi ? await findFreePort() : undefined,
    dbFilename: join(stateDir, 'temporal.sqlite'),
    }),
  ]);
  saveState({ devServer, stateDir, database });
  // Migrated once here, so test files starting together do not all wait on the migration lock.
  const pool = new Pool({ connectionString: database.url, max: 1 });
  await migrate(pool).finally(() => pool.end());
  process.env[TEST_ENV.databaseUrl] = database.url;

  process.env[TEST_ENV.devAddress] = devServer.address;
  process.env[TEST_ENV.devNamespace] = devServer.namespace;
  if (devServer.uiUrl !== undefined) process.env[TEST_ENV.devUiUrl] = devServer.uiUrl;
  process.env[TEST_ENV.bundleCacheDir] = join(stateDir, 'bundles');

  const ui = devServer.uiUrl === undefined ? '' : `, UI ${devServer.uiUrl}`;
  process.stderr.write(`\ntemporal: dev server ${devServer.address}${ui} and order book ${database.url} ready in ${Date.now() - started} ms\n`);
}

/** The time-skipping server is started per test file by the SDK; fail the run once, clearly, if it cannot start. */
async function checkTestServerRuns(executable: string): Promise<void> {
  const port = await findFreePort();
  const child = spawn(executable, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let failure: string | undefined;
  child.once('error', (err) => (failure = err.message));
  child.once('exit', (code, signal) => (failure ??= `exited (${signal ?? `code ${code}`})`));
  try {
    const deadline = Date.now() + 30_000;
    while (!(await isListening('127.0.0.1', port)) && failure === undefined) {
      if (Date.now() > deadline) throw new Error('did not listen within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (failure !== undefined) throw new Error(failure);
  } catch (err) {
    throw new Error(`Temporal time-skipping test server ${executable} does not start: ${(err as Error).message}\n${stderr}`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Temporal servers for tests. test/setup/global-setup.ts starts one dev server per jest run and
 * checks the time-skipping test server binary; these helpers connect to / start what a test needs.
 *
 *   const env = await devServerEnv();                 // real server: env.client, env.nativeConnection
 *   const env = await timeSkippingEnv();              // own time-skipping server for this test file
 *   const bundle = await workflowBundle(require.resolve('../fixtures/smoke-workflows'));
 *   const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
 *   await worker.runUntil(env.client.workflow.execute(sleepThenGreet, { taskQueue, workflowId, args }));
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type BundleOptions, type LogLevel, type WorkflowBundle } from '@temporalio/worker';
import { temporalTestServerPath } from '../../src/temporal/binaries';
import { ensureSearchAttributes, type SearchAttributeTypeName } from '../../src/temporal/dev-server';
import { ORDER_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { TEST_ENV } from './temporal-env';

export { TEST_ENV } from './temporal-env';


let runtimeInstalled = false;

/**
 * The SDK's default runtime logs every worker state change at INFO, and its native core warns about
 * capabilities the time-skipping server does not advertise: tests want the TS side's warnings and
 * core's errors only. TEST_TEMPORAL_LOG_LEVEL=DEBUG (or INFO, ...) brings the detail back on both.
 * Installed on first use, not on import: an idle runtime would keep jest from exiting.
 */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = process.env.TEST_TEMPORAL_LOG_LEVEL as LogLevel | undefined;
  try {
    Runtime.install({
      logger: new DefaultLogger(level ?? 'WARN'),
      telemetryOptions: { logging: { filter: { core: level ?? 'ERROR', other: level ?? 'ERROR' }, forward: {} } },
    });
  } catch {
    // The test file created a runtime before calling a helper: keep it.
  }
}

/** host:port of the dev server the global setup started. */
export function devServerAddress(): string {
  const address = process.env[TEST_ENV.devAddress];
  if (!address) {
    throw new Error(`${TEST_ENV.devAddress} is not set: run the tests through jest (its global setup starts the Temporal dev server)`);
  }
  return address;
}

export function devServerNamespace(): string {
  return process.env[TEST_ENV.devNamespace] ?? 'default';
}

/** A new client connection to the run's dev server; close it (`connection.close()`) in afterAll. */
export async function devServerConnection(): Promise<Connection> {
  return await Connection.connect({ address: devServerAddress() });
}

/** A client of the run's dev server, on its own connection (`client.connection.close()` in afterAll). */
export async function devServerClient(): Promise<Client> {
  return new Client({ connection: await devServerConnection(), namespace: devServerNamespace() });
}

/** A worker connection to the run's dev server; close it in afterAll. */
export async function devServerNativeConnection(): Promise<NativeConnection> {
  installQuietRuntime();
  return await NativeConnection.connect({ address: devServerAddress() });
}

/**
 * The run's dev server as a TestWorkflowEnvironment (client + nativeConnection, no time skipping).
 * `env.teardown()` closes the connections and leaves the server running for the other files.
 */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  return await TestWorkflowEnvironment.createFromExistingServer({ address: devServerAddress(), namespace: devServerNamespace() });
}

export interface TimeSkippingEnvOptions {
  /** Registered on the new server (it knows none of ours). Default ORDER_SEARCH_ATTRIBUTES. */
  searchAttributes?: Readonly<Record<string, SearchAttributeTypeName>>;
}

/**
 * A time-skipping environment on a test server of its own (the installed binary, started by the
 * SDK on a free port, ~0.3 s; never downloaded). Create one per test file in beforeAll and call
 * `env.teardown()` in afterAll: skipped time is global to a server, so files running in parallel
 * must not share one. Inside a file tests run one after another, which keeps them apart too.
 */
export async function timeSkippingEnv(options: TimeSkippingEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  try {
    await ensureSearchAttributes(env.connection, 'default', options.searchAttributes ?? ORDER_SEARCH_ATTRIBUTES);
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}

const bundles = new Map<string, Promise<WorkflowBundle>>();

/**
 * Bundles workflow code once (webpack, a few seconds) and hands the same bundle to every caller:
 * within a test file from memory, across the run's files from the global setup's bundle folder.
 * Pass the result as `Worker.create({ workflowBundle })`.
 */
export function workflowBundle(
  workflowsPath: string,
  options: Omit<BundleOptions, 'workflowsPath' | 'logger'> = {},
): Promise<WorkflowBundle> {
  const key = createHash('sha256').update(JSON.stringify({ workflowsPath, ...options })).digest('hex').slice(0, 24);
  let bundle = bundles.get(key);
  if (bundle === undefined) {
    bundle = loadOrBundle(key, { ...options, workflowsPath });
    bundles.set(key, bundle);
  }
  return bundle;
}

async function loadOrBundle(key: string, options: BundleOptions): Promise<WorkflowBundle> {
  const cacheDir = process.env[TEST_ENV.bundleCacheDir];
  const file = cacheDir ? join(cacheDir, `${key}.js`) : undefined;
  if (file !== undefined) {
    try {
      return { code: readFileSync(file, 'utf8') };
    } catch {
      // not bundled yet in this run
    }
  }
  const { code } = await bundleWorkflowCode({ ...options, logger: new DefaultLogger('WARN') });
  if (file !== undefined && cacheDir !== undefined) {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, file); // atomic: a parallel worker reads a whole bundle or none
  }
  return { code };
}

/** A name no other test uses: for task queues and workflow IDs (`uniqueName('smoke')`). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

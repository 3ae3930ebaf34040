/**
 * The end-to-end test system with the API and the worker as separate OS processes (their built
 * entries dist/api-main.js and dist/worker.js), as a deployment runs them — chosen by
 * E2E_SEPARATE_PROCESSES=1, which the cluster run of the end-to-end suites sets
 * (jest.cluster.config.js: the same suites against the native production-shaped cluster). The
 * sandbox platform stays in the test process, so the tests drive and inspect it as before.
 */
import { testDatabaseUrl } from './book';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { request } from 'undici';
import { encryptingDataConverter, parseCodecKeys } from '../../src/codec';
import { loadConfig } from '../../src/config';
import { startSandbox, type StartSandboxOptions } from '../../src/sandbox';
import { temporalConnectionOptions } from '../../src/temporal/connection-options';
import { findFreePort } from '../../src/temporal/dev-server';
import type { JsonAnswer, TestSystem } from './system';
import { devServerAddress, devServerNamespace, uniqueName } from './temporal';

/** The variable that selects separate processes for startTestSystem. */
export const SEPARATE_PROCESSES = 'E2E_SEPARATE_PROCESSES';

const DIST = resolve(__dirname, '..', '..', 'dist');

function spawnEntry(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const file = join(DIST, entry);
  if (!existsSync(file)) throw new Error(`${file} missing: run \`npm run build\` first (scripts/test.sh does)`);
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

async function untilOk(url: string, what: string, proc: { child: ChildProcess; output: () => string }): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${what} ended before it was ready:\n${proc.output()}`);
    try {
      const response = await request(url);
      await response.body.text();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready in 120 s:\n${proc.output()}`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startProcessTestSystem(e2eEnv: Record<string, string>, env: Record<string, string>, sandboxOptions: StartSandboxOptions): Promise<TestSystem> {
  const sandbox = await startSandbox({ port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000], logger: pino({ level: 'silent' }), ...sandboxOptions });
  const apiPort = await findFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const codecKeys = env.CODEC_KEYS ?? `e2e-1:${randomBytes(32).toString('base64')}`;
  const processEnv: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    PUBLIC_URL: apiUrl,
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: devServerNamespace(),
    TEMPORAL_TASK_QUEUE: uniqueName('e2e'),
    DATABASE_URL: testDatabaseUrl(),
    API_TOKEN: randomBytes(18).toString('base64url'),
    OPERATOR_TOKEN: randomBytes(18).toString('base64url'),
    NOTIFY_SECRET: randomBytes(18).toString('base64url'),
    CODEC_KEYS: codecKeys,
    GATEWAY_URL: sandbox.url,
    GATEWAY_APP_KEY: sandbox.appKey,
    GATEWAY_SECRET: sandbox.secret,
    GATEWAY_ALLOW_HTTP: 'true',
    NOTIFY_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...e2eEnv,
    ...env,
  };
  // TLS / API key of the cluster, when the run's cluster has them.
  for (const name of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY']) {
    const value = process.env[name];
    if (value !== undefined && processEnv[name] === undefined) processEnv[name] = value;
  }
  const config = loadConfig(processEnv, 'api');
  const workerHealthPort = await findFreePort();
  const worker = spawnEntry('worker.js', { ...processEnv, WORKER_HEALTH_PORT: String(workerHealthPort), WORKER_METRICS_PORT: String(await findFreePort()) });
  const api = spawnEntry('api-main.js', processEnv);
  const stop = async (): Promise<void> => {
    await Promise.all([stopChild(api.child), stopChild(worker.child)]);
    await connection?.close().catch(() => undefined);
    await sandbox.close();
  };
  let connection: Connection | undefined;
  try {
    await untilOk(`http://127.0.0.1:${workerHealthPort}/healthz`, 'the worker process', worker);
    await untilOk(`${apiUrl}/readyz`, 'the API process', api);
    connection = await Connection.connect(temporalConnectionOptions(processEnv, processEnv.TEMPORAL_ADDRESS));
    const ring = parseCodecKeys(codecKeys);
    if (!ring.ok) throw new Error(ring.problems.join('; '));
    const client = new Client({ connection, namespace: processEnv.TEMPORAL_NAMESPACE, dataConverter: encryptingDataConverter(ring.ring) });
    const api_: TestSystem['api'] = async (method, path, body, token) => {
      const headers: Record<string, string> = {};
      const bearer = token === undefined ? processEnv.API_TOKEN : token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await request(`${apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.statusCode, body: parsed as JsonAnswer };
    };
    return {
      operatorToken: processEnv.OPERATOR_TOKEN,
      apiUrl,
      apiToken: processEnv.API_TOKEN,
      notifySecret: processEnv.NOTIFY_SECRET,
      temporalAddress: processEnv.TEMPORAL_ADDRESS,
      temporalUiUrl: undefined,
      bookLocation: processEnv.DATABASE_URL ?? '',
      gateway: { url: sandbox.url, appKey: sandbox.appKey, secret: sandbox.secret, timeoutMs: config.gatewayTimeoutMs },
      sandbox,
      client,
      api: api_,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

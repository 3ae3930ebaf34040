/**
 * The API and the worker as separate OS processes (their built entries, dist/api-main.js and
 * dist/worker.js), as a deployment runs them, on the run's dev server with a task queue of their
 * own, the run's order book (TEST_DATABASE_URL, shared as a deployment's processes share theirs) and
 * the sandbox platform in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { startSandbox, type RunningSandbox } from '../../src/sandbox';
import { findFreePort } from '../../src/temporal/dev-server';
import { testDatabaseUrl } from '../helpers/book';
import { E2E_ENV } from '../helpers/system';
import { devServerAddress, devServerNamespace, uniqueName } from '../helpers/temporal';

const DIST = resolve(__dirname, '..', '..', 'dist');

export interface AppProcess {
  name: string;
  process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

export interface AppEnvironment {
  sandbox: RunningSandbox;
  env: Record<string, string>;
  apiToken: string;
  spawnWorker(name: string, extra?: Record<string, string>): Promise<AppProcess & { healthUrl: string }>;
  /** The first API listens on PUBLIC_URL's port (callbacks reach it); later ones on ports of their own. */
  spawnApi(name: string, extra?: Record<string, string>): Promise<AppProcess & { url: string }>;
  api(url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Kills what is still running, closes the sandbox. */
  close(): Promise<void>;
}

function spawnEntry(name: string, entry: string, env: Record<string, string>): AppProcess {
  const file = join(DIST, entry);
  if (!existsSync(file)) throw new Error(`${file} missing: run \`npm run build\` first (scripts/test.sh does)`);
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal })),
  );
  return { name, process: child, output: () => output, exited, kill: (signal) => child.kill(signal) };
}

async function waitHttpOk(url: string, what: string, proc: AppProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${what} ended before it was ready:\n${proc.output()}`);
    try {
      const response = await request(url);
      await response.body.text();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
  }
}

export async function startAppEnvironment(extraEnv: Record<string, string> = {}): Promise<AppEnvironment> {
  const sandbox = await startSandbox({ port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000], logger: pino({ level: 'silent' }) });
  // The first API process listens here: PUBLIC_URL, where the platform posts its callbacks.
  const mainApiPort = await findFreePort();
  let mainApiTaken = false;
  const apiToken = randomBytes(18).toString('base64url');
  const env: Record<string, string> = {
    ...E2E_ENV,
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: devServerNamespace(),
    TEMPORAL_TASK_QUEUE: uniqueName('processes'),
    DATABASE_URL: testDatabaseUrl(),
    API_TOKEN: apiToken,
    OPERATOR_TOKEN: randomBytes(18).toString('base64url'),
    CODEC_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    NOTIFY_SECRET: randomBytes(18).toString('base64url'),
    GATEWAY_URL: sandbox.url,
    GATEWAY_APP_KEY: sandbox.appKey,
    GATEWAY_SECRET: sandbox.secret,
    GATEWAY_ALLOW_HTTP: 'true',
    NOTIFY_ALLOW_PRIVATE: 'true',
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${mainApiPort}`,
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const running: AppProcess[] = [];
  return {
    sandbox,
    env,
    apiToken,
    async spawnWorker(name, extra = {}) {
      const port = await findFreePort();
      const proc = spawnEntry(name, 'worker.js', { ...env, WORKER_HEALTH_PORT: String(port), WORKER_METRICS_PORT: String(await findFreePort()), ...extra });
      running.push(proc);
      const healthUrl = `http://127.0.0.1:${port}/healthz`;
      await waitHttpOk(healthUrl, name, proc);
      return { ...proc, healthUrl };
    },
    async spawnApi(name, extra = {}) {
      const port = mainApiTaken ? await findFreePort() : mainApiPort;
      mainApiTaken = true;
      const url = `http://127.0.0.1:${port}`;
      const proc = spawnEntry(name, 'api-main.js', { ...env, PORT: String(port), ...extra });
      running.push(proc);
      await waitHttpOk(`${url}/readyz`, name, proc);
      return { ...proc, url };
    },
    async api(url, method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${apiToken}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await request(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.statusCode, body: parsed };
    },
    async close() {
      for (const proc of running) {
        if (proc.process.exitCode === null && proc.process.signalCode === null) proc.kill('SIGKILL');
        await proc.exited;
      }
      await sandbox.close();
    },
  };
}

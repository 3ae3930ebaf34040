import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { loadConfig } from '../../src/config';
import { testDatabaseUrl } from './book';
import type { StartSandboxOptions } from '../../src/sandbox';
import { startSystem, type RunningSystem } from '../../src/system';
import { findFreePort } from '../../src/temporal/dev-server';
import { SEPARATE_PROCESSES, startProcessTestSystem } from './process-system';
import { devServerAddress, devServerNamespace, uniqueName, workflowBundle } from './temporal';

/** Short real-time waits: end-to-end tests run on the dev server, where time does not skip. */
export const E2E_ENV = {
  PAYMENT_CALLBACK_TIMEOUT: '2s',
  PAYMENT_EXPIRY: '30s',
  PAYMENT_RESEND_WAIT: '3s',
  PAYMENT_LATE_WINDOW: '10s',
  PAYOUT_CALLBACK_TIMEOUT: '2s',
  POLL_INTERVAL: '500ms',
  POLL_INTERVAL_MAX: '2s',
  PAYOUT_ATTENTION_AFTER: '1h',
  GATEWAY_HTTP_TIMEOUT: '1s',
  CREATE_WAIT: '3s',
  NOTIFY_ALLOW_PRIVATE: 'true',
};

/** Tests read JSON answers loosely, field by field, and assert on what they find. */
export type JsonAnswer = any;

export interface TestSystem extends RunningSystem {
  /** Calls our API over loopback with the bearer token (or `token`). */
  api(method: 'GET' | 'POST', path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: JsonAnswer }>;
}

/**
 * The real system — API, worker, sandbox platform over HTTP — on the run's dev server, with its
 * own task queue, ports and data folder. `stop()` in afterAll. With E2E_SEPARATE_PROCESSES=1 the
 * API and the worker run as processes of their own (test/helpers/process-system.ts).
 */
export async function startTestSystem(env: Record<string, string> = {}, sandbox: StartSandboxOptions = {}): Promise<TestSystem> {
  if (process.env[SEPARATE_PROCESSES] === '1') return startProcessTestSystem(E2E_ENV, env, sandbox);
  const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-e2e-'));
  const port = await findFreePort();
  const config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_NAMESPACE: devServerNamespace(),
      TEMPORAL_TASK_QUEUE: uniqueName('e2e'),
      API_TOKEN: randomBytes(18).toString('base64url'),
      NOTIFY_SECRET: randomBytes(18).toString('base64url'),
      DATA_DIR: dataDir,
      DATABASE_URL: testDatabaseUrl(),
      LOG_LEVEL: 'silent',
      ...E2E_ENV,
      ...env,
    },
    'all-in-one',
  );
  const system = await startSystem({
    config,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    sandbox: { port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000], ...sandbox },
    workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
  });
  const api: TestSystem['api'] = async (method, path, body, token) => {
    const headers: Record<string, string> = {};
    const bearer = token === undefined ? system.apiToken : token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await request(`${system.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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
    ...system,
    api,
    async stop() {
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One home for waiting: ./support.ts (re-exported for the many tests that import it from here). */
export { eventually } from './support';

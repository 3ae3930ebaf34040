/**
 * The all-in-one start (`npm start`, src/system.ts) gives its embedded sandbox DATA_DIR: after a
 * restart of the whole system on the same data directory, a payout that was pending at the platform
 * is still known there — the workflow's query answers status 0 (not object_not_found, which would
 * start the "not found" path of a payout the platform holds) and the platform can still pay it out.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { request } from 'undici';
import { loadConfig, type Config } from '../../src/config';
import { SANDBOX_STATE_FILE } from '../../src/sandbox/persistence';
import { startSystem, type RunningSystem } from '../../src/system';
import { findFreePort } from '../../src/temporal/dev-server';
import { E2E_ENV, eventually } from '../helpers/system';
import { devServerAddress, devServerNamespace, installQuietRuntime, uniqueName, workflowBundle } from '../helpers/temporal';

let dataDir: string;
let config: Config;
let running: RunningSystem | undefined;

beforeAll(async () => {
  installQuietRuntime();
  dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-restart-'));
  config = loadConfig(
    {
      HOST: '127.0.0.1',
      PORT: String(await findFreePort()),
      TEMPORAL_ADDRESS: devServerAddress(),
      TEMPORAL_NAMESPACE: devServerNamespace(),
      TEMPORAL_TASK_QUEUE: uniqueName('restart'),
      API_TOKEN: randomBytes(18).toString('base64url'),
      NOTIFY_SECRET: randomBytes(18).toString('base64url'),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ...E2E_ENV,
    },
    'all-in-one',
  );
});

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The system as `npm start` composes it (the embedded sandbox with DATA_DIR), on a port of its own. */
async function start(): Promise<RunningSystem> {
  running = await startSystem({
    config,
    log: pino({ level: 'silent' }),
    sandbox: { port: 0, callbackScheduleMs: [0, 300, 600, 1000, 2000] },
    workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
  });
  return running;
}

async function api(system: RunningSystem, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await request(`${system.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${system.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

test('a payout pending at the sandbox is still pending there after the system restarts, and then pays out', async () => {
  const mrn = `W-restart-${randomBytes(6).toString('hex')}`;
  const first = await start();
  const balance = async (system: RunningSystem) => (await system.sandbox!.control.merchants())[0].balanceFen;
  const opening = await balance(first);
  const created = await api(first, 'POST', '/v1/payouts', { mrn, amount: '500', bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123' });
  expect(created.status).toBe(202);
  await eventually(async () => (await first.sandbox!.control.payout(mrn))?.status === 'pending', 'the payout at the sandbox');
  const debited = await balance(first);
  expect(debited).toBe(opening - 50_000);
  await first.stop();
  running = undefined;
  expect(existsSync(join(dataDir, SANDBOX_STATE_FILE))).toBe(true);

  const second = await start();
  expect(await second.sandbox!.control.payout(mrn)).toMatchObject({ status: 'pending' });
  expect(await balance(second)).toBe(debited);
  // The workflow asks the restarted platform: status 0, not "not found".
  const recheck = await api(second, 'POST', `/v1/payouts/${mrn}/recheck`, { reason: 'after the restart' });
  expect(recheck.status).toBe(200);
  expect(recheck.body).toMatchObject({ status: 'pending', lastPlatformAnswer: 'status 0 (pending)' });

  await second.sandbox!.control.markPaid('payout', mrn);
  await eventually(async () => (await api(second, 'GET', `/v1/payouts/${mrn}`)).body.status === 'succeeded', 'the payout succeeded');
}, 120_000); // two system starts: slow on a loaded 2-core machine

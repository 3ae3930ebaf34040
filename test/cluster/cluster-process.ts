/**
 * Runs `npm run cluster` (its built entry, dist/cluster/main.js) for a test: `up` on ports of its
 * own with a data folder in tmp, `down` afterwards. Nothing here is skipped: when the pinned Temporal
 * server cannot be built or PostgreSQL cannot start, the test fails with the reason.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { findFreePort } from '../../src/temporal/dev-server';
import { E2E_ENV } from '../helpers/system';

const ROOT = resolve(__dirname, '..', '..');
export const CLUSTER_MAIN = join(ROOT, 'dist', 'cluster', 'main.js');

export interface ClusterPorts {
  api: number;
  temporal: number;
  ui: number;
  postgres: number;
  sandbox: number;
}

export interface TestCluster {
  dataDir: string;
  ports: ClusterPorts;
  temporalAddress: string;
  apiUrl(i?: number): string;
  sandboxUrl: string;
  uiUrl: string;
  apiToken: string;
  /** The order book the cluster created and gave its APIs and workers (DATABASE_URL). */
  databaseUrl: string;
  /** Output of `up` (the summary). */
  summary: string;
  /** Calls our API with the bearer token. */
  api(method: 'GET' | 'POST', path: string, body?: unknown, i?: number): Promise<{ status: number; body: any }>;
  /** `npm run cluster -- down`; removes the data folder. Idempotent. */
  down(): Promise<void>;
  /** pids of the cluster's worker processes (from their health endpoints' owners: the log of `ps`). */
  logFile(name: string): string;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLUSTER_MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}

/**
 * `count` free ports in a row (the cluster gives API i the port PORT + i - 1), below Linux's
 * ephemeral range (32768–60999), so an outgoing connection of another test cannot take one of them
 * between this check and the cluster's start.
 */
async function freePortRun(count: number): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolvePort) => {
      const server = createServer();
      server.once('error', () => resolvePort(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePort(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    let all = true;
    for (let i = 0; i < count && all; i++) all = await free(base + i);
    if (all) return base;
  }
  throw new Error(`no ${count} free ports in a row between 20000 and 32000`);
}

/** Brings a cluster up (`up --api N --workers M`) and resolves once every part is healthy. */
export async function startTestCluster(options: { apis?: number; workers?: number; env?: Record<string, string> } = {}): Promise<TestCluster> {
  if (!existsSync(CLUSTER_MAIN)) throw new Error(`${CLUSTER_MAIN} missing: run \`npm run build\` first (scripts/test.sh does)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-cluster-'));
  // PostgreSQL runs as the postgres user when we are root: it must reach its folder.
  chmodSync(dataDir, 0o755);
  const apis = options.apis ?? 1;
  const ports: ClusterPorts = {
    api: await freePortRun(apis),
    temporal: await findFreePort(),
    ui: await findFreePort(),
    postgres: await findFreePort(),
    sandbox: await findFreePort(),
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...E2E_ENV,
    // These tests expect orders created within the request (201); a cold cluster on a loaded machine takes seconds.
    CREATE_WAIT: '20s',
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.GATEWAY_URL;
  // The cluster creates its own order book (the orders database on its PostgreSQL).
  delete env.DATABASE_URL;
  const args = [
    'up',
    '--api', String(apis),
    '--workers', String(options.workers ?? 2),
    '--temporal-port', String(ports.temporal),
    '--ui-port', String(ports.ui),
    '--postgres-port', String(ports.postgres),
    '--sandbox-port', String(ports.sandbox),
  ];
  const started = await run(args, env, 15 * 60_000);
  let stopped: Promise<void> | undefined;
  const down = (): Promise<void> => {
    stopped ??= (async () => {
      const result = await run(['down'], env, 5 * 60_000);
      if (result.code !== 0) throw new Error(`cluster down failed: ${result.output}`);
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };
  if (started.code !== 0) {
    await down().catch(() => undefined);
    throw new Error(`npm run cluster -- ${args.join(' ')} failed (exit ${started.code}):\n${started.output}`);
  }
  const secrets = JSON.parse(readFileSync(join(dataDir, 'local-secrets.json'), 'utf8')) as { apiToken: string };
  const { databaseUrl } = JSON.parse(readFileSync(join(dataDir, 'cluster', 'state.json'), 'utf8')) as { databaseUrl: string };
  const apiUrl = (i = 0): string => `http://127.0.0.1:${ports.api + i}`;
  return {
    dataDir,
    ports,
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    apiUrl,
    sandboxUrl: `http://127.0.0.1:${ports.sandbox}`,
    uiUrl: `http://127.0.0.1:${ports.ui}`,
    apiToken: secrets.apiToken,
    databaseUrl,
    summary: started.output,
    async api(method, path, body, i = 0) {
      const headers: Record<string, string> = { authorization: `Bearer ${secrets.apiToken}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await request(`${apiUrl(i)}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await response.body.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.statusCode, body: parsed };
    },
    down,
    logFile: (name) => join(dataDir, 'cluster', 'logs', `${name}.log`),
  };
}

/**
 * `npm run cluster`: the production topology on one machine, without containers — PostgreSQL
 * (Temporal's databases and the order book's, `orders`), the Temporal server (pinned, built from the
 * Go module proxy) with its schema, namespace and search attributes, the Temporal UI with our codec
 * endpoint, N API processes, M worker processes and (when GATEWAY_URL is unset) the sandbox
 * platform, each a process of its own.
 *
 *   npm run cluster                               foreground; Ctrl-C stops everything in order
 *   npm run cluster -- up [--api N] [--workers M] detached; returns once every part is healthy
 *   npm run cluster -- down                       stops a detached cluster
 *   npm run cluster -- up --api 0 --workers 0     only PostgreSQL and Temporal (frontend 127.0.0.1:7233, UI 8233)
 *
 * Options: --api N (1), --workers M (2), --temporal-port (7233), --ui-port (TEMPORAL_UI_PORT, 8233),
 * --postgres-port (5433), --sandbox-port (4000). The orchestrator's variables (README) configure the
 * API and the workers; ORDER_RETENTION (30d) is the namespace's retention, TEMPORAL_DB_URL an existing
 * PostgreSQL server instead of the local one (its user must be allowed to create a role and a
 * database), DATABASE_URL an order book of your own instead of the `orders` database created on it.
 * State, logs and the database live in DATA_DIR/cluster.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { ConfigError, loadConfig, type Config } from '../config';
import { parseDuration } from '../contracts/duration';
import { findFreePort, isPortFree } from '../temporal/dev-server';
import { ORDER_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { localSecrets } from '../system';
import { Child, delay, httpOk, logTail, waitFor } from './child';
import { ensureOrdersDatabase, parseDatabaseUrl, startLocalPostgres, type DatabaseEndpoint } from './postgres';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../temporal/connection-options';
import { buildTemporalBinaries, HISTORY_SHARDS, serverTlsFromEnv, pinnedVersions, setUpNamespace, setUpSchema, startTemporalServer, startUiServer } from './temporal';

interface Options {
  command: 'run' | 'up' | 'down';
  apis: number;
  workers: number;
  temporalPort: number;
  uiPort: number;
  postgresPort: number;
  sandboxPort: number;
}

class UsageError extends Error {}

function parseArgs(argv: string[], config: Config): Options {
  const options: Options = { command: 'run', apis: 1, workers: 2, temporalPort: 7233, uiPort: config.temporal.uiPort, postgresPort: 5433, sandboxPort: 4000 };
  const numbers: Record<string, keyof Options> = {
    '--api': 'apis',
    '--workers': 'workers',
    '--temporal-port': 'temporalPort',
    '--ui-port': 'uiPort',
    '--postgres-port': 'postgresPort',
    '--sandbox-port': 'sandboxPort',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === 'up' || arg === 'down' || arg === 'run') {
      options.command = arg;
      continue;
    }
    const [flag, inline] = arg.split('=', 2);
    const key = numbers[flag];
    if (key === undefined) throw new UsageError(`unknown argument ${arg} (commands: run, up, down; options: ${Object.keys(numbers).join(', ')})`);
    const text = inline ?? argv[++i];
    const value = Number(text);
    if (text === undefined || !/^[0-9]+$/.test(text) || value > 65535) throw new UsageError(`${flag} needs a whole number`);
    (options as unknown as Record<string, unknown>)[key] = value;
  }
  return options;
}

interface State {
  pid: number;
  status: 'starting' | 'ready' | 'failed';
  summary?: string;
  error?: string;
  /** The parts' process ids when it became ready: `down` ends them should the supervisor be gone. */
  parts?: number[];
  /** The order book's DATABASE_URL (with its password: the file is the operator's, 0600), once ready. */
  databaseUrl?: string;
}

const clusterDir = (config: Config): string => join(resolve(config.dataDir), 'cluster');
const stateFile = (config: Config): string => join(clusterDir(config), 'state.json');

function writeState(config: Config, state: State): void {
  writeFileSync(stateFile(config), JSON.stringify(state, null, 2), { mode: 0o600 });
}

function readState(config: Config): State | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(config), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (ended, not yet reaped) is not alive.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Ends processes a killed supervisor left running, newest first. */
async function endLeftovers(pids: number[]): Promise<number> {
  const left = pids.filter(alive).reverse();
  for (const pid of left) {
    say(`stopping process ${pid}, left by the supervisor`);
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await delay(200);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  return left.length;
}

const say = (line: string): void => {
  process.stdout.write(`cluster: ${line}\n`);
};

/** A long-running part of the topology, restarted when it dies (as `restart: unless-stopped`). */
class Service {
  child: Child;
  restarts = 0;
  constructor(
    private readonly start: () => Child,
    private readonly onGiveUp: (why: string) => void,
    private readonly restartable: boolean,
  ) {
    this.child = this.spawn();
  }

  private spawn(): Child {
    const child = this.start();
    child.onExit(() => {
      if (child.stopRequested) return;
      if (!this.restartable || this.restarts >= 5) {
        this.onGiveUp(child.exitDescription());
        return;
      }
      this.restarts += 1;
      say(`${child.exitDescription()}\ncluster: restarting ${child.spec.name} (${this.restarts})`);
      void delay(1000).then(() => {
        if (!child.stopRequested) this.child = this.spawn();
      });
    });
    return child;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

async function run(options: Options, config: Config, detached: boolean): Promise<void> {
  const dir = clusterDir(config);
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const previous = readState(config);
  if (previous !== undefined && previous.pid !== process.pid && alive(previous.pid)) {
    throw new Error(`a cluster is already running from ${dir} (pid ${previous.pid}): \`npm run cluster -- down\` first`);
  }
  writeState(config, { pid: process.pid, status: 'starting' });

  const stack: { name: string; stop: () => Promise<void>; pid?: () => number | undefined }[] = [];
  let shuttingDown = false;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const step of stack.reverse().splice(0)) {
        say(`stopping ${step.name}`);
        await step.stop().catch((error: unknown) => say(`error while stopping ${step.name}: ${(error as Error).message}`));
      }
    })();
    return stopping;
  };
  let failure: ((why: string) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    failure = (why) => reject(new Error(why));
  });
  failed.catch(() => undefined);
  const giveUp = (why: string): void => {
    if (!shuttingDown) failure?.(why);
  };
  const exitOnSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${signal}: stopping everything`);
    void stopAll().then(() => {
      rmSync(stateFile(config), { force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', exitOnSignal);
  process.on('SIGTERM', exitOnSignal);
  const killAllOnExit = (): void => {
    for (const step of stack) void step.stop();
  };
  process.once('exit', killAllOnExit);

  try {
    const started = Date.now();
    const busy: string[] = [];
    const ports: [string, number, boolean][] = [
      ['Temporal frontend', options.temporalPort, true],
      ['Temporal UI', options.uiPort, true],
      ['PostgreSQL', options.postgresPort, process.env.TEMPORAL_DB_URL === undefined],
      ['sandbox', options.sandboxPort, config.gateway === undefined && options.apis + options.workers > 0],
    ];
    for (let i = 0; i < options.apis; i++) ports.push([`API ${i + 1}`, config.port + i, true]);
    for (const [what, port, used] of ports) if (used && !(await isPortFree(port, '127.0.0.1'))) busy.push(`${what} port ${port}`);
    if (busy.length > 0) throw new Error(`already in use: ${busy.join(', ')} (another cluster or \`npm start\` running?)`);

    const retentionText = process.env.ORDER_RETENTION?.trim() || '30d';
    const retentionMs = parseDuration(retentionText);
    if (retentionMs === undefined || retentionMs < 86_400_000) throw new Error(`ORDER_RETENTION="${retentionText}" is not a duration of at least 1d (e.g. 30d)`);

    const versions = pinnedVersions();
    say(`Temporal server ${versions.TEMPORAL_SERVER_VERSION}, UI ${versions.TEMPORAL_UI_VERSION}`);
    const binaries = buildTemporalBinaries();

    let db: DatabaseEndpoint;
    if (process.env.TEMPORAL_DB_URL?.trim()) {
      db = parseDatabaseUrl(process.env.TEMPORAL_DB_URL.trim());
      say(`PostgreSQL: ${db.host}:${db.port} (TEMPORAL_DB_URL)`);
    } else {
      const postgres = await startLocalPostgres(join(dir, 'postgres'), options.postgresPort, join(logs, 'postgres.log'));
      stack.push({ name: 'PostgreSQL', stop: () => postgres.child.stop(), pid: () => postgres.child.process.pid });
      postgres.child.onExit(() => {
        if (!postgres.child.stopRequested) giveUp(postgres.child.exitDescription());
      });
      db = postgres.endpoint;
      say(`PostgreSQL on 127.0.0.1:${options.postgresPort} (data in ${join(dir, 'postgres')})`);
    }
    setUpSchema(binaries, db);
    say('schema set up (temporal, temporal_visibility)');
    // The order book: DATABASE_URL when the operator gives one, else the `orders` database on this
    // PostgreSQL (as docker-compose.yml's orders-db). Its tables come with the API's and workers' start.
    const databaseUrl = config.databaseUrl ?? (await ensureOrdersDatabase(db, join(dir, 'orders-password')));
    say(config.databaseUrl === undefined ? `order book: database orders on ${db.host}:${db.port}` : 'order book: DATABASE_URL');
    // The generated one is printed whole (psql needs it; its file is the operator's); theirs without its password.
    const bookShown = config.databaseUrl === undefined ? databaseUrl : withoutPassword(config.databaseUrl);

    const temporalAddress = `127.0.0.1:${options.temporalPort}`;
    const serverTls = serverTlsFromEnv(process.env);
    // How we, the UI, the API and the workers connect: TEMPORAL_TLS_* / TEMPORAL_API_KEY (checked now).
    const clientOptions = temporalConnectionOptions(process.env, temporalAddress);
    if (serverTls !== undefined && clientOptions.tls === undefined) {
      throw new Error('the frontend serves TLS (CLUSTER_TLS_*): set TEMPORAL_TLS_CA (and TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY for mTLS) for its clients');
    }
    const server = await startTemporalServer(binaries, {
      dir,
      db,
      host: '127.0.0.1',
      port: options.temporalPort,
      numHistoryShards: HISTORY_SHARDS,
      ...(serverTls === undefined ? {} : { tls: serverTls }),
      logFile: join(logs, 'temporal-server.log'),
    });
    stack.push({ name: 'Temporal server', stop: () => server.stop(), pid: () => server.process.pid });
    server.onExit(() => {
      if (!server.stopRequested) giveUp(server.exitDescription());
    });
    const connection = await connectWhenUp(clientOptions, server);
    try {
      await Promise.race([
        setUpNamespace(connection, { namespace: config.temporal.namespace, retentionMs, searchAttributes: ORDER_SEARCH_ATTRIBUTES }, 120_000),
        failed,
      ]);
    } finally {
      await connection.close();
    }
    say(`namespace ${config.temporal.namespace}: retention ${retentionText}, ${Object.keys(ORDER_SEARCH_ATTRIBUTES).length} search attributes`);

    const secrets = localSecrets(config);
    const operatorToken = config.operatorToken ?? secrets.operatorToken;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const apiUrl = (i: number): string => `http://${host}:${config.port + i}`;
    const publicUrl = process.env.PUBLIC_URL?.trim() ? config.publicUrl : apiUrl(0);
    const ui = await startUiServer(binaries, {
      dir,
      temporalAddress,
      host: '127.0.0.1',
      port: options.uiPort,
      namespace: config.temporal.namespace,
      codecEndpoint: `${publicUrl}/codec/${operatorToken}`,
      readOnly: process.env.TEMPORAL_UI_WRITE_ACTIONS !== 'true',
      ...(clientOptions.tls === undefined ? {} : { tls: uiTls(process.env) }),
      logFile: join(logs, 'temporal-ui.log'),
    });
    stack.push({ name: 'Temporal UI', stop: () => ui.stop(), pid: () => ui.process.pid });
    const uiUrl = `http://127.0.0.1:${options.uiPort}`;

    const appRuns = options.apis + options.workers > 0;
    const node = process.execPath;
    const dist = resolve(__dirname, '..');
    let gateway = config.gateway === undefined ? undefined : { url: config.gateway.url, appKey: config.gateway.appKey, secret: config.gateway.secret };
    let sandboxUrl: string | undefined;
    if (gateway === undefined && appRuns) {
      const appKey = config.sandboxMerchant.appKey ?? secrets.sandboxAppKey;
      const secret = config.sandboxMerchant.secret ?? secrets.sandboxSecret;
      const sandbox = new Service(
        () =>
          new Child({
            name: 'sandbox',
            command: node,
            args: [join(dist, 'sandbox', 'main.js')],
            // SANDBOX_DATA_DIR: a sandbox restarted by its supervisor still knows the orders it took.
            env: { ...process.env, SANDBOX_PORT: String(options.sandboxPort), SANDBOX_HOST: '127.0.0.1', SANDBOX_APP_KEY: appKey, SANDBOX_SECRET: secret, SANDBOX_DATA_DIR: dir },
            logFile: join(logs, 'sandbox.log'),
          }),
        giveUp,
        true,
      );
      stack.push({ name: 'sandbox', stop: () => sandbox.stop(), pid: () => sandbox.child.process.pid });
      sandboxUrl = `http://127.0.0.1:${options.sandboxPort}`;
      await waitFor('sandbox', () => httpOk(`${sandboxUrl}/sandbox/orders`).catch(() => httpOk(`${sandboxUrl}/`)), 30_000, sandbox.child);
      gateway = { url: sandboxUrl, appKey, secret };
    }

    const apiToken = config.apiToken ?? secrets.apiToken;
    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      TEMPORAL_UI_PORT: String(options.uiPort),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: publicUrl,
      API_TOKEN: apiToken,
      OPERATOR_TOKEN: operatorToken,
      CODEC_KEYS: process.env.CODEC_KEYS?.trim() || secrets.codecKeys,
      NOTIFY_SECRET: config.notifySecret ?? secrets.notifySecret,
      GATEWAY_URL: gateway?.url ?? '',
      GATEWAY_APP_KEY: gateway?.appKey ?? '',
      GATEWAY_SECRET: gateway?.secret ?? '',
      // The local sandbox speaks plain http on loopback.
      ...(sandboxUrl === undefined ? {} : { GATEWAY_ALLOW_HTTP: 'true', NOTIFY_ALLOW_PRIVATE: process.env.NOTIFY_ALLOW_PRIVATE ?? 'true' }),
    };
    // Workers first: an order the API starts is picked up at once.
    const workerHealthUrls: string[] = [];
    for (let i = 0; i < options.workers; i++) {
      // Stable ports (9300, 9301, …) for the usual cluster; any free one beside another.
      const healthPort = options.temporalPort === 7233 ? await freePortFrom(9300 + i) : await findFreePort();
      // Each worker's Prometheus endpoint (WORKER_METRICS_PORT): 9464, 9465, … likewise.
      const metricsPort = options.temporalPort === 7233 ? await freePortFrom(9464 + i) : await findFreePort();
      const name = `worker-${i + 1}`;
      const worker = new Service(
        () =>
          new Child({
            name,
            command: node,
            args: [join(dist, 'worker.js')],
            env: { ...appEnv, WORKER_HEALTH_PORT: String(healthPort), WORKER_METRICS_PORT: String(metricsPort) },
            logFile: join(logs, `${name}.log`),
            stopGraceMs: 60_000,
          }),
        giveUp,
        true,
      );
      stack.push({ name, stop: () => worker.stop(), pid: () => worker.child.process.pid });
      workerHealthUrls.push(`http://127.0.0.1:${healthPort}/healthz`);
      await waitFor(name, () => httpOk(`http://127.0.0.1:${healthPort}/healthz`), 120_000, worker.child);
    }
    for (let i = 0; i < options.apis; i++) {
      const name = `api-${i + 1}`;
      const api = new Service(
        () =>
          new Child({
            name,
            command: node,
            args: [join(dist, 'api-main.js')],
            env: { ...appEnv, PORT: String(config.port + i) },
            logFile: join(logs, `${name}.log`),
            stopGraceMs: 30_000,
          }),
        giveUp,
        true,
      );
      stack.push({ name, stop: () => api.stop(), pid: () => api.child.process.pid });
      await waitFor(name, () => httpOk(`${apiUrl(i)}/readyz`), 60_000, api.child);
    }

    const summary = [
      '',
      `Payment order orchestrator cluster is running (started in ${((Date.now() - started) / 1000).toFixed(1)} s).`,
      '',
      ...Array.from({ length: options.apis }, (_, i) => `  API ${i + 1}          ${apiUrl(i)}   (docs: ${apiUrl(i)}/docs)`),
      ...(options.apis > 0 ? [`  API token      ${apiToken}${config.apiToken === undefined ? `   (generated; kept in ${config.dataDir}/local-secrets.json)` : ''}`] : []),
      ...workerHealthUrls.map((url, i) => `  worker ${i + 1}       ${url}`),
      `  Temporal       ${temporalAddress}   (Web UI: ${uiUrl}, namespace ${config.temporal.namespace}, retention ${retentionText})`,
      `  PostgreSQL     ${db.host}:${db.port}`,
      `  Order book     ${bookShown}`,
      ...(sandboxUrl !== undefined ? [`  Sandbox        ${sandboxUrl}   (cashier: ${sandboxUrl}/ · payout operator: ${sandboxUrl}/operator)`] : gateway !== undefined ? [`  Platform       ${gateway.url}`] : []),
      `  Logs           ${logs}`,
      '',
      ...(options.apis > 0
        ? [
            'Try:',
            `  curl -s -X POST ${apiUrl(0)}/v1/payments -H 'authorization: Bearer ${apiToken}' -H 'content-type: application/json' \\`,
            `       -d '{"amount":"100.00","channelId":2,"returnUrl":"https://shop.example.com/paid"}'`,
            '',
          ]
        : [`Run the API and workers yourself with TEMPORAL_ADDRESS=${temporalAddress} TEMPORAL_NAMESPACE=${config.temporal.namespace} DATABASE_URL=${bookShown}.`, '']),
      detached ? 'Stop it with `npm run cluster -- down`.' : 'Ctrl-C stops everything.',
      '',
    ].join('\n');
    const parts = stack.map((step) => step.pid?.()).filter((pid): pid is number => pid !== undefined);
    writeState(config, { pid: process.pid, status: 'ready', summary, parts, databaseUrl });
    if (!detached) process.stdout.write(summary + '\n');
    await failed;
  } catch (error) {
    writeState(config, { pid: process.pid, status: 'failed', error: (error as Error).message });
    say(`failed: ${(error as Error).message}`);
    await stopAll();
    process.exitCode = 1;
  } finally {
    process.removeListener('exit', killAllOnExit);
  }
}

async function connectWhenUp(options: TemporalConnectionOptions, server: Child): Promise<Connection> {
  let connection: Connection | undefined;
  await waitFor(
    `Temporal frontend ${options.address}`,
    async () => {
      const attempt = await Connection.connect({ ...options, connectTimeout: 2000 });
      try {
        await attempt.workflowService.getSystemInfo({});
        connection = attempt;
        return true;
      } catch (error) {
        await attempt.close();
        throw error;
      }
    },
    120_000,
    server,
  );
  return connection as Connection;
}

/** The UI server's TLS towards the frontend, from the same TEMPORAL_TLS_* files as every client. */
function uiTls(env: NodeJS.ProcessEnv): { caFile: string; certFile?: string; keyFile?: string; serverName?: string } {
  const read = (name: string): string | undefined => env[name]?.trim() || undefined;
  const caFile = read('TEMPORAL_TLS_CA');
  if (caFile === undefined) throw new Error('the Temporal UI needs TEMPORAL_TLS_CA to verify the frontend');
  const [certFile, keyFile, serverName] = [read('TEMPORAL_TLS_CERT'), read('TEMPORAL_TLS_KEY'), read('TEMPORAL_TLS_SERVER_NAME')];
  return { caFile, ...(certFile && keyFile ? { certFile, keyFile } : {}), ...(serverName ? { serverName } : {}) };
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '****';
  return parsed.toString();
}

async function freePortFrom(first: number): Promise<number> {
  for (let port = first; port < first + 200; port++) if (await isPortFree(port, '127.0.0.1')) return port;
  throw new Error(`no free port from ${first}`);
}

/** `up`: runs the cluster as a detached process and returns once it is ready (or prints why not). */
async function up(argv: string[], config: Config): Promise<void> {
  const dir = clusterDir(config);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const previous = readState(config);
  if (previous !== undefined && alive(previous.pid)) throw new Error(`a cluster is already running from ${dir} (pid ${previous.pid}): \`npm run cluster -- down\` first`);
  rmSync(stateFile(config), { force: true });
  const logFile = join(dir, 'logs', 'cluster.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [__filename, 'run', '--detached', ...argv.filter((arg) => arg !== 'up')], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  });
  closeSync(log);
  child.unref();
  // The Go build of a fresh machine takes minutes before anything starts.
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const found = readState(config);
    const state = found !== undefined && found.pid === child.pid ? found : undefined;
    if (state?.status === 'ready') {
      process.stdout.write(`${state.summary ?? ''}\n`);
      return;
    }
    if (state?.status === 'failed') throw new Error(`the cluster did not start: ${state.error ?? ''}${logTail(logFile)}`);
    if (child.pid === undefined || !alive(child.pid)) throw new Error(`the cluster process ended${logTail(logFile)}`);
    if (Date.now() > deadline) throw new Error(`the cluster was not ready in 20 minutes${logTail(logFile)}`);
    await delay(500);
  }
}

/** `down`: stops a detached cluster (everything in order) and waits until it is gone. */
async function down(config: Config): Promise<void> {
  const state = readState(config);
  if (state === undefined || !alive(state.pid)) {
    // The supervisor is gone (killed outright): end what it left running.
    const ended = await endLeftovers(state?.parts ?? []);
    rmSync(stateFile(config), { force: true });
    if (ended === 0) say('no cluster running');
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 180_000;
  const pid = state.pid;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`cluster process ${pid} still running after 3 minutes`);
    await delay(250);
  }
  await endLeftovers(state.parts ?? []);
  rmSync(stateFile(config), { force: true });
  say('stopped');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const detached = argv.includes('--detached');
  const args = argv.filter((arg) => arg !== '--detached');
  const config = loadConfig(process.env, 'all-in-one');
  const options = parseArgs(args, config);
  if (options.command === 'down') return down(config);
  if (options.command === 'up') return up(args, config);
  return run(options, config, detached);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof UsageError ? error.message : `cluster: ${(error as Error).message}`}\n`);
  process.exit(1);
});


import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { ORDER_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { temporalCliPath } from './binaries';
import { removeServerPidFile, startServerWatchdog, stopLeftoverServer, writeServerPidFile } from './leftover-server';

/** Search attribute types as the Temporal CLI spells them (`--search-attribute Name=Keyword`). */
export type SearchAttributeTypeName = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServerOptions {
  /** Temporal CLI executable; defaults to {@link temporalCliPath}. */
  executable?: string;
  /** Address the frontend (and UI) bind to. Default 127.0.0.1. */
  ip?: string;
  /** Frontend gRPC port. Default 7233. */
  port?: number;
  /** Web UI port. Default port + 1000 (8233). Ignored when headless. */
  uiPort?: number;
  /** No Web UI. Default false. */
  headless?: boolean;
  /** SQLite file holding the server's state across restarts; its folder is created. In memory when unset. */
  dbFilename?: string;
  /** Namespace created at launch (besides "default") and checked for readiness. Default "default". */
  namespace?: string;
  /** Custom search attributes, registered on a fresh database and reconciled on an existing one. */
  searchAttributes?: Readonly<Record<string, SearchAttributeTypeName>>;
  /** Remote codec endpoint the UI uses to decode payloads. */
  uiCodecEndpoint?: string;
  /**
   * Extra dynamic config, value as JSON (`{ 'frontend.enableUpdateWorkflowExecution': true }`).
   * On a new database the search-attribute cache is on, as on a production server (start-dev turns
   * it off so that attributes created at run time are usable at once, at the price of reading
   * them from SQLite on every start, upsert and describe); set
   * `system.forceSearchAttributesCacheRefreshOnRead` to choose yourself.
   */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** Server log level. Default "warn". */
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'never';
  /** How long to wait for the server to answer. Default 60 s: a busy 2-core machine can be slow. */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10 s. */
  stopGraceMs?: number;
  /** Receives every output line of the server (stdout and stderr). Default: dropped (the tail is kept for errors). */
  onOutput?: (line: string) => void;
  /** Told when a server left running by an earlier run on the same database is stopped first. */
  onLeftoverStopped?: (pid: number) => void;
}

export interface DevServer {
  /** host:port of the frontend, for `Connection.connect({ address })` and `NativeConnection.connect`. */
  address: string;
  namespace: string;
  /** Web UI URL; undefined when headless. */
  uiUrl: string | undefined;
  process: ChildProcess;
  /** The process that stops the server when this one dies without stopping it. */
  watchdogPid: number | undefined;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

const OUTPUT_TAIL_LINES = 40;

/** Dynamic config key: true makes every use of a search attribute read them from the database. */
const SEARCH_ATTRIBUTE_CACHE_OFF = 'system.forceSearchAttributesCacheRefreshOnRead';

/**
 * Starts `temporal server start-dev` as a child process and resolves once its namespace answers.
 * Unlike the SDK's TestWorkflowEnvironment.createLocal (5 s readiness wait) it waits as long as told,
 * and when the server dies early the error carries the last lines it printed.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? 7233;
  const headless = options.headless ?? false;
  const uiPort = options.uiPort ?? port + 1000;
  const namespace = options.namespace ?? 'default';
  const searchAttributes = options.searchAttributes ?? ORDER_SEARCH_ATTRIBUTES;
  const executable = options.executable ?? temporalCliPath();

  if (options.dbFilename !== undefined) {
    // An earlier run killed with SIGKILL may have left its server on this database (and our ports).
    const leftover = await stopLeftoverServer(options.dbFilename);
    if (leftover !== undefined) options.onLeftoverStopped?.(leftover);
  }
  const busy = [];
  if (!(await isPortFree(port, ip))) busy.push(`gRPC port ${port}`);
  if (!headless && !(await isPortFree(uiPort, ip))) busy.push(`UI port ${uiPort}`);
  if (busy.length > 0) {
    throw new Error(
      `Cannot start the Temporal dev server: ${busy.join(' and ')} on ${ip} already in use ` +
        '(another Temporal server running?). Stop it, or choose other ports.',
    );
  }
  // A new database gets every search attribute from the command line before anything runs, so the
  // server may cache them. On an existing one ensureSearchAttributes may add some after the start,
  // which a cache would refuse for a while: there start-dev's default (no cache) stays.
  const freshDatabase = options.dbFilename === undefined || !existsSync(resolve(options.dbFilename));
  if (options.dbFilename !== undefined) mkdirSync(dirname(resolve(options.dbFilename)), { recursive: true });
  const dynamicConfig = freshDatabase ? { [SEARCH_ATTRIBUTE_CACHE_OFF]: false, ...options.dynamicConfig } : options.dynamicConfig;
  const args = devServerArgs({ ...options, dynamicConfig, ip, port, headless, uiPort, namespace, searchAttributes });

  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let inUsage = false; // the CLI prints its whole usage text after an argument error: keep the error, not the usage
  const onLine = (line: string): void => {
    if (line === '') return;
    options.onOutput?.(line);
    if (line.startsWith('Usage:')) inUsage = true;
    if (inUsage) return;
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
  };
  forEachLine(child.stdout, onLine);
  forEachLine(child.stderr, onLine);

  const closed = new Promise<void>((resolveClosed) => child.once('close', () => resolveClosed()));
  let failure: string | undefined;
  child.on('error', (err) => {
    failure ??= `could not be spawned: ${err.message}`;
  });
  child.once('exit', (code, signal) => {
    failure ??= `exited early (${signal ?? `code ${code}`})`;
  });
  // If this Node process exits without calling stop(), take the server with it; if it is killed
  // outright (no exit handler runs), the watchdog does; if both die, the pid file tells the next start.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const watchdog = child.pid === undefined ? undefined : startServerWatchdog(child.pid);
  if (options.dbFilename !== undefined && child.pid !== undefined) writeServerPidFile(options.dbFilename, child.pid);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      await terminate(child, options.stopGraceMs ?? 10_000);
      watchdog?.stop();
      if (options.dbFilename !== undefined) removeServerPidFile(options.dbFilename);
    })();
    return stopping;
  };

  const address = `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
  let connection: Connection;
  try {
    connection = await waitUntilReady(address, namespace, options.readyTimeoutMs ?? 60_000, () => failure);
  } catch (err) {
    await stop();
    await Promise.race([closed, delay(1000)]); // let the last output lines arrive
    const output = tail.length > 0 ? `\nLast server output:\n  ${tail.join('\n  ')}` : '';
    throw new Error(`Temporal dev server (${executable} ${args.join(' ')}) did not start: ${(err as Error).message}${output}`, {
      cause: err,
    });
  }
  try {
    await ensureSearchAttributes(connection, namespace, searchAttributes);
  } catch (err) {
    await stop();
    throw new Error(`Temporal dev server at ${address}: ${(err as Error).message}`, { cause: err });
  } finally {
    await connection.close();
  }

  return {
    address,
    namespace,
    uiUrl: headless ? undefined : `http://${ip.includes(':') ? `[${ip}]` : ip}:${uiPort}`,
    process: child,
    watchdogPid: watchdog?.pid,
    stop,
  };
}

/** The `temporal server start-dev ...` arguments for fully defaulted options. */
function devServerArgs(
  options: DevServerOptions & Required<Pick<DevServerOptions, 'ip' | 'port' | 'headless' | 'uiPort' | 'namespace' | 'searchAttributes'>>,
): string[] {
  const args = ['server', 'start-dev', '--ip', options.ip, '--port', String(options.port), '--log-level', options.logLevel ?? 'warn'];
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  if (options.dbFilename !== undefined) {
    args.push('--db-filename', resolve(options.dbFilename), '--sqlite-pragma', 'journal_mode=WAL');
  }
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const [name, type] of Object.entries(options.searchAttributes)) args.push('--search-attribute', `${name}=${type}`);
  if (options.uiCodecEndpoint !== undefined) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  return args;
}

/** Whether nothing listens on host:port yet (tries to bind it for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveFree(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolveFree(true)));
  });
}

/** Whether something accepts TCP connections on host:port. */
export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveConnect(false);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

/** A port the OS considers free right now (bind to 0, read, release). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls until the frontend accepts TCP, then until the namespace can be described. */
async function waitUntilReady(
  address: string,
  namespace: string,
  timeoutMs: number,
  processFailure: () => string | undefined,
): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  const [host, port] = splitAddress(address);
  let lastError = 'the port never opened';
  while (Date.now() < deadline) {
    const failure = processFailure();
    if (failure !== undefined) throw new Error(failure);
    if (await isListening(host, port)) {
      let connection: Connection | undefined;
      try {
        // A fresh connection per attempt: a gRPC channel that failed once backs off for a long time.
        connection = await Connection.connect({ address, connectTimeout: Math.max(1000, Math.min(5000, deadline - Date.now())) });
        await connection.workflowService.describeNamespace({ namespace });
        return connection;
      } catch (err) {
        lastError = (err as Error).message;
        await connection?.close().catch(() => undefined);
      }
    }
    await delay(250);
  }
  throw new Error(`no answer from ${address} (namespace ${namespace}) within ${timeoutMs} ms: ${lastError}`);
}

// IndexedValueType numbers of temporal.api.enums.v1 (INDEXED_VALUE_TYPE_TEXT = 1, ...).
const INDEXED_VALUE_TYPE: Record<SearchAttributeTypeName, number> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

/**
 * Makes sure `wanted` search attributes exist on `namespace`: adds the missing ones and throws on a
 * type clash. Needed because `--search-attribute` only takes effect when the dev server creates its
 * database (on an existing one the CLI silently ignores new names and changed types), and because
 * the time-skipping test server knows no custom attribute (it cannot list them either: then all are added).
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  wanted: Readonly<Record<string, SearchAttributeTypeName>>,
): Promise<void> {
  if (Object.keys(wanted).length === 0) return;
  let existing: Readonly<Record<string, number | null | undefined>> = {};
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = listed.customAttributes ?? {};
  } catch (err) {
    if ((err as { code?: unknown }).code !== GRPC_UNIMPLEMENTED) throw err;
  }
  const missing: Record<string, number> = {};
  const clashes: string[] = [];
  for (const [name, type] of Object.entries(wanted)) {
    const have = existing[name];
    if (have === undefined || have === null) missing[name] = INDEXED_VALUE_TYPE[type];
    else if (have !== INDEXED_VALUE_TYPE[type]) {
      const haveName = Object.entries(INDEXED_VALUE_TYPE).find(([, n]) => n === have)?.[0] ?? `type #${have}`;
      clashes.push(`${name} is ${haveName}, wanted ${type}`);
    }
  }
  if (clashes.length > 0) {
    throw new Error(`search attributes registered with another type: ${clashes.join('; ')} (start on a fresh database)`);
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
}

const GRPC_UNIMPLEMENTED = 12;

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolveGone) => child.once('exit', () => resolveGone()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    gone.then(() => false),
    new Promise<boolean>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await gone;
  }
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line.trimEnd());
  });
  stream.on('end', () => onLine(pending.trimEnd()));
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

/**
 * The order book's PostgreSQL: a pool on DATABASE_URL, or — when it is unset, in the all-in-one
 * start and the tests — an embedded PostgreSQL (PGlite, data under DATA_DIR) served on a loopback
 * port, so every caller speaks to the book through the same client and the same SQL. Migrations
 * (the SQL files in migrations/) are applied at start by node-pg-migrate, under its advisory lock, so
 * an API and a worker starting together apply each one once.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { runner } from 'node-pg-migrate';
import { Pool } from 'pg';
import type { Logger } from 'pino';

/**
 * The SQL migrations, applied in name order: the nearest `migrations/` above this module — the
 * repository's for src/book and dist/book, the image's /app/migrations, and still the repository's
 * for a build elsewhere in it (dist-bench/src/book, the chaos suite's copy of dist).
 */
export const MIGRATIONS_DIR = findMigrationsDir(__dirname);

function findMigrationsDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, '0001_order-book.sql'))) return candidate;
    if (dirname(dir) === dir) return resolve(from, '..', '..', 'migrations'); // not found: name where it belongs in the error
  }
}

export interface Database {
  pool: Pool;
  /** Where the book is, without its password (for logs and the start banner). */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** DATABASE_URL; undefined: an embedded PostgreSQL under `dataDir`. */
  url: string | undefined;
  dataDir: string;
  log?: Logger;
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** Opens the book (starting the embedded one if needed) and applies pending migrations. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const embedded = options.url === undefined ? await startEmbeddedPostgres(join(resolve(options.dataDir), 'order-book')) : undefined;
  const url = options.url ?? (embedded as EmbeddedPostgres).url;
  const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by a database restart must not crash the process: the next query reconnects.
  pool.on('error', (error) => options.log?.warn({ err: error }, 'order book connection lost; it reconnects on the next query'));
  const close = async (): Promise<void> => {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
  };
  try {
    const applied = await migrate(pool);
    if (applied.length > 0) options.log?.info({ migrations: applied }, 'order book migrated');
  } catch (error) {
    await close();
    throw error;
  }
  return { pool, location: embedded === undefined ? redactPassword(url) : `embedded PostgreSQL (PGlite) in ${embedded.dir}`, close };
}

/** How long a start waits for another process's migration (node-pg-migrate's lock does not wait). */
const MIGRATION_LOCK_WAIT_MS = 120_000;

/**
 * Applies the migrations not applied yet; returns their names. node-pg-migrate takes its advisory
 * lock with a try-lock and fails at once when another process holds it — an API and workers started
 * together would crash all but one — so a start waits for the lock, asking again until it is free.
 */
export async function migrate(pool: Pool): Promise<string[]> {
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await migrateOnce(pool);
    } catch (error) {
      if (!/another migration is already running/i.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((resolveWait) => setTimeout(resolveWait, wait));
    }
  }
}

async function migrateOnce(pool: Pool): Promise<string[]> {
  const client = await pool.connect();
  try {
    const done = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'schema_migrations',
      checkOrder: true,
      log: () => undefined,
    });
    return done.map((migration) => migration.name);
  } finally {
    client.release();
  }
}

export interface EmbeddedPostgres {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/**
 * The embedded server, run as a child process: PGlite's WebAssembly runs queries synchronously, so in
 * its own process it never stalls the API's or the worker's event loop (and it loads outside jest's
 * module sandbox). It exits when its parent closes its stdin, which a parent's death does too: no
 * orphan holds the data directory after a crash.
 */
const EMBEDDED_SERVER = `
const [pglitePath, socketPath, dir, port] = process.argv.slice(1);
const { PGlite } = require(pglitePath);
const { PGLiteSocketServer } = require(socketPath);
(async () => {
  const db = await PGlite.create(dir);
  // Room for every process's pool (a chaos run: 2 APIs and 2 workers, 10 each): one more is refused outright.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: Number(port), maxConnections: 128 });
  await server.start();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', stop).on('close', stop).on('error', stop).resume();
  process.on('SIGTERM', stop).on('SIGINT', stop);
  process.stdout.write('READY ' + server.getServerConn() + '\\n');
})().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\\n');
  process.exit(1);
});
`;

/**
 * PGlite (PostgreSQL compiled to WebAssembly, no server to install) with its data in `dir`, served
 * over the PostgreSQL protocol on 127.0.0.1 so separate processes (the chaos suite's, the process
 * tests') can share it as they would share a real server.
 */
export async function startEmbeddedPostgres(dir: string, port = 0): Promise<EmbeddedPostgres> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, ['-e', EMBEDDED_SERVER, require.resolve('@electric-sql/pglite'), require.resolve('@electric-sql/pglite-socket'), dir, String(port)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const address = await new Promise<string>((resolveAddress, reject) => {
    const timer = setTimeout(() => fail(new Error('the embedded PostgreSQL did not start within 120 s')), 120_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const ready = /READY (\S+)\n/.exec(output);
      if (ready?.[1] !== undefined) {
        clearTimeout(timer);
        resolveAddress(ready[1]);
      }
    });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors = (errors + chunk).slice(-4000)));
    child.once('exit', (code, signal) => fail(new Error(`the embedded PostgreSQL (PGlite, data in ${dir}) exited (${signal ?? code}) before it was ready: ${errors.trim()}`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: `postgres://postgres@${address}/postgres`,
    dir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '****';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

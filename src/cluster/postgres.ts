import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Child, waitFor } from './child';

/** Where Temporal's persistence lives: host, port and credentials of a PostgreSQL server. */
export interface DatabaseEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** `postgres://user:password@host:port[/…]` (TEMPORAL_DB_URL) → endpoint. */
export function parseDatabaseUrl(text: string): DatabaseEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('TEMPORAL_DB_URL is not a URL (postgres://user:password@host:5432)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('TEMPORAL_DB_URL must start with postgres://');
  if (url.username === '') throw new Error('TEMPORAL_DB_URL names no user (postgres://user:password@host:5432)');
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 5432 : Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** The newest Debian PostgreSQL server binaries (`/usr/lib/postgresql/<n>/bin`), installed by apt-get when missing and we are root. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN_DIR) return env.PG_BIN_DIR;
  const found = findDebianPostgres();
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new Error('PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: install Debian\'s "postgresql" package (as root), set PG_BIN_DIR, or set TEMPORAL_DB_URL');
  }
  process.stderr.write('cluster: installing PostgreSQL (apt-get install postgresql)...\n');
  const install = spawnSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const after = findDebianPostgres();
  if (install.status !== 0 || after === undefined) throw new Error(`apt-get install postgresql failed: ${install.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return after;
}

function findDebianPostgres(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? undefined : join(base, versions[0], 'bin');
}

/**
 * The account PostgreSQL runs as: we ourselves, or — since initdb and postgres refuse to run as
 * root — the `postgres` user (Debian's package creates it).
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (line === undefined) throw new Error('running as root, and there is no "postgres" user to run PostgreSQL as (install Debian\'s postgresql package)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface LocalPostgres {
  endpoint: DatabaseEndpoint;
  child: Child;
}

/**
 * Starts a PostgreSQL server on loopback with its data in `dir` (initdb on first use; a `temporal`
 * superuser with a generated password kept in `dir/password`). TCP only, no Unix socket.
 */
export async function startLocalPostgres(dir: string, port: number, logFile: string): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dataDir = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user !== undefined) chownSync(dir, user.uid, user.gid);
  const asServer = user === undefined ? {} : { uid: user.uid, gid: user.gid };
  const reachable = spawnSync('test', ['-w', dir], asServer);
  if (reachable.status !== 0) {
    throw new Error(`${dir}: the postgres user cannot write here (a parent folder is not searchable by it?): choose a DATA_DIR it can reach`);
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const password = randomBytes(24).toString('base64url');
    writeFileSync(passwordFile, password, { mode: 0o600 });
    if (user !== undefined) chownSync(passwordFile, user.uid, user.gid);
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'temporal', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'],
      { ...asServer, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${(init.stderr || init.stdout || String(init.error)).trim()}`);
  }
  chmodSync(passwordFile, 0o600);
  const password = readFileSync(passwordFile, 'utf8').trim();

  const child = new Child({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    user,
    logFile,
    stopSignal: 'SIGINT', // fast shutdown: roll back open transactions, checkpoint, exit
    stopGraceMs: 30_000,
  });
  await waitFor(
    `PostgreSQL on 127.0.0.1:${port}`,
    async () => spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]).status === 0,
    60_000,
    child,
  );
  return { endpoint: { host: '127.0.0.1', port, user: 'temporal', password }, child };
}

/** The order book's database and role on the cluster's PostgreSQL (docker-compose.yml: the orders-db one-shot). */
export const ORDERS_DATABASE = 'orders';

/**
 * Creates the order book's role and database on `server` when missing — the role `orders` owning the
 * database `orders`, its password generated once and kept in `passwordFile` (0600) — and returns its
 * postgres:// URL (DATABASE_URL of the API and the workers). Run at every start: the password is set
 * again, so a lost or replaced file never locks the book out. The tables are the application's: the
 * API and the workers apply migrations/*.sql at start. `server` must be allowed to create roles and
 * databases (the local cluster's `temporal` superuser is).
 */
export async function ensureOrdersDatabase(server: DatabaseEndpoint, passwordFile: string): Promise<string> {
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  const password = readFileSync(passwordFile, 'utf8').trim();
  const client = new Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: 'postgres', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const role = client.escapeIdentifier(ORDERS_DATABASE);
    const hasRole = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ORDERS_DATABASE]);
    if (hasRole.rowCount === 0) await client.query(`CREATE ROLE ${role} LOGIN`);
    // Utility statements take no bind parameters: the password goes in as an escaped literal.
    await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`);
    const hasDatabase = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [ORDERS_DATABASE]);
    if (hasDatabase.rowCount === 0) await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
    // Only its owner (and the superuser) connects to the book.
    await client.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
  } catch (error) {
    throw new Error(`creating the order book database "${ORDERS_DATABASE}" on ${server.host}:${server.port} as ${server.user} failed: ${(error as Error).message} (or set DATABASE_URL to a database of your own)`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `postgres://${ORDERS_DATABASE}:${encodeURIComponent(password)}@${host}:${server.port}/${ORDERS_DATABASE}`;
}

/**
 * The order book's database on the cluster's PostgreSQL — created by `npm run cluster`
 * (ensureOrdersDatabase) and by docker-compose.yml's orders-db one-shot (deploy/postgres/
 * setup-orders-db.sh) — on a real PostgreSQL server: a role and a database of their own, created
 * once, safe at every start, the password set again each time, nobody else let in.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { ensureOrdersDatabase, postgresBinDir } from '../../src/cluster/postgres';
import { useLocalPostgres } from '../helpers/local-postgres';

jest.setTimeout(120_000);

const SCRIPT = resolve(__dirname, '..', '..', 'deploy', 'postgres', 'setup-orders-db.sh');
const local = useLocalPostgres('orders-db-');

async function query<T extends object>(url: string | { user: string; password: string; database: string }, sql: string): Promise<T[]> {
  const { host, port } = local.postgres.endpoint;
  const client = new Client(typeof url === 'string' ? { connectionString: url } : { host, port, ...url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const superuser = (database: string) => ({ user: local.postgres.endpoint.user, password: local.postgres.endpoint.password, database });

describe('npm run cluster: ensureOrdersDatabase', () => {
  test('creates the role and the database orders, owned by it, and returns its URL with the generated password', async () => {
    const passwordFile = join(local.dir, 'orders-password');
    const url = await ensureOrdersDatabase(local.postgres.endpoint, passwordFile);
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(url).toBe(`postgres://orders:${password}@127.0.0.1:${local.postgres.endpoint.port}/orders`);
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(await query<{ user: string; db: string }>(url, 'SELECT current_user AS user, current_database() AS db')).toEqual([{ user: 'orders', db: 'orders' }]);
    const owner = await query<{ owner: string }>(superuser('postgres'), "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'orders'");
    expect(owner).toEqual([{ owner: 'orders' }]);
    // The book's role can create its tables (the migrations run as it) and is no superuser.
    await query(url, 'CREATE TABLE probe (id int); DROP TABLE probe');
    expect(await query<{ rolsuper: boolean }>(superuser('postgres'), "SELECT rolsuper FROM pg_roles WHERE rolname = 'orders'")).toEqual([{ rolsuper: false }]);
  });

  test('at the next start: the same database, nothing lost; a replaced password file takes effect', async () => {
    const passwordFile = join(local.dir, 'orders-password');
    const url = await ensureOrdersDatabase(local.postgres.endpoint, passwordFile);
    await query(url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');
    expect(await ensureOrdersDatabase(local.postgres.endpoint, passwordFile)).toBe(url);
    expect(await query(url, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);

    writeFileSync(passwordFile, 'a-new-password-0123456789abcdef');
    const rotated = await ensureOrdersDatabase(local.postgres.endpoint, passwordFile);
    expect(rotated).toContain(':a-new-password-0123456789abcdef@');
    expect(await query(rotated, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  test('nobody but its owner connects to the book', async () => {
    await query(superuser('postgres'), "CREATE ROLE someone LOGIN PASSWORD 'someone-password'");
    await expect(query({ user: 'someone', password: 'someone-password', database: 'orders' }, 'SELECT 1')).rejects.toThrow(/permission denied for database "orders"/);
  });
});

describe('docker-compose.yml: deploy/postgres/setup-orders-db.sh', () => {
  // The postgres image runs it with its psql; here the same script with this server's psql.
  const run = (password: string) =>
    spawnSync('/bin/sh', [SCRIPT], {
      env: {
        PATH: `${postgresBinDir()}:${process.env.PATH ?? ''}`,
        PGHOST: local.postgres.endpoint.host,
        PGPORT: String(local.postgres.endpoint.port),
        PGUSER: local.postgres.endpoint.user,
        PGPASSWORD: local.postgres.endpoint.password,
        ORDERS_DB_PASSWORD: password,
      },
      encoding: 'utf8',
    });

  test('creates or keeps the database, sets the password each time (quoted: no SQL through it) and fails loudly', async () => {
    // Drop what the tests above made: the script starts from a server without the book.
    await query(superuser('postgres'), 'DROP DATABASE orders');
    await query(superuser('postgres'), 'DROP ROLE orders');
    const first = run("it's-a-password");
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stdout).toContain('database orders (owner orders) is ready');
    const host = `${local.postgres.endpoint.host}:${local.postgres.endpoint.port}`;
    await query(`postgres://orders:${encodeURIComponent("it's-a-password")}@${host}/orders`, 'CREATE TABLE kept (id int)');

    const again = run('second-password-0123456789');
    expect(again.status).toBe(0);
    expect(await query(`postgres://orders:second-password-0123456789@${host}/orders`, "SELECT to_regclass('kept')::text AS kept")).toEqual([{ kept: 'kept' }]);

    const missing = spawnSync('/bin/sh', [SCRIPT], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(missing.status).not.toBe(0);
  });
});

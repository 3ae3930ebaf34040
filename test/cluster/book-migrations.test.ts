/**
 * The order book's migrations on a real PostgreSQL server, where several processes (an API and its
 * workers) start at once: each waits for the others' migration lock instead of failing.
 */
import { Client, Pool } from 'pg';
import { migrate } from '../../src/book/database';
import { useLocalPostgres } from '../helpers/local-postgres';

jest.setTimeout(120_000);

const local = useLocalPostgres('book-migrations-');

test('processes starting together each wait for the migration lock: none fails, each migration applied once', async () => {
  const { host, port, user, password } = local.postgres.endpoint;
  const connection = { host, port, user, password, database: 'postgres' };
  // Another process holds the lock the way node-pg-migrate takes it, for a moment: a start must wait, not fail.
  const holder = new Client(connection);
  await holder.connect();
  // node-pg-migrate's lock id (node_modules/node-pg-migrate/dist/runner.js PG_MIGRATE_LOCK_ID).
  const lockId = '7241865325823964';
  await holder.query('SELECT pg_advisory_lock($1)', [lockId]);
  const pools = [1, 2, 3, 4].map(() => new Pool({ ...connection, max: 1 }));
  try {
    const starts = Promise.all(pools.map((pool) => migrate(pool)));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await holder.query('SELECT pg_advisory_unlock($1)', [lockId]);
    const applied = await starts;
    // Every migration applied by exactly one of them; the others found nothing left to do.
    const names = applied.flat();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('0001_order-book');
    const recorded = await holder.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.rows.map((row) => row.name)).toEqual([...names].sort());
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await holder.end();
  }
});

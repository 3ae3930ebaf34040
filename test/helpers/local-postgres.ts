/**
 * A real PostgreSQL server of the test file's own (the Debian binaries the cluster uses), started
 * before its tests in a temporary folder and removed after them.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres, type LocalPostgres } from '../../src/cluster/postgres';
import { findFreePort } from '../../src/temporal/dev-server';

export interface LocalPostgresFixture {
  /** The running server (set once `beforeAll` has run). */
  readonly postgres: LocalPostgres;
  /** The temporary folder it lives in, free for the test's own files too. */
  readonly dir: string;
}

/** Registers the server's beforeAll/afterAll; its folder is named from `prefix`. */
export function useLocalPostgres(prefix: string): LocalPostgresFixture {
  const fixture = {} as { postgres: LocalPostgres; dir: string };
  beforeAll(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(fixture.dir, 0o755); // PostgreSQL runs as the postgres user when we are root
    fixture.postgres = await startLocalPostgres(join(fixture.dir, 'postgres'), await findFreePort(), join(fixture.dir, 'postgres.log'));
  }, 120_000);
  afterAll(async () => {
    await fixture.postgres?.child.stop();
    if (fixture.dir !== undefined) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

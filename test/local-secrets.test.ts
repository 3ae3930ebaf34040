/**
 * The secrets `npm start` generates are kept in DATA_DIR/local-secrets.json, readable by its owner
 * only — from the moment the file exists, not after a chmod that follows the write.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { localSecrets } from '../src/system';

let dataDir: string;
let umask: number;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'orchestrator-secrets-'));
  // A usual umask: a file created without an explicit mode would be world-readable (0644).
  umask = process.umask(0o022);
  // Any narrowing after the write is made to do nothing: what is left is the mode the file was created with.
  // (The module object itself: `import * as fs` would give a copy that the code under test never calls.)
  jest.spyOn(jest.requireActual<typeof import('node:fs')>('node:fs'), 'chmodSync').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
  process.umask(umask);
  rmSync(dataDir, { recursive: true, force: true });
});

const modeOf = (file: string): number => statSync(file).mode & 0o777;

test('the generated secrets file is created with mode 0600', () => {
  const secrets = localSecrets(loadConfig({ DATA_DIR: dataDir }, 'all-in-one'));

  const file = join(dataDir, 'local-secrets.json');
  expect(modeOf(file)).toBe(0o600);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(secrets);
});

test('an incomplete, world-readable secrets file is replaced by a new file with mode 0600', () => {
  const file = join(dataDir, 'local-secrets.json');
  writeFileSync(file, JSON.stringify({ apiToken: 'left-over' }), { mode: 0o644 });

  const secrets = localSecrets(loadConfig({ DATA_DIR: dataDir }, 'all-in-one'));

  expect(secrets.apiToken).not.toBe('left-over');
  expect(modeOf(file)).toBe(0o600);
});

test('a complete secrets file is kept as it is, so a restart keeps its tokens and keys', () => {
  const config = loadConfig({ DATA_DIR: dataDir }, 'all-in-one');
  const first = localSecrets(config);

  expect(localSecrets(config)).toEqual(first);
});

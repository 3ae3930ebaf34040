/**
 * The sandbox platform is a development tool: the production entries (`node dist/api-main.js`,
 * `node dist/worker.js`) never load it, not even through another module, and the image is built
 * from what those entries import only (tsconfig.production.json), so it holds no sandbox code.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
/** Development-only modules: the sandbox, the all-in-one start and the chaos runner built on the sandbox. */
const DEV_ONLY = /[/\\](sandbox[/\\]|system\.js$|main\.js$|chaos[/\\])/;

/** Every module of src that `entry` loads before its start-up stops on the (deliberately) missing configuration. */
function modulesLoadedBy(entry: string): string[] {
  const hook = join(tmpdir(), `list-modules-${process.pid}.js`);
  writeFileSync(hook, `process.on('exit', () => { process.stdout.write('\\n' + JSON.stringify(Object.keys(require.cache))); });\n`);
  const child = spawnSync(process.execPath, ['-r', hook, join(ROOT, 'dist', entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '[]';
  return (JSON.parse(lastLine) as string[]).filter((file) => file.startsWith(join(ROOT, 'dist')));
}

/** Everything the API and the worker require except DATABASE_URL (config.test.ts checks each variable in detail). */
const ALL_BUT_THE_BOOK: Record<string, string> = {
  API_TOKEN: 'api-token-0123456789abcdef',
  OPERATOR_TOKEN: 'operator-token-0123456789abcdef',
  CODEC_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  NOTIFY_SECRET: 'notify-secret-0123456789abcdef',
  GATEWAY_URL: 'https://pay.example.com',
  GATEWAY_APP_KEY: 'merchant-app-key',
  GATEWAY_SECRET: 'merchant-signing-secret',
  PUBLIC_URL: 'https://orchestrator.example.com',
  // Unreachable on purpose: the configuration check must stop the start before any connection.
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  LOG_LEVEL: 'silent',
};

describe('production entries', () => {
  test.each([
    ['api-main.js', 'api'],
    ['worker.js', 'worker'],
  ])('dist/%s refuses to start without DATABASE_URL (a process of its own must not open an embedded book of its own)', (entry, role) => {
    const start = (extra: Record<string, string>) =>
      spawnSync(process.execPath, [join(ROOT, 'dist', entry)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...ALL_BUT_THE_BOOK, ...extra }, encoding: 'utf8', timeout: 30_000 });
    const missing = start({});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`DATABASE_URL is required by the ${role} (the order book's PostgreSQL, postgres://user:password@host:5432/database)`);
    const wrong = start({ DATABASE_URL: 'mysql://orders:secret@db:3306/orders' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('DATABASE_URL has the scheme "mysql": a PostgreSQL URL such as postgres://user:password@host:5432/database is needed');
    // The refused URL's password is not echoed into the logs.
    expect(wrong.stderr).not.toContain('secret@');
  });


  test.each(['api-main.js', 'worker.js'])('dist/%s loads no development-only module', (entry) => {
    const loaded = modulesLoadedBy(entry);
    expect(loaded.length).toBeGreaterThan(10); // the entry and its imports were loaded before it stopped
    expect(loaded.filter((file) => DEV_ONLY.test(file.slice(ROOT.length)) && !file.endsWith(`${entry}`))).toEqual([]);
  });

  test('the image compiles only what the production entries import: no sandbox', () => {
    const listed = execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.production.json', '--listFilesOnly'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.startsWith(join(ROOT, 'src')))
      .map((file) => file.slice(join(ROOT, 'src').length + 1));
    expect(listed).toEqual(expect.arrayContaining(['api-main.ts', 'worker.ts', 'workflows/index.ts']));
    expect(listed.filter((file) => /^(sandbox\/|system\.ts$|main\.ts$|chaos\/)/.test(file))).toEqual([]);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/tsc -p tsconfig\.production\.json/);
    expect(dockerfile).not.toMatch(/npm run build/);
  });
});

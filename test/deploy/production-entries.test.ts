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

describe('production entries', () => {
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

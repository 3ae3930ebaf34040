/**
 * The layering of src (README, Layout) is kept by eslint.config.mjs's no-restricted-imports rules:
 * these cases run the repository's own rule configuration per folder over one import each, so a
 * rule that stops matching (a pattern typo, a block that shadows another) fails here.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** [file the import is in, import path, whether the rule must refuse it] */
const CASES: [string, string, boolean][] = [
  ['src/contracts/payment.ts', '../gateway/client', false],
  ['src/contracts/payment.ts', './order', false],
  ['src/contracts/payment.ts', '../workflows/payment', true],
  ['src/contracts/payment.ts', '../config', true],
  ['src/contracts/payment.ts', '../activities/platform', true],
  ['src/contracts/payment.ts', '../api/errors', true],
  ['src/gateway/client.ts', './amount', false],
  ['src/gateway/client.ts', '../contracts/order', true],
  ['src/gateway/client.ts', '../workflows/payment', true],
  ['src/gateway/client.ts', '../activities', true],
  ['src/gateway/client.ts', '../api/app', true],
  ['src/workflows/payment.ts', '../contracts/payment', false],
  ['src/workflows/payment.ts', './shared/order-core', false],
  ['src/workflows/payment.ts', '../activities/platform', true],
  ['src/workflows/payment.ts', '../activities', true],
  ['src/workflows/shared/order-core.ts', '../../activities/platform', true],
  ['src/workflows/payment.ts', '../config', true],
  ['src/workflows/payout.ts', '../config/index', true],
  ['src/workflows/payment.ts', '../api/errors', true],
  ['src/workflows/payment.ts', 'node:crypto', true],
  ['src/activities/platform.ts', '../contracts/activities', false],
  ['src/activities/platform.ts', '../workflows/shared/platform-answer', true],
  ['src/activities/platform.ts', '../api/errors', true],
  ['src/api/orders/callbacks.ts', '../../contracts/payment', false],
  ['src/api/orders/callbacks.ts', '../../workflows/payment', true],
  ['src/api/app.ts', '../workflows/shared/notifier', true],
  ['src/api/app.ts', '../activities', true],
  ['src/config/index.ts', '../contracts/duration', false],
  ['src/config/index.ts', '../codec/keys', false],
  ['src/config/index.ts', '../http/ip-ranges', false],
  ['src/config/index.ts', '../workflows/payment', true],
  ['src/config/index.ts', '../api/settings', true],
  ['src/config/index.ts', '../activities', true],
  ['src/sandbox/env.ts', '../contracts/duration', false],
  ['src/sandbox/env.ts', '../config', true],
  ['src/sandbox/routes/control.ts', '../../workflows/payment', true],
];

/** Runs ESLint's no-restricted-imports with the options eslint.config.mjs gives `file`'s folder. */
const SCRIPT = `
import { Linter } from 'eslint';
const { default: config } = await import(process.cwd() + '/eslint.config.mjs');
const cases = JSON.parse(process.argv[1]);
const linter = new Linter({ configType: 'flat' });
// The config's globs: '**/' any folders, '*' within one.
const minimatch = (file, glob) => new RegExp('^' + glob.replace(/\\./g, '\\\\.').replace(/\\*\\*\\//g, '(.*/)?').replace(/\\*/g, '[^/]*') + '$').test(file);
const results = cases.map(([file, spec]) => {
  let options;
  for (const block of config) {
    const rule = block.rules?.['no-restricted-imports'];
    if (rule === undefined || !(block.files ?? []).some((glob) => minimatch(file, glob))) continue;
    if ((block.ignores ?? []).some((glob) => minimatch(file, glob))) continue;
    options = rule;
  }
  if (options === undefined) return 0;
  const code = "import x from '" + spec + "';";
  return linter.verify(code, [{ files: ['**/*.ts'], languageOptions: { sourceType: 'module' }, rules: { 'no-restricted-imports': options } }], file).length;
});
process.stdout.write(JSON.stringify(results));
`;

describe('the layers of src are enforced by lint (eslint.config.mjs)', () => {
  let refused: boolean[];

  beforeAll(() => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT, JSON.stringify(CASES)], { cwd: ROOT, encoding: 'utf8' });
    refused = (JSON.parse(out) as number[]).map((count) => count > 0);
  });

  it.each(CASES.map((c, index) => [index, ...c] as const))('#%d %s importing %s: refused=%s', (index, _file, _spec, expected) => {
    expect(refused[index]).toBe(expected);
  });
});

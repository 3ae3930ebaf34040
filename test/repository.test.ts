/**
 * A fresh clone must pass its tests on its own: nothing in the repository may read the sibling
 * folder of protocol material that lives next to the working copy on some machines. The sign
 * vectors are a fixture (test/fixtures), the protocol is described in docs/protocol.md.
 *
 * The patterns are built from parts, so this file does not match itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SIBLING = 'sha' + 'red';
const UP = '..';

/** Prose about the protocol may name its origin; docs/ is not read by any code. */
const SKIPPED_DIRS = ['docs/', 'node_modules/'];
/** Without .git (an exported tree): the directories .gitignore keeps out of the repository. */
const UNTRACKED_DIRS = new Set(['.git', 'node_modules', 'dist', 'dist-bench', '.temporal', '.data', 'artifacts', 'coverage', 'docs']);
const BINARY = /\.(png|jpe?g|gif|ico|woff2?|ttf|zip|gz|sqlite)$/i;

/** One or more parent steps (either separator), then the folder's name. */
const RELATIVE = new RegExp(`(?:\\.\\.[\\\\/]+)+${SIBLING}\\b`, 'g');
const DISTINCTIVE = [
  // the sibling's protocol folder: the repository has no folder of that name
  new RegExp(`\\b${SIBLING}[\\\\/]+gateway\\b`),
  // the same path joined from parts: path.join(__dirname, '..', <name>)
  new RegExp(`['"\`]\\.\\.['"\`]\\s*,\\s*['"\`]${SIBLING}['"\`]`),
];

/** The repository's files, relative to ROOT: tracked and new (not ignored) when this is a git work tree. */
function repositoryFiles(): string[] {
  let listed: string[] | undefined;
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // Only when ROOT is the top of the work tree (never a repository that happens to enclose it).
    if (realpathSync(git(['rev-parse', '--show-toplevel']).trim()) === realpathSync(ROOT)) {
      listed = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter((file) => file !== '');
    }
  } catch {
    listed = undefined; // no git, or not a work tree: walk the folder instead
  }
  const files = listed ?? walk('');
  return files.filter((file) => !SKIPPED_DIRS.some((dir) => file.startsWith(dir)) && !BINARY.test(file) && existsSync(path.join(ROOT, file)));
}

function walk(relative: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!UNTRACKED_DIRS.has(entry.name)) files.push(...walk(child));
    } else if (entry.isFile()) {
      files.push(child);
    }
  }
  return files;
}

/**
 * The places in `text` (the content of `file`, relative to ROOT) that reference the sibling folder.
 * A relative path is allowed only where it names a folder of that name inside the repository,
 * such as src/workflows/shared seen from a folder beside it.
 */
function siblingReferences(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split('\n');
  const siblingAbsolute = path.resolve(ROOT, UP, SIBLING);
  lines.forEach((line, index) => {
    const where = `${file}:${index + 1}: ${line.trim().slice(0, 160)}`;
    for (const match of line.matchAll(RELATIVE)) {
      const target = path.resolve(ROOT, path.dirname(file), match[0].replace(/\\/g, '/'));
      const inside = target.startsWith(ROOT + path.sep);
      if (!inside || !existsSync(target) || !statSync(target).isDirectory()) {
        found.push(where);
        return;
      }
    }
    if (DISTINCTIVE.some((pattern) => pattern.test(line)) || line.includes(siblingAbsolute + '/')) found.push(where);
  });
  return found;
}

describe('the repository stands alone', () => {
  const files = repositoryFiles();

  it('sees the source, tests, scripts and configuration (the scan below is not vacuous)', () => {
    for (const expected of ['package.json', 'jest.config.js', 'eslint.config.mjs', 'scripts/test.sh', 'README.md', 'test/gateway/signing.test.ts', 'test/repository.test.ts']) {
      expect(files).toContain(expected);
    }
    expect(files.some((file) => file.startsWith('docs/'))).toBe(false);
  });

  it('no file outside docs/ references the sibling folder of protocol material', () => {
    const references = files.flatMap((file) => siblingReferences(file, readFileSync(path.join(ROOT, file), 'utf8')));
    expect(references).toEqual([]);
  });

  it('the sign vectors are a fixture inside the repository', () => {
    const vectors = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/sign-vectors.json'), 'utf8'));
    expect(vectors.vectors.length).toBeGreaterThan(0);
  });
});

describe('the guard recognises', () => {
  const up = (levels: number) => `${UP}/`.repeat(levels);

  it.each([
    ['a read from a test, relative to its folder', 'test/gateway/x.test.ts', `path.resolve(__dirname, '${up(3)}${SIBLING}/gateway/sign-vectors.json')`],
    ['a link in a nested README', 'src/sandbox/README.md', `(${up(1)}${SIBLING}/gateway/PROTOCOL.md)`],
    ['a command in the root README', 'README.md', `cat ${up(1)}${SIBLING}/STYLE.md`],
    ['a script run from the root', 'scripts/x.sh', `cp ${up(1)}${SIBLING}/hooks/before-stop .`],
    ['Windows separators', 'bench/x.ts', `'${UP}\\\\${SIBLING}\\\\x'`],
    ['a path joined from parts', 'bench/x.ts', `path.join(__dirname, '${UP}', '${SIBLING}', 'x')`],
    ['the protocol folder named without a relative prefix', 'jest.config.js', `roots: ['<rootDir>/${SIBLING}/gateway']`],
  ])('%s', (_name, file, line) => {
    expect(siblingReferences(file, line)).toHaveLength(1);
  });

  it.each([
    ['an import of src/workflows/shared from a workflow', 'src/workflows/payment.ts', `import { record } from './${SIBLING}/timeline';`],
    ['an import of src/workflows/shared from another src folder', 'src/api/app.ts', `import type { X } from '${up(1)}workflows/${SIBLING}/order-types';`],
    ['an import of src/workflows/shared from a folder beside it', 'src/workflows/sub/x.ts', `import { x } from '${up(1)}${SIBLING}/status';`],
    ['the word in prose', 'jest.config.js', `// unique task queues on the ${SIBLING} dev server`],
  ])('and allows %s', (_name, file, line) => {
    expect(siblingReferences(file, line)).toEqual([]);
  });
});

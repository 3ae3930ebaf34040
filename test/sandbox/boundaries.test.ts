import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SANDBOX = join(__dirname, '../../src/sandbox');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * The sandbox stands in for a third party: it may share the protocol module (one place for each
 * signing and amount rule) but never the orchestrator's own code, or it would agree with our bugs.
 */
describe('sandbox module boundaries', () => {
  it.each(sources(SANDBOX).map((file) => [relative(SANDBOX, file), file]))('%s imports nothing from workflows, activities or the API', (_name, file) => {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.filter((path) => /(^|\/)(workflows|activities|api|temporal)(\/|$)/.test(path))).toEqual([]);
  });

  it('signs and renders amounts only through src/gateway (no MD5 or amount formatting of its own)', () => {
    for (const file of sources(SANDBOX)) {
      const text = readFileSync(file, 'utf8');
      expect({ file: relative(SANDBOX, file), md5: /createHash\(\s*'md5'/.test(text), toFixed: /\.toFixed\(/.test(text) }).toEqual({
        file: relative(SANDBOX, file),
        md5: false,
        toFixed: false,
      });
    }
  });
});

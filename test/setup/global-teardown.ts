import { rmSync } from 'node:fs';
import { takeState } from './state';

/** Stops the run's dev server and removes its database, bundles and other state. */
export default async function globalTeardown(): Promise<void> {
  const state = takeState();
  if (state === undefined) return;
  await Promise.all([state.devServer.stop(), state.database.stop()]);
  if (process.env.TEST_TEMPORAL_KEEP_STATE === '1') {
    process.stderr.write(`temporal: test state kept in ${state.stateDir}\n`);
  } else {
    rmSync(state.stateDir, { recursive: true, force: true });
  }
}

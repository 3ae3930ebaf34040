import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { clusterEnv, takeClusterState } from './cluster-global-setup';

/** Stops the native cluster of the run (`down`) and removes its data. */
export default async function clusterGlobalTeardown(): Promise<void> {
  const state = takeClusterState();
  if (state === undefined) return;
  const down = spawnSync(process.execPath, [resolve(__dirname, '..', '..', 'dist', 'cluster', 'main.js'), 'down'], { env: clusterEnv(state.dataDir), encoding: 'utf8' });
  if (down.status !== 0) process.stderr.write(`cluster down failed: ${down.stdout}${down.stderr}\n`);
  rmSync(state.dataDir, { recursive: true, force: true });
}

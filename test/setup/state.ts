import type { EmbeddedPostgres } from '../../src/book/database';
import type { DevServer } from '../../src/temporal/dev-server';

/** What the global setup hands to the global teardown (both run in jest's main process). */
export interface TemporalTestState {
  devServer: DevServer;
  stateDir: string;
  /** The run's order book: one embedded PostgreSQL every test file shares. */
  database: EmbeddedPostgres;
}

const KEY = Symbol.for('payment-orchestrator.temporal-test-state');

export function saveState(state: TemporalTestState): void {
  (globalThis as Record<symbol, unknown>)[KEY] = state;
}

export function takeState(): TemporalTestState | undefined {
  const state = (globalThis as Record<symbol, unknown>)[KEY] as TemporalTestState | undefined;
  delete (globalThis as Record<symbol, unknown>)[KEY];
  return state;
}

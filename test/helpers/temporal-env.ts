/** Names of the variables the global setup exports to test files. */
export const TEST_ENV = {
  /** host:port of the run's dev server. */
  devAddress: 'TEST_TEMPORAL_DEV_ADDRESS',
  /** Namespace on the dev server (default "default"). */
  devNamespace: 'TEST_TEMPORAL_DEV_NAMESPACE',
  /** Web UI of the dev server, when TEST_TEMPORAL_UI=1 asked for one. */
  devUiUrl: 'TEST_TEMPORAL_DEV_UI_URL',
  /** Folder for the run's workflow bundles (shared by all jest workers, removed at teardown). */
  bundleCacheDir: 'TEST_TEMPORAL_BUNDLE_DIR',
  /** postgres:// URL of the run's order book (an embedded PostgreSQL shared by every file). */
  databaseUrl: 'TEST_DATABASE_URL',
} as const;

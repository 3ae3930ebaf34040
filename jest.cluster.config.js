/**
 * The end-to-end suites again, against the native production-shaped cluster (PostgreSQL, the
 * pinned Temporal server: `npm run cluster`) with the API and the worker as separate processes.
 * scripts/test.sh runs it after the main run: `npx jest -c jest.cluster.config.js`.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  globalSetup: '<rootDir>/test/setup/cluster-global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/cluster-global-teardown.ts',
  testTimeout: 90_000,
};

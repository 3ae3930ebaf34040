/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  // Fastify's inject (light-my-request) requires `cookie`, which ships as an ES module only: Jest's
  // CommonJS runtime cannot load it untransformed, so that one package goes through swc too.
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
  // One worker per core (jest's default leaves one core idle: on 2 cores the files ran one by one).
  // Files are independent: unique task queues and workflow IDs on the shared dev server, and a
  // time-skipping server of their own (test/helpers/temporal.ts).
  maxWorkers: '100%',
};

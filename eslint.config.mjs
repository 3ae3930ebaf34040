import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Import paths into the named src folders, from one or two levels below src. */
const layer = (folders) => folders.flatMap((folder) => [`../${folder}`, `../${folder}/**`, `../../${folder}`, `../../${folder}/**`]);

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'node_modules/', '.temporal/', '.data/', 'artifacts/', 'coverage/', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Fastify plugins and hooks are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts', 'bench/naive-workflow.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must be deterministic: no Node built-ins.' },
            { group: ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'undici', 'fastify', 'pino'], message: 'Workflow code must be deterministic: do I/O in activities.' },
            // Activities, their argument types and the API's views are contracts (src/contracts).
            { group: layer(['activities', 'api', 'config']), message: 'Workflows import no activity implementation, API or configuration: the types they share are in src/contracts.' },
          ],
        },
      ],
    },
  },
  {
    // The sandbox plays the platform: it shares the protocol module, never the product's own code paths.
    files: ['src/sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: layer(['workflows', 'activities', 'api', 'temporal', 'config']), message: 'The sandbox must not use the product code.' }] },
      ],
    },
  },
  {
    // The protocol module stands alone: no Temporal, no Fastify.
    files: ['src/gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@temporalio/*', 'fastify', '@fastify/*'], message: 'src/gateway imports nothing from Temporal or Fastify.' },
            { group: layer(['contracts', 'workflows', 'activities', 'api', 'config']), message: 'src/gateway is the bottom layer: it imports none of the product.' },
          ],
        },
      ],
    },
  },
  // Layers: src/contracts (types, IDs, definitions shared by everything) sits below the workflows,
  // the activities, the API and the configuration, none of which imports another's implementation.
  {
    files: ['src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!../gateway', '!../gateway/**'], message: 'src/contracts imports nothing of ours but the protocol module (src/gateway): everything else imports it.' }] },
      ],
    },
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: layer(['workflows', 'api', 'config']), message: 'Activities import no workflow, API or configuration: shared types are in src/contracts, dependencies are passed in.' }] },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: layer(['workflows', 'activities']), message: 'The API talks to workflows through their definitions in src/contracts, never their implementation.' }] },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!contracts(/|$)|codec/keys$|http/ip-ranges$|temporal/connection-options$)',
              message: 'Configuration imports only src/contracts and the parsers of the values it reads (codec keys, IP ranges, Temporal connection security).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Tests read JSON answers and jest's asymmetric matchers, which are typed any.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Temporal servers come from test/helpers/temporal.ts and src/temporal: the SDK's own starters
    // download binaries when not told otherwise (CI has no internet) and give the dev server 5 s.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    ignores: ['test/helpers/temporal.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'TestWorkflowEnvironment', property: 'createTimeSkipping', message: 'Use timeSkippingEnv() from test/helpers/temporal.ts (installed binary, never a download).' },
        { object: 'TestWorkflowEnvironment', property: 'createLocal', message: "Use the run's dev server (devServerEnv() in test/helpers/temporal.ts) or startDevServer()." },
      ],
    },
  },
);

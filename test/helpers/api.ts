import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/api/app';
import { apiSettings } from '../../src/api/settings';
import { AesGcmPayloadCodec } from '../../src/codec';
import { loadConfig } from '../../src/config';
import { openTestBook, testDatabaseUrl } from './book';
import { devServerAddress, devServerClient, devServerNamespace, uniqueName } from './temporal';

/** What the API-only start needs, with fresh secrets; tests add the variables they are about. */
export const API_ENV = (): Record<string, string> => ({
  API_TOKEN: randomBytes(18).toString('base64url'),
  OPERATOR_TOKEN: randomBytes(18).toString('base64url'),
  CODEC_KEYS: `test-1:${randomBytes(32).toString('base64')}`,
  GATEWAY_URL: 'https://gw.example.com',
  GATEWAY_APP_KEY: 'mch-test',
  GATEWAY_SECRET: randomBytes(18).toString('base64url'),
  TEMPORAL_ADDRESS: devServerAddress(),
  TEMPORAL_NAMESPACE: devServerNamespace(),
  TEMPORAL_TASK_QUEUE: uniqueName('api'),
  DATABASE_URL: testDatabaseUrl(),
  CREATE_WAIT: '1s',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
});

export interface TestApi {
  app: FastifyInstance;
  /** Where it listens: HOST (127.0.0.1 unless the test sets it) on a free port. */
  url: string;
  apiToken: string;
  operatorToken: string;
  close(): Promise<void>;
}

/**
 * The API as `npm run start:api` builds it — configuration read from `env` by loadConfig('api') —
 * listening on loopback. No worker runs: for what the API answers by itself.
 */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const config = loadConfig({ ...API_ENV(), ...env }, 'api');
  const { apiToken, gateway, operatorToken, codecKeys } = config;
  if (apiToken === undefined || gateway === undefined || operatorToken === undefined || codecKeys === undefined) throw new Error('loadConfig(api) insists on these');
  const client = await devServerClient();
  const { book, close: closeBook } = openTestBook();
  const app = await buildApp({
    settings: apiSettings(config, { apiToken, gateway, operatorToken, codec: new AesGcmPayloadCodec(codecKeys) }),
    client,
    book,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  await app.listen({ host: config.host, port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    apiToken,
    operatorToken,
    async close() {
      await app.close();
      await client.connection.close();
      await closeBook();
    },
  };
}

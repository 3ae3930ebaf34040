/**
 * `node dist/api-main.js`: the API only, for deployments that run workers separately.
 * Needs API_TOKEN, GATEWAY_* (to verify callbacks) and TEMPORAL_ADDRESS.
 */
import { Client, Connection } from '@temporalio/client';
import { buildApp } from './api/app';
import { apiSettings } from './api/settings';
import { AesGcmPayloadCodec, encryptingDataConverter } from './codec';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'api');
  const log = createLogger('api', config.logLevel);
  // loadConfig('api') has insisted on these; the check only narrows the types.
  const { apiToken, gateway, operatorToken, codecKeys } = config;
  if (apiToken === undefined || gateway === undefined || config.temporal.address === undefined || operatorToken === undefined || codecKeys === undefined) {
    throw new Error('unreachable');
  }
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: encryptingDataConverter(codecKeys) });
  const app = await buildApp({
    settings: apiSettings(config, { apiToken, gateway, operatorToken, codec: new AesGcmPayloadCodec(codecKeys) }),
    client,
    logger: log,
  });
  await app.listen({ host: config.host, port: config.port });
  const close = (): void => {
    void app.close().then(() => connection.close()).then(() => process.exit(0));
  };
  process.on('SIGINT', close);
  process.on('SIGTERM', close);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

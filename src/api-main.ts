/**
 * `node dist/api-main.js`: the API only, for deployments that run workers separately.
 * Needs API_TOKEN, GATEWAY_* (to verify callbacks), TEMPORAL_ADDRESS and DATABASE_URL (the order book).
 */
import { Client, Connection } from '@temporalio/client';
import { buildApp } from './api/app';
import { openDatabase } from './book/database';
import { OrderBook } from './book/order-book';
import { RequestIdMemoInterceptor } from './api/request-context';
import { apiSettings } from './api/settings';
import { AesGcmPayloadCodec, encryptingDataConverter } from './codec';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startTracing } from './tracing';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'api');
  const log = createLogger('api', config.logLevel);
  // loadConfig('api') has insisted on these; the check only narrows the types.
  const { apiToken, gateway, operatorToken, codecKeys } = config;
  if (apiToken === undefined || gateway === undefined || config.temporal.address === undefined || operatorToken === undefined || codecKeys === undefined) {
    throw new Error('unreachable');
  }
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log });
  const tracing = startTracing(config.otlpEndpoint, 'orchestrator-api');
  const connection = await Connection.connect({ address: config.temporal.address, ...config.temporal.connection });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: encryptingDataConverter(codecKeys),
    interceptors: { workflow: [new RequestIdMemoInterceptor(), ...(tracing?.workflowClientInterceptors ?? [])] },
  });
  const app = await buildApp({
    settings: apiSettings(config, { apiToken, gateway, operatorToken, codec: new AesGcmPayloadCodec(codecKeys) }),
    client,
    book: new OrderBook(database.pool),
    logger: log,
  });
  await app.listen({ host: config.host, port: config.port });
  // SIGTERM: stop accepting, let in-flight requests finish, then exit 0. A keep-alive connection
  // becomes idle only once its request is answered, so idle ones are closed again until the end
  // (otherwise a client's kept-alive socket would hold the exit for the keep-alive timeout).
  let closing = false;
  const close = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'stopping: finishing in-flight requests');
    const idleSweep = setInterval(() => app.server.closeIdleConnections(), 100);
    void app
      .close()
      .then(() => clearInterval(idleSweep))
      .then(() => connection.close())
      .then(() => database.close())
      .then(() => tracing?.shutdown())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', close);
  process.on('SIGTERM', close);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

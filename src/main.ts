/**
 * `npm start`: the whole system with embedded defaults — a local Temporal dev server (with the
 * Web UI) unless TEMPORAL_ADDRESS is set, the sandbox platform unless GATEWAY_URL is set, a worker
 * and the API. Ctrl-C / SIGTERM stops everything cleanly.
 */
import { DefaultLogger } from '@temporalio/worker';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { installWorkerRuntime } from './metrics/worker-metrics';
import { startSystem } from './system';

async function main(): Promise<void> {
  const config = loadConfig(process.env, 'all-in-one');
  const log = createLogger('orchestrator', config.logLevel);
  // We stop the worker ourselves, after the API, so no signal handler races ours. The runtime also
  // serves the worker's metrics on WORKER_METRICS_PORT (the API serves its own on /metrics).
  installWorkerRuntime(config.workerMetricsPort, { shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const system = await startSystem({ config, log });

  const lines = [
    '',
    'Payment order orchestrator is running.',
    '',
    `  API            ${system.apiUrl}   (docs: ${system.apiUrl}/docs)`,
    `  API token      ${system.apiToken}${config.apiToken === undefined ? '   (generated; kept in ' + config.dataDir + '/local-secrets.json)' : ''}`,
    `  Metrics        ${system.apiUrl}/metrics (API) · http://127.0.0.1:${config.workerMetricsPort}/metrics (worker, Temporal SDK)`,
    `  Order book     ${system.bookLocation}`,
    `  Temporal       ${system.temporalAddress}${system.temporalUiUrl ? `   (Web UI: ${system.temporalUiUrl})` : ''}`,
    system.sandbox
      ? `  Sandbox        ${system.sandbox.url}   (cashier: ${system.sandbox.url}/ · payout operator: ${system.sandbox.url}/operator)`
      : `  Platform       ${system.gateway.url}`,
    '',
    'Try:',
    `  curl -s -X POST ${system.apiUrl}/v1/payments -H 'authorization: Bearer ${system.apiToken}' -H 'content-type: application/json' \\`,
    `       -d '{"amount":"100.00","channelId":2,"returnUrl":"https://shop.example.com/paid"}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

import { formatDuration } from '../contracts/duration';
import { fenToDecimal } from '../gateway';
import { DEFAULT_CALLBACK_SCHEDULE_MS } from './options';
import { sandboxOptionsFromEnv, SandboxConfigError } from './env';
import { DEFAULT_BALANCE_FEN, startSandbox } from './start';

/**
 * `npm run sandbox`: the sandbox platform on its own. Prints where it listens and the merchant
 * credentials to configure (on stdout, once, for the person who started it; the JSON log never
 * carries the secret).
 */
async function main(): Promise<void> {
  const options = sandboxOptionsFromEnv(process.env);
  const generated = options.appKey === undefined || options.secret === undefined;
  const sandbox = await startSandbox(options);
  const balance = options.balanceFen ?? DEFAULT_BALANCE_FEN;
  const schedule = (options.callbackScheduleMs ?? DEFAULT_CALLBACK_SCHEDULE_MS).map((ms) => (ms === 0 ? '0s' : formatDuration(ms)));
  const lines = [
    '',
    `Sandbox payment platform: ${sandbox.url}`,
    '',
    `  GATEWAY_URL=${sandbox.url}`,
    ...(sandbox.url.startsWith('http:') ? ['  GATEWAY_ALLOW_HTTP=true   (the orchestrator wants https otherwise)'] : []),
    `  GATEWAY_APP_KEY=${sandbox.appKey}`,
    `  GATEWAY_SECRET=${sandbox.secret}${generated ? '   (generated: set SANDBOX_APP_KEY and SANDBOX_SECRET to keep them)' : ''}`,
    '',
    `  balance            ${fenToDecimal(balance)} yuan`,
    `  cashier            ${sandbox.url}/   (pending pay-ins; each pay-in's page is its payUrl, ${sandbox.url}/api/Pay?id=…)`,
    `  payout operator    ${sandbox.url}/operator`,
    `  control API        ${sandbox.url}/sandbox/   (orders, requests, callbacks, faults, auto-settle, reset)`,
    `  callback retries   ${schedule.join(', ')}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    sandbox.app.log.info({ signal }, 'sandbox stopping');
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        sandbox.app.log.error({ err: error }, 'sandbox did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof SandboxConfigError ? error.message : String(error instanceof Error ? error.stack : error)}\n`);
  process.exit(1);
});

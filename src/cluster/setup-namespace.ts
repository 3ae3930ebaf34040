/**
 * `node dist/cluster/setup-namespace.js`: the one-shot set-up of a Temporal cluster for the
 * orchestrator — registers TEMPORAL_NAMESPACE with ORDER_RETENTION (default 30d; an existing
 * namespace gets its retention updated) and adds the order search attributes of
 * src/contracts/search-attributes.ts. Any error (unreachable server, an attribute registered with
 * another type, no free attribute slot) ends it with status 1 and the reason. docker-compose.yml runs
 * it before the API and the workers; `npm run cluster` calls the same function.
 */
import { Connection } from '@temporalio/client';
import { parseDuration } from '../contracts/duration';
import { temporalConnectionOptions } from '../temporal/connection-options';
import { ORDER_SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { setUpNamespace } from './temporal';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS?.trim() || 'localhost:7233';
  const namespace = process.env.TEMPORAL_NAMESPACE?.trim() || 'default';
  const retentionText = process.env.ORDER_RETENTION?.trim() || '30d';
  const retentionMs = parseDuration(retentionText);
  if (retentionMs === undefined || retentionMs < 86_400_000) throw new Error(`ORDER_RETENTION="${retentionText}" is not a duration of at least 1d (e.g. 30d)`);
  const timeoutMs = 180_000;
  const deadline = Date.now() + timeoutMs;
  let connection: Connection | undefined;
  let lastError: unknown;
  while (connection === undefined) {
    try {
      connection = await Connection.connect({ ...temporalConnectionOptions(process.env, address), connectTimeout: 5_000 });
    } catch (error) {
      lastError = error;
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} unreachable: ${(lastError as Error).message}`);
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 1000));
    }
  }
  try {
    await setUpNamespace(connection, { namespace, retentionMs, searchAttributes: ORDER_SEARCH_ATTRIBUTES }, Math.max(10_000, deadline - Date.now()));
  } finally {
    await connection.close();
  }
  process.stdout.write(
    `setup-namespace: namespace ${namespace} on ${address}: retention ${retentionText}, search attributes ${Object.entries(ORDER_SEARCH_ATTRIBUTES)
      .map(([name, type]) => `${name}(${type})`)
      .join(', ')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`setup-namespace: FAILED: ${(error as Error).message}\n`);
  process.exit(1);
});

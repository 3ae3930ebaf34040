import { QueryNotRegisteredError, QueryRejectedError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { isNotFound, isUnavailable, notFound, temporalUnavailable } from '../errors';

/** Reads an order through its workflow's query: the one door for status, open or closed. */
export async function queryOrder<T>(client: Client, workflowId: string, query: QueryDefinition<T>, missing: string): Promise<T> {
  try {
    return await client.workflow.getHandle(workflowId).query(query);
  } catch (error) {
    if (isNotFound(error)) throw notFound(missing);
    if (isUnavailable(error)) throw temporalUnavailable();
    // The run exists but could not answer (its workflow task is failing, e.g. a replay error, or no
    // worker took the query): the order is intact and the state is only unreadable for now. A 503
    // says so and invites a retry; the 500 it used to be said "our bug" and paged nobody usefully.
    if (error instanceof QueryNotRegisteredError || error instanceof QueryRejectedError || isQueryRejected(error)) {
      throw temporalUnavailable(`order ${workflowId} cannot be read right now (${(error as Error).message.slice(0, 200)}); retry later`);
    }
    throw error;
  }
}

/** A query the server refused for the run's sake (failed workflow task, query timeout), not for ours. */
function isQueryRejected(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // gRPC FAILED_PRECONDITION (9) and DEADLINE_EXCEEDED (4) on a query: the run cannot answer now.
  return code === 9 || code === 4;
}

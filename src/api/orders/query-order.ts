import type { Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { isNotFound, isUnavailable, notFound, temporalUnavailable } from '../errors';

/** Reads an order through its workflow's query: the one door for status, open or closed. */
export async function queryOrder<T>(client: Client, workflowId: string, query: QueryDefinition<T>, missing: string): Promise<T> {
  try {
    return await client.workflow.getHandle(workflowId).query(query);
  } catch (error) {
    if (isNotFound(error)) throw notFound(missing);
    if (isUnavailable(error)) throw temporalUnavailable();
    throw error;
  }
}

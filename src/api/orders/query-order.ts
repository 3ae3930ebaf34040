import { QueryNotRegisteredError, QueryRejectedError, type Client } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { OrderBook } from '../../book/order-book';
import type { OrderWorkflowDefinitions } from '../../contracts/order';
import { bookUnavailable, isBookUnavailable, isNotFound, isUnavailable, notFound, temporalUnavailable } from '../errors';

/**
 * Reads an order: from the order book — at any age, with no worker running, after Temporal's
 * retention has deleted the run — and from its workflow's query while the book has no row yet (a
 * run still starting: its first row is written once it has left 'creating') or, when it answers in
 * time, while the order is open (fresher than the book).
 */
export async function readOrder<View>(
  deps: { client: Client; book: OrderBook },
  workflow: Pick<OrderWorkflowDefinitions<View, unknown>, 'kind' | 'workflowId' | 'status'>,
  mrn: string,
  missing: string,
): Promise<View> {
  const recorded = await readBook(() => deps.book.find(workflow.kind, mrn));
  if (recorded === undefined) return queryOrder(deps.client, workflow.workflowId(mrn), workflow.status, missing);
  // The book holds the view exactly as the workflow's status query built it (the same schema). It is
  // written just after each change, so an open order is asked of its run first: a merchant polling
  // GET must never see an order go back (the run answered "succeeded", the book still says
  // "pending"). With no worker, or Temporal away, the book's view stands.
  if (recorded.finishedAt === null) {
    const live = await liveView(deps.client, workflow.workflowId(mrn), workflow.status);
    if (live !== undefined) return live;
  }
  return recorded.view as View;
}

/** How long a GET waits for an open order's run before answering from the book. */
const LIVE_READ_MS = 2_000;

async function liveView<View>(client: Client, workflowId: string, query: QueryDefinition<View>): Promise<View | undefined> {
  try {
    return await client.withDeadline(Date.now() + LIVE_READ_MS, () => client.workflow.getHandle(workflowId).query(query));
  } catch {
    return undefined; // no worker, a run deleted or failing, Temporal down: the book answers
  }
}

/** A read of the order book; the book out of reach is a 503 "retry later", not a 500. */
export async function readBook<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isBookUnavailable(error)) throw bookUnavailable();
    throw error;
  }
}

/** Reads an order through its workflow's query: for a run the book has no row of yet, and for what only a live run knows. */
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

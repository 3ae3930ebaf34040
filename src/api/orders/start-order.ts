import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { type SearchAttributePair, type Workflow } from '@temporalio/common';
import type { BookOrder, OrderBook } from '../../book/order-book';
import type { OrderWorkflowDefinitions } from '../../contracts/order';
import { conflict, isBookUnavailable, isDeadlineExceeded, isNotFound, isUnavailable, orderUnavailable, workflowRefusal } from '../errors';

export interface StartOrderOptions<Input, Reply, View> {
  client: Client;
  /** Asked first: an mrn it knows is answered from it, whether or not Temporal still has the run. */
  book: OrderBook;
  /** The order's mrn: a 503 tells the caller to retry with it. */
  mrn: string;
  /** The kind's workflow: its type, ID, creation update and queries. */
  workflow: OrderWorkflowDefinitions<View, Reply>;
  taskQueue: string;
  input: Input;
  requestHash: string;
  /** How long the caller waits for the platform's answer before hearing "creating". */
  waitMs: number;
  searchAttributes: SearchAttributePair[];
  memo: Record<string, unknown>;
  staticSummary: string;
  staticDetails: string;
}

export type StartOrderResult<Reply, View> =
  | { kind: 'answered'; reply: Reply }
  /** The platform has not answered within waitMs; the workflow goes on retrying. */
  | { kind: 'creating' }
  /** The same request again, for an order the book has recorded or whose run has closed: its view (a retry's 200). */
  | { kind: 'existing'; view: View };

/**
 * Starts an order and learns the platform's answer in one round trip (Update-with-Start).
 * The workflow ID is the idempotency key: the same mrn attaches to the existing order (its
 * validator refuses a different request → 409), never a second workflow or a second create.
 */
export async function startOrder<Input, Reply, View>(options: StartOrderOptions<Input, Reply, View>): Promise<StartOrderResult<Reply, View>> {
  const recorded = await recordedOrder(options);
  if (recorded !== undefined) return recorded;
  try {
    return await startOrAttach(options);
  } catch (error) {
    // Whichever step could not reach Temporal: the caller must retry with this mrn, never a new one.
    if (isUnavailable(error)) throw orderUnavailable(options.mrn);
    throw error;
  }
}

/**
 * Idempotency that outlives Temporal's retention: an mrn the order book knows is answered from the
 * book — the same request again (its fingerprint, as the workflow keeps it) is a retry and gets the
 * order's view, another request is a 409 — and Temporal is never asked, so a run deleted after its
 * retention can never be started a second time. Unknown to the book: the Update-with-Start decides.
 */
async function recordedOrder<Input, Reply, View>(options: StartOrderOptions<Input, Reply, View>): Promise<StartOrderResult<Reply, View> | undefined> {
  let recorded: BookOrder | undefined;
  try {
    recorded = await options.book.find(options.workflow.kind, options.mrn);
  } catch (error) {
    // Without the book an old mrn cannot be told from a new one: starting could pay twice, so the caller retries.
    if (isBookUnavailable(error)) throw orderUnavailable(options.mrn, 'the order book cannot be reached');
    throw error;
  }
  if (recorded === undefined) return undefined;
  if (recorded.requestHash !== options.requestHash) throw conflict(`mrn ${options.mrn} already names a different ${options.workflow.kind === 'payment' ? 'pay-in' : 'payout'} request`);
  return { kind: 'existing', view: recorded.view as View };
}

async function startOrAttach<Input, Reply, View>(options: StartOrderOptions<Input, Reply, View>): Promise<StartOrderResult<Reply, View>> {
  const { client } = options;
  const startOptions: WorkflowStartOptions<Workflow> & { workflowIdConflictPolicy: 'USE_EXISTING' } = {
    workflowId: options.workflow.workflowId(options.mrn),
    taskQueue: options.taskQueue,
    args: [options.input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: options.searchAttributes,
    memo: options.memo,
    staticSummary: options.staticSummary,
    staticDetails: options.staticDetails,
  };
  const operation = new WithStartWorkflowOperation<Workflow>(options.workflow.workflowType, startOptions);
  try {
    const reply: Reply = await client.withDeadline(Date.now() + options.waitMs, () =>
      client.workflow.executeUpdateWithStart<Workflow, Reply, [{ requestHash: string }]>(options.workflow.creation, { args: [{ requestHash: options.requestHash }], startWorkflowOperation: operation }),
    );
    return { kind: 'answered', reply };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw workflowRefusal(error) ?? error; // the same mrn, another request: 409
    if (error instanceof WorkflowExecutionAlreadyStartedError) return existingClosedOrder(options);
    // The client reports our deadline on an update(-with-start) as this error, not as a ServiceError.
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isDeadlineExceeded(error)) return confirmStarted(options);
    throw error;
  }
}

/** The reuse policy refused a new run: the mrn's order is closed. Same request → its view; else 409. */
async function existingClosedOrder<Input, Reply, View>(options: StartOrderOptions<Input, Reply, View>): Promise<StartOrderResult<Reply, View>> {
  const handle = options.client.workflow.getHandle(options.workflow.workflowId(options.mrn));
  const hash = await handle.query(options.workflow.requestHash);
  if (hash !== options.requestHash) throw conflict(`mrn already names a different request`);
  return { kind: 'existing', view: await handle.query(options.workflow.status) };
}

/** Our wait ran out. If the workflow exists it is still creating; if not, the start never landed. */
async function confirmStarted<Input, Reply, View>(options: StartOrderOptions<Input, Reply, View>): Promise<StartOrderResult<Reply, View>> {
  try {
    await options.client.workflow.getHandle(options.workflow.workflowId(options.mrn)).describe();
    return { kind: 'creating' };
  } catch (error) {
    if (isNotFound(error) || isUnavailable(error)) throw orderUnavailable(options.mrn, 'the order could not be started in time');
    throw error;
  }
}

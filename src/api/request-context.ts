/**
 * The API request an order was started or signalled by, carried into Temporal: while a handler
 * runs, its request id is known to the Temporal client (AsyncLocalStorage), and a client
 * interceptor writes it into the memo of every workflow it starts (`requestId`). A log search for
 * the request's `reqId` finds the `mrn` and `workflowId` on its log lines; the run's memo names
 * the request that started it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Next, WorkflowClientInterceptor, WorkflowSignalWithStartInput, WorkflowStartInput, WorkflowStartUpdateWithStartInput } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { paymentWorkflowId } from '../contracts/payment';
import { payoutWorkflowId } from '../contracts/payout';

const current = new AsyncLocalStorage<{ requestId: string }>();

/** The id of the API request being handled, if any. */
export function currentRequestId(): string | undefined {
  return current.getStore()?.requestId;
}

/** Makes each request's id current while its handler runs (after the body was read). */
export function bindRequestContext(app: FastifyInstance): void {
  app.addHook('preHandler', (request, _reply, done) => {
    current.run({ requestId: request.id }, done);
  });
}

const withRequestId = (memo: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  const requestId = currentRequestId();
  return requestId === undefined ? memo : { ...memo, requestId };
};

/** Adds `requestId` to the memo of workflows started (or signalled-with-start) within a request. */
export class RequestIdMemoInterceptor implements WorkflowClientInterceptor {
  start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    return next({ ...input, options: { ...input.options, memo: withRequestId(input.options.memo) } });
  }

  signalWithStart(input: WorkflowSignalWithStartInput, next: Next<WorkflowClientInterceptor, 'signalWithStart'>): Promise<string> {
    return next({ ...input, options: { ...input.options, memo: withRequestId(input.options.memo) } });
  }

  startUpdateWithStart(
    input: WorkflowStartUpdateWithStartInput,
    next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>,
  ): ReturnType<Next<WorkflowClientInterceptor, 'startUpdateWithStart'>> {
    return next({ ...input, workflowStartOptions: { ...input.workflowStartOptions, memo: withRequestId(input.workflowStartOptions.memo) } });
  }
}

/** `mrn` and `workflowId` of the order a request is about (`:mrn` in its route, or `mrn` in its body), for its log line. */
export function orderLogFields(request: FastifyRequest): { mrn?: string; workflowId?: string } {
  const route = request.routeOptions.url ?? '';
  const kind = /^\/(v1|callbacks|checkout)\/payments\b/.test(route) ? 'payment' : /^\/(v1|callbacks)\/payouts\b/.test(route) ? 'payout' : undefined;
  if (kind === undefined) return {};
  const params = request.params as { mrn?: unknown } | undefined;
  const body = request.body as { mrn?: unknown } | undefined;
  const mrn = typeof params?.mrn === 'string' ? params.mrn : typeof body?.mrn === 'string' ? body.mrn : undefined;
  if (mrn === undefined) return {};
  return { mrn, workflowId: kind === 'payment' ? paymentWorkflowId(mrn) : payoutWorkflowId(mrn) };
}

import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxProvider } from '../../http/typebox';
import { operatorReasonProblem } from '../../contracts/operator';
import { badRequest } from '../errors';
import { normalizePayoutRequest } from '../normalize';
import type { PayoutOrders } from '../orders/payouts';
import { Creating, CreatePayoutBody, CreateUnavailableBody, ErrorBody, MrnParams, PayoutListQuery, PayoutRejected, PayoutViewSchema, RecheckBody, ResolveBody } from '../schemas';
import { registerOrderRoutes, type OrderRouteDeps } from './order-routes';

export const payoutRoutes: FastifyPluginAsync<OrderRouteDeps & { orders: PayoutOrders }> = async (parent, { orders, ...deps }) => {
  registerOrderRoutes(
    parent,
    {
      kind: 'payout',
      tag: 'payouts',
      summaries: {
        create: 'Create a payout (idempotent on mrn)',
        list: 'List payouts from the order book (newest first, any age), filtered; page with nextCursor',
        read: 'Read a payout (account data masked)',
      },
      body: CreatePayoutBody,
      // A new payout answers 202 whether the platform accepted it (pending) or has not answered yet (creating).
      createResponses: { 200: PayoutViewSchema, 202: { anyOf: [PayoutViewSchema, Creating] }, 422: PayoutRejected, 503: CreateUnavailableBody },
      listQuery: PayoutListQuery,
      view: PayoutViewSchema,
      normalize: normalizePayoutRequest,
      orders,
    },
    deps,
  );
  const app = parent.withTypeProvider<TypeBoxProvider>();

  app.post(
    '/v1/payouts/:mrn/recheck',
    {
      schema: {
        summary: 'Operator: ask the platform now',
        tags: ['payouts', 'operators'],
        params: MrnParams,
        body: RecheckBody,
        response: { 200: PayoutViewSchema, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => orders.recheck(request.params.mrn, operatorReason(request.body.reason)),
  );

  app.post(
    '/v1/payouts/:mrn/resolve',
    {
      schema: {
        summary: "Operator: settle a payout by hand, as confirmed with the platform's support",
        description:
          'Refused (409, with the platform\'s answer) while the platform answers a status that contradicts the outcome, and "failed" unless the platform answers status 2 or a confirmed "not found".',
        tags: ['payouts', 'operators'],
        params: MrnParams,
        body: ResolveBody,
        response: { 200: PayoutViewSchema, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => orders.resolve(request.params.mrn, { ...request.body, reason: operatorReason(request.body.reason) }),
  );
};

/**
 * The payout workflow refuses a blank reason as well, but only once the update reaches it (a
 * round trip to Temporal and the worker, a wait when the worker is down): refused here at once.
 */
function operatorReason(reason: string): string {
  const problem = operatorReasonProblem(reason);
  if (problem !== undefined) throw badRequest(problem);
  return reason;
}

import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxProvider } from '../../http/typebox';
import { badRequest } from '../errors';
import { normalizeListQuery, normalizePayoutRequest, type RequestRules } from '../normalize';
import type { ListCursors } from '../orders/list-cursor';
import { listOrders } from '../orders/list-orders';
import type { PayoutOrders } from '../orders/payouts';
import { Creating, CreatePayoutBody, CreateUnavailableBody, ErrorBody, MrnParams, PayoutRejected, PayoutViewSchema, RecheckBody, ResolveBody , OrderPageSchema, PayoutListQuery } from '../schemas';

export const payoutRoutes: FastifyPluginAsync<{ orders: PayoutOrders; client: Client; cursors: ListCursors; rules: RequestRules }> = async (parent, { orders, client, cursors, rules }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();

  app.post(
    '/v1/payouts',
    {
      schema: {
        summary: 'Create a payout (idempotent on mrn)',
        tags: ['payouts'],
        body: CreatePayoutBody,
        response: { 200: PayoutViewSchema, 202: Type202(), 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 422: PayoutRejected, 503: CreateUnavailableBody },
      },
    },
    async (request, reply) => {
      const result = await orders.create(normalizePayoutRequest(request.body, rules));
      return reply.code(result.httpStatus).send(result.body);
    },
  );

  app.get(
    '/v1/payouts',
    {
      schema: {
        summary: 'List payouts (newest first), filtered on the search attributes operators use',
        tags: ['payouts'],
        querystring: PayoutListQuery,
        response: { 200: OrderPageSchema, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => listOrders(client, cursors, 'payout', normalizeListQuery(request.query)),
  );

  app.get(
    '/v1/payouts/:mrn',
    {
      schema: {
        summary: 'Read a payout (account data masked)',
        tags: ['payouts'],
        params: MrnParams,
        response: { 200: PayoutViewSchema, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => orders.get(request.params.mrn),
  );

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

/** A new payout answers 202 whether the platform accepted it (pending) or has not answered yet (creating). */
function Type202() {
  return { anyOf: [PayoutViewSchema, Creating] };
}

/**
 * The payout workflow refuses a blank reason as well, but only once the update reaches it (a
 * round trip to Temporal and the worker, a wait when the worker is down): refused here at once.
 */
function operatorReason(reason: string): string {
  if (reason.trim().length < 3) throw badRequest('reason: must have at least 3 characters besides spaces');
  return reason;
}

import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxProvider } from '../../http/typebox';
import { normalizeListQuery, normalizePayoutRequest } from '../normalize';
import { listOrders } from '../orders/list-orders';
import type { PayoutOrders } from '../orders/payouts';
import { Creating, CreatePayoutBody, ErrorBody, MrnParams, PayoutRejected, PayoutViewSchema, RecheckBody, ResolveBody , OrderPageSchema, PayoutListQuery } from '../schemas';

export const payoutRoutes: FastifyPluginAsync<{ orders: PayoutOrders; client: Client }> = async (parent, { orders, client }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();

  app.post(
    '/v1/payouts',
    {
      schema: {
        summary: 'Create a payout (idempotent on mrn)',
        tags: ['payouts'],
        body: CreatePayoutBody,
        response: { 200: PayoutViewSchema, 202: Type202(), 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 422: PayoutRejected, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const result = await orders.create(normalizePayoutRequest(request.body));
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
    (request) => listOrders(client, 'payout', normalizeListQuery(request.query)),
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
    (request) => orders.recheck(request.params.mrn, request.body.reason),
  );

  app.post(
    '/v1/payouts/:mrn/resolve',
    {
      schema: {
        summary: "Operator: settle a payout by hand, as confirmed with the platform's support",
        description: 'Refused (409) while the platform answers a definite status that contradicts the outcome.',
        tags: ['payouts', 'operators'],
        params: MrnParams,
        body: ResolveBody,
        response: { 200: PayoutViewSchema, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => orders.resolve(request.params.mrn, request.body),
  );
};

/** A new payout answers 202 whether the platform accepted it (pending) or has not answered yet (creating). */
function Type202() {
  return { anyOf: [PayoutViewSchema, Creating] };
}

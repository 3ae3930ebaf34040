import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxProvider } from '../../http/typebox';
import { normalizeListQuery, normalizePaymentRequest, type RequestRules } from '../normalize';
import type { ListCursors } from '../orders/list-cursor';
import { listOrders } from '../orders/list-orders';
import type { PaymentOrders } from '../orders/payments';
import { Creating, CreatePaymentBody, CreateUnavailableBody, ErrorBody, MrnParams, PaymentRejected, PaymentViewSchema , OrderPageSchema, PaymentListQuery } from '../schemas';

export const paymentRoutes: FastifyPluginAsync<{ orders: PaymentOrders; client: Client; cursors: ListCursors; rules: RequestRules }> = async (parent, { orders, client, cursors, rules }) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();

  app.post(
    '/v1/payments',
    {
      schema: {
        summary: 'Create a pay-in (idempotent on mrn)',
        tags: ['payments'],
        body: CreatePaymentBody,
        response: { 200: PaymentViewSchema, 201: PaymentViewSchema, 202: Creating, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 422: PaymentRejected, 503: CreateUnavailableBody },
      },
    },
    async (request, reply) => {
      const result = await orders.create(normalizePaymentRequest(request.body, rules));
      return reply.code(result.httpStatus).send(result.body);
    },
  );

  app.get(
    '/v1/payments',
    {
      schema: {
        summary: 'List payments (newest first), filtered on the search attributes operators use',
        tags: ['payments'],
        querystring: PaymentListQuery,
        response: { 200: OrderPageSchema, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => listOrders(client, cursors, 'payment', normalizeListQuery(request.query)),
  );

  app.get(
    '/v1/payments/:mrn',
    {
      schema: {
        summary: 'Read a pay-in: status, amounts, notification and timeline',
        tags: ['payments'],
        params: MrnParams,
        response: { 200: PaymentViewSchema, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    },
    (request) => orders.get(request.params.mrn),
  );
};

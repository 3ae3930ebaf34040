import type { FastifyPluginAsync } from 'fastify';
import { normalizePaymentRequest } from '../normalize';
import type { PaymentOrders } from '../orders/payments';
import { Creating, CreatePaymentBody, CreateUnavailableBody, PaymentListQuery, PaymentRejected, PaymentViewSchema } from '../schemas';
import { registerOrderRoutes, type OrderRouteDeps } from './order-routes';

export const paymentRoutes: FastifyPluginAsync<OrderRouteDeps & { orders: PaymentOrders }> = async (app, { orders, ...deps }) => {
  registerOrderRoutes(
    app,
    {
      kind: 'payment',
      tag: 'payments',
      summaries: {
        create: 'Create a pay-in (idempotent on mrn)',
        list: 'List pay-ins from the order book (newest first, any age), filtered; page with nextCursor',
        read: 'Read a pay-in: status, amounts, notification and timeline',
      },
      body: CreatePaymentBody,
      createResponses: { 200: PaymentViewSchema, 201: PaymentViewSchema, 202: Creating, 422: PaymentRejected, 503: CreateUnavailableBody },
      listQuery: PaymentListQuery,
      view: PaymentViewSchema,
      normalize: normalizePaymentRequest,
      orders,
    },
    deps,
  );
};

import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OrderBook } from '../../book/order-book';
import type { TypeBoxProvider } from '../../http/typebox';
import { normalizeListQuery, type RequestRules } from '../normalize';
import type { ListCursors } from '../orders/list-cursor';
import { listOrders } from '../orders/list-orders';
import { ErrorBody, MrnParams, OrderPageSchema } from '../schemas';

/** The routes both order kinds have: create (idempotent on mrn), list, read one. */
export interface OrderRoutes<Body extends TSchema, Request> {
  kind: 'payment' | 'payout';
  tag: 'payments' | 'payouts';
  summaries: { create: string; list: string; read: string };
  body: Body;
  /** The create's answers besides 400/401/409 (ErrorBody). */
  createResponses: Record<number, unknown>;
  listQuery: TSchema;
  view: TSchema;
  normalize(body: Static<Body>, rules: RequestRules): Request;
  orders: { create(request: Request): Promise<{ httpStatus: number; body: unknown }>; get(mrn: string): Promise<unknown> };
}

export interface OrderRouteDeps {
  /** Lists are read from the order book. */
  book: OrderBook;
  cursors: ListCursors;
  rules: RequestRules;
}

export function registerOrderRoutes<Body extends TSchema, Request>(parent: FastifyInstance, spec: OrderRoutes<Body, Request>, { book, cursors, rules }: OrderRouteDeps): void {
  const app = parent.withTypeProvider<TypeBoxProvider>();
  const path = `/v1/${spec.tag}`;
  app.post(
    path,
    { schema: { summary: spec.summaries.create, tags: [spec.tag], body: spec.body, response: { 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, ...spec.createResponses } } },
    async (request, reply) => {
      const result = await spec.orders.create(spec.normalize(request.body as Static<Body>, rules));
      // The status and body are the orders module's; the response schemas above check the body.
      return (reply as FastifyReply).code(result.httpStatus).send(result.body);
    },
  );
  app.get(
    path,
    { schema: { summary: spec.summaries.list, tags: [spec.tag], querystring: spec.listQuery, response: { 200: OrderPageSchema, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody } } },
    (request) => listOrders(book, cursors, spec.kind, normalizeListQuery(request.query as Parameters<typeof normalizeListQuery>[0])),
  );
  app.get(
    `${path}/:mrn`,
    { schema: { summary: spec.summaries.read, tags: [spec.tag], params: MrnParams, response: { 200: spec.view, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody } } },
    (request) => spec.orders.get(request.params.mrn),
  );
}

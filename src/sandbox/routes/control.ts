import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fenToDecimal } from '../../gateway';
import {
  AppKeyQuerySchema,
  AutoSettleAnswerSchema,
  AutoSettleBodySchema,
  CallbackRuleBodySchema,
  CallbackRuleSchema,
  ContradictionAnswerSchema,
  ContradictionBodySchema,
  CreateFaultBodySchema,
  DeliveriesAnswerSchema,
  ErrorAnswerSchema,
  FaultsAnswerSchema,
  InspectQuerySchema,
  KeepPendingAnswerSchema,
  KeepPendingBodySchema,
  MerchantsAnswerSchema,
  OkSchema,
  OrderParamsSchema,
  OrdersAnswerSchema,
  OrdersQuerySchema,
  OrderViewSchema,
  PayoutChecksSchema,
  RequestsAnswerSchema,
  SettleBodySchema,
  type ErrorAnswer,
} from '../control-schema';
import { ORDER_KINDS, type Order, type OrderKind } from '../orders';
import type { Sandbox } from '../sandbox';
import type { TypeBoxProvider } from '../../http/typebox';
import { orderView } from '../views';

/** A deliberate 4xx of the control API, with a stable code. */
export class ControlError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    readonly code: ErrorAnswer['error'],
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

const ERRORS = { '4xx': ErrorAnswerSchema, '5xx': ErrorAnswerSchema } as const;
export const KIND_PATH: Record<OrderKind, string> = { payment: 'payments', payout: 'payouts' };

/**
 * The control and inspection API (mounted under /sandbox): scenarios for tests and demos, and
 * what the sandbox saw. Simulation is steered only from here, never from the platform endpoints.
 */
export function controlRoutes(app: FastifyInstance, { sandbox }: { sandbox: Sandbox }, done: (error?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxProvider>();

  app.setErrorHandler((error: FastifyError | ControlError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof ControlError) return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: status === 404 ? 'not_found' : 'bad_request', message: error.message });
    request.log.error({ err: error }, 'control request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'internal error; the sandbox log has the details' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no control endpoint ${request.method} ${request.url.split('?')[0]}` }),
  );

  const baseUrl = (request: FastifyRequest): string => sandbox.publicUrl ?? `${request.protocol}://${request.host}`;
  const view = (order: Order, request: FastifyRequest) => orderView(order, baseUrl(request), sandbox.scenarios.isKeptPending(order.kind, order.mrn));

  const oneOrder = (kind: OrderKind, mrn: string, appKey: string | undefined): Order => {
    const found = sandbox.ordersByMrn(kind, mrn, appKey);
    if (found.length === 0) throw new ControlError(404, 'not_found', `no ${kind} with mrn "${mrn}"${appKey === undefined ? '' : ` for merchant ${appKey}`}`);
    if (found.length > 1) throw new ControlError(409, 'conflict', `${found.length} merchants have a ${kind} with mrn "${mrn}": add ?appKey=`);
    return found[0];
  };

  api.get('/health', { schema: { response: { 200: OkSchema } } }, () => ({ ok: true as const }));

  api.post('/reset', { schema: { response: { 200: OkSchema, ...ERRORS } } }, () => {
    sandbox.reset();
    return { ok: true as const };
  });

  api.get('/merchants', { schema: { response: { 200: MerchantsAnswerSchema } } }, () => ({
    merchants: sandbox.ledger.appKeys().map((appKey) => {
      const balanceFen = sandbox.ledger.balanceOf(appKey) ?? 0;
      return { appKey, balanceFen, balance: fenToDecimal(balanceFen) };
    }),
  }));

  api.get('/orders', { schema: { querystring: OrdersQuerySchema, response: { 200: OrdersAnswerSchema, ...ERRORS } } }, (request) => ({
    orders: sandbox.store.find(request.query).map((order) => view(order, request)),
  }));

  for (const kind of ORDER_KINDS) {
    const path = `/${KIND_PATH[kind]}/:mrn`;

    api.get(path, { schema: { params: OrderParamsSchema, querystring: AppKeyQuerySchema, response: { 200: OrderViewSchema, ...ERRORS } } }, (request) =>
      view(oneOrder(kind, request.params.mrn, request.query.appKey), request),
    );

    api.post(
      `${path}/settle`,
      { schema: { params: OrderParamsSchema, querystring: AppKeyQuerySchema, body: SettleBodySchema, response: { 200: OrderViewSchema, ...ERRORS } } },
      (request) => {
        const { status, amountFen } = request.body;
        if (amountFen !== undefined && (kind === 'payout' || status === 'failed')) {
          throw new ControlError(400, 'bad_request', 'amountFen is only for settling a pay-in as paid');
        }
        const order = oneOrder(kind, request.params.mrn, request.query.appKey);
        const result = sandbox.settle(order, status === 'paid' ? 'pay' : 'fail', 'control', amountFen);
        if (!result.ok) throw new ControlError(409, 'conflict', result.reason);
        return view(result.order, request);
      },
    );

    api.put(
      `${path}/keep-pending`,
      { schema: { params: OrderParamsSchema, body: KeepPendingBodySchema, response: { 200: KeepPendingAnswerSchema, ...ERRORS } } },
      (request) => {
        sandbox.scenarios.setKeepPending(kind, request.params.mrn, request.body.keepPending);
        return { kind, mrn: request.params.mrn, keepPending: request.body.keepPending };
      },
    );

    api.put(
      `${path}/contradiction`,
      { schema: { params: OrderParamsSchema, body: ContradictionBodySchema, response: { 200: ContradictionAnswerSchema, ...ERRORS } } },
      (request) => {
        // Like keep-pending, set by mrn: the order need not exist yet. A status answer needs the order; "not_found" does not.
        sandbox.scenarios.setContradiction(kind, request.params.mrn, request.body.answer);
        return { kind, mrn: request.params.mrn, answer: request.body.answer };
      },
    );

    api.put(
      `${path}/callback-rule`,
      { schema: { params: OrderParamsSchema, body: CallbackRuleBodySchema, response: { 200: CallbackRuleSchema, ...ERRORS } } },
      (request) => sandbox.scenarios.setCallbackRule(kind, request.params.mrn, request.body),
    );

    api.post(
      `${path}/resend-callback`,
      { schema: { params: OrderParamsSchema, querystring: AppKeyQuerySchema, response: { 200: DeliveriesAnswerSchema, ...ERRORS } } },
      (request) => {
        const order = oneOrder(kind, request.params.mrn, request.query.appKey);
        if (order.status !== 'paid') throw new ControlError(409, 'conflict', `only a paid order is called back; this one is ${order.status}`);
        return { deliveries: sandbox.callbacks.send(order, 'control') };
      },
    );
  }

  api.put('/callback-rule', { schema: { body: CallbackRuleBodySchema, response: { 200: CallbackRuleSchema, ...ERRORS } } }, (request) =>
    sandbox.scenarios.setDefaultCallbackRule(request.body),
  );

  api.get('/faults', { schema: { response: { 200: FaultsAnswerSchema } } }, () => ({ faults: sandbox.scenarios.createFaults() }));
  api.post('/faults', { schema: { body: CreateFaultBodySchema, response: { 200: FaultsAnswerSchema, ...ERRORS } } }, (request) => ({
    faults: sandbox.scenarios.addCreateFault(request.body),
  }));
  api.delete('/faults', { schema: { response: { 200: FaultsAnswerSchema } } }, () => {
    sandbox.scenarios.clearCreateFaults();
    return { faults: [] };
  });

  api.get('/payout-checks', { schema: { response: { 200: PayoutChecksSchema } } }, () => sandbox.scenarios.payoutChecks());
  api.put('/payout-checks', { schema: { body: PayoutChecksSchema, response: { 200: PayoutChecksSchema, ...ERRORS } } }, (request) =>
    sandbox.scenarios.setPayoutChecks(request.body),
  );

  api.get('/auto-settle', { schema: { response: { 200: AutoSettleAnswerSchema } } }, () => sandbox.scenarios.autoSettleRules());
  api.put('/auto-settle', { schema: { body: AutoSettleBodySchema, response: { 200: AutoSettleAnswerSchema, ...ERRORS } } }, (request) =>
    sandbox.scenarios.setAutoSettle(request.body),
  );

  api.get('/requests', { schema: { querystring: InspectQuerySchema, response: { 200: RequestsAnswerSchema, ...ERRORS } } }, (request) => ({
    requests: sandbox.store.requestLog(request.query),
  }));
  api.get('/callbacks', { schema: { querystring: InspectQuerySchema, response: { 200: DeliveriesAnswerSchema, ...ERRORS } } }, (request) => ({
    deliveries: sandbox.callbacks.list(request.query),
  }));

  done();
}

import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestOutcome, RequestRecord } from '../control-schema';
import type { OrderKind } from '../orders';
import { cashierPage, refusalPage } from '../pages';
import { PAGE_HEADERS } from '../../http/html';
import {
  identityOf,
  PaymentCreateAnswerSchema,
  PaymentCreateFormSchema,
  PaymentCreateJsonSchema,
  PayoutCreateAnswerSchema,
  PayoutCreateJsonSchema,
  QueryAnswerSchema,
  QuerySchema,
  readPaymentCreate,
  readPayoutCreate,
  readQuery,
  type Refusal,
} from '../platform-requests';
import type { PaymentCreateAnswer, PayoutCreateAnswer, QueryAnswer } from '../../gateway';
import { payUrlOf, type Sandbox } from '../sandbox';
import type { TypeBoxProvider } from '../../http/typebox';

/**
 * The platform's five merchant endpoints plus page mode, answering exactly as the platform does:
 * a refusal is a well-formed answer with an error code (HTTP 200), whatever was wrong with the
 * request — bad JSON, a missing field, an over-long mrn — never a crash and never a 5xx.
 */

type Answer = (reply: FastifyReply, refusal: Refusal) => void;

const paymentRefusal = (refusal: Refusal): PaymentCreateAnswer => ({ success: false, errorMsg: `${refusal.code}: ${refusal.message}` });
const errorAnswer = (refusal: Refusal): PayoutCreateAnswer & QueryAnswer => ({ error: refusal.code, errorMessage: refusal.message });

const answerPaymentCreate: Answer = (reply, refusal) => void reply.send(paymentRefusal(refusal));
const answerPage: Answer = (reply, refusal) => void reply.headers(PAGE_HEADERS).send(refusalPage(refusal));
const answerError: Answer = (reply, refusal) => void reply.send(errorAnswer(refusal));

interface Endpoint {
  kind: OrderKind;
  operation: 'create' | 'query';
  /** How the request log names it, e.g. "POST /api/Pay/Create". */
  name: string;
  refuse: Answer;
}

interface Processed {
  outcome: RequestOutcome;
  message: string | null;
  orderCreated: boolean;
  queryStatus?: number;
  callbackResent?: boolean;
  answer: (reply: FastifyReply) => void;
}

function refused(refusal: Refusal, endpoint: Endpoint): Processed {
  return { outcome: refusal.code, message: refusal.message, orderCreated: false, answer: (reply) => endpoint.refuse(reply, refusal) };
}

export async function platformApiRoutes(app: FastifyInstance, { sandbox }: { sandbox: Sandbox }): Promise<void> {
  // Page mode posts a UTF-8 form; only these routes (and the cashier's) read forms.
  await app.register(formbody);
  const api = app.withTypeProvider<TypeBoxProvider>();

  const record = (endpoint: Endpoint, input: unknown, fields: Omit<RequestRecord, 'seq' | 'at' | 'kind' | 'operation' | 'endpoint' | 'mrn' | 'appKey'>) =>
    sandbox.store.logRequest({
      at: new Date(sandbox.clock.now()).toISOString(),
      kind: endpoint.kind,
      operation: endpoint.operation,
      endpoint: endpoint.name,
      ...identityOf(input),
      ...fields,
    });

  /** Bodies Fastify could not even parse (bad JSON, a wrong content type, too large) are the platform's invalid_data. */
  const onBadInput =
    (endpoint: Endpoint) =>
    (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        const refusal: Refusal = { code: 'invalid_data', message: error.message };
        record(endpoint, request.query, { outcome: 'invalid_data', message: refusal.message, httpStatus: 200, orderCreated: false, fault: null, queryStatus: null, callbackResent: false });
        endpoint.refuse(reply.code(200), refusal);
        return;
      }
      request.log.error({ err: error }, 'platform endpoint failed');
      void reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
    };

  /** Every create goes through the scenario's create faults first: HTTP 500, a hang, or an answer held back after the order is stored. */
  const create = async (endpoint: Endpoint, input: unknown, reply: FastifyReply, process: () => Processed): Promise<void> => {
    const fault = sandbox.scenarios.takeCreateFault(endpoint.kind);
    const none = { queryStatus: null, callbackResent: false };
    if (fault?.mode === 'http500') {
      record(endpoint, input, { outcome: 'http500', message: 'scenario: answered HTTP 500, nothing stored', httpStatus: 500, orderCreated: false, fault: 'http500', ...none });
      void reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
      return;
    }
    if (fault?.mode === 'timeout') {
      record(endpoint, input, { outcome: 'timeout', message: `scenario: left hanging ${fault.delayMs} ms, nothing stored`, httpStatus: null, orderCreated: false, fault: 'timeout', ...none });
      await sandbox.timers.sleep(fault.delayMs);
      // No answer at all: the connection is cut, as when a platform never responds.
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    const processed = process();
    record(endpoint, input, {
      outcome: processed.outcome,
      message: fault === undefined ? processed.message : `scenario: answer held back ${fault.delayMs} ms; ${processed.message ?? 'processed'}`,
      httpStatus: 200,
      orderCreated: processed.orderCreated,
      fault: fault?.mode ?? null,
      ...none,
    });
    if (fault?.mode === 'late-answer') await sandbox.timers.sleep(fault.delayMs);
    processed.answer(reply);
  };

  const paymentCreate: Endpoint = { kind: 'payment', operation: 'create', name: 'POST /api/Pay/Create', refuse: answerPaymentCreate };
  api.post(
    '/api/Pay/Create',
    {
      schema: { body: PaymentCreateJsonSchema, response: { 200: PaymentCreateAnswerSchema } },
      // The body is read (and refused as invalid_data) by readPaymentCreate, with the same schema.
      attachValidation: true,
      errorHandler: onBadInput(paymentCreate),
    },
    (request, reply) =>
      create(paymentCreate, request.body, reply, () => {
        const read = readPaymentCreate(request.body, 'json');
        if (!read.ok) return refused(read.refusal, paymentCreate);
        const created = sandbox.createPayment(read.value.fields, read.value.amountFen, read.value.channelId, 'api');
        if (!created.ok) return refused(created.refusal, paymentCreate);
        const answer: PaymentCreateAnswer = { success: true, errorMsg: '', payUrl: payUrlOf(created.value) };
        return { outcome: 'success', message: null, orderCreated: true, answer: (r) => void r.send(answer) };
      }),
  );

  const pageCreate: Endpoint = { kind: 'payment', operation: 'create', name: 'POST /api/Pay', refuse: answerPage };
  api.post(
    '/api/Pay',
    { schema: { body: PaymentCreateFormSchema }, attachValidation: true, errorHandler: onBadInput(pageCreate) },
    (request, reply) =>
      create(pageCreate, request.body, reply, () => {
        const read = readPaymentCreate(request.body, 'form');
        if (!read.ok) return refused(read.refusal, pageCreate);
        const created = sandbox.createPayment(read.value.fields, read.value.amountFen, read.value.channelId, 'page');
        if (!created.ok) return refused(created.refusal, pageCreate);
        const order = created.value;
        // The platform takes over the payer's page: the cashier is the answer itself.
        const kept = sandbox.scenarios.isKeptPending('payment', order.mrn);
        return { outcome: 'success', message: null, orderCreated: true, answer: (r) => void r.headers(PAGE_HEADERS).send(cashierPage(order, { kept })) };
      }),
  );

  const payoutCreate: Endpoint = { kind: 'payout', operation: 'create', name: 'POST /api/Payouts/Create', refuse: answerError };
  api.post(
    '/api/Payouts/Create',
    {
      schema: { body: PayoutCreateJsonSchema, response: { 200: PayoutCreateAnswerSchema } },
      attachValidation: true,
      errorHandler: onBadInput(payoutCreate),
    },
    (request, reply) =>
      create(payoutCreate, request.body, reply, () => {
        const read = readPayoutCreate(request.body);
        if (!read.ok) return refused(read.refusal, payoutCreate);
        const created = sandbox.createPayout(read.value.fields, read.value.amountFen);
        if (!created.ok) return refused(created.refusal, payoutCreate);
        const answer: PayoutCreateAnswer = { error: 'success', errorMessage: '' };
        return { outcome: 'success', message: null, orderCreated: true, answer: (r) => void r.send(answer) };
      }),
  );

  for (const [kind, path] of [
    ['payment', '/api/Payments/Query'],
    ['payout', '/api/Payouts/Query'],
  ] as const) {
    const endpoint: Endpoint = { kind, operation: 'query', name: `GET ${path}`, refuse: answerError };
    api.get(
      path,
      { schema: { querystring: QuerySchema, response: { 200: QueryAnswerSchema } }, attachValidation: true, errorHandler: onBadInput(endpoint) },
      (request, reply) => {
        const processed = answerQuery(sandbox, endpoint, request.query);
        record(endpoint, request.query, {
          outcome: processed.outcome,
          message: processed.message,
          httpStatus: 200,
          orderCreated: false,
          fault: null,
          queryStatus: processed.queryStatus ?? null,
          callbackResent: processed.callbackResent ?? false,
        });
        processed.answer(reply);
      },
    );
  }
}

function answerQuery(sandbox: Sandbox, endpoint: Endpoint, query: unknown): Processed {
  const read = readQuery(query);
  if (!read.ok) return refused(read.refusal, endpoint);
  const result = sandbox.query(endpoint.kind, read.value);
  if (!result.ok) return refused(result.refusal, endpoint);
  const { order, status, resent } = result.value;
  const answer: QueryAnswer = { error: 'success', result: { Mrn: order.mrn, status } };
  return {
    outcome: 'success',
    message: resent ? 'callback re-sent' : null,
    orderCreated: false,
    queryStatus: status,
    callbackResent: resent,
    answer: (reply) => void reply.send(answer),
  };
}

import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseDecimal, renderPaymentAmount } from '../../gateway';
import { PAGE_HEADERS } from '../../http/html';
import type { Order, PaymentOrder, PayoutOrder } from '../orders';
import { cashierPage, errorPage, homePage, operatorPage, paymentResultPage } from '../pages';
import { payUrlOf, type Sandbox } from '../sandbox';
import type { TypeBoxProvider } from '../../http/typebox';

/**
 * The pages a person uses: the cashier at payUrl (Pay, optionally a different amount, or Fail),
 * the payout operator (Complete or Fail) and a home page listing what waits. Forms post back and
 * are answered with a redirect, so reloading a page never pays twice.
 */

const CashierQuerySchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), channel: Type.Optional(Type.String()) });
const IdParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const CashierFormSchema = Type.Object({
  action: Type.Union([Type.Literal('pay'), Type.Literal('fail')]),
  amount: Type.Optional(Type.String({ maxLength: 32 })),
});
const OperatorFormSchema = Type.Object({ action: Type.Union([Type.Literal('complete'), Type.Literal('fail')]) });

const RECENT_PAYOUTS = 20;

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(body);
}

export async function cashierRoutes(app: FastifyInstance, { sandbox }: { sandbox: Sandbox }): Promise<void> {
  await app.register(formbody);
  const api = app.withTypeProvider<TypeBoxProvider>();

  // A person reads these answers: problems are pages too, and a 5xx says nothing of the cause.
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendPage(reply, status, errorPage('Bad request', error.message));
    request.log.error({ err: error }, 'sandbox page failed');
    return sendPage(reply, 500, errorPage('Sandbox error', 'Something went wrong; the sandbox log has the details.'));
  });

  const payment = (id: string): PaymentOrder | undefined => {
    const order = sandbox.store.getById(id);
    return order?.kind === 'payment' ? order : undefined;
  };
  const payout = (id: string): PayoutOrder | undefined => {
    const order = sandbox.store.getById(id);
    return order?.kind === 'payout' ? order : undefined;
  };

  api.get('/', {}, (_request, reply) => {
    const all = sandbox.store.find({});
    const counts: Record<Order['status'], number> = { pending: 0, paid: 0, failed: 0 };
    for (const order of all) counts[order.status] += 1;
    const waiting = all.filter((o): o is PaymentOrder => o.kind === 'payment' && o.status === 'pending');
    return sendPage(reply, 200, homePage(waiting, counts));
  });

  api.get('/api/Pay', { schema: { querystring: CashierQuerySchema } }, (request, reply) => {
    const order = payment(request.query.id);
    if (order === undefined) return sendPage(reply, 404, errorPage('No such order', 'This payment link does not lead to an order.'));
    if (order.status !== 'pending') return sendPage(reply, 200, paymentResultPage(order));
    return sendPage(reply, 200, cashierPage(order, { kept: sandbox.scenarios.isKeptPending('payment', order.mrn) }));
  });

  api.post('/cashier/:id', { schema: { params: IdParamsSchema, body: CashierFormSchema } }, (request, reply) => {
    const order = payment(request.params.id);
    if (order === undefined) return sendPage(reply, 404, errorPage('No such order', 'This payment link does not lead to an order.'));
    if (order.status !== 'pending') return sendPage(reply, 409, paymentResultPage(order));
    const kept = sandbox.scenarios.isKeptPending('payment', order.mrn);
    if (request.body.action === 'fail') {
      const result = sandbox.settle(order, 'fail', 'cashier');
      if (!result.ok) return sendPage(reply, 409, cashierPage(order, { error: result.reason, kept }));
      return reply.redirect(payUrlOf(order), 303);
    }
    const amountText = (request.body.amount ?? renderPaymentAmount(order.amountFen)).trim();
    const amount = parseDecimal(amountText);
    if (!amount.ok || amount.fen === 0) {
      const error = amount.ok ? 'The amount must be more than 0.' : `The amount ${amountText} is not a sum of yuan with at most two decimals.`;
      return sendPage(reply, 400, cashierPage(order, { error, amount: amountText, kept }));
    }
    const result = sandbox.settle(order, 'pay', 'cashier', amount.fen);
    if (!result.ok) return sendPage(reply, 409, cashierPage(order, { error: result.reason, amount: amountText, kept }));
    return reply.redirect(payUrlOf(order), 303);
  });

  const renderOperator = (notice?: { error?: string }): string => {
    const payouts = sandbox.store.find({ kind: 'payout' }).filter((o): o is PayoutOrder => o.kind === 'payout');
    const pending = payouts.filter((o) => o.status === 'pending').sort((a, b) => a.createdAt - b.createdAt);
    const settled = payouts
      .filter((o) => o.status !== 'pending')
      .sort((a, b) => (b.settledAt ?? 0) - (a.settledAt ?? 0))
      .slice(0, RECENT_PAYOUTS);
    return operatorPage(pending, settled, notice);
  };

  api.get('/operator', {}, (_request, reply) => sendPage(reply, 200, renderOperator()));

  api.post('/operator/payouts/:id', { schema: { params: IdParamsSchema, body: OperatorFormSchema } }, (request, reply) => {
    const order = payout(request.params.id);
    if (order === undefined) return sendPage(reply, 404, renderOperator({ error: 'There is no such payout.' }));
    const result = sandbox.settle(order, request.body.action === 'complete' ? 'pay' : 'fail', 'operator');
    if (!result.ok) return sendPage(reply, 409, renderOperator({ error: `Payout ${order.mrn}: ${result.reason}.` }));
    return reply.redirect('/operator', 303);
  });
}

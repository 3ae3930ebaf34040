import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { CallbackAnswer, CallbackIntake } from '../orders/callbacks';

export interface CallbackRoutesOptions {
  intake: CallbackIntake;
  /** Empty: any source. Otherwise only these addresses may post callbacks. */
  allowedIps: string[];
}

/** The platform's callbacks: form-urlencoded, no bearer token, answered in the platform's words. */
export const callbackRoutes: FastifyPluginAsync<CallbackRoutesOptions> = async (app, { intake, allowedIps }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  app.addHook('onRequest', async (request, reply) => {
    if (allowedIps.length > 0 && !allowedIps.includes(request.ip)) {
      request.log.warn({ ip: request.ip }, 'callback from an address not in CALLBACK_ALLOWED_IPS');
      return reply.code(403).type('text/plain').send('fail: source address not allowed');
    }
  });

  const answer = (reply: FastifyReply, result: CallbackAnswer) => reply.code(result.httpStatus).type('text/plain').send(result.body);
  const form = (body: unknown): Record<string, unknown> => (body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {});

  app.post('/callbacks/payments', { schema: { hide: true } }, async (request, reply) => answer(reply, await intake.payment(form(request.body))));
  app.post('/callbacks/payouts', { schema: { hide: true } }, async (request, reply) => answer(reply, await intake.payout(form(request.body))));
};

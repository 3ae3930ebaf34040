import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { IpRangeList } from '../../http/ip-ranges';
import { apiErrorOf, forbidden, sendPlatformFailure } from '../errors';
import type { CallbackMetrics } from '../../metrics/api-metrics';
import type { CallbackAnswer, CallbackIntake } from '../orders/callbacks';

export interface CallbackRoutesOptions {
  intake: CallbackIntake;
  /** Empty: any source. Otherwise only these addresses and CIDR ranges may post callbacks. */
  allowedIps: string[];
  /** Counts refused sources as `ip_denied`. */
  metrics?: CallbackMetrics;
}

/** The platform's callbacks: form-urlencoded, no bearer token, answered in the platform's words. */
export const callbackRoutes: FastifyPluginAsync<CallbackRoutesOptions> = async (app, { intake, allowedIps, metrics }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });

  const allowed = new IpRangeList(allowedIps);
  app.addHook('onRequest', async (request, reply) => {
    // request.ip: the peer, or with TRUST_PROXY the client its trusted proxies name; compared canonically.
    if (allowed.size > 0 && !allowed.has(request.ip)) {
      request.log.warn({ ip: request.ip }, 'callback from an address not in CALLBACK_ALLOWED_IPS');
      metrics?.callback(request.url.startsWith('/callbacks/payouts') ? 'payout' : 'payment', 'ip_denied');
      return sendPlatformFailure(reply, forbidden('source address not allowed'));
    }
  });

  // Refused before the intake runs (body too large, media type, unreadable body): in the platform's words too.
  app.setErrorHandler((error, request, reply) => sendPlatformFailure(reply, apiErrorOf(request, error)));

  const answer = (reply: FastifyReply, result: CallbackAnswer) => reply.code(result.httpStatus).type('text/plain').send(result.body);
  const form = (body: unknown): Record<string, unknown> => (body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {});

  app.post('/callbacks/payments', { schema: { hide: true } }, async (request, reply) => answer(reply, await intake.payment(form(request.body))));
  app.post('/callbacks/payouts', { schema: { hide: true } }, async (request, reply) => answer(reply, await intake.payout(form(request.body))));
};

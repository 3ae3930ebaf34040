import type { FastifyInstance } from 'fastify';
import { safeEqual } from '../../gateway/signing';
import { unauthorized } from '../errors';

/**
 * `Authorization: Bearer <API_TOKEN>` on every route of the context it is registered in,
 * compared in constant time. The API is never open without a token.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer (.+)$/.exec(header) : null;
    if (match === null || !safeEqual(match[1], token)) throw unauthorized();
  });
}

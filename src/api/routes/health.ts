import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';

/** 200 when the API is up and Temporal answers; 503 otherwise. */
export const healthRoutes: FastifyPluginAsync<{ client: Client }> = async (app, { client }) => {
  app.get('/healthz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
      return { status: 'ok', temporal: 'reachable' };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: Temporal unreachable');
      return reply.code(503).send({ status: 'unavailable', temporal: 'unreachable' });
    }
  });
};

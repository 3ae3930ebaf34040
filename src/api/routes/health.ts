import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';

/** Liveness `/healthz`: 200 when the API is up and Temporal answers; readiness `/readyz`: its namespace answers. 503 otherwise. */
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

  // Readiness: the namespace the orders live in answers (so starts, signals and queries can work).
  // While the API shuts down, Fastify answers 503 to every new request, this one included, so a
  // load balancer stops sending traffic while in-flight requests finish.
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await client.withDeadline(Date.now() + 2_000, () => client.workflowService.describeNamespace({ namespace: client.options.namespace }));
      return { status: 'ready', namespace: client.options.namespace };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check: namespace not answering');
      return reply.code(503).send({ status: 'unavailable', namespace: client.options.namespace });
    }
  });
};

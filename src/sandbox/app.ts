import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import type { SandboxOptions } from './options';
import { cashierRoutes } from './routes/cashier';
import { controlRoutes } from './routes/control';
import { platformApiRoutes } from './routes/platform-api';
import { Sandbox } from './sandbox';
import { typeboxValidatorCompiler } from '../http/typebox';

/** Merchant requests are small; anything near this is not a payment. */
const BODY_LIMIT = 64 * 1024;

export function createSandboxLogger(level = 'info'): FastifyBaseLogger {
  return pino({ name: 'sandbox', level });
}

/**
 * The sandbox platform as a Fastify app, not yet listening: the platform's endpoints, the
 * cashier and operator pages, and the control API under /sandbox. Closing the app ends every
 * pending wait and callback at once.
 */
export function buildSandboxApp(options: SandboxOptions): FastifyInstance {
  const logger = options.logger ?? createSandboxLogger(options.logLevel);
  const app = Fastify({
    loggerInstance: logger,
    // Request lines are logged below, by path only: queries carry signatures, which must stay out of logs.
    disableRequestLogging: true,
    bodyLimit: BODY_LIMIT,
    // Closing cuts every connection: a client's spare keep-alive socket that never sent a request
    // is not "idle" to Node, and would otherwise hold close() open until the client drops it.
    forceCloseConnections: true,
  });
  const sandbox = new Sandbox(options, logger);

  app.setValidatorCompiler(typeboxValidatorCompiler);

  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ method: request.method, path: request.url.split('?')[0], statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
    done();
  });
  // Before the server waits for in-flight requests: release the hanging and held-back answers.
  app.addHook('preClose', (done) => {
    sandbox.stop();
    done();
  });
  app.addHook('onClose', () => sandbox.close());

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ error: 'bad_request', message: error.message });
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'internal_error', message: 'internal error' });
  });

  void app.register(platformApiRoutes, { sandbox });
  void app.register(cashierRoutes, { sandbox });
  void app.register(controlRoutes, { sandbox, prefix: '/sandbox' });
  return app;
}

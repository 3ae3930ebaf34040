import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * The API's error catalog: a stable `error` code and a message that says what is wrong.
 * Deliberate 4xx pass through; anything else is logged with its stack and answered with a
 * generic body that leaks nothing.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** More fields of the answer body, e.g. the mrn to retry with. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);
export const unauthorized = (message = 'missing or wrong bearer token'): ApiError => new ApiError(401, 'unauthorized', message);
export const forbidden = (message: string): ApiError => new ApiError(403, 'forbidden', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);
export const temporalUnavailable = (message = 'the workflow service cannot be reached; retry later'): ApiError =>
  new ApiError(503, 'unavailable', message);
/**
 * A create that could not reach Temporal may or may not have started the order: only the same mrn
 * makes the retry safe (a new one could pay twice), so the answer carries it.
 */
export const orderUnavailable = (mrn: string, what = 'the workflow service cannot be reached'): ApiError =>
  new ApiError(503, 'unavailable', `${what}; the order may or may not have started: retry with the same mrn (${mrn}) and the same body`, { mrn });

export interface ErrorBody {
  error: string;
  message: string;
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.statusCode >= 500) request.log.warn({ err: error }, 'request failed');
      return reply.code(error.statusCode).send({ ...error.details, error: error.code, message: error.message } satisfies ErrorBody);
    }
    if (error.validation || error.code === 'FST_ERR_VALIDATION') {
      return reply.code(400).send({ error: 'bad_request', message: error.message } satisfies ErrorBody);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx (bad JSON, unsupported media type, body too large): their message is safe.
      return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send({ error: 'internal_error', message: 'internal error' } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` } satisfies ErrorBody);
  });
}

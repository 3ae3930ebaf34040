import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { REQUEST_CONFLICT } from '../contracts/order';
import { CONTRADICTED_BY_PLATFORM, NOT_PENDING, REASON_REQUIRED, UNCONFIRMED_BY_PLATFORM } from '../contracts/payout';

/**
 * The API's error catalog, the one place an error answer is made: every code the API can answer,
 * its status, what Fastify's own errors and Temporal's failures become, and how an error is sent —
 * `{ error, message }` JSON on /v1, /codec and /checkout; `fail: <reason>` text to the platform's
 * callbacks; a line of text for a payer's browser on a refused checkout link.
 */
export const API_ERRORS = {
  bad_request: 400,
  codec_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** More fields of the answer body, e.g. the mrn to retry with. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = API_ERRORS[code];
  }
}

export const badRequest = (message: string): ApiError => new ApiError('bad_request', message);
export const codecError = (message: string): ApiError => new ApiError('codec_error', message);
export const unauthorized = (message = 'missing or wrong bearer token'): ApiError => new ApiError('unauthorized', message);
export const forbidden = (message: string): ApiError => new ApiError('forbidden', message);
export const notFound = (message: string): ApiError => new ApiError('not_found', message);
export const conflict = (message: string): ApiError => new ApiError('conflict', message);
export const temporalUnavailable = (message = 'the workflow service cannot be reached; retry later'): ApiError => new ApiError('unavailable', message);
/**
 * A create that could not reach Temporal may or may not have started the order: only the same mrn
 * makes the retry safe (a new one could pay twice), so the answer carries it.
 */
export const orderUnavailable = (mrn: string, what = 'the workflow service cannot be reached'): ApiError =>
  new ApiError('unavailable', `${what}; the order may or may not have started: retry with the same mrn (${mrn}) and the same body`, { mrn });
const internalError = (): ApiError => new ApiError('internal_error', 'internal error');

export interface ErrorBody {
  error: ApiErrorCode;
  message: string;
}

// ---- Fastify's own errors --------------------------------------------------------------------

/** The request errors Fastify (and its parsers) raise before a handler runs, and the code each answers. */
export const FRAMEWORK_ERRORS: Readonly<Record<string, ApiErrorCode>> = {
  FST_ERR_VALIDATION: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_INVALID_URL: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_ASYNC_CONSTRAINT: 'internal_error',
};

/** What any error thrown while answering becomes: the catalog's entry, or a generic 500 that leaks nothing. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const fastify = error as Partial<FastifyError> | null;
  const code = typeof fastify?.code === 'string' ? FRAMEWORK_ERRORS[fastify.code] : undefined;
  if (code === 'unsupported_media_type') {
    const given = /^Unsupported Media Type: (.*)$/.exec(fastify?.message ?? '')?.[1];
    const type = given === undefined || given === '' || given === 'undefined' ? 'no content-type' : JSON.stringify(given.slice(0, 100));
    return new ApiError(code, `Unsupported Media Type: ${type}; /v1 and /codec take application/json, /callbacks a form`);
  }
  if (code === 'body_too_large') return new ApiError(code, 'body: too large');
  if (code !== undefined && code !== 'internal_error') return new ApiError(code, fastify?.message ?? code);
  if (fastify?.validation !== undefined) return badRequest(fastify.message ?? 'invalid request');
  // A parser's own 400 (prototype poisoning, a repeated JSON key): its message is safe.
  if (fastify?.statusCode === 400 && typeof fastify.message === 'string') return badRequest(fastify.message);
  return internalError();
}

// ---- Temporal's failures ---------------------------------------------------------------------

/** Update failure types the order workflows raise, and the code each answers. */
export const WORKFLOW_FAILURES: Readonly<Record<string, ApiErrorCode>> = {
  [REASON_REQUIRED]: 'bad_request',
  [REQUEST_CONFLICT]: 'conflict',
  [NOT_PENDING]: 'conflict',
  [CONTRADICTED_BY_PLATFORM]: 'conflict',
  [UNCONFIRMED_BY_PLATFORM]: 'conflict',
};

/** An update refused by the workflow with one of the failure types above, as its API error; undefined otherwise. */
export function workflowRefusal(error: unknown): ApiError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const code = error.cause.type === undefined || error.cause.type === null ? undefined : WORKFLOW_FAILURES[error.cause.type];
  return code === undefined ? undefined : new ApiError(code, error.cause.message);
}

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/) that matter here. */
const grpcStatus = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** Temporal could not be reached or did not answer in time: the caller should retry (503). */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ServiceError) {
    const code = (error.cause as { code?: number } | undefined)?.code;
    return code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED || code === grpcStatus.CANCELLED;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED;
}

export function isDeadlineExceeded(error: unknown): boolean {
  const cause = error instanceof ServiceError ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return code === grpcStatus.DEADLINE_EXCEEDED || code === grpcStatus.CANCELLED;
}

export function isNotFound(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  const cause = error instanceof ServiceError ? error.cause : error;
  return (cause as { code?: unknown } | null)?.code === grpcStatus.NOT_FOUND;
}

// ---- The order book's failures ------------------------------------------------------------------

/** The book (PostgreSQL) cannot be reached or is restarting: the caller should retry (503). */
export const bookUnavailable = (message = 'the order book cannot be reached; retry later'): ApiError => new ApiError('unavailable', message);

/** Socket errors of the connection to the book. */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The book could not be reached or could not serve now (as opposed to a query of ours it refused):
 * a socket error, the pool giving up on a connection, or PostgreSQL's SQLSTATE class 08 (connection
 * exception), 57P01-57P03 (shutting down, starting up) or 53300 (too many connections).
 */
export function isBookUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (CONNECTION_ERRORS.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300')) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|after calling end on the pool/.test(message);
}

// ---- Sending -----------------------------------------------------------------------------------

export function sendJson(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.statusCode).send({ ...error.details, error: error.code, message: error.message } satisfies ErrorBody & Record<string, string>);
}

/** The platform's callbacks hear `fail: <reason>` (only `success` stops its retries). */
export function platformFailure(error: ApiError): { httpStatus: number; body: string } {
  return { httpStatus: error.statusCode, body: `fail: ${error.message}` };
}

export function sendPlatformFailure(reply: FastifyReply, error: ApiError): FastifyReply {
  const { httpStatus, body } = platformFailure(error);
  return reply.code(httpStatus).type('text/plain').send(body);
}

/** A payer's browser hears a line of text. */
export function sendPageText(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(error.statusCode).type('text/plain; charset=utf-8').send(error.message);
}

function logged(request: FastifyRequest, raw: unknown, error: ApiError): ApiError {
  if (error.code === 'internal_error') request.log.error({ err: raw }, 'unexpected error');
  else if (error.statusCode >= 500) request.log.warn({ err: raw }, 'request failed');
  return error;
}

/** Fastify option: URL errors raised before routing (a path that is not valid UTF-8) answer from the catalog too. */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, request, reply) => {
  void sendJson(reply, logged(request, error, toApiError(error)));
};

/** The root error and not-found handlers; a plugin that answers in another format registers its own with the senders above. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, reply) => sendJson(reply, logged(request, error, toApiError(error))));
  app.setNotFoundHandler((request, reply) => sendJson(reply, notFound(`no route ${request.method} ${request.url.split('?')[0] ?? ''}`)));
}

/** For a plugin's own error handler: the error as the catalog answers it, logged like the root handler does. */
export function apiErrorOf(request: FastifyRequest, error: unknown): ApiError {
  return logged(request, error, toApiError(error));
}

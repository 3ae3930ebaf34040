import { Type, type Static } from '@sinclair/typebox';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CodecKeyError } from '../../codec';
import { safeEqual } from '../../gateway/signing';
import type { TypeBoxProvider } from '../../http/typebox';
import { badRequest, codecError, unauthorized } from '../errors';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  operatorToken: string;
  namespace: string;
  /** Browser origins (the Temporal UI) allowed to call the codec server. */
  corsOrigins: string[];
}

/** Payloads in the proto3 JSON mapping the Temporal UI and CLI send: bytes as base64. */
const JsonPayloads = Type.Object({
  payloads: Type.Array(
    Type.Object({
      metadata: Type.Optional(Type.Record(Type.String(), Type.String({ maxLength: 1_000_000 }))),
      data: Type.Optional(Type.String({ maxLength: 4_000_000 })),
    }),
    { maxItems: 1_000 },
  ),
});
type JsonPayloads = Static<typeof JsonPayloads>;

const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

/** The UI batches every payload of a history page into one request: far above the API's 64 KiB. */
const CODEC_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * A codec server (Temporal's remote codec protocol: POST {endpoint}/decode and /encode) so an
 * operator's Temporal UI or CLI shows plain data. Operators only: `Authorization: Bearer
 * OPERATOR_TOKEN`, or the token as a path segment for a UI that cannot send headers.
 */
export const codecRoutes: FastifyPluginAsync<CodecRoutesOptions> = async (parent, options) => {
  const app = parent.withTypeProvider<TypeBoxProvider>();

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin === 'string' && options.corsOrigins.includes(origin)) {
      void reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true').header('vary', 'origin');
    }
  });

  const preflight = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();

  const authorize = (request: FastifyRequest, pathToken: string | undefined): void => {
    const header = request.headers.authorization;
    const bearer = typeof header === 'string' ? /^Bearer (.+)$/.exec(header)?.[1] : undefined;
    const given = bearer ?? pathToken;
    if (given === undefined || !safeEqual(given, options.operatorToken)) throw unauthorized('missing or wrong operator token');
    const namespace = request.headers['x-namespace'];
    if (typeof namespace === 'string' && namespace !== options.namespace) throw badRequest(`X-Namespace: unknown namespace "${namespace}"`);
  };

  const run = async (direction: 'encode' | 'decode', body: JsonPayloads): Promise<JsonPayloads> => {
    const payloads = body.payloads.map(fromJson);
    try {
      const result = direction === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      return { payloads: result.map(toJson) };
    } catch (error) {
      if (error instanceof CodecKeyError) throw codecError(error.message);
      throw error;
    }
  };

  for (const direction of ['encode', 'decode'] as const) {
    const schema = { hide: true, body: JsonPayloads };
    const bodyLimit = CODEC_BODY_LIMIT;
    app.options(`/codec/${direction}`, preflight);
    app.options(`/codec/:token/${direction}`, preflight);
    app.post(`/codec/${direction}`, { schema, bodyLimit }, async (request) => {
      authorize(request, undefined);
      return run(direction, request.body);
    });
    app.post(`/codec/:token/${direction}`, { schema: { ...schema, params: Type.Object({ token: Type.String({ maxLength: 256 }) }) }, bodyLimit }, async (request) => {
      authorize(request, request.params.token);
      return run(direction, request.body);
    });
  }
};

function fromJson(payload: JsonPayloads['payloads'][number]): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(payload.data ?? '', 'base64') };
}

function toJson(payload: Payload): JsonPayloads['payloads'][number] {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) metadata[key] = Buffer.from(value ?? new Uint8Array()).toString('base64');
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

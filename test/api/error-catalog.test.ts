/**
 * The error catalog (src/api/errors.ts): every code it lists, with its status, is answered by the
 * app for a request that provokes it — JSON `{ error, message }` on /v1, /codec and /checkout, the
 * platform's `fail: …` text on /callbacks — and Fastify's own errors and Temporal's failures come
 * out as catalog entries, never in Fastify's shape. In-process (`app.inject`), Temporal stubbed.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { CodecKeyError } from '../../src/codec';
import { REQUEST_CONFLICT } from '../../src/contracts/order';
import { CONTRADICTED_BY_PLATFORM, NOT_PENDING, REASON_REQUIRED, UNCONFIRMED_BY_PLATFORM } from '../../src/contracts/payout';
import { API_ERRORS, FRAMEWORK_ERRORS, WORKFLOW_FAILURES, type ApiErrorCode } from '../../src/api/errors';
import { bearer, INJECT_OPERATOR_TOKEN, injectApp, temporalFailures, type StubTemporal } from '../helpers/inject';

const PAYMENT = { amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' };
const resolve = (mrn: string): InjectOptions => ({ method: 'POST', url: `/v1/payouts/${mrn}/resolve`, headers: bearer, payload: { outcome: 'failed', reason: 'bank says so' } });
const failingCodec = {
  encode: () => Promise.reject(new CodecKeyError('no key')),
  decode: () => Promise.reject(new CodecKeyError('cannot decrypt payload: key "retired-key" is not configured in CODEC_KEYS')),
};

/** One request per catalog code that the app answers with it, and the Temporal behaviour it needs. */
const PROVOKE: Record<ApiErrorCode, { request: InjectOptions; temporal?: StubTemporal; format?: 'json' | 'platform' }> = {
  bad_request: { request: { method: 'POST', url: '/v1/payments', headers: bearer, payload: { ...PAYMENT, channelId: 99 } } },
  codec_error: { request: { method: 'POST', url: '/codec/decode', headers: { authorization: `Bearer ${INJECT_OPERATOR_TOKEN}` }, payload: { payloads: [{ data: '' }] } } },
  unauthorized: { request: { method: 'GET', url: '/v1/payments/M-1' } },
  forbidden: { request: { method: 'GET', url: '/checkout/payments/M-1?expires=1&sig=00' } },
  not_found: { request: { method: 'GET', url: '/v1/payments/M-1', headers: bearer }, temporal: { query: (id) => Promise.reject(temporalFailures.notFound(id)) } },
  conflict: { request: resolve('M-1'), temporal: { executeUpdate: () => Promise.reject(temporalFailures.refusedUpdate(NOT_PENDING, 'payout M-1 is already succeeded')) } },
  body_too_large: { request: { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/json' }, payload: JSON.stringify({ ...PAYMENT, payer: 'x'.repeat(70_000) }) } },
  unsupported_media_type: { request: { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'text/plain' }, payload: JSON.stringify(PAYMENT) } },
  internal_error: { request: { method: 'GET', url: '/v1/payments/M-1', headers: bearer }, temporal: { query: () => Promise.reject(new Error('something nobody expected')) } },
  unavailable: { request: { method: 'GET', url: '/v1/payments/M-1', headers: bearer }, temporal: { query: () => Promise.reject(temporalFailures.unavailable()) } },
};

async function answer(request: InjectOptions, temporal: StubTemporal = {}) {
  const app = await injectApp(temporal, { codec: failingCodec });
  try {
    return await app.inject(request);
  } finally {
    await app.close();
  }
}

describe('the error catalog', () => {
  test.each(Object.entries(API_ERRORS) as [ApiErrorCode, number][])('%s is answered with %i and { error, message }', async (code, status) => {
    const { request, temporal } = PROVOKE[code];
    const response = await answer(request, temporal);
    expect(response.statusCode).toBe(status);
    if (code === 'forbidden') {
      expect(response.headers['content-type']).toMatch(/^text\/plain/); // a payer's browser reads it
      return;
    }
    expect(response.json()).toEqual({ error: code, message: expect.any(String) });
    if (code === 'internal_error') expect(response.json().message).toBe('internal error'); // leaks nothing
  });

  test('every Fastify and workflow failure maps to a catalog code', () => {
    for (const code of [...Object.values(FRAMEWORK_ERRORS), ...Object.values(WORKFLOW_FAILURES)]) expect(API_ERRORS).toHaveProperty(code);
    expect(Object.keys(WORKFLOW_FAILURES).sort()).toEqual([CONTRADICTED_BY_PLATFORM, NOT_PENDING, REASON_REQUIRED, REQUEST_CONFLICT, UNCONFIRMED_BY_PLATFORM].sort());
  });
});

describe("Fastify's own errors answer in the catalog's shape", () => {
  test.each([
    ['a path that is not UTF-8 (FST_ERR_BAD_URL)', { method: 'GET', url: '/v1/payments/%ED%A0%80', headers: bearer }, 400, 'bad_request'],
    ['an empty JSON body', { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/json' }, payload: '' }, 400, 'bad_request'],
    ['JSON that does not parse', { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"amount":' }, 400, 'bad_request'],
    ['a repeated JSON key', { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"amount":"1.00","amount":"2.00"}' }, 400, 'bad_request'],
    ['prototype poisoning', { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' }, 400, 'bad_request'],
    ['a schema violation (FST_ERR_VALIDATION)', { method: 'POST', url: '/v1/payments', headers: bearer, payload: { amount: '1.00' } }, 400, 'bad_request'],
    ['text/plain on /v1', { method: 'POST', url: '/v1/payouts', headers: { ...bearer, 'content-type': 'text/plain' }, payload: 'mrn=1' }, 415, 'unsupported_media_type'],
    ['an unknown media type', { method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'application/xml' }, payload: '<a/>' }, 415, 'unsupported_media_type'],
    ['a body over 64 KiB', { method: 'POST', url: '/v1/payouts', headers: { ...bearer, 'content-type': 'application/json' }, payload: `{"mrn":"${'M'.repeat(70_000)}"}` }, 413, 'body_too_large'],
    ['an unknown route', { method: 'GET', url: '/v2/nothing' }, 404, 'not_found'],
  ] as [string, InjectOptions, number, ApiErrorCode][])('%s', async (_what, request, status, code) => {
    const response = await answer(request);
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body).toEqual({ error: code, message: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/FST_|statusCode/);
  });
});

test('a text/plain body on /v1 is 415 naming the type it got (it used to be read as a string and fail the schema: 400)', async () => {
  const response = await answer({ method: 'POST', url: '/v1/payments', headers: { ...bearer, 'content-type': 'text/plain' }, payload: JSON.stringify(PAYMENT) });
  expect(response.statusCode).toBe(415);
  expect(response.json()).toEqual({ error: 'unsupported_media_type', message: expect.stringContaining('"text/plain"') });
});

test('a malformed URL is answered in the catalog\'s shape, not Fastify\'s (FST_ERR_BAD_URL)', async () => {
  const response = await answer({ method: 'GET', url: '/v1/payments/%ED%A0%80', headers: bearer });
  expect(response.statusCode).toBe(400);
  expect(response.json()).toEqual({ error: 'bad_request', message: expect.any(String) });
});

describe("Temporal's failures", () => {
  test.each([
    [REASON_REQUIRED, 400, 'bad_request'],
    [NOT_PENDING, 409, 'conflict'],
    [CONTRADICTED_BY_PLATFORM, 409, 'conflict'],
    [UNCONFIRMED_BY_PLATFORM, 409, 'conflict'],
  ] as const)('an operator update refused with %s answers %i %s, with the workflow message', async (type, status, code) => {
    const response = await answer(resolve('M-1'), { executeUpdate: () => Promise.reject(temporalFailures.refusedUpdate(type, `refused: ${type}`)) });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ error: code, message: `refused: ${type}` });
  });

  test('a create under a used mrn with another body (RequestConflict) answers 409', async () => {
    const response = await answer(
      { method: 'POST', url: '/v1/payments', headers: bearer, payload: { ...PAYMENT, mrn: 'M-1' } },
      { updateWithStart: () => Promise.reject(temporalFailures.refusedUpdate(REQUEST_CONFLICT, 'mrn M-1 already names a different payment request')) },
    );
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'conflict', message: 'mrn M-1 already names a different payment request' });
  });

  test('a create that cannot reach Temporal answers 503 with the mrn to retry with', async () => {
    const response = await answer({ method: 'POST', url: '/v1/payments', headers: bearer, payload: { ...PAYMENT, mrn: 'M-1' } }, { updateWithStart: () => Promise.reject(temporalFailures.unavailable()) });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: 'unavailable', mrn: 'M-1', message: expect.stringContaining('retry with the same mrn (M-1)') });
  });

  test('an operator update on a closed run answers 409 naming its status', async () => {
    const response = await answer(resolve('M-1'), {
      executeUpdate: (id) => Promise.reject(temporalFailures.notFound(id)),
      query: () => Promise.resolve({ mrn: 'M-1', status: 'succeeded' }),
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ error: 'conflict', message: 'payout M-1 is already succeeded' });
  });
});

describe('callbacks answer catalog errors in the platform\'s text', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await injectApp({}, { callbackAllowedIps: ['203.0.113.7'] });
  });
  afterAll(() => app.close());

  test.each([
    ['a source outside CALLBACK_ALLOWED_IPS', '198.51.100.1', 'application/x-www-form-urlencoded', 'mrn=M-1', 403, /^fail: source address not allowed$/],
    ['an unsupported media type', '203.0.113.7', 'application/xml', '<a/>', 415, /^fail: Unsupported Media Type: "application\/xml"/],
    ['a body over 16 KiB', '203.0.113.7', 'application/x-www-form-urlencoded', `mrn=${'M'.repeat(20_000)}`, 413, /^fail: body: too large$/],
  ])('%s', async (_what, remoteAddress, contentType, payload, status, text) => {
    const response = await app.inject({ method: 'POST', url: '/callbacks/payments', remoteAddress, headers: { 'content-type': contentType }, payload });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(text);
  });
});

/**
 * The API's callback and request metrics, in-process (`app.inject`, Temporal stubbed): each way a
 * callback can end moves its own `orchestrator_callbacks_total{outcome}`, `/metrics` is behind
 * METRICS_TOKEN when set, and the request histogram labels routes by pattern.
 */
import type { FastifyInstance } from 'fastify';
import { signedFields } from '../helpers/callbacks';
import { INJECT_GATEWAY, injectApp, temporalFailures, type StubTemporal } from '../helpers/inject';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const paymentCallback = (values: Record<string, string> = {}) =>
  form(signedFields('payment.callback', { amount: '100.00', channel: '2', mrn: 'M-1', originAmount: '100.00', ...values }, INJECT_GATEWAY));

const METRICS_TOKEN = 'metrics-token-0123456789';

async function withApp<T>(temporal: StubTemporal, settings: Parameters<typeof injectApp>[1], run: (app: FastifyInstance) => Promise<T>): Promise<T> {
  const app = await injectApp(temporal, { metricsToken: METRICS_TOKEN, ...settings });
  try {
    return await run(app);
  } finally {
    await app.close();
  }
}

/** `orchestrator_callbacks_total{kind="payment",outcome=…}` as /metrics shows it. */
async function callbacks(app: FastifyInstance, outcome: string, kind = 'payment'): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
  const match = new RegExp(`^orchestrator_callbacks_total\\{kind="${kind}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

const postCallback = (app: FastifyInstance, payload: string, url = '/callbacks/payments', remoteAddress?: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload, ...(remoteAddress === undefined ? {} : { remoteAddress }) });

test.each([
  ['accepted', { signal: () => Promise.resolve() }, paymentCallback(), 200],
  ['bad_signature', {}, paymentCallback().replace(/sign=[^&]+/, `sign=${'0'.repeat(32)}`), 401],
  ['invalid', {}, paymentCallback({ amount: 'ten' }), 400],
  ['temporal_unavailable', { signal: () => Promise.reject(temporalFailures.unavailable()) }, paymentCallback(), 503],
  [
    'unknown_order',
    {
      signal: (id: string) => Promise.reject(temporalFailures.notFound(id)),
      describe: (id: string) => Promise.reject(temporalFailures.notFound(id)),
      start: () => Promise.resolve(undefined),
    },
    paymentCallback(),
    200,
  ],
] as [string, StubTemporal, string, number][])('a callback answered %s moves that outcome by one, and no other', async (outcome, temporal, payload, status) => {
  await withApp(temporal, {}, async (app) => {
    const before = await Promise.all(['accepted', 'bad_signature', 'invalid', 'temporal_unavailable', 'unknown_order'].map((o) => callbacks(app, o)));
    expect(before.every((value) => value === 0)).toBe(true); // every series exists from the start
    expect((await postCallback(app, payload)).statusCode).toBe(status);
    expect(await callbacks(app, outcome)).toBe(1);
    const others = await Promise.all(['accepted', 'bad_signature', 'invalid', 'temporal_unavailable', 'unknown_order'].filter((o) => o !== outcome).map((o) => callbacks(app, o)));
    expect(others).toEqual([0, 0, 0, 0]);
  });
});

test('a callback from an address outside CALLBACK_ALLOWED_IPS moves ip_denied', async () => {
  await withApp({}, { callbackAllowedIps: ['203.0.113.7/32'] }, async (app) => {
    expect((await postCallback(app, paymentCallback(), '/callbacks/payouts', '198.51.100.1')).statusCode).toBe(403);
    expect(await callbacks(app, 'ip_denied', 'payout')).toBe(1);
    expect(await callbacks(app, 'ip_denied', 'payment')).toBe(0);
  });
});

test('/metrics wants METRICS_TOKEN when set, and is open without it', async () => {
  await withApp({}, {}, async (app) => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
  });
  const open = await injectApp({});
  try {
    const response = await open.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  } finally {
    await open.close();
  }
});

test('the request histogram labels a route by its pattern, never by an mrn or a token in the path', async () => {
  await withApp({ query: () => Promise.reject(temporalFailures.notFound('payment-SECRET-MRN-1')) }, {}, async (app) => {
    await app.inject({ method: 'GET', url: '/v1/payments/SECRET-MRN-1', headers: { authorization: 'Bearer inject-test-api-token' } });
    await app.inject({ method: 'GET', url: '/no/such/route/SECRET-MRN-2' });
    const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
    expect(text).toMatch(/orchestrator_http_request_duration_seconds_count\{route="\/v1\/payments\/:mrn",method="GET",status="404"\} 1/);
    expect(text).toMatch(/orchestrator_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/);
    expect(text).not.toContain('SECRET-MRN');
  });
});

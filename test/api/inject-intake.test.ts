/**
 * What the API decides by itself, in-process (`app.inject`, Temporal stubbed): the callback intake
 * (verify over the raw values, then signal; record what no run can take; 503 when Temporal is down)
 * and the normalisation of create requests into workflow input.
 */
import type { FastifyInstance } from 'fastify';
import type { PaymentWorkflowInput } from '../../src/contracts/payment';
import type { PayoutWorkflowInput } from '../../src/contracts/payout';
import { BAD_PAYMENT_INPUTS, BAD_PAYOUT_INPUTS, withChange } from '../helpers/bad-inputs';
import { signedFields } from '../helpers/callbacks';
import { bearer, INJECT_GATEWAY, injectApp, temporalFailures, type StubTemporal } from '../helpers/inject';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const paymentCallback = (values: Record<string, string> = {}) =>
  form(signedFields('payment.callback', { amount: '100.00', channel: '2', mrn: 'M-1', originAmount: '100.00', ...values }, INJECT_GATEWAY));

async function post(temporal: StubTemporal, url: string, payload: string | object) {
  const app: FastifyInstance = await injectApp(temporal);
  try {
    const headers = typeof payload === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : bearer;
    return await app.inject({ method: 'POST', url, headers, payload });
  } finally {
    await app.close();
  }
}

describe('callback intake', () => {
  test('a verified callback is signalled to its order with the fields as received, and answered success', async () => {
    const signals: { workflowId: string; args: unknown[] }[] = [];
    const response = await post({ signal: async (workflowId, args) => void signals.push({ workflowId, args }) }, '/callbacks/payments', paymentCallback());
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('success');
    expect(signals).toHaveLength(1);
    expect(signals[0].workflowId).toBe('payment-M-1');
    expect(signals[0].args[0]).toMatchObject({ fields: { mrn: 'M-1', amount: '100.00', originAmount: '100.00', appKey: INJECT_GATEWAY.appKey } });
  });

  test.each([
    ['a wrong signature', paymentCallback().replace(/sign=[^&]+/, `sign=${'0'.repeat(32)}`), 401, /^fail: .*sign/i],
    ['another appKey', form(signedFields('payment.callback', { amount: '1.00', channel: '2', mrn: 'M-1', originAmount: '1.00' }, { appKey: 'other', secret: INJECT_GATEWAY.secret })), 401, /^fail: /],
    ['a missing field', form({ mrn: 'M-1' }), 400, /^fail: /],
    ['an amount that does not parse', paymentCallback({ amount: '1,00' }), 400, /^fail: amount/],
  ])('%s is refused and nothing is signalled', async (_what, body, status, text) => {
    const signal = jest.fn();
    const response = await post({ signal }, '/callbacks/payments', body);
    expect(response.statusCode).toBe(status);
    expect(response.body).toMatch(text);
    expect(signal).not.toHaveBeenCalled();
  });

  test('a callback for an mrn no order has is recorded for operators and answered success', async () => {
    const started: { workflowType: string; workflowId: string }[] = [];
    const response = await post(
      {
        signal: (id) => Promise.reject(temporalFailures.notFound(id)),
        describe: (id) => Promise.reject(temporalFailures.notFound(id)),
        start: async (workflowType, options) => void started.push({ workflowType, workflowId: options.workflowId }),
      },
      '/callbacks/payments',
      paymentCallback(),
    );
    expect(response.body).toBe('success');
    expect(started).toEqual([{ workflowType: 'unmatchedCallbackWorkflow', workflowId: expect.stringContaining('M-1') }]);
  });

  test('Temporal unreachable: 503 in the platform\'s text, so it retries', async () => {
    const response = await post({ signal: () => Promise.reject(temporalFailures.unavailable()) }, '/callbacks/payments', paymentCallback());
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('fail: temporarily unavailable');
  });
});

describe('normalisation of create requests', () => {
  const captured = async (url: string, payload: object): Promise<unknown> => {
    let input: unknown;
    const response = await post({ updateWithStart: async (given) => { input = given; return Promise.reject(temporalFailures.unavailable()); } }, url, payload);
    expect(response.statusCode).toBe(503); // the stub stops after the start: only the input matters here
    return input;
  };

  test('a pay-in: amount text or number to fen, a generated mrn, api mode by default', async () => {
    const input = (await captured('/v1/payments', { amount: 0.1, channelId: 2, returnUrl: 'https://shop.example.com/paid' })) as PaymentWorkflowInput;
    expect(input.request).toEqual({ mrn: expect.stringMatching(/^P/), amountFen: 10, channelId: 2, returnUrl: 'https://shop.example.com/paid', mode: 'api' });
    expect(input.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a payout: whole yuan to fen, the names and account as given, the mrn required', async () => {
    const body = { mrn: 'W-1', amount: '500', bankName: '中国银行', accountName: '张三', accountNumber: '6222020200112233445' };
    const input = (await captured('/v1/payouts', body)) as PayoutWorkflowInput;
    expect(input.request).toEqual({ mrn: 'W-1', amountFen: 50_000, bankName: '中国银行', accountName: '张三', accountNumber: '6222020200112233445' });
  });

  test('the same request hashes the same; another amount does not', async () => {
    const body = { mrn: 'P-1', amount: '1.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' };
    const [a, b, c] = (await Promise.all([captured('/v1/payments', body), captured('/v1/payments', { ...body, amount: 1 }), captured('/v1/payments', { ...body, amount: '1.01' })])) as PaymentWorkflowInput[];
    expect(a.requestHash).toBe(b.requestHash);
    expect(c.requestHash).not.toBe(a.requestHash);
  });
});

describe('the 400 tables: refused before anything reaches Temporal (the stub answers no call)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await injectApp();
  });
  afterAll(() => app.close());

  const valid = {
    payments: { mrn: 'P-1', amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' },
    payouts: { mrn: 'W-1', amount: 500, bankName: '中国银行', accountName: '张三', accountNumber: '6222020200112233445' },
  };
  test.each([
    ...BAD_PAYMENT_INPUTS.map(([what, change, field]) => ['payments', what, change, field] as const),
    ...BAD_PAYOUT_INPUTS.map(([what, change, field]) => ['payouts', what, change, field] as const),
  ])('%s: %s', async (kind, _what, change, field) => {
    const response = await app.inject({ method: 'POST', url: `/v1/${kind}`, headers: bearer, payload: withChange(valid[kind], change) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(field) });
  });
});

/**
 * What operators rely on: personal data encrypted in history (with a codec server to read it),
 * truthful search attributes, and order lists backed by the same visibility the Temporal UI uses.
 */
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { sign } from '../../src/gateway';
import { paymentCallback, paymentWorkflowId } from '../../src/contracts/payment';
import { payoutCallback, payoutWorkflowId } from '../../src/contracts/payout';
import { OrderKind, OrderStatus, Mrn, AmountMismatch, NeedsAttention } from '../../src/contracts/search-attributes';
import { testMrn } from '../helpers/orders';
import { eventually, startTestSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
const ACCOUNT_NUMBER = '6222021234567890123';
const ACCOUNT_NAME = '张三丰';
const PAYER = '李小龙';

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system?.stop();
});

async function settledPayout(mrn: string): Promise<void> {
  const created = await system.api('POST', '/v1/payouts', { mrn, amount: 500, bankName: '中国工商银行', accountName: ACCOUNT_NAME, accountNumber: ACCOUNT_NUMBER });
  expect(created.status).toBe(202);
  await system.sandbox!.control.markPaid('payout', mrn);
  await eventually(async () => (await system.api('GET', `/v1/payouts/${mrn}`)).body.status === 'succeeded', 'the payout to succeed');
}

async function settledPayment(mrn: string, paidFen = 10_000): Promise<void> {
  const created = await system.api('POST', '/v1/payments', { mrn, amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid', payer: PAYER });
  expect(created.status).toBe(201);
  await system.sandbox!.control.markPaid('payment', mrn, paidFen);
  await eventually(async () => (await system.api('GET', `/v1/payments/${mrn}`)).body.status === 'succeeded', 'the pay-in to succeed');
}

/** The raw bytes of a history as the server stores and serves it, without our codec. */
async function rawHistoryBytes(workflowId: string): Promise<Buffer> {
  const plain = new Client({ connection: system.client.connection, namespace: system.client.options.namespace });
  const history = await plain.workflow.getHandle(workflowId).fetchHistory();
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

/** Every payload anywhere in a history (inputs, results, signals, memo, summaries, markers). */
function collectPayloads(value: unknown, found: temporal.api.common.v1.IPayload[] = []): temporal.api.common.v1.IPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && record.metadata !== undefined && typeof record.metadata === 'object') {
    found.push(record as temporal.api.common.v1.IPayload);
    return found;
  }
  for (const child of Object.values(record)) collectPayloads(child, found);
  return found;
}

const contains = (haystack: Buffer, needle: string): boolean => haystack.includes(Buffer.from(needle, 'utf8'));

describe('personal data in history', () => {
  test('a history fetched without the codec holds neither the account, the payer nor the gateway secret', async () => {
    const payoutMrn = testMrn('W');
    const paymentMrn = testMrn('P');
    await settledPayout(payoutMrn);
    await settledPayment(paymentMrn);

    for (const workflowId of [payoutWorkflowId(payoutMrn), paymentWorkflowId(paymentMrn)]) {
      const bytes = await rawHistoryBytes(workflowId);
      expect(contains(bytes, ACCOUNT_NUMBER)).toBe(false);
      expect(contains(bytes, ACCOUNT_NAME)).toBe(false);
      expect(contains(bytes, PAYER)).toBe(false);
      expect(contains(bytes, system.gateway.secret)).toBe(false);
      expect(contains(bytes, 'binary/encrypted')).toBe(true);
    }

    // With the codec the same history decodes: the create activity received the account —
    // and no payload, decoded, carries the gateway secret (it never entered history at all).
    const [codec] = system.client.workflow.options.loadedDataConverter.payloadCodecs;
    const history = await system.client.workflow.getHandle(payoutWorkflowId(payoutMrn)).fetchHistory();
    const decodedPayloads = await codec.decode(collectPayloads(history));
    const decodedText = decodedPayloads.map((payload) => Buffer.from(payload.data ?? new Uint8Array()).toString('utf8')).join('\n');
    expect(decodedText).toContain(ACCOUNT_NUMBER);
    expect(decodedText).toContain(ACCOUNT_NAME);
    expect(decodedText).not.toContain(system.gateway.secret);
  });
});

describe('codec server', () => {
  async function encryptedPayload(): Promise<{ metadata: Record<string, string>; data: string }> {
    const mrn = testMrn('W');
    await settledPayout(mrn);
    const plain = new Client({ connection: system.client.connection, namespace: system.client.options.namespace });
    const history = await plain.workflow.getHandle(payoutWorkflowId(mrn)).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(payload?.metadata ?? {})) metadata[key] = Buffer.from(value).toString('base64');
    return { metadata, data: Buffer.from(payload?.data ?? new Uint8Array()).toString('base64') };
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${system.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('decodes for the operator token (header or path) and refuses without it', async () => {
    const payload = await encryptedPayload();
    for (const [path, headers] of [
      ['/codec/decode', { authorization: `Bearer ${system.operatorToken}`, 'x-namespace': 'default' }],
      [`/codec/${system.operatorToken}/decode`, { 'x-namespace': 'default' }],
    ] as const) {
      const response = await post(path, { payloads: [payload] }, headers);
      expect(response.statusCode).toBe(200);
      const body = (await response.body.json()) as { payloads: { data: string }[] };
      expect(Buffer.from(body.payloads[0].data, 'base64').toString('utf8')).toContain(ACCOUNT_NUMBER);
    }
    const anonymous = await post('/codec/decode', { payloads: [payload] });
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    const wrongToken = await post('/codec/not-the-operator-token/decode', { payloads: [payload] });
    expect(wrongToken.statusCode).toBe(401);
    await wrongToken.body.dump();
    const apiTokenIsNotEnough = await post('/codec/decode', { payloads: [payload] }, { authorization: `Bearer ${system.apiToken}` });
    expect(apiTokenIsNotEnough.statusCode).toBe(401);
    await apiTokenIsNotEnough.body.dump();
  });

  test('a payload encrypted with a key we do not hold is refused with a clear message', async () => {
    const payload = await encryptedPayload();
    const tampered = { ...payload, metadata: { ...payload.metadata, 'encryption-key-id': Buffer.from('retired-key').toString('base64') } };
    const response = await post('/codec/decode', { payloads: [tampered] }, { authorization: `Bearer ${system.operatorToken}` });
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toEqual({ error: 'codec_error', message: 'cannot decrypt payload: key "retired-key" is not configured in CODEC_KEYS' });
  });

  test("answers the UI's CORS preflight for its origin only", async () => {
    const allowed = await request(`${system.apiUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('x-namespace');
    await allowed.body.dump();
    const foreign = await request(`${system.apiUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    await foreign.body.dump();
  });
});

describe('search attributes and lists', () => {
  test('search attributes follow the order: kind, mrn, status and the amount mismatch flag', async () => {
    const mrn = testMrn('P');
    await settledPayment(mrn, 9_990);
    const description = await system.client.workflow.getHandle(paymentWorkflowId(mrn)).describe();
    expect(description.typedSearchAttributes.get(OrderKind)).toBe('payment');
    expect(description.typedSearchAttributes.get(Mrn)).toBe(mrn);
    expect(description.typedSearchAttributes.get(OrderStatus)).toBe('succeeded');
    expect(description.typedSearchAttributes.get(AmountMismatch)).toBe(true);
    expect(await description.staticSummary()).toBe(`Pay-in 100.00 CNY · 支付宝 Alipay (2) · mrn ${mrn}`);
  });

  test('GET /v1/payments filters on status and amountMismatch, pages with a cursor', async () => {
    const mismatched = testMrn('P');
    const exact = testMrn('P');
    await settledPayment(mismatched, 9_990);
    await settledPayment(exact);
    const page = await eventually(async () => {
      const { status, body } = await system.api('GET', '/v1/payments?status=succeeded&amountMismatch=true&pageSize=100');
      expect(status).toBe(200);
      return body.items.some((item: { mrn: string }) => item.mrn === mismatched) ? body : undefined;
    }, 'visibility to list the mismatched pay-in');
    expect(page.items.find((item: { mrn: string }) => item.mrn === exact)).toBeUndefined();
    expect(page.items.find((item: { mrn: string }) => item.mrn === mismatched)).toMatchObject({ status: 'succeeded', amount: '100.00', amountMismatch: true, channelId: 2 });

    const first = await system.api('GET', '/v1/payments?pageSize=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await system.api('GET', `/v1/payments?pageSize=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.status).toBe(200);
    expect(second.body.items[0]?.mrn).not.toBe(first.body.items[0]?.mrn);
  });

  test('GET /v1/payouts lists settled payouts; bad filters are 400 and the list needs the token', async () => {
    const mrn = testMrn('W');
    await settledPayout(mrn);
    await eventually(async () => {
      const { body } = await system.api('GET', '/v1/payouts?status=succeeded&needsAttention=false');
      return body.items.some((item: { mrn: string; amount: string }) => item.mrn === mrn && item.amount === '500');
    }, 'visibility to list the payout');
    expect((await system.api('GET', '/v1/payouts?status=lost')).status).toBe(400);
    expect((await system.api('GET', '/v1/payments?channelId=99')).body.message).toContain('channelId');
    expect((await system.api('GET', '/v1/payments?createdFrom=yesterday')).body.message).toContain('createdFrom');
    expect((await system.api('GET', '/v1/payouts', undefined, null)).status).toBe(401);
  });
});

describe('signals sent by hand', () => {
  test('someone with write access to Temporal (UI, CLI) signals a forged callback: nothing moves, the order needs attention', async () => {
    const paymentMrn = testMrn('P');
    const payoutMrn = testMrn('W');
    await system.sandbox!.control.keepPending('payment', paymentMrn);
    await system.sandbox!.control.keepPending('payout', payoutMrn);
    expect((await system.api('POST', '/v1/payments', { mrn: paymentMrn, amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' })).status).toBe(201);
    expect((await system.api('POST', '/v1/payouts', { mrn: payoutMrn, amount: 500, bankName: '中国工商银行', accountName: ACCOUNT_NAME, accountNumber: ACCOUNT_NUMBER })).status).toBe(202);
    const receivedAt = new Date().toISOString();

    // The callback as the attacker imagines it, and one signed with a guessed secret.
    const payIn = system.client.workflow.getHandle(paymentWorkflowId(paymentMrn));
    await payIn.signal(paymentCallback, { amountFen: 10_000, originAmountFen: 10_000, channel: 2, receivedAt } as never);
    const guessed = { amount: '100.00', appKey: system.gateway.appKey, channel: '2', mrn: paymentMrn, originAmount: '100.00' };
    await payIn.signal(paymentCallback, { fields: { ...guessed, sign: sign('payment.callback', guessed, 'guessed-secret') }, receivedAt });
    const payout = system.client.workflow.getHandle(payoutWorkflowId(payoutMrn));
    await payout.signal(payoutCallback, { fields: { amount: '500', appKey: system.gateway.appKey, mrn: payoutMrn, sign: '0'.repeat(32) }, receivedAt });

    const paymentView = await eventually(async () => {
      const { body } = await system.api('GET', `/v1/payments/${paymentMrn}`);
      return body.attentionReasons?.length === 2 ? body : undefined;
    }, 'the pay-in to flag both signals');
    expect(paymentView).toMatchObject({ status: 'pending', paidAmount: null, finishedAt: null, needsAttention: true });
    expect(paymentView.attentionReasons).toEqual(['ForgedSignal: not a signed platform callback (no fields)', 'ForgedSignal: signature mismatch']);
    const payoutView = await eventually(async () => {
      const { body } = await system.api('GET', `/v1/payouts/${payoutMrn}`);
      return body.needsAttention ? body : undefined;
    }, 'the payout to flag the signal');
    expect(payoutView).toMatchObject({ status: 'pending', finishedAt: null, attentionReasons: ['ForgedSignal: signature mismatch'] });
    // Operators find them with the usual filter.
    expect((await payIn.describe()).typedSearchAttributes.get(NeedsAttention)).toBe(true);
  });
});

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient, verify, type CreatePaymentInput, type CreatePayoutInput, type Outcome } from '../../src/gateway';

const APP_KEY = 'mch-10086';
const SECRET = '8f2c1e7a9b3d4f60a1b2c3d4e5f60718';

interface ReceivedRequest {
  method: string;
  /** Path and query exactly as the server saw them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake platform does with the next requests: answer with a status and a body, or never answer. */
type Reply = { status?: number; body: string | object } | 'hang';

/** A real HTTP server on 127.0.0.1, port 0, that records every request and answers as told. */
class FakePlatform {
  readonly received: ReceivedRequest[] = [];
  reply: Reply = { status: 500, body: 'no reply configured' };
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      this.answer(res);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** The only request received since the last reset. */
  only(): ReceivedRequest {
    expect(this.received).toHaveLength(1);
    return this.received[0];
  }

  reset(): void {
    this.received.length = 0;
    this.reply = { status: 500, body: 'no reply configured' };
  }

  private answer(res: ServerResponse): void {
    const reply = this.reply;
    if (reply === 'hang') return;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  }
}

const platform = new FakePlatform();
let baseUrl: string;
const clients: GatewayClient[] = [];

function client(options: { baseUrl?: string; timeoutMs?: number } = {}): GatewayClient {
  const created = new GatewayClient({ baseUrl: options.baseUrl ?? baseUrl, appKey: APP_KEY, secret: SECRET, timeoutMs: options.timeoutMs ?? 5000 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  baseUrl = await platform.start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  platform.reset();
});

afterAll(async () => {
  await platform.stop();
});

const payment: CreatePaymentInput = {
  mrn: 'P202611250001',
  amountFen: 10000,
  channelId: 2,
  callbackUrl: 'https://merchant.example.com/callbacks/payments',
  returnUrl: 'https://merchant.example.com/paid?o=P202611250001',
};

const payout: CreatePayoutInput = {
  mrn: 'W202611250001',
  amountFen: 50000,
  bankName: '中国工商银行',
  accountName: '张三',
  accountNumber: '6222021234567890123',
  callbackUrl: 'https://merchant.example.com/callbacks/payouts',
};

function jsonBody(request: ReceivedRequest): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}

/** The platform's view of a JSON body: every value as the characters it was written with. */
function asReceivedStrings(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

function queryOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(new URL(request.url, 'http://platform.invalid').searchParams);
}

function expectTransient(outcome: Outcome<unknown>, pattern: RegExp): string {
  expect(outcome).toEqual({ kind: 'transient', reason: expect.stringMatching(pattern) as string });
  return outcome.kind === 'transient' ? outcome.reason : '';
}

describe('pay-in create, WebAPI mode (POST /api/Pay/Create)', () => {
  it('when the platform accepts, it receives a signed JSON body and the payUrl we return is absolute', async () => {
    platform.reply = { body: { success: true, errorMsg: '', payUrl: '/api/Pay?id=abc123&channel=Alipay' } };

    const outcome = await client().createPayment(payment);

    expect(outcome).toEqual({ kind: 'accepted', value: { payUrl: `${baseUrl}/api/Pay?id=abc123&channel=Alipay` } });
    const request = platform.only();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/Pay/Create');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.body).toContain('"channelId":2');
    expect(request.body).toContain('"amount":"100.00"');
    const body = jsonBody(request);
    expect(body).toEqual({
      amount: '100.00',
      appKey: APP_KEY,
      callbackUrl: payment.callbackUrl,
      channelId: 2,
      mrn: payment.mrn,
      returnUrl: payment.returnUrl,
      sign: expect.stringMatching(/^[0-9a-f]{32}$/) as string,
    });
    expect(verify('payment.create', asReceivedStrings(body), SECRET)).toEqual({ ok: true });
  });

  it('the body carries the same signature as the shared sign vector for the same order', async () => {
    platform.reply = { body: { success: true, payUrl: '/api/Pay?id=1' } };

    await client().createPayment(payment);

    expect(jsonBody(platform.only()).sign).toBe('6e79b75e81b266ea4c110bed15327294');
  });

  it('with a base URL that has a path prefix, the request and the payUrl keep the prefix', async () => {
    platform.reply = { body: { success: true, payUrl: '/api/Pay?id=abc123&channel=Alipay' } };

    const outcome = await client({ baseUrl: `${baseUrl}/gateway/` }).createPayment(payment);

    expect(platform.only().url).toBe('/gateway/api/Pay/Create');
    expect(outcome).toEqual({ kind: 'accepted', value: { payUrl: `${baseUrl}/gateway/api/Pay?id=abc123&channel=Alipay` } });
  });

  it('an optional payer is sent but not signed', async () => {
    platform.reply = { body: { success: true, payUrl: '/api/Pay?id=1' } };

    await client().createPayment({ ...payment, payer: '王五' });

    const body = jsonBody(platform.only());
    expect(body.payer).toBe('王五');
    expect(body.sign).toBe('6e79b75e81b266ea4c110bed15327294');
  });

  it('when the platform answers success:false, the outcome is refused with its message', async () => {
    platform.reply = { body: { success: false, errorMsg: '通道维护中' } };

    const outcome = await client().createPayment(payment);

    expect(outcome).toEqual({ kind: 'refused', code: 'refused', message: '通道维护中' });
  });

  it('a refusal without a message still says it was refused', async () => {
    platform.reply = { body: { success: false } };

    expect(await client().createPayment(payment)).toEqual({ kind: 'refused', code: 'refused', message: 'refused without a message' });
  });

  it('refuses to build a request with a channel id that is not a positive integer, before calling the platform', async () => {
    const gateway = client();

    for (const channelId of [Number.NaN, 2.5, 0]) {
      await expect(gateway.createPayment({ ...payment, channelId })).rejects.toThrow(RangeError);
    }
    await expect(gateway.createPayment({ ...payment, amountFen: 100.5 })).rejects.toThrow(RangeError);
    expect(platform.received).toHaveLength(0);
  });
});

describe('pay-in create, page mode (form for POST /api/Pay)', () => {
  it('returns the absolute action URL and the signed fields as strings, without calling the platform', () => {
    const form = client({ baseUrl: `${baseUrl}/gateway/` }).paymentPageForm({ ...payment, payer: '王五' });

    expect(form.action).toBe(`${baseUrl}/gateway/api/Pay`);
    expect(form.fields).toEqual({
      amount: '100.00',
      appKey: APP_KEY,
      callbackUrl: payment.callbackUrl,
      channelId: '2',
      mrn: payment.mrn,
      returnUrl: payment.returnUrl,
      payer: '王五',
      sign: '6e79b75e81b266ea4c110bed15327294',
    });
    expect(verify('payment.create', form.fields, SECRET)).toEqual({ ok: true });
    expect(platform.received).toHaveLength(0);
  });
});

describe('payout create (POST /api/Payouts/Create)', () => {
  it("when the platform answers 'success', the payout is accepted and the amount went as a JSON integer of yuan", async () => {
    platform.reply = { body: { error: 'success', errorMessage: '' } };

    const outcome = await client().createPayout(payout);

    expect(outcome).toEqual({ kind: 'accepted', value: {} });
    const request = platform.only();
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/api/Payouts/Create');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.body).toContain('"amount":500,');
    const body = jsonBody(request);
    expect(body).toEqual({
      accountName: payout.accountName,
      accountNumber: payout.accountNumber,
      amount: 500,
      appKey: APP_KEY,
      bankName: payout.bankName,
      callbackUrl: payout.callbackUrl,
      mrn: payout.mrn,
      sign: 'd6ebe9da6dae40441960195ea59f696a',
    });
    expect(verify('payout.create', asReceivedStrings(body), SECRET)).toEqual({ ok: true });
  });

  it.each([
    ['invalid_data', '无效的请求数据'],
    ['sign_error', '签名错误'],
    ['mrn_duplication', '平台单号冲突'],
    ['insufficient_balance', '商户余额不足'],
    ['object_not_found', '无效的商户账户'],
  ])("when the platform answers '%s', the payout is refused with that code", async (code, message) => {
    platform.reply = { body: { error: code, errorMessage: message } };

    expect(await client().createPayout(payout)).toEqual({ kind: 'refused', code, message });
  });

  it('a refusal without a message carries the code as its message', async () => {
    platform.reply = { body: { error: 'insufficient_balance' } };

    expect(await client().createPayout(payout)).toEqual({ kind: 'refused', code: 'insufficient_balance', message: 'insufficient_balance' });
  });

  it('an amount that is not whole yuan is refused before calling the platform', async () => {
    await expect(client().createPayout({ ...payout, amountFen: 50050 })).rejects.toThrow('whole yuan');
    expect(platform.received).toHaveLength(0);
  });
});

describe.each([
  ['pay-in', '/api/Payments/Query', 'payment.query', (c: GatewayClient, mrn: string, callback: boolean) => c.queryPayment(mrn, { callback })],
  ['payout', '/api/Payouts/Query', 'payout.query', (c: GatewayClient, mrn: string, callback: boolean) => c.queryPayout(mrn, { callback })],
] as const)('%s query (GET %s)', (_name, path, kind, query) => {
  it.each([0, 1, 2] as const)('when the platform answers status %d, the outcome carries that status', async (status) => {
    platform.reply = { body: { error: 'success', result: { Mrn: 'M-1', status } } };

    expect(await query(client(), 'M-1', false)).toEqual({ kind: 'accepted', value: { status } });
  });

  it.each([true, false])('the query string carries appKey, mrn, a valid sign and callback=%s', async (callback) => {
    platform.reply = { body: { error: 'success', result: { Mrn: 'M 1&x=中', status: 1 } } };

    await query(client(), 'M 1&x=中', callback);

    const request = platform.only();
    expect(request.method).toBe('GET');
    expect(request.url.split('?')[0]).toBe(path);
    const params = queryOf(request);
    expect(params).toEqual({ appKey: APP_KEY, mrn: 'M 1&x=中', sign: expect.stringMatching(/^[0-9a-f]{32}$/) as string, callback: String(callback) });
    expect(verify(kind, params, SECRET)).toEqual({ ok: true });
  });

  it('when the platform answers with an error code, the query is refused with it', async () => {
    platform.reply = { body: { error: 'object_not_found', errorMessage: '订单不存在' } };

    expect(await query(client(), 'M-1', false)).toEqual({ kind: 'refused', code: 'object_not_found', message: '订单不存在' });
  });

  it.each([
    ['an unknown status', { error: 'success', result: { Mrn: 'M-1', status: 3 } }],
    ['a status as a string', { error: 'success', result: { Mrn: 'M-1', status: '1' } }],
    ['no result', { error: 'success' }],
    ['a result that is not an object', { error: 'success', result: 'paid' }],
    ['no error code', { result: { Mrn: 'M-1', status: 1 } }],
  ])('an answer with %s is transient', async (_what, body) => {
    platform.reply = { body };

    expectTransient(await query(client(), 'M-1', true), /^answer has (no "error" code|an unknown status)/);
  });

  it.each([
    ['about another mrn', { error: 'success', result: { Mrn: 'M-2', status: 1 } }, /result\.Mrn "M-2"/],
    ['about the mrn in another letter case', { error: 'success', result: { Mrn: 'm-1', status: 2 } }, /result\.Mrn "m-1"/],
    ['without result.Mrn', { error: 'success', result: { status: 1 } }, /no result\.Mrn/],
    ['with a numeric result.Mrn', { error: 'success', result: { Mrn: 1, status: 1 } }, /result\.Mrn 1,/],
  ])('a success answer %s is no answer about our order: transient, flagged wrongOrder', async (_what, body, named) => {
    platform.reply = { body };

    const outcome = await query(client(), 'M-1', false);

    expect(outcome).toEqual({ kind: 'transient', reason: expect.stringMatching(/^answer is about another order: /), wrongOrder: true });
    expect(outcome.kind === 'transient' ? outcome.reason : '').toMatch(named);
  });
});

describe('answers that are not a business answer are transient', () => {
  const secretParts = (request: ReceivedRequest): string[] => {
    const params = queryOf(request);
    return [params.sign, `sign=${params.sign}`, '?', SECRET];
  };

  it('HTTP 500, even with a body that looks like success', async () => {
    platform.reply = { status: 500, body: { error: 'success', result: { Mrn: 'M-1', status: 1 } } };

    const reason = expectTransient(await client().queryPayment('M-1', { callback: false }), /HTTP 500/);

    expect(reason).toBe('GET /api/Payments/Query: HTTP 500');
    for (const part of secretParts(platform.only())) expect(reason).not.toContain(part);
  });

  it('HTTP 404 on a create', async () => {
    platform.reply = { status: 404, body: 'Not Found' };

    expect(await client().createPayout(payout)).toEqual({ kind: 'transient', reason: 'POST /api/Payouts/Create: HTTP 404' });
  });

  it('malformed JSON', async () => {
    platform.reply = { body: '{"success": true, "payUrl": "/api/Pay?id=' };

    expect(await client().createPayment(payment)).toEqual({ kind: 'transient', reason: 'POST /api/Pay/Create: malformed JSON answer' });
  });

  it('an HTML error page with status 200', async () => {
    platform.reply = { body: '<html><body>502 Bad Gateway</body></html>' };

    const reason = expectTransient(await client().queryPayout('W-1', { callback: true }), /malformed JSON answer/);

    for (const part of secretParts(platform.only())) expect(reason).not.toContain(part);
  });

  it.each([
    ['a JSON array', []],
    ['a JSON string', 'success'],
    ['JSON null', null],
  ])('%s instead of an object', async (_what, body) => {
    platform.reply = { body: JSON.stringify(body) };

    expectTransient(await client().createPayout(payout), /malformed JSON answer/);
  });

  it.each([
    ['no success flag', { errorMsg: 'x' }],
    ['success as a string', { success: 'true', payUrl: '/api/Pay?id=1' }],
    ['success without payUrl', { success: true }],
    ['success with an empty payUrl', { success: true, payUrl: '' }],
  ])('a pay-in create answer with %s', async (_what, body) => {
    platform.reply = { body };

    expectTransient(await client().createPayment(payment), /answer has no|accepted answer has no payUrl/);
  });

  it('a payout create answer without an error code', async () => {
    platform.reply = { body: { success: true } };

    expect(await client().createPayout(payout)).toEqual({ kind: 'transient', reason: 'answer has no "error" code' });
  });

  it('a platform that never answers, after the client timeout and not much later', async () => {
    platform.reply = 'hang';
    const started = Date.now();

    const outcome = await client({ timeoutMs: 200 }).queryPayment('M-1', { callback: true });

    const elapsed = Date.now() - started;
    const reason = expectTransient(outcome, /^GET \/api\/Payments\/Query: timed out$/);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2000);
    for (const part of secretParts(platform.only())) expect(reason).not.toContain(part);
  });

  it('a create that never gets an answer times out as transient too', async () => {
    platform.reply = 'hang';

    expect(await client({ timeoutMs: 200 }).createPayout(payout)).toEqual({ kind: 'transient', reason: 'POST /api/Payouts/Create: timed out' });
  });

  it('a refused connection', async () => {
    const closed = new FakePlatform();
    const closedUrl = await closed.start();
    await closed.stop();

    const outcome = await client({ baseUrl: closedUrl }).queryPayout('W-1', { callback: false });

    const reason = expectTransient(outcome, /^GET \/api\/Payouts\/Query: .*ECONNREFUSED/);
    expect(reason).not.toContain('?');
    expect(reason).not.toContain('sign');
  });
});

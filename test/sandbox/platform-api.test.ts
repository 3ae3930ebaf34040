import { sign } from '../../src/gateway';
import { http, platformPaymentInput, platformPayoutInput, postForm, postJson, testMrn } from '../helpers/support';
import { anyString, CallbackReceiver, matching, startTestSandbox, type TestSandbox } from './helpers';

/** The platform's five endpoints and page mode, over real HTTP, with our GatewayClient as the merchant. */
describe('sandbox platform endpoints', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    receiver = await new CallbackReceiver().start();
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  const signedPayout = (overrides: Record<string, unknown> = {}, secret = sandbox.secret) => {
    const fields = {
      accountName: '张三',
      accountNumber: '6225880123456789',
      amount: '500',
      appKey: sandbox.appKey,
      bankName: '招商银行',
      callbackUrl: receiver.url('/callbacks/payout'),
      mrn: testMrn('raw'),
    };
    return { ...fields, amount: 500, sign: sign('payout.create', fields, secret), ...overrides };
  };

  describe('signatures', () => {
    it('accepts a pay-in signed by our client and answers a payUrl path', async () => {
      const input = platformPaymentInput(receiver);
      const outcome = await sandbox.gateway.createPayment(input);

      expect(outcome).toEqual({ kind: 'accepted', value: { payUrl: matching(/^http:\/\/127\.0\.0\.1:\d+\/api\/Pay\?id=[0-9a-f]+&channel=2$/) } });
      const raw = await postJson(`${sandbox.url}/api/Pay/Create`, sandbox.gateway.paymentCreateRequest({ ...input, mrn: testMrn('mrn') }));
      expect(raw.json<{ payUrl: string }>().payUrl).toMatch(/^\/api\/Pay\?id=/);
      expect(await sandbox.control.payment(input.mrn)).toMatchObject({ status: 'pending', amountFen: 10_000, amount: '100.00', channelId: 2, mode: 'api' });
    });

    it('accepts a payout and both queries signed by our client', async () => {
      const payment = platformPaymentInput(receiver);
      const payout = platformPayoutInput(receiver);
      await sandbox.gateway.createPayment(payment);

      expect(await sandbox.gateway.createPayout(payout)).toEqual({ kind: 'accepted', value: {} });
      expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 0 } });
      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 0 } });
    });

    it('rejects every message signed with another secret as sign_error, and stores nothing', async () => {
      const { GatewayClient } = await import('../../src/gateway');
      const impostor = new GatewayClient({ baseUrl: sandbox.url, appKey: sandbox.appKey, secret: 'not-the-secret', timeoutMs: 2000 });
      const payment = platformPaymentInput(receiver);
      const payout = platformPayoutInput(receiver);

      const created = await impostor.createPayment(payment);
      const paidOut = await impostor.createPayout(payout);
      const queried = await impostor.queryPayment(payment.mrn, { callback: false });
      await impostor.close();

      expect(created).toMatchObject({ kind: 'refused', message: matching(/^sign_error/) });
      expect(paidOut).toMatchObject({ kind: 'refused', code: 'sign_error' });
      expect(queried).toMatchObject({ kind: 'refused', code: 'sign_error' });
      expect(await sandbox.control.orders({ mrn: payment.mrn })).toEqual([]);
      expect(await sandbox.control.orders({ mrn: payout.mrn })).toEqual([]);
    });

    it('verifies over the values as sent: "100" signed but "100.00" sent is sign_error', async () => {
      const body = sandbox.gateway.paymentCreateRequest(platformPaymentInput(receiver, { amountFen: 10_000 }));
      const signedAsWhole = sign('payment.create', { ...body, amount: '100', channelId: String(body.channelId) }, sandbox.secret);

      const answer = await postJson(`${sandbox.url}/api/Pay/Create`, { ...body, sign: signedAsWhole });

      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ success: false, errorMsg: 'sign_error: signature mismatch' });
    });

    it('accepts a pay-in whose amount is sent with fewer decimals, when it is signed that way', async () => {
      const body = sandbox.gateway.paymentCreateRequest(platformPaymentInput(receiver));
      const fields = { ...body, amount: '100.5', channelId: String(body.channelId) };

      const answer = await postJson(`${sandbox.url}/api/Pay/Create`, { ...body, amount: '100.5', sign: sign('payment.create', fields, sandbox.secret) });

      expect(answer.json()).toMatchObject({ success: true });
      expect(await sandbox.control.payment(body.mrn)).toMatchObject({ amountFen: 10_050, amount: '100.50' });
    });

    it('ignores the unsigned payer field in the signature and keeps it', async () => {
      const input = platformPaymentInput(receiver, { payer: '李四' });
      expect(await sandbox.gateway.createPayment(input)).toMatchObject({ kind: 'accepted' });
      expect(await sandbox.control.payment(input.mrn)).toMatchObject({ payer: '李四' });
    });
  });

  describe('error codes', () => {
    it('answers object_not_found for an unknown appKey on every endpoint', async () => {
      const { GatewayClient } = await import('../../src/gateway');
      const stranger = new GatewayClient({ baseUrl: sandbox.url, appKey: 'nobody', secret: sandbox.secret, timeoutMs: 2000 });

      const answers = [
        await stranger.createPayment(platformPaymentInput(receiver)),
        await stranger.createPayout(platformPayoutInput(receiver)),
        await stranger.queryPayment('x', { callback: false }),
        await stranger.queryPayout('x', { callback: false }),
      ];
      await stranger.close();

      expect(answers[0]).toMatchObject({ kind: 'refused', message: matching(/^object_not_found/) });
      for (const answer of answers.slice(1)) expect(answer).toMatchObject({ kind: 'refused', code: 'object_not_found' });
    });

    it('answers object_not_found for a query of an unknown mrn', async () => {
      expect(await sandbox.gateway.queryPayment(testMrn('mrn'), { callback: true })).toMatchObject({ kind: 'refused', code: 'object_not_found' });
      expect(await sandbox.gateway.queryPayout(testMrn('mrn'), { callback: false })).toMatchObject({ kind: 'refused', code: 'object_not_found' });
    });

    it('answers insufficient_balance and mrn_duplication (the rest is in the balance and duplicate tests)', async () => {
      const payout = platformPayoutInput(receiver);
      expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ kind: 'accepted' });
      expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ kind: 'refused', code: 'mrn_duplication' });
      expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver, { amountFen: 10_000_000_000_00 }))).toMatchObject({
        kind: 'refused',
        code: 'insufficient_balance',
      });
    });
  });

  describe('bad input is the platform refusal, never a crash', () => {
    const payoutCases: Array<[string, () => unknown]> = [
      ['a non-integer amount 1.5', () => signedPayout({ amount: 1.5 })],
      ['an amount "1.5" as a string', () => signedPayout({ amount: '1.5' })],
      ['an amount "abc"', () => signedPayout({ amount: 'abc' })],
      ['an amount "500" as a string', () => signedPayout({ amount: '500' })],
      ['a zero amount', () => signedPayout({ amount: 0 })],
      ['a negative amount', () => signedPayout({ amount: -5 })],
      ['an mrn of 65 characters', () => signedPayout({ mrn: 'm'.repeat(65) })],
      ['an empty mrn', () => signedPayout({ mrn: '' })],
      ['a missing bankName', () => ({ ...signedPayout(), bankName: undefined })],
      ['a missing sign', () => ({ ...signedPayout(), sign: undefined })],
      ['a callbackUrl that is not a URL', () => signedPayout({ callbackUrl: 'not a url' })],
      ['a javascript: callbackUrl', () => signedPayout({ callbackUrl: 'javascript:alert(1)' })],
      ['an array', () => [signedPayout()]],
      ['null', () => null],
      ['a number', () => 42],
    ];

    it.each(payoutCases)('payout create with %s → invalid_data, nothing stored', async (_name, body) => {
      const before = (await sandbox.control.orders({ kind: 'payout' })).length;
      const answer = await postJson(`${sandbox.url}/api/Payouts/Create`, body());
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ error: 'invalid_data', errorMessage: anyString() });
      expect((await sandbox.control.orders({ kind: 'payout' })).length).toBe(before);
    });

    it('accepts an mrn of exactly 64 characters', async () => {
      const mrn = 'x'.repeat(63) + String(Date.now() % 10);
      expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver, { mrn }))).toMatchObject({ kind: 'accepted' });
    });

    it.each([
      ['bad JSON', '{"amount": '],
      ['an empty body', ''],
      ['a JSON string', '"hello"'],
      ['a prototype-poisoning body', '{"__proto__": {"x": 1}}'],
    ])('payout create with %s → invalid_data', async (_name, text) => {
      const answer = await postJson(`${sandbox.url}/api/Payouts/Create`, text);
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ error: 'invalid_data' });
    });

    it('payout create as a form or as text → invalid_data', async () => {
      const form = await postForm(`${sandbox.url}/api/Payouts/Create`, { mrn: 'x' });
      const text = await http(`${sandbox.url}/api/Payouts/Create`, { body: 'mrn=x', contentType: 'text/plain' });
      expect([form.status, text.status]).toEqual([200, 200]);
      expect(form.json()).toMatchObject({ error: 'invalid_data' });
      expect(text.json()).toMatchObject({ error: 'invalid_data' });
    });

    it('refuses an oversized body as invalid_data', async () => {
      const answer = await postJson(`${sandbox.url}/api/Payouts/Create`, signedPayout({ bankName: 'x'.repeat(100_000) }));
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ error: 'invalid_data' });
    });

    const paymentCases: Array<[string, Record<string, unknown>]> = [
      ['an amount with three decimals', { amount: '1.005' }],
      ['a numeric amount', { amount: 100 }],
      ['a zero amount', { amount: '0.00' }],
      ['an unknown channel', { channelId: 99 }],
      ['a channelId as a string', { channelId: '2' }],
      ['a fractional channelId', { channelId: 2.5 }],
      ['an mrn of 65 characters', { mrn: 'p'.repeat(65) }],
      ['a missing returnUrl', { returnUrl: undefined }],
      ['a returnUrl that is not http(s)', { returnUrl: 'ftp://merchant.example/' }],
      ['a payer that is not a string', { payer: 7 }],
    ];

    it.each(paymentCases)('pay-in create with %s → refusal invalid_data', async (_name, change) => {
      const body = { ...sandbox.gateway.paymentCreateRequest(platformPaymentInput(receiver)), ...change };
      const answer = await postJson(`${sandbox.url}/api/Pay/Create`, body);
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ success: false, errorMsg: matching(/^invalid_data: /) });
      expect(await sandbox.control.payment(String(body.mrn))).toBeUndefined();
    });

    it('pay-in create with bad JSON → refusal invalid_data', async () => {
      const answer = await postJson(`${sandbox.url}/api/Pay/Create`, '{oops');
      expect(answer.json()).toEqual({ success: false, errorMsg: matching(/^invalid_data: /) });
    });

    it.each([
      ['no sign', (q: URLSearchParams) => q.delete('sign')],
      ['no mrn', (q: URLSearchParams) => q.delete('mrn')],
      ['callback=maybe', (q: URLSearchParams) => q.set('callback', 'maybe')],
      ['a repeated mrn parameter', (q: URLSearchParams) => q.append('mrn', 'again')],
      ['an mrn of 65 characters', (q: URLSearchParams) => q.set('mrn', 'q'.repeat(65))],
    ])('query with %s → invalid_data', async (_name, change) => {
      const fields = { appKey: sandbox.appKey, mrn: 'some-mrn' };
      const query = new URLSearchParams({ ...fields, sign: sign('payment.query', fields, sandbox.secret), callback: 'false' });
      change(query);
      for (const path of ['/api/Payments/Query', '/api/Payouts/Query']) {
        const answer = await http(`${sandbox.url}${path}?${query.toString()}`);
        expect(answer.status).toBe(200);
        expect(answer.json()).toMatchObject({ error: 'invalid_data' });
      }
    });

    it('reads callback=True as true, as the platform does', async () => {
      const fields = { appKey: sandbox.appKey, mrn: testMrn('mrn') };
      const query = new URLSearchParams({ ...fields, sign: sign('payment.query', fields, sandbox.secret), callback: 'True' });
      const answer = await http(`${sandbox.url}/api/Payments/Query?${query.toString()}`);
      expect(answer.json()).toMatchObject({ error: 'object_not_found' });
    });
  });

  describe('page mode (POST /api/Pay)', () => {
    it('answers the cashier page for a signed form, and stores the order as page mode', async () => {
      const input = platformPaymentInput(receiver, { payer: '王五' });
      const form = sandbox.gateway.paymentPageForm(input);

      const answer = await postForm(form.action, form.fields);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(answer.text).toContain('¥100.00');
      expect(answer.text).toContain('支付宝 Alipay');
      expect(answer.text).toContain(input.mrn);
      expect(await sandbox.control.payment(input.mrn)).toMatchObject({ mode: 'page', payer: '王五' });
    });

    it('answers a refusal page for a wrong signature, and a repeated form for a used mrn', async () => {
      const input = platformPaymentInput(receiver);
      const form = sandbox.gateway.paymentPageForm(input);

      const forged = await postForm(form.action, { ...form.fields, amount: '1.00' });
      const first = await postForm(form.action, form.fields);
      const again = await postForm(form.action, form.fields);

      expect(forged.status).toBe(200);
      expect(forged.text).toContain('data-error="sign_error"');
      expect(first.text).toContain('Sandbox cashier');
      expect(again.text).toContain('data-error="mrn_duplication"');
      expect(await sandbox.control.orders({ kind: 'payment', mrn: input.mrn })).toHaveLength(1);
    });

    it('answers a refusal page for a form with a missing field', async () => {
      const answer = await postForm(`${sandbox.url}/api/Pay`, { amount: '1.00' });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('data-error="invalid_data"');
    });
  });
});

import { SandboxControlError } from '../../src/sandbox';
import { http, platformPaymentInput, platformPayoutInput, postForm, readForm } from '../helpers/support';
import { CallbackReceiver, startTestSandbox, type TestSandbox, useSandboxWithReceiver } from './helpers';


describe('sandbox scenario controls', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  useSandboxWithReceiver((started, listening) => {
    sandbox = started;
    receiver = listening;
  });

  /** Creates a fresh order of `kind` and waits until auto-settle has settled it (recorded in its history). */
  async function autoSettled(kind: 'payment' | 'payout'): Promise<void> {
    let mrn: string;
    if (kind === 'payment') {
      const input = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(input);
      mrn = input.mrn;
    } else {
      const input = platformPayoutInput(receiver);
      await sandbox.gateway.createPayout(input);
      mrn = input.mrn;
    }
    await sandbox.control.waitFor(async () => (await sandbox.control.order(kind, mrn))?.history.some((h) => h.actor === 'auto-settle'), `auto-settle of ${kind} ${mrn}`);
  }

  describe('settle through the control API', () => {
    it('settles a pay-in as paid with a different amount: status 1, callback with both amounts', async () => {
      const input = platformPaymentInput(receiver, { amountFen: 200_00 });
      await sandbox.gateway.createPayment(input);

      const order = await sandbox.control.settle('payment', input.mrn, { status: 'paid', amountFen: 199_99 });

      expect(order).toMatchObject({ status: 'paid', wireStatus: 1, paidFen: 199_99 });
      expect(order.history.map((h) => [h.event, h.actor])).toEqual([
        ['created', 'merchant'],
        ['pay', 'control'],
      ]);
      const [callback] = await receiver.waitFor(1);
      expect(callback.fields).toMatchObject({ amount: '199.99', originAmount: '200.00' });
    });

    it('settles orders as failed', async () => {
      const payment = platformPaymentInput(receiver);
      const payout = platformPayoutInput(receiver);
      await sandbox.gateway.createPayment(payment);
      await sandbox.gateway.createPayout(payout);

      await sandbox.control.markFailed('payment', payment.mrn);
      await sandbox.control.markFailed('payout', payout.mrn);

      expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toMatchObject({ value: { status: 2 } });
      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ value: { status: 2 } });
    });

    it('refuses to settle an order twice (409), an unknown order (404), and a payout with an amount (400)', async () => {
      const payout = platformPayoutInput(receiver);
      await sandbox.gateway.createPayout(payout);
      await sandbox.control.markPaid('payout', payout.mrn);

      await expect(sandbox.control.markFailed('payout', payout.mrn)).rejects.toMatchObject({ statusCode: 409, code: 'conflict', message: expect.stringContaining('already paid') as string });
      await expect(sandbox.control.markPaid('payment', 'no-such-mrn')).rejects.toMatchObject({ statusCode: 404, code: 'not_found' });
      await expect(sandbox.control.settle('payout', payout.mrn, { status: 'paid', amountFen: 1 })).rejects.toMatchObject({ statusCode: 400, code: 'bad_request' });
      expect((await sandbox.control.payout(payout.mrn))?.status).toBe('paid');
    });
  });

  describe('keep pending', () => {
    it('keeps an order pending against auto-settle, the cashier and the operator; an explicit settle still works', async () => {
      await sandbox.control.setAutoSettle({ kind: 'any', outcome: 'paid', afterMs: 0 });
      const payment = platformPaymentInput(receiver);
      const payout = platformPayoutInput(receiver);
      await sandbox.control.keepPending('payment', payment.mrn);
      await sandbox.control.keepPending('payout', payout.mrn);
      const created = await sandbox.gateway.createPayment(payment);
      await sandbox.gateway.createPayout(payout);
      // Auto-settle timers run in order: once an order created after these is settled, theirs have run.
      await autoSettled('payment');

      expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toMatchObject({ value: { status: 0 } });
      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ value: { status: 0 } });
      const payUrl = created.kind === 'accepted' ? created.value.payUrl : '';
      const cashier = await http(payUrl);
      expect(cashier.text).toContain('keeps this order pending');
      const form = readForm(cashier.text, payUrl);
      expect((await postForm(form.action, { ...form.fields, action: 'pay' })).status).toBe(409);
      expect((await sandbox.control.payment(payment.mrn))?.keepPending).toBe(true);
      const operator = await http(`${sandbox.url}/operator`);
      const row = new RegExp(`<tr data-mrn="${payout.mrn}">[\\s\\S]*?</tr>`).exec(operator.text)![0];
      const complete = readForm(row, `${sandbox.url}/operator`);
      expect((await postForm(complete.action, { action: 'complete' })).status).toBe(409);

      await sandbox.control.keepPending('payment', payment.mrn, false);
      expect((await postForm(form.action, { ...form.fields, action: 'pay' })).status).toBe(303);
      expect((await sandbox.control.markPaid('payout', payout.mrn)).status).toBe('paid');
    });
  });

  describe('auto-settle', () => {
    it('pays immediately and calls back at once (the benchmark mode)', async () => {
      await sandbox.control.setAutoSettle({ kind: 'payment', outcome: 'paid', afterMs: 0 });
      const input = platformPaymentInput(receiver);
      const started = Date.now();

      await sandbox.gateway.createPayment(input);
      const [callback] = await receiver.waitFor(1);

      expect(Date.now() - started).toBeLessThan(500);
      expect(callback.fields).toMatchObject({ mrn: input.mrn, amount: '100.00', originAmount: '100.00' });
      expect((await sandbox.control.payment(input.mrn))?.history.at(-1)).toMatchObject({ event: 'pay', actor: 'auto-settle' });
    });

    it('settles new orders after the delay, and the create answer comes first', async () => {
      await sandbox.control.setAutoSettle({ kind: 'payout', outcome: 'paid', afterMs: 200 });
      const payout = platformPayoutInput(receiver);

      await sandbox.gateway.createPayout(payout);
      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ value: { status: 0 } });

      await receiver.waitFor(1);
      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ value: { status: 1 } });
    });

    it('fails new orders when asked (a failed payout is refunded, nobody is called back)', async () => {
      await sandbox.control.setAutoSettle({ kind: 'any', outcome: 'failed', afterMs: 0 });
      const payout = platformPayoutInput(receiver);

      await sandbox.gateway.createPayout(payout);
      await sandbox.control.waitFor(async () => (await sandbox.control.payout(payout.mrn))?.history.some((h) => h.actor === 'auto-settle'), 'auto-settle to fail the payout');

      expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: true })).toMatchObject({ value: { status: 2 } });
      expect(await sandbox.control.balanceFen()).toBe(1_000_000_00);
      expect(await sandbox.control.deliveries({ mrn: payout.mrn })).toEqual([]);
      expect(receiver.received).toHaveLength(0);
    });

    it('can be turned off per kind, and is reported as set', async () => {
      await sandbox.control.setAutoSettle({ kind: 'any', outcome: 'paid', afterMs: 10 });
      const rules = await sandbox.control.setAutoSettle({ kind: 'payment', outcome: 'off' });

      expect(rules).toEqual({ payment: null, payout: { outcome: 'paid', afterMs: 10 } });
      const payment = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(payment);
      // A payout created after it is auto-settled at 10 ms: a timer of the payment's would have run first.
      await autoSettled('payout');
      expect((await sandbox.control.payment(payment.mrn))?.status).toBe('pending');
      expect(await sandbox.control.autoSettle()).toEqual(rules);
    });
  });

  describe('reset', () => {
    it('forgets orders, requests, deliveries, rules, faults and auto-settle', async () => {
      const input = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(input);
      await sandbox.control.markPaid('payment', input.mrn);
      await receiver.waitFor(1);
      await sandbox.control.addCreateFault({ mode: 'http500', count: 5 });
      await sandbox.control.setAutoSettle({ kind: 'any', outcome: 'paid' });
      await sandbox.control.setCallbackRule('payment', input.mrn, { dropNext: 3 });
      await sandbox.control.keepPending('payment', input.mrn);

      await sandbox.control.reset();

      expect(await sandbox.control.orders()).toEqual([]);
      expect(await sandbox.control.requests()).toEqual([]);
      expect(await sandbox.control.deliveries()).toEqual([]);
      expect(await sandbox.control.createFaults()).toEqual([]);
      expect(await sandbox.control.autoSettle()).toEqual({ payment: null, payout: null });
      // The mrn is free again, and no rule of the old order applies to the new one.
      expect(await sandbox.gateway.createPayment(input)).toMatchObject({ kind: 'accepted' });
      await sandbox.control.markPaid('payment', input.mrn);
      await receiver.waitFor(2);
    });
  });

  describe('inspection', () => {
    it('lists every request for an mrn, in order, with its outcome', async () => {
      const payout = platformPayoutInput(receiver);
      await sandbox.gateway.createPayout(payout);
      await sandbox.gateway.createPayout(payout);
      await sandbox.gateway.queryPayout(payout.mrn, { callback: true });

      const requests = await sandbox.control.requests({ mrn: payout.mrn });

      expect(requests.map((r) => [r.endpoint, r.outcome, r.orderCreated, r.appKey])).toEqual([
        ['POST /api/Payouts/Create', 'success', true, sandbox.appKey],
        ['POST /api/Payouts/Create', 'mrn_duplication', false, sandbox.appKey],
        ['GET /api/Payouts/Query', 'success', false, sandbox.appKey],
      ]);
      expect(requests[2]).toMatchObject({ queryStatus: 0, callbackResent: false });
      expect(requests.map((r) => r.seq)).toEqual([...requests.map((r) => r.seq)].sort((a, b) => a - b));
    });

    it('shows an order with its cashier URL, and a payout with its account number masked', async () => {
      const payment = platformPaymentInput(receiver);
      const payout = platformPayoutInput(receiver, { accountNumber: '6225880123456789' });
      await sandbox.gateway.createPayment(payment);
      await sandbox.gateway.createPayout(payout);

      const paymentView = await sandbox.control.payment(payment.mrn);
      const payoutView = await sandbox.control.payout(payout.mrn);

      expect(paymentView?.cashierUrl).toBe(`${sandbox.url}${paymentView?.payUrl}`);
      expect((await http(paymentView!.cashierUrl)).status).toBe(200);
      expect(payoutView).toMatchObject({ amount: '500', accountNumberMasked: '****6789', bankName: '招商银行' });
      expect(JSON.stringify(await sandbox.control.orders())).not.toContain('6225880123456789');
    });

    it('filters orders by kind and status', async () => {
      const paid = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(paid);
      await sandbox.gateway.createPayment(platformPaymentInput(receiver));
      await sandbox.gateway.createPayout(platformPayoutInput(receiver));
      await sandbox.control.markPaid('payment', paid.mrn);

      expect(await sandbox.control.orders({ kind: 'payment' })).toHaveLength(2);
      expect((await sandbox.control.orders({ kind: 'payment', status: 'paid' })).map((o) => o.mrn)).toEqual([paid.mrn]);
      expect(await sandbox.control.orders({ status: 'pending' })).toHaveLength(2);
    });

    it('asks for the appKey when two merchants use the same mrn', async () => {
      const two = await startTestSandbox({
        merchants: [
          { appKey: 'first', secret: 'first-secret', balanceFen: 0 },
          { appKey: 'second', secret: 'second-secret', balanceFen: 0 },
        ],
      });
      try {
        const { GatewayClient } = await import('../../src/gateway');
        for (const [appKey, secret] of [['first', 'first-secret'], ['second', 'second-secret']]) {
          const client = new GatewayClient({ baseUrl: two.url, appKey, secret, timeoutMs: 2000 });
          await client.createPayment(platformPaymentInput(receiver, { mrn: 'shared-mrn' }));
          await client.close();
        }

        await expect(two.control.payment('shared-mrn')).rejects.toMatchObject({ statusCode: 409 });
        expect((await two.control.payment('shared-mrn', 'second'))?.appKey).toBe('second');
        expect(await two.control.orders({ mrn: 'shared-mrn' })).toHaveLength(2);
      } finally {
        await two.close();
      }
    });
  });

  describe('the control API checks what it is sent', () => {
    it.each([
      ['PUT', '/sandbox/auto-settle', { kind: 'payment', outcome: 'sometimes' }, /outcome: Expected one of "paid", "failed", "off"/],
      ['PUT', '/sandbox/auto-settle', { kind: 'payment', outcome: 'paid', afterMs: -1 }, /afterMs/],
      ['POST', '/sandbox/faults', { mode: 'http500' }, /count/],
      ['POST', '/sandbox/faults', { mode: 'http500', count: 0 }, /count/],
      ['POST', '/sandbox/faults', { mode: 'http500', count: 1, typo: true }, /typo|additional/i],
      ['PUT', '/sandbox/callback-rule', { dropNext: 'all' }, /dropNext/],
      ['PUT', '/sandbox/payments/x/callback-rule', { duplicates: 11 }, /duplicates/],
      ['PUT', '/sandbox/payments/x/keep-pending', {}, /keepPending/],
      ['POST', '/sandbox/payments/x/settle', { status: 'paid', amountFen: 1.5 }, /amountFen/],
    ] as const)('%s %s %j → 400 with the reason', async (method, path, body, reason) => {
      const answer = await http(`${sandbox.url}${path}`, { method, body: JSON.stringify(body), contentType: 'application/json' });
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(reason) as string });
    });

    it('answers bad JSON with 400, an unknown kind or endpoint with 404, and never 500', async () => {
      const badJson = await http(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: '{', contentType: 'application/json' });
      const noBody = await http(`${sandbox.url}/sandbox/faults`, { method: 'POST' });
      const unknown = await http(`${sandbox.url}/sandbox/refunds/x`);
      const badQuery = await http(`${sandbox.url}/sandbox/orders?kind=refund`);

      expect([badJson.status, noBody.status, unknown.status, badQuery.status]).toEqual([400, 400, 404, 400]);
      expect(unknown.json()).toMatchObject({ error: 'not_found' });
    });

    it('SandboxControl raises a typed error with the status and code', async () => {
      const error: unknown = await sandbox.control.resendCallback('payout', 'missing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SandboxControlError);
      expect(error).toMatchObject({ statusCode: 404, code: 'not_found' });
    });
  });
});

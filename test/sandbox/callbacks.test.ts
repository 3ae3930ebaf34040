import { verify } from '../../src/gateway';
import { platformPaymentInput, platformPayoutInput } from '../helpers/support';
import { CallbackReceiver, FAST_SCHEDULE_MS, startTestSandbox, type TestSandbox, useSandboxWithReceiver } from './helpers';


/** Callbacks as the platform sends them, and every way a scenario can disturb them. */
describe('sandbox callbacks', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  useSandboxWithReceiver((started, listening) => {
    sandbox = started;
    receiver = listening;
  });

  async function paidPayment(amountFen?: number) {
    const input = platformPaymentInput(receiver);
    await sandbox.gateway.createPayment(input);
    await sandbox.control.markPaid('payment', input.mrn, amountFen);
    return input;
  }

  describe('query with callback=true', () => {
    it('re-sends the callback of a paid pay-in, with the sum paid', async () => {
      const input = await paidPayment(98_76);
      await sandbox.control.waitForDelivery('payment', input.mrn);

      const answer = await sandbox.gateway.queryPayment(input.mrn, { callback: true });

      expect(answer).toEqual({ kind: 'accepted', value: { status: 1 } });
      await receiver.waitFor(2);
      expect(receiver.received[1].fields).toEqual(receiver.received[0].fields);
      expect(receiver.received[1].fields).toMatchObject({ amount: '98.76', originAmount: '100.00' });
      const deliveries = await sandbox.control.deliveries({ mrn: input.mrn });
      expect(deliveries.map((d) => [d.reason, d.state])).toEqual([
        ['settled', 'delivered'],
        ['query', 'delivered'],
      ]);
      const query = (await sandbox.control.requests({ mrn: input.mrn, kind: 'payment' })).find((r) => r.operation === 'query');
      expect(query).toMatchObject({ queryStatus: 1, callbackResent: true });
    });

    it('re-sends the callback of a paid-out payout', async () => {
      const payout = platformPayoutInput(receiver);
      await sandbox.gateway.createPayout(payout);
      await sandbox.control.markPaid('payout', payout.mrn);
      await receiver.waitFor(1);

      await sandbox.gateway.queryPayout(payout.mrn, { callback: true });

      await receiver.waitFor(2);
      expect(receiver.received.map((r) => r.fields.amount)).toEqual(['500', '500']);
    });

    it('sends nothing with callback=false, or for an order that is pending or failed', async () => {
      const paid = await paidPayment();
      await receiver.waitFor(1);
      const pending = platformPaymentInput(receiver);
      const failed = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(pending);
      await sandbox.gateway.createPayment(failed);
      await sandbox.control.markFailed('payment', failed.mrn);

      expect(await sandbox.gateway.queryPayment(paid.mrn, { callback: false })).toMatchObject({ value: { status: 1 } });
      expect(await sandbox.gateway.queryPayment(pending.mrn, { callback: true })).toMatchObject({ value: { status: 0 } });
      expect(await sandbox.gateway.queryPayment(failed.mrn, { callback: true })).toMatchObject({ value: { status: 2 } });

      // A callback is recorded as a delivery the moment it is due: none for these, only the paid one's.
      expect(await sandbox.control.deliveries({ mrn: pending.mrn })).toEqual([]);
      expect(await sandbox.control.deliveries({ mrn: failed.mrn })).toEqual([]);
      expect((await sandbox.control.deliveries({ mrn: paid.mrn })).map((d) => d.state)).toEqual(['delivered']);
      expect(receiver.received).toHaveLength(1);
    });
  });

  it('gives up after the last attempt of the schedule, every attempt recorded with its answer', async () => {
    receiver.answerNext(...FAST_SCHEDULE_MS.map(() => ({ status: 503, body: 'down' })));
    const input = await paidPayment();

    const delivery = await sandbox.control.waitForDelivery('payment', input.mrn, 'gave-up');

    expect(delivery.attempts).toHaveLength(FAST_SCHEDULE_MS.length);
    expect(delivery.attempts.every((a) => a.statusCode === 503 && a.body === 'down' && !a.delivered)).toBe(true);
    expect(delivery.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4, 5]);
  });

  it('records an unreachable receiver as an error and keeps trying', async () => {
    const input = platformPaymentInput(receiver, { callbackUrl: 'http://127.0.0.1:9/unreachable' });
    await sandbox.gateway.createPayment(input);
    await sandbox.control.markPaid('payment', input.mrn);

    const delivery = await sandbox.control.waitForDelivery('payment', input.mrn, 'gave-up');

    expect(delivery.attempts).toHaveLength(FAST_SCHEDULE_MS.length);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null, delivered: false });
    expect(delivery.attempts[0].error).toMatch(/ECONNREFUSED/);
  });

  describe('scenario: callback rules', () => {
    it('drops the next callback; a query with callback=true then recovers it', async () => {
      const input = platformPaymentInput(receiver);
      await sandbox.control.setCallbackRule('payment', input.mrn, { dropNext: 1 });
      await sandbox.gateway.createPayment(input);
      await sandbox.control.markPaid('payment', input.mrn);

      await sandbox.control.waitForDelivery('payment', input.mrn, 'dropped');
      expect(receiver.received).toHaveLength(0);
      expect((await sandbox.control.deliveries({ mrn: input.mrn })).map((d) => d.state)).toEqual(['dropped']);

      await sandbox.gateway.queryPayment(input.mrn, { callback: true });
      await receiver.waitFor(1);
      expect(receiver.received[0].fields.mrn).toBe(input.mrn);
    });

    it('delays the first attempt of each delivery', async () => {
      const input = platformPaymentInput(receiver);
      await sandbox.control.setCallbackRule('payment', input.mrn, { delayMs: 300 });
      await sandbox.gateway.createPayment(input);
      const settledAt = Date.now();
      await sandbox.control.markPaid('payment', input.mrn);

      await sandbox.control.waitForDelivery('payment', input.mrn, 'scheduled');
      expect(receiver.received).toHaveLength(0);
      await receiver.waitFor(1);
      expect(Date.now() - settledAt).toBeGreaterThanOrEqual(290);
    });

    it('duplicates a callback: the merchant receives the same signed message twice', async () => {
      const input = platformPaymentInput(receiver);
      await sandbox.control.setCallbackRule('payment', input.mrn, { duplicates: 1 });
      await sandbox.gateway.createPayment(input);
      await sandbox.control.markPaid('payment', input.mrn);

      await receiver.waitFor(2);
      expect(receiver.received[0].raw).toBe(receiver.received[1].raw);
      expect((await sandbox.control.deliveries({ mrn: input.mrn })).map((d) => d.reason).sort()).toEqual(['duplicate', 'settled']);
    });

    it('sends one callback with a wrong signature; the merchant refuses it and the retry is signed right', async () => {
      const input = platformPaymentInput(receiver);
      await sandbox.control.setCallbackRule('payment', input.mrn, { wrongSignatureNext: 1 });
      await sandbox.gateway.createPayment(input);
      await sandbox.control.markPaid('payment', input.mrn);

      const delivery = await sandbox.control.waitForDelivery('payment', input.mrn);

      expect(receiver.received.map((r) => r.signatureValid)).toEqual([false, true]);
      expect(/^[0-9a-f]{32}$/.test(receiver.received[0].fields.sign)).toBe(true);
      expect(delivery.attempts.map((a) => [a.wrongSignature, a.statusCode, a.body])).toEqual([
        [true, 400, 'sign_error'],
        [false, 200, 'success'],
      ]);
      expect(verify('payment.callback', delivery.fields, sandbox.secret).ok).toBe(true);
    });

    it('applies the default rule to every order without its own', async () => {
      await sandbox.control.setDefaultCallbackRule({ dropNext: 2 });
      const first = await paidPayment();
      const second = await paidPayment();
      const third = await paidPayment();

      await receiver.waitFor(1);
      // Every delivery recorded final (the third delivered, the others dropped): nothing more can arrive.
      await sandbox.control.waitForDelivery('payment', first.mrn, 'dropped');
      await sandbox.control.waitForDelivery('payment', second.mrn, 'dropped');
      await sandbox.control.waitForDelivery('payment', third.mrn, 'delivered');
      expect(receiver.received.map((r) => r.fields.mrn)).toEqual([third.mrn]);
      expect((await sandbox.control.deliveries({ mrn: first.mrn }))[0].state).toBe('dropped');
      expect((await sandbox.control.deliveries({ mrn: second.mrn }))[0].state).toBe('dropped');
    });

    it('the control API re-sends a paid order\'s callback on demand, and refuses for an unpaid one', async () => {
      const input = await paidPayment();
      await receiver.waitFor(1);

      const deliveries = await sandbox.control.resendCallback('payment', input.mrn);

      expect(deliveries).toEqual([expect.objectContaining({ reason: 'control', mrn: input.mrn }) as unknown]);
      await receiver.waitFor(2);
      const pending = platformPaymentInput(receiver);
      await sandbox.gateway.createPayment(pending);
      await expect(sandbox.control.resendCallback('payment', pending.mrn)).rejects.toMatchObject({ statusCode: 409, code: 'conflict' });
    });
  });

  it('reset cancels deliveries still being retried', async () => {
    receiver.answerNext({ status: 500, body: 'no' });
    const slow = await startTestSandbox({ callbackScheduleMs: [0, 60_000] });
    try {
      const input = platformPaymentInput(receiver);
      await slow.gateway.createPayment(input);
      await slow.control.markPaid('payment', input.mrn);
      await receiver.waitFor(1);

      await slow.control.reset();

      expect(await slow.control.deliveries()).toEqual([]);
      const closing = Date.now();
      await slow.close();
      expect(Date.now() - closing).toBeLessThan(2000);
    } finally {
      await slow.close().catch(() => undefined);
    }
  });
});

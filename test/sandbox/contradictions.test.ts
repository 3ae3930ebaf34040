import { platformPaymentInput, platformPayoutInput } from '../helpers/support';
import { CallbackReceiver, type TestSandbox, useSandboxWithReceiver } from './helpers';

describe('sandbox: the query endpoint told to contradict an order (reconciliation tests)', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  useSandboxWithReceiver((started, listening) => {
    sandbox = started;
    receiver = listening;
  });

  it('answers the status it was told for that order only, until cleared, and changes nothing else', async () => {
    const payment = platformPaymentInput(receiver);
    const other = platformPaymentInput(receiver);
    await sandbox.gateway.createPayment(payment);
    await sandbox.gateway.createPayment(other);
    await sandbox.control.markPaid('payment', payment.mrn);
    await sandbox.control.markPaid('payment', other.mrn);
    await receiver.waitFor(2);

    await sandbox.control.contradict('payment', payment.mrn, 2);
    // callback=true would re-send a paid order's callback: a contradicted answer sends none.
    expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: true })).toMatchObject({ kind: 'accepted', value: { status: 2 } });
    expect(await sandbox.gateway.queryPayment(other.mrn, { callback: false })).toMatchObject({ kind: 'accepted', value: { status: 1 } });
    // The same mrn as a payout is another order: not contradicted.
    expect(await sandbox.gateway.queryPayout(payment.mrn, { callback: false })).toMatchObject({ kind: 'refused', code: 'object_not_found' });
    // The order itself is untouched: still paid, no settlement, no extra callback.
    expect(await sandbox.control.order('payment', payment.mrn)).toMatchObject({ status: 'paid', wireStatus: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(2);

    await sandbox.control.contradict('payment', payment.mrn, null);
    expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toMatchObject({ kind: 'accepted', value: { status: 1 } });
  });

  it('answers "not found" for an order it has, and can be set before the order exists', async () => {
    const payout = platformPayoutInput(receiver);
    await sandbox.control.contradict('payout', payout.mrn, 'not_found');
    await sandbox.gateway.createPayout(payout);
    expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ kind: 'refused', code: 'object_not_found' });
    expect(await sandbox.control.order('payout', payout.mrn)).toMatchObject({ status: 'pending' });

    await sandbox.control.contradict('payout', payout.mrn, 0);
    await sandbox.control.markPaid('payout', payout.mrn);
    expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toMatchObject({ kind: 'accepted', value: { status: 0 } });
  });

  it('refuses an answer the platform never gives, and is forgotten on reset', async () => {
    const answer = await fetch(`${sandbox.control.baseUrl}/sandbox/payments/X1/contradiction`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: 3 }),
    });
    expect(answer.status).toBe(400);

    const payment = platformPaymentInput(receiver);
    await sandbox.gateway.createPayment(payment);
    await sandbox.control.contradict('payment', payment.mrn, 1);
    await sandbox.control.reset();
    await sandbox.gateway.createPayment(payment);
    expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toMatchObject({ kind: 'accepted', value: { status: 0 } });
  });
});

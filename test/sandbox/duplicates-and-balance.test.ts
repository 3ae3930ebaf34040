import { platformPaymentInput, platformPayoutInput } from '../helpers/support';
import { CallbackReceiver, matching, startTestSandbox, type TestSandbox } from './helpers';

describe('sandbox: a repeated mrn never creates a second order', () => {
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

  it('a repeated payout mrn is answered mrn_duplication, and exactly one order exists', async () => {
    const payout = platformPayoutInput(receiver);

    const first = await sandbox.gateway.createPayout(payout);
    const second = await sandbox.gateway.createPayout({ ...payout, amountFen: 70_000 });

    expect(first.kind).toBe('accepted');
    expect(second).toEqual({ kind: 'refused', code: 'mrn_duplication', message: 'an order with this mrn already exists' });
    const orders = await sandbox.control.orders({ kind: 'payout', mrn: payout.mrn });
    expect(orders).toHaveLength(1);
    expect(orders[0].amountFen).toBe(50_000);
    const requests = await sandbox.control.requests({ kind: 'payout', mrn: payout.mrn });
    expect(requests.map((r) => [r.outcome, r.orderCreated])).toEqual([
      ['success', true],
      ['mrn_duplication', false],
    ]);
  });

  it('a repeated pay-in mrn is refused, and exactly one order exists', async () => {
    const payment = platformPaymentInput(receiver);

    await sandbox.gateway.createPayment(payment);
    const second = await sandbox.gateway.createPayment(payment);

    expect(second).toEqual({ kind: 'refused', code: 'refused', message: matching(/^mrn_duplication: /) });
    expect(await sandbox.control.orders({ kind: 'payment', mrn: payment.mrn })).toHaveLength(1);
    expect((await sandbox.control.requests({ mrn: payment.mrn })).filter((r) => r.orderCreated)).toHaveLength(1);
  });

  it('a repeated mrn is refused even after the first order settled', async () => {
    const payout = platformPayoutInput(receiver);
    await sandbox.gateway.createPayout(payout);
    await sandbox.control.markFailed('payout', payout.mrn);

    expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ kind: 'refused', code: 'mrn_duplication' });
  });

  it('pay-ins and payouts have separate mrn spaces, as their separate endpoints suggest', async () => {
    const payout = platformPayoutInput(receiver);
    expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.gateway.createPayment(platformPaymentInput(receiver, { mrn: payout.mrn }))).toMatchObject({ kind: 'accepted' });
  });

  it('many concurrent creates with one mrn make one order', async () => {
    const payout = platformPayoutInput(receiver);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => sandbox.gateway.createPayout(payout)));

    expect(outcomes.filter((o) => o.kind === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'refused' && o.code === 'mrn_duplication')).toHaveLength(9);
    expect(await sandbox.control.orders({ kind: 'payout', mrn: payout.mrn })).toHaveLength(1);
  });
});

describe('sandbox: merchant balance', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;
  const OPENING_FEN = 1_000_00; // 1000 yuan

  beforeAll(async () => {
    sandbox = await startTestSandbox({ balanceFen: OPENING_FEN });
    receiver = await new CallbackReceiver().start();
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => sandbox.control.reset());

  it('a settled pay-in adds the sum actually paid; a pending or failed one adds nothing', async () => {
    const paid = platformPaymentInput(receiver, { amountFen: 100_00 });
    const failed = platformPaymentInput(receiver, { amountFen: 300_00 });
    const pending = platformPaymentInput(receiver, { amountFen: 500_00 });
    for (const input of [paid, failed, pending]) await sandbox.gateway.createPayment(input);

    await sandbox.control.markPaid('payment', paid.mrn, 99_50);
    await sandbox.control.markFailed('payment', failed.mrn);

    expect(await sandbox.control.balanceFen()).toBe(OPENING_FEN + 99_50);
  });

  it('an accepted payout takes its amount at once; a failed payout gives it back; a paid-out one keeps it', async () => {
    const done = platformPayoutInput(receiver, { amountFen: 200_00 });
    const failed = platformPayoutInput(receiver, { amountFen: 300_00 });
    await sandbox.gateway.createPayout(done);
    await sandbox.gateway.createPayout(failed);
    expect(await sandbox.control.balanceFen()).toBe(OPENING_FEN - 500_00);

    await sandbox.control.markPaid('payout', done.mrn);
    await sandbox.control.markFailed('payout', failed.mrn);

    expect(await sandbox.control.balanceFen()).toBe(OPENING_FEN - 200_00);
  });

  it('a payout above the balance is insufficient_balance and creates nothing; the exact balance is enough', async () => {
    const tooMuch = platformPayoutInput(receiver, { amountFen: OPENING_FEN + 100 });
    const exact = platformPayoutInput(receiver, { amountFen: OPENING_FEN });

    expect(await sandbox.gateway.createPayout(tooMuch)).toMatchObject({ kind: 'refused', code: 'insufficient_balance' });
    expect(await sandbox.control.payout(tooMuch.mrn)).toBeUndefined();
    expect(await sandbox.gateway.createPayout(exact)).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.control.balanceFen()).toBe(0);
    expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver, { amountFen: 100 }))).toMatchObject({ code: 'insufficient_balance' });
  });

  it('money paid in can be paid out', async () => {
    const payment = platformPaymentInput(receiver, { amountFen: 500_00 });
    await sandbox.gateway.createPayment(payment);
    const payout = platformPayoutInput(receiver, { amountFen: 1_500_00 });

    expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ code: 'insufficient_balance' });
    await sandbox.control.markPaid('payment', payment.mrn);
    expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.control.balanceFen()).toBe(0);
  });

  it('a repeated mrn is mrn_duplication even when the balance would not cover it', async () => {
    const payout = platformPayoutInput(receiver, { amountFen: OPENING_FEN });
    await sandbox.gateway.createPayout(payout);

    expect(await sandbox.gateway.createPayout(payout)).toMatchObject({ code: 'mrn_duplication' });
  });

  it('scenario "balance before mrn": a repeated mrn the balance no longer covers is insufficient_balance, and still one order exists', async () => {
    expect(await sandbox.control.payoutChecks()).toEqual({ balanceBeforeMrn: false });
    expect(await sandbox.control.setPayoutChecks({ balanceBeforeMrn: true })).toEqual({ balanceBeforeMrn: true });
    const payout = platformPayoutInput(receiver, { amountFen: OPENING_FEN });

    const first = await sandbox.gateway.createPayout(payout);
    const retry = await sandbox.gateway.createPayout(payout);

    expect(first).toMatchObject({ kind: 'accepted' });
    expect(retry).toMatchObject({ kind: 'refused', code: 'insufficient_balance' });
    expect(await sandbox.control.orders({ kind: 'payout', mrn: payout.mrn })).toHaveLength(1);
    expect(await sandbox.control.balanceFen()).toBe(0);
    // A repeated mrn the balance still covers is mrn_duplication as ever, and takes nothing.
    const small = platformPayoutInput(receiver, { amountFen: 100 });
    await sandbox.control.markFailed('payout', payout.mrn);
    expect(await sandbox.gateway.createPayout(small)).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.gateway.createPayout(small)).toMatchObject({ kind: 'refused', code: 'mrn_duplication' });
    expect(await sandbox.control.balanceFen()).toBe(OPENING_FEN - 100);
  });

  it('reset restores the opening balance and the usual check order', async () => {
    await sandbox.gateway.createPayout(platformPayoutInput(receiver, { amountFen: 300_00 }));
    await sandbox.control.setPayoutChecks({ balanceBeforeMrn: true });
    await sandbox.control.reset();
    expect(await sandbox.control.merchants()).toEqual([{ appKey: sandbox.appKey, balanceFen: OPENING_FEN, balance: '1000.00' }]);
    expect(await sandbox.control.payoutChecks()).toEqual({ balanceBeforeMrn: false });
  });
});

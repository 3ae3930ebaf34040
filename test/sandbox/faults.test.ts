import { platformPaymentInput, platformPayoutInput } from '../helpers/support';
import { CallbackReceiver, startTestSandbox, type TestSandbox } from './helpers';

/** The create faults a merchant must survive: HTTP 500, no answer at all, and the ambiguous create. */
describe('sandbox create faults', () => {
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
  beforeEach(() => sandbox.control.reset());

  it('the next N creates answer HTTP 500 and store nothing; the one after is accepted', async () => {
    await sandbox.control.addCreateFault({ mode: 'http500', count: 2 });
    const payout = platformPayoutInput(receiver);

    const first = await sandbox.gateway.createPayout(payout);
    const second = await sandbox.gateway.createPayout(payout);
    const third = await sandbox.gateway.createPayout(payout);

    expect(first).toEqual({ kind: 'transient', reason: 'POST /api/Payouts/Create: HTTP 500' });
    expect(second).toEqual(first);
    expect(third).toEqual({ kind: 'accepted', value: {} });
    expect((await sandbox.control.requests({ mrn: payout.mrn })).map((r) => [r.outcome, r.httpStatus, r.fault, r.orderCreated])).toEqual([
      ['http500', 500, 'http500', false],
      ['http500', 500, 'http500', false],
      ['success', 200, null, true],
    ]);
    expect(await sandbox.control.createFaults()).toEqual([]);
  });

  it('a hanging create outlives the client timeout, stores nothing, and a retry creates the order', async () => {
    await sandbox.control.addCreateFault({ mode: 'timeout', count: 1, delayMs: 1_000 });
    const client = sandbox.gatewayWithTimeout(200);
    const payment = platformPaymentInput(receiver);

    const first = await client.createPayment(payment);
    const second = await client.createPayment(payment);

    expect(first).toEqual({ kind: 'transient', reason: 'POST /api/Pay/Create: timed out' });
    expect(second).toMatchObject({ kind: 'accepted' });
    const requests = await sandbox.control.requests({ mrn: payment.mrn });
    expect(requests.map((r) => [r.outcome, r.httpStatus, r.orderCreated])).toEqual([
      ['timeout', null, false],
      ['success', 200, true],
    ]);
  });

  it('a hang shorter than the client timeout ends with the connection cut, not an answer', async () => {
    await sandbox.control.addCreateFault({ mode: 'timeout', count: 1, delayMs: 50 });
    const payout = platformPayoutInput(receiver);

    const answer = await sandbox.gateway.createPayout(payout);

    expect(answer.kind).toBe('transient');
    expect(await sandbox.control.payout(payout.mrn)).toBeUndefined();
  });

  it('ambiguous payout create: stored, answered too late; the retry gets mrn_duplication, the query finds the order, one order exists', async () => {
    await sandbox.control.addCreateFault({ mode: 'late-answer', count: 1, delayMs: 800 });
    const client = sandbox.gatewayWithTimeout(200);
    const payout = platformPayoutInput(receiver);

    const first = await client.createPayout(payout);
    const retry = await client.createPayout(payout);
    const query = await client.queryPayout(payout.mrn, { callback: false });

    expect(first).toEqual({ kind: 'transient', reason: 'POST /api/Payouts/Create: timed out' });
    expect(retry).toMatchObject({ kind: 'refused', code: 'mrn_duplication' });
    expect(query).toEqual({ kind: 'accepted', value: { status: 0 } });
    expect(await sandbox.control.orders({ kind: 'payout', mrn: payout.mrn })).toHaveLength(1);
    const creates = (await sandbox.control.requests({ mrn: payout.mrn })).filter((r) => r.operation === 'create');
    expect(creates.map((r) => [r.outcome, r.fault, r.orderCreated])).toEqual([
      ['success', 'late-answer', true],
      ['mrn_duplication', null, false],
    ]);
    expect(await sandbox.control.balanceFen()).toBe(1_000_000_00 - 500_00);
  });

  it('ambiguous pay-in create: the retry is refused as a duplicate and the query shows the order', async () => {
    await sandbox.control.addCreateFault({ mode: 'late-answer', count: 1, kind: 'payment', delayMs: 800 });
    const client = sandbox.gatewayWithTimeout(200);
    const payment = platformPaymentInput(receiver);

    expect((await client.createPayment(payment)).kind).toBe('transient');
    expect(await client.createPayment(payment)).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^mrn_duplication/) as string });
    expect(await client.queryPayment(payment.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 0 } });
    expect((await sandbox.control.requests({ mrn: payment.mrn })).filter((r) => r.orderCreated)).toHaveLength(1);
  });

  it('a late answer within the client timeout is an ordinary success', async () => {
    await sandbox.control.addCreateFault({ mode: 'late-answer', count: 1, delayMs: 100 });
    const started = Date.now();

    expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver))).toEqual({ kind: 'accepted', value: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('a fault for one kind leaves the other kind alone, and queries are never faulted', async () => {
    await sandbox.control.addCreateFault({ mode: 'http500', count: 1, kind: 'payout' });
    const payment = platformPaymentInput(receiver);

    expect(await sandbox.gateway.createPayment(payment)).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.gateway.queryPayment(payment.mrn, { callback: false })).toMatchObject({ kind: 'accepted' });
    expect(await sandbox.control.createFaults()).toEqual([{ mode: 'http500', kind: 'payout', remaining: 1, delayMs: 0 }]);
    expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver))).toMatchObject({ kind: 'transient' });
  });

  it('faults are used in the order they were added, and can be cleared', async () => {
    await sandbox.control.addCreateFault({ mode: 'http500', count: 1 });
    const faults = await sandbox.control.addCreateFault({ mode: 'late-answer', count: 2, delayMs: 10 });
    expect(faults.map((f) => [f.mode, f.remaining])).toEqual([
      ['http500', 1],
      ['late-answer', 2],
    ]);
    expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver))).toMatchObject({ kind: 'transient' });
    expect(await sandbox.gateway.createPayout(platformPayoutInput(receiver))).toMatchObject({ kind: 'accepted' });

    await sandbox.control.clearCreateFaults();

    expect(await sandbox.control.createFaults()).toEqual([]);
  });

  it('closing the sandbox releases a hanging create at once', async () => {
    const local = await startTestSandbox();
    await local.control.addCreateFault({ mode: 'timeout', count: 1, delayMs: 60_000 });
    const pending = local.gatewayWithTimeout(30_000).createPayout(platformPayoutInput(receiver));
    await local.control.waitFor(async () => (await local.control.requests()).length > 0, 'the hanging create');

    const started = Date.now();
    await local.close();

    expect((await pending).kind).toBe('transient');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

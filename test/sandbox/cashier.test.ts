import { verify } from '../../src/gateway';
import { http, platformPaymentInput, platformPayoutInput, postForm, readForm } from '../helpers/support';
import { CallbackReceiver, type TestSandbox, useSandboxWithReceiver } from './helpers';

/** The pages a person clicks through, posted as a browser posts them, with a real merchant callback receiver. */
describe('sandbox cashier page', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  useSandboxWithReceiver((started, listening) => {
    sandbox = started;
    receiver = listening;
  });

  async function openCashier(overrides: Parameters<typeof platformPaymentInput>[1] = {}) {
    const input = platformPaymentInput(receiver, overrides);
    const created = await sandbox.gateway.createPayment(input);
    if (created.kind !== 'accepted') throw new Error(`create failed: ${JSON.stringify(created)}`);
    const page = await http(created.value.payUrl);
    return { input, payUrl: created.value.payUrl, page };
  }

  it('shows the order amount, the channel name and the mrn, with Pay and Fail', async () => {
    const { input, page } = await openCashier({ amountFen: 12_345, channelId: 5 });

    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('¥123.45');
    expect(page.text).toContain('云闪付 UnionPay QuickPass');
    expect(page.text).toContain(input.mrn);
    expect(page.text).toMatch(/<button[^>]*value="pay"[^>]*>Pay<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="fail"[^>]*>Fail<\/button>/);
  });

  it('escapes what the merchant sent (mrn, payer) instead of rendering it as markup', async () => {
    const { page } = await openCashier({ mrn: `<script>alert("x")</script>`, payer: `<img src=x onerror=alert(1)>` });

    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('"Pay" settles the order, and the signed callback is retried until the merchant answers success', async () => {
    receiver.answerNext({ status: 500, body: 'busy' }, { status: 200, body: 'ok' });
    const { input, payUrl, page } = await openCashier();
    const form = readForm(page.text, payUrl);

    const submitted = await postForm(form.action, { ...form.fields, action: 'pay' });

    expect(submitted.status).toBe(303);
    const result = await http(new URL(String(submitted.headers.location), payUrl).toString());
    expect(result.text).toContain('data-status="paid"');
    expect(result.text).toContain('href="https://merchant.example/return"');

    const delivery = await sandbox.control.waitForDelivery('payment', input.mrn);
    expect(delivery.attempts.map((a) => [a.statusCode, a.body, a.delivered])).toEqual([
      [500, 'busy', false],
      [200, 'ok', false],
      [200, 'success', true],
    ]);
    expect(receiver.received).toHaveLength(3);
    const callback = receiver.received[2];
    expect(callback.contentType).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(callback.fields).toEqual({
      amount: '100.00',
      appKey: sandbox.appKey,
      channel: '2',
      mrn: input.mrn,
      originAmount: '100.00',
      sign: expect.any(String) as string,
    });
    expect(verify('payment.callback', callback.fields, sandbox.secret)).toEqual({ ok: true });
    expect(await sandbox.gateway.queryPayment(input.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 1 } });
  });

  it('"Pay" with a different amount calls back amount ≠ originAmount and records the sum paid', async () => {
    const { input, payUrl, page } = await openCashier({ amountFen: 100_00 });
    const form = readForm(page.text, payUrl);

    await postForm(form.action, { ...form.fields, amount: '99.5', action: 'pay' });

    const [callback] = await receiver.waitFor(1);
    expect(callback.fields).toMatchObject({ amount: '99.50', originAmount: '100.00' });
    expect(verify('payment.callback', callback.fields, sandbox.secret).ok).toBe(true);
    expect(await sandbox.control.payment(input.mrn)).toMatchObject({ status: 'paid', amountFen: 100_00, paidFen: 99_50 });
  });

  it('"Fail" fails the order and calls nobody back', async () => {
    const { input, payUrl, page } = await openCashier();
    const form = readForm(page.text, payUrl);

    const submitted = await postForm(form.action, { action: 'fail' });

    expect(submitted.status).toBe(303);
    expect(await sandbox.gateway.queryPayment(input.mrn, { callback: true })).toEqual({ kind: 'accepted', value: { status: 2 } });
    // A callback is recorded as a delivery the moment it is due: none was.
    expect(await sandbox.control.deliveries({ mrn: input.mrn })).toEqual([]);
    expect(receiver.received).toHaveLength(0);
    expect((await http(payUrl)).text).toContain('data-status="failed"');
  });

  it('an amount that is not money is shown back with an error, and the order stays pending', async () => {
    const { input, payUrl, page } = await openCashier();
    const form = readForm(page.text, payUrl);

    for (const amount of ['abc', '1.234', '0', '-5']) {
      const answer = await postForm(form.action, { amount, action: 'pay' });
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('role="alert"');
    }
    expect(await sandbox.control.payment(input.mrn)).toMatchObject({ status: 'pending' });
  });

  it('a second submit after paying is refused and changes nothing (reloading never pays twice)', async () => {
    const { input, payUrl, page } = await openCashier();
    const form = readForm(page.text, payUrl);
    await postForm(form.action, { ...form.fields, action: 'pay' });

    const again = await postForm(form.action, { ...form.fields, amount: '5.00', action: 'pay' });

    expect(again.status).toBe(409);
    expect(await sandbox.control.payment(input.mrn)).toMatchObject({ paidFen: 100_00 });
    expect(await sandbox.control.balanceFen()).toBe(1_000_000_00 + 100_00);
  });

  it('an unknown order id or a malformed form is a page, not a crash', async () => {
    expect((await http(`${sandbox.url}/api/Pay?id=nope&channel=2`)).status).toBe(404);
    expect((await http(`${sandbox.url}/api/Pay`)).status).toBe(400);
    expect((await postForm(`${sandbox.url}/cashier/nope`, { action: 'pay' })).status).toBe(404);
    const { payUrl, page } = await openCashier();
    const form = readForm(page.text, payUrl);
    const bad = await postForm(form.action, { action: 'steal' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^text\/html/);
  });

  it('the home page lists pay-ins waiting for the payer, with their cashier links', async () => {
    const { input, payUrl } = await openCashier();

    const home = await http(`${sandbox.url}/`);

    expect(home.text).toContain(input.mrn);
    expect(home.text).toContain(`href="${new URL(payUrl).pathname}${new URL(payUrl).search.replace(/&/g, '&amp;')}"`);
  });

  it('page mode: the form posted by the payer\'s browser leads to the same cashier and callback', async () => {
    const input = platformPaymentInput(receiver, { amountFen: 88_00 });
    const pageForm = sandbox.gateway.paymentPageForm(input);

    const cashier = await postForm(pageForm.action, pageForm.fields);
    const form = readForm(cashier.text, pageForm.action);
    await postForm(form.action, { ...form.fields, action: 'pay' });

    const [callback] = await receiver.waitFor(1);
    expect(callback.fields).toMatchObject({ mrn: input.mrn, amount: '88.00', originAmount: '88.00' });
  });
});

describe('sandbox payout operator page', () => {
  let sandbox: TestSandbox;
  let receiver: CallbackReceiver;

  useSandboxWithReceiver((started, listening) => {
    sandbox = started;
    receiver = listening;
  });

  async function operatorForm(mrn: string) {
    const page = await http(`${sandbox.url}/operator`);
    const row = new RegExp(`<tr data-mrn="${mrn}">[\\s\\S]*?</tr>`).exec(page.text);
    if (row === null) throw new Error(`payout ${mrn} is not listed`);
    return { page, row: row[0], form: readForm(row[0], `${sandbox.url}/operator`) };
  }

  it('lists a pending payout with its account number masked', async () => {
    const payout = platformPayoutInput(receiver, { accountNumber: '6225880123456789' });
    await sandbox.gateway.createPayout(payout);

    const { page, row } = await operatorForm(payout.mrn);

    expect(row).toContain('¥500');
    expect(row).toContain('招商银行');
    expect(row).toContain('****6789');
    expect(page.text).not.toContain('6225880123456789');
    expect(row).toMatch(/value="complete"[^>]*>Complete</);
    expect(row).toMatch(/value="fail"[^>]*>Fail</);
  });

  it('"Complete" pays out and sends the signed payout callback', async () => {
    const payout = platformPayoutInput(receiver);
    await sandbox.gateway.createPayout(payout);
    const { form } = await operatorForm(payout.mrn);

    const answer = await postForm(form.action, { action: 'complete' });

    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe('/operator');
    const [callback] = await receiver.waitFor(1);
    expect(callback.path).toBe('/callbacks/payout');
    expect(callback.fields).toEqual({ amount: '500', appKey: sandbox.appKey, mrn: payout.mrn, sign: expect.any(String) as string });
    expect(callback.signatureValid).toBe(true);
    expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: false })).toEqual({ kind: 'accepted', value: { status: 1 } });
    expect((await http(`${sandbox.url}/operator`)).text).toContain('paid out');
  });

  it('"Fail" fails the payout, refunds the balance and sends no callback (the platform has none for failures)', async () => {
    const payout = platformPayoutInput(receiver);
    await sandbox.gateway.createPayout(payout);
    const { form } = await operatorForm(payout.mrn);

    await postForm(form.action, { action: 'fail' });

    expect(await sandbox.gateway.queryPayout(payout.mrn, { callback: true })).toEqual({ kind: 'accepted', value: { status: 2 } });
    expect(await sandbox.control.balanceFen()).toBe(1_000_000_00);
    expect(await sandbox.control.deliveries({ mrn: payout.mrn })).toEqual([]);
    expect(receiver.received).toHaveLength(0);
  });

  it('a payout settled twice is refused with a page', async () => {
    const payout = platformPayoutInput(receiver);
    await sandbox.gateway.createPayout(payout);
    const { form } = await operatorForm(payout.mrn);
    await postForm(form.action, { action: 'complete' });

    const again = await postForm(form.action, { action: 'fail' });

    expect(again.status).toBe(409);
    expect(again.text).toContain('already paid');
  });
});

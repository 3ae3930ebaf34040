/**
 * Pay-ins end to end: our API, worker and the dev server, against the sandbox platform over HTTP.
 * One system for the file (its own task queue, ports and sandbox); a second one only where the
 * waits must be shorter (late success after the run closed).
 */
import { request } from 'undici';
import { CheckoutLinks } from '../../src/api/orders/checkout-links';
import { GatewayClient, verify } from '../../src/gateway';
import { verifyNotification } from '../../src/notify/signature';
import { NeedsAttention } from '../../src/contracts/search-attributes';
import { eventually, startTestSystem, type TestSystem } from '../helpers/system';
import { testMrn } from '../helpers/orders';
import { BAD_PAYMENT_INPUTS, withChange } from '../helpers/bad-inputs';
import { http, postForm, readForm } from '../helpers/support';
import { describeWorkflow, signedCallback, startMerchantReceiver, timelineEvents, waitForOrder } from './support';

let system: TestSystem;

beforeAll(async () => {
  // A generous CREATE_WAIT: POST answers as soon as the platform does, so this costs nothing, but a
  // loaded machine's slow first workflow task does not turn an expected 201 into a 202.
  system = await startTestSystem({ CREATE_WAIT: '10s' });
});

afterAll(async () => {
  await system?.stop();
});

/** Undone after the test whatever its outcome (sandbox scenarios such as create faults are global). */
const cleanups: (() => Promise<unknown>)[] = [];
const onCleanup = (step: () => Promise<unknown>) => cleanups.push(step);
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

const order = (overrides: Record<string, unknown> = {}) => ({
  mrn: testMrn('P'),
  amount: '100.00',
  channelId: 2,
  returnUrl: 'https://shop.example.com/paid',
  ...overrides,
});

/** Creates a pay-in through our API; the platform accepted it (201 pending). */
async function createPending(overrides: Record<string, unknown> = {}) {
  const body = order(overrides);
  const created = await system.api('POST', '/v1/payments', body);
  expect(created.status).toBe(201);
  expect(created.body.status).toBe('pending');
  return { body, created: created.body };
}

const createRequests = async (mrn: string) =>
  (await system.sandbox!.control.requests({ kind: 'payment', mrn })).filter((r) => r.operation === 'create');

test('happy path: create, the payer clicks "Pay" at the cashier, the signed callback settles the order', async () => {
  const body = order();
  const created = await system.api('POST', '/v1/payments', body);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ mrn: body.mrn, status: 'pending', amount: '100.00', channelId: 2 });
  expect(created.body.payUrl).toMatch(new RegExp(`^${system.gateway.url}/api/Pay\\?id=`));

  // The payer's browser: open the cashier page, then submit its "Pay" form.
  const cashier = await request(created.body.payUrl as string);
  const page = await cashier.body.text();
  expect(cashier.statusCode).toBe(200);
  const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
  expect(action).toBeDefined();
  const paid = await request(new URL(action!.replace(/&amp;/g, '&'), system.gateway.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=pay',
  });
  await paid.body.dump();

  const settled = await eventually(async () => {
    const { body: view } = await system.api('GET', `/v1/payments/${body.mrn}`);
    return view.status === 'succeeded' ? view : undefined;
  }, 'the pay-in to succeed');
  expect(settled).toMatchObject({ paidAmount: '100.00', amountMismatch: false, late: false });
  const deliveries = await system.sandbox!.control.deliveries({ mrn: body.mrn });
  expect(deliveries[0]?.attempts.at(-1)).toMatchObject({ statusCode: 200, body: 'success' });
});

describe('callbacks', () => {
  test('when the callback is lost, the workflow queries with callback=true, the platform re-sends it, and the order succeeds with the paid amount', async () => {
    const mrn = testMrn('P');
    const control = system.sandbox!.control;
    await control.setCallbackRule('payment', mrn, { dropNext: 1 });
    await createPending({ mrn });

    // The payer pays a little less than asked; the callback that would say so never arrives.
    await control.markPaid('payment', mrn, 9_950);

    const settled = await waitForOrder(system, 'payments', mrn, (v) => v.status === 'succeeded', 'succeeded after the re-sent callback');
    expect(settled).toMatchObject({ paidAmount: '99.50', paidAmountKnown: true, amountMismatch: true, late: false });
    const events = (settled.timeline as { event: string; detail?: string }[]).map((e) => `${e.event}: ${e.detail ?? ''}`);
    // Both the query and the callback are in the timeline. The platform re-sends the callback while it answers
    // the query, so either may reach the workflow first: the query then reads "platform query: paid; waiting
    // for the re-sent callback" before the callback, or "platform query after decision" after it. (On a loaded
    // machine our client may even give up on the answer after the platform has re-sent.) The platform's
    // request log below is the proof that the query asked for the callback.
    const query = events.findIndex((e) => /^platform query( after decision)?: /.test(e));
    const callback = events.findIndex((e) => /^callback: paid/.test(e));
    expect(events).toContainEqual(expect.stringMatching(/^no callback yet/));
    expect(query).toBeGreaterThan(-1);
    expect(callback).toBeGreaterThan(-1);

    // At the platform: the first delivery dropped; a query asked for the callback again; the re-sent one was received.
    const queries = (await control.requests({ kind: 'payment', mrn })).filter((r) => r.operation === 'query');
    expect(queries).toContainEqual(expect.objectContaining({ queryStatus: 1, callbackResent: true }));
    const deliveries = await control.deliveries({ kind: 'payment', mrn });
    expect(deliveries[0]).toMatchObject({ reason: 'settled', state: 'dropped' });
    expect(deliveries.find((d) => d.reason === 'query')).toMatchObject({ state: 'delivered', fields: expect.objectContaining({ amount: '99.50' }) });
  });

  test('a duplicate callback after the order has closed is answered success and changes nothing', async () => {
    const { body } = await createPending();
    await system.sandbox!.control.markPaid('payment', body.mrn);
    const settled = await waitForOrder(system, 'payments', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
    const closed = await eventually(
      async () => {
        const description = await describeWorkflow(system, `payment-${body.mrn}`);
        return description?.status.name === 'COMPLETED' ? description : undefined;
      },
      'the run to close',
    );

    const [resent] = await system.sandbox!.control.resendCallback('payment', body.mrn);
    await system.sandbox!.control.waitFor(
      async () => (await system.sandbox!.control.deliveries({ mrn: body.mrn })).find((d) => d.id === resent.id && d.state === 'delivered'),
      'the re-sent callback to be received',
    );

    const { body: view } = await system.api('GET', `/v1/payments/${body.mrn}`);
    expect(view).toEqual(settled);
    expect((await system.client.workflow.getHandle(`payment-${body.mrn}`).describe()).runId).toBe(closed.runId);
  });

  test('a forged callback (wrong signature, wrong appKey, a missing field, a changed amount) is refused with 4xx and changes nothing', async () => {
    const { body } = await createPending();
    const values = { amount: '100.00', channel: '2', mrn: body.mrn, originAmount: '100.00' };
    const url = `${system.apiUrl}/callbacks/payments`;

    const wrongSignature = signedCallback(system, 'payment.callback', values, { secret: 'not-the-merchant-secret' });
    const wrongAppKey = signedCallback(system, 'payment.callback', values, { appKey: 'sbx_someone_else' });
    const { originAmount: _dropped, ...missing } = signedCallback(system, 'payment.callback', values);
    const tampered = { ...signedCallback(system, 'payment.callback', values), amount: '1000.00' };

    const answers = [];
    for (const [what, fields] of Object.entries({ wrongSignature, wrongAppKey, missing, tampered })) {
      const answer = await postForm(url, fields);
      answers.push({ what, status: answer.status, success: answer.text === 'success' });
    }

    expect(answers).toEqual([
      { what: 'wrongSignature', status: 401, success: false },
      { what: 'wrongAppKey', status: 401, success: false },
      { what: 'missing', status: 400, success: false },
      { what: 'tampered', status: 401, success: false },
    ]);

    const { status, body: view } = await system.api('GET', `/v1/payments/${body.mrn}`);
    expect(status).toBe(200);
    expect(view).toMatchObject({ status: 'pending', paidAmount: null, finishedAt: null });
    expect(timelineEvents(view)).not.toContainEqual(expect.stringMatching(/callback/));
  });

  test('a verified callback whose originAmount is not the order amount is answered success, never applied, and recorded on the order with attention', async () => {
    const { body } = await createPending();
    const fields = signedCallback(system, 'payment.callback', { amount: '99.00', channel: '2', mrn: body.mrn, originAmount: '99.00' });

    const answer = await postForm(`${system.apiUrl}/callbacks/payments`, fields);

    expect([answer.status, answer.text]).toEqual([200, 'success']);
    const view = await waitForOrder(system, 'payments', body.mrn, (v) => v.needsAttention, 'flagged');
    expect(view).toMatchObject({ status: 'pending', paidAmount: null, amountMismatch: false });
    expect(view.attentionReasons).toEqual([expect.stringContaining('originAmount 99.00')]);
    expect(timelineEvents(view)).toContain('callback ignored');
  });

  test('a callback for an order whose run was terminated is answered success and recorded durably for operators, once', async () => {
    const { body } = await createPending();
    await system.client.workflow.getHandle(`payment-${body.mrn}`).terminate('an operator stopped it');
    const fields = signedCallback(system, 'payment.callback', { amount: '100.00', channel: '2', mrn: body.mrn, originAmount: '100.00' });

    const first = await postForm(`${system.apiUrl}/callbacks/payments`, fields);

    expect([first.status, first.text]).toEqual([200, 'success']);
    const recorded = await eventually(async () => {
      const found = [];
      for await (const execution of system.client.workflow.list({ query: `Mrn = "${body.mrn}" AND OrderKind = "unmatched-callback"` })) found.push(execution);
      return found.length > 0 ? found : undefined;
    }, 'the callback to be recorded');
    expect(recorded).toHaveLength(1);
    const { workflowId, runId } = recorded[0];
    const kept = await system.client.workflow.getHandle(workflowId).result();
    expect(kept).toMatchObject({ kind: 'payment', mrn: body.mrn, reason: "the order's run was terminated", fields: expect.objectContaining({ amount: '100.00' }) });
    expect(recorded[0].typedSearchAttributes.get(NeedsAttention)).toBe(true);

    // The platform delivers it again: answered success, not recorded twice.
    const again = await postForm(`${system.apiUrl}/callbacks/payments`, fields);
    expect([again.status, again.text]).toEqual([200, 'success']);
    expect((await system.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
  });

  test('a verified callback for an mrn we never created is answered success and recorded durably for operators', async () => {
    const mrn = testMrn('U');
    const fields = signedCallback(system, 'payment.callback', { amount: '42.00', channel: '3', mrn, originAmount: '42.00' });

    const first = await postForm(`${system.apiUrl}/callbacks/payments`, fields);

    expect([first.status, first.text]).toEqual([200, 'success']);
    expect(await describeWorkflow(system, `payment-${mrn}`)).toBeUndefined();
    const recorded = await eventually(async () => {
      const found = [];
      for await (const execution of system.client.workflow.list({ query: `Mrn = "${mrn}"` })) found.push(execution);
      return found.length > 0 ? found : undefined;
    }, 'the unmatched callback to be listed');
    expect(recorded).toHaveLength(1);
    const { workflowId, runId } = recorded[0];
    expect(workflowId.startsWith(`unmatched-payment-${mrn}-`)).toBe(true);
    expect(recorded[0].type).toBe('unmatchedCallbackWorkflow');
    const kept = await system.client.workflow.getHandle(workflowId).result();
    expect(kept).toMatchObject({ kind: 'payment', mrn, fields: expect.objectContaining({ amount: '42.00', originAmount: '42.00', channel: '3' }) });

    // The platform delivers it again (after the record's run closed): answered success, not recorded twice.
    const again = await postForm(`${system.apiUrl}/callbacks/payments`, fields);
    expect([again.status, again.text]).toEqual([200, 'success']);
    expect((await system.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
  });
});

describe('creating', () => {
  test('the same mrn with the same body is answered 200 with the existing order, one create at the platform; another body is 409', async () => {
    const body = order();

    const first = await system.api('POST', '/v1/payments', body);
    const second = await system.api('POST', '/v1/payments', body);
    const other = await system.api('POST', '/v1/payments', { ...body, amount: '100.01' });

    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ mrn: body.mrn, status: 'pending', payUrl: first.body.payUrl });
    expect(other.status).toBe(409);
    expect(other.body.message).toMatch(/different/);
    expect(await createRequests(body.mrn)).toHaveLength(1);
  });

  test('two simultaneous POSTs of the same order start one workflow and one create: one 201, one 200', async () => {
    const body = order();

    const answers = await Promise.all([system.api('POST', '/v1/payments', body), system.api('POST', '/v1/payments', body)]);

    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0].body.payUrl).toBe(answers[1].body.payUrl);
    expect(await createRequests(body.mrn)).toHaveLength(1);
  });

  test('the same mrn and body after the order has closed is still 200 with the order, and a different body still 409', async () => {
    const mrn = testMrn('P');
    // Someone else's order with this mrn at the platform: our create is refused and the order closes as rejected.
    await makeForeignOrder(mrn);
    const body = order({ mrn });
    expect((await system.api('POST', '/v1/payments', body)).status).toBe(422);
    await eventually(async () => (await describeWorkflow(system, `payment-${mrn}`))?.status.name === 'COMPLETED', 'the rejected run to close');

    const again = await system.api('POST', '/v1/payments', body);
    const other = await system.api('POST', '/v1/payments', { ...body, channelId: 3 });

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ mrn, status: 'rejected' });
    expect(other.status).toBe(409);
  });

  test.each(BAD_PAYMENT_INPUTS)('400 for %s, naming the field, and nothing started', async (_what, change, field) => {
    const body = withChange(order(), change);

    const answer = await system.api('POST', '/v1/payments', body);

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(field);
    expect((await system.api('GET', `/v1/payments/${body.mrn as string}`)).status).toBe(404);
    expect(await describeWorkflow(system, `payment-${body.mrn as string}`)).toBeUndefined();
    expect(await createRequests(body.mrn as string)).toHaveLength(0);
  });

  test.each([
    ['too long', 'P'.repeat(65)],
    ['with a space', 'P 1'],
    ['with a slash', 'P/1'],
    ['empty', ''],
  ])('400 for an mrn %s, naming the field, and nothing started', async (_what, mrn) => {
    const answer = await system.api('POST', '/v1/payments', order({ mrn }));

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/mrn/);
    expect(await describeWorkflow(system, `payment-${mrn}`)).toBeUndefined();
    expect(await createRequests(mrn)).toHaveLength(0);
  });

  test('400 for a body that is not JSON, and nothing started', async () => {
    const mrn = testMrn('P');
    const answer = await http(`${system.apiUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.apiToken}`, 'content-type': 'application/json' },
      body: `{"mrn":"${mrn}","amount":"100.00","channelId":2,`,
    });

    expect(answer.status).toBe(400);
    expect(answer.json().message).toMatch(/JSON/);
    expect(await describeWorkflow(system, `payment-${mrn}`)).toBeUndefined();
  });

  test('401 without the bearer token, with a wrong one, or with another scheme, on POST and GET; nothing started', async () => {
    const body = order();
    const wrong: [string, Record<string, string>][] = [
      ['no token', {}],
      ['wrong token', { authorization: `Bearer ${system.apiToken}x` }],
      ['empty token', { authorization: 'Bearer ' }],
      ['other scheme', { authorization: `Basic ${system.apiToken}` }],
      ['token without scheme', { authorization: system.apiToken }],
    ];
    for (const [what, headers] of wrong) {
      const post = await http(`${system.apiUrl}/v1/payments`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const get = await http(`${system.apiUrl}/v1/payments/${body.mrn}`, { headers });
      expect({ what, post: post.status, get: get.status }).toEqual({ what, post: 401, get: 401 });
      expect(post.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect(await describeWorkflow(system, `payment-${body.mrn}`)).toBeUndefined();
  });

  test('GET of an mrn we never created is 404', async () => {
    const answer = await system.api('GET', `/v1/payments/${testMrn('P')}`);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: 'not_found' });
  });

  test('when the platform refuses the create, the answer is 422 rejected with its message, and GET shows rejected', async () => {
    const mrn = testMrn('P');
    // The sandbox refuses a pay-in create only for a reason in the request (and our API lets no bad
    // request through) or for an mrn it already has: another order with this mrn, made outside this system.
    await makeForeignOrder(mrn);

    const answer = await system.api('POST', '/v1/payments', order({ mrn }));

    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ mrn, status: 'rejected', error: { message: expect.stringMatching(/mrn_duplication/) } });
    const { body: view } = await system.api('GET', `/v1/payments/${mrn}`);
    expect(view).toMatchObject({ status: 'rejected', payUrl: null, error: { message: expect.stringMatching(/mrn_duplication/) } });
    expect(view.finishedAt).not.toBeNull();
  });

  test('when the platform answers HTTP 500, the workflow retries the create and the order becomes pending', async () => {
    const body = order();
    await system.sandbox!.control.addCreateFault({ mode: 'http500', kind: 'payment', count: 1 });
    onCleanup(() => system.sandbox!.control.clearCreateFaults());

    const answer = await system.api('POST', '/v1/payments', body);

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'pending', payUrl: expect.stringContaining('/api/Pay?id=') });
    const creates = await createRequests(body.mrn);
    expect(creates.map((r) => r.outcome)).toEqual(['http500', 'success']);
    expect(await system.sandbox!.control.orders({ kind: 'payment', mrn: body.mrn })).toHaveLength(1);
  });

  test('when the platform stores the order but its answer is lost, the retry hears mrn_duplication, the query finds the order: pending without a cashier URL, flagged, one order', async () => {
    const body = order();
    // Stored at once, answered after 2.5 s: our client gives up after GATEWAY_HTTP_TIMEOUT (1 s).
    await system.sandbox!.control.addCreateFault({ mode: 'late-answer', kind: 'payment', count: 1, delayMs: 2_500 });
    onCleanup(() => system.sandbox!.control.clearCreateFaults());

    const answer = await system.api('POST', '/v1/payments', body);

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'pending', payUrl: null, needsAttention: true });
    expect(answer.body.timeline).toContainEqual(expect.objectContaining({ event: 'created at platform, cashier URL lost' }));
    expect((await createRequests(body.mrn)).map((r) => r.outcome)).toEqual(['success', 'mrn_duplication']);
    expect(await system.sandbox!.control.orders({ kind: 'payment', mrn: body.mrn })).toHaveLength(1);

    // The payer paid through the platform's page all the same: the callback settles it.
    await system.sandbox!.control.markPaid('payment', body.mrn);
    await waitForOrder(system, 'payments', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
  });
});

describe('page mode', () => {
  test('201 with the signed form and a checkout link; the link serves an auto-submitting form to the platform; the payer pays there', async () => {
    const body = order({ mode: 'page', payer: '张三' });

    const created = await system.api('POST', '/v1/payments', body);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ mrn: body.mrn, status: 'pending', mode: 'page', payUrl: null });
    const form = created.body.form as { action: string; fields: Record<string, string> };
    const checkoutUrl = created.body.checkoutUrl as string;
    expect(form.action).toBe(`${system.gateway.url}/api/Pay`);
    expect(form.fields).toMatchObject({ mrn: body.mrn, amount: '100.00', channelId: '2', appKey: system.gateway.appKey, payer: '张三' });
    expect(verify('payment.create', form.fields, system.gateway.secret)).toEqual({ ok: true });
    expect(checkoutUrl.startsWith(`${system.apiUrl}/checkout/payments/${body.mrn}?`)).toBe(true);
    // Nothing at the platform until the payer's browser posts the form.
    expect(await system.sandbox!.control.payment(body.mrn)).toBeUndefined();

    // The payer's browser, without our token.
    const page = await http(checkoutUrl);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const served = readForm(page.text);
    expect(served).toEqual({ action: form.action, method: 'post', fields: form.fields });

    const cashier = await postForm(served.action, served.fields);
    expect(cashier.status).toBe(200);
    expect(await system.sandbox!.control.payment(body.mrn)).toMatchObject({ mode: 'page', status: 'pending', payer: '张三' });
    const pay = readForm(cashier.text);
    await postForm(new URL(pay.action, system.gateway.url).toString(), { action: 'pay' });

    const settled = await waitForOrder(system, 'payments', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
    expect(settled).toMatchObject({ paidAmount: '100.00', checkoutUrl: expect.any(String) });
  });

  test('a tampered, borrowed or expired checkout link is refused with 403', async () => {
    const { body, created } = await createPending({ mode: 'page' });
    const other = (await createPending({ mode: 'page' })).created;
    const link = new URL(created.checkoutUrl as string);
    const sig = link.searchParams.get('sig')!;

    const tampered = new URL(link);
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const longer = new URL(link);
    longer.searchParams.set('expires', String(Number(link.searchParams.get('expires')) + 3600));
    const borrowed = new URL(link);
    borrowed.pathname = `/checkout/payments/${other.mrn as string}`;
    const expired = new CheckoutLinks(system.apiToken, system.apiUrl).url(body.mrn, new Date(Date.now() - 1_000));

    for (const url of [tampered.toString(), longer.toString(), borrowed.toString(), expired]) {
      const answer = await http(url);
      expect({ url, status: answer.status }).toEqual({ url, status: 403 });
      expect(answer.text).not.toMatch(/<form/);
    }
    expect((await http(expired)).text).toMatch(/expired/);
    expect((await http(created.checkoutUrl as string)).status).toBe(200);
  });
});

describe('merchant notification', () => {
  test('the final state is POSTed to notifyUrl, signed, retried with the same event id until the merchant answers 2xx', async () => {
    const receiver = await startMerchantReceiver([500]);
    onCleanup(() => receiver.close());
    const { body } = await createPending({ notifyUrl: receiver.url });
    await system.sandbox!.control.markPaid('payment', body.mrn);

    // The first retry waits 10 s (real time on the dev server).
    const view = await waitForOrder(
      system,
      'payments',
      body.mrn,
      (v) => v.notification.deliveries[0]?.status === 'delivered',
      'the notification to be delivered',
      30_000,
    );

    expect(view.status).toBe('succeeded');
    expect(view.notification).toMatchObject({ url: receiver.url, deliveries: [{ type: 'payment.succeeded', status: 'delivered', attempts: 2 }] });
    expect(receiver.received.map((r) => r.answeredWith)).toEqual([500, 200]);
    const events = receiver.received.map((r) => JSON.parse(r.body));
    expect(events[0]).toEqual(events[1]);
    expect(events[0]).toMatchObject({
      id: view.notification.deliveries[0].eventId,
      type: 'payment.succeeded',
      mrn: body.mrn,
      status: 'succeeded',
      amount: '100.00',
      paidAmount: '100.00',
      amountMismatch: false,
      late: false,
    });
    for (const { headers, body: raw } of receiver.received) {
      expect(headers['x-orchestrator-event-id']).toBe(events[0].id);
      const check = verifyNotification(headers['x-orchestrator-signature'] as string, raw, system.notifySecret, Math.floor(Date.now() / 1000));
      expect(check).toMatchObject({ ok: true });
      expect(verifyNotification(headers['x-orchestrator-signature'] as string, raw, 'another-secret-entirely', Math.floor(Date.now() / 1000))).toMatchObject({ ok: false });
    }
  });
});

describe('short waits (a second system)', () => {
  let shortLived: TestSystem;

  beforeAll(async () => {
    shortLived = await startTestSystem({
      PAYMENT_EXPIRY: '4s',
      PAYMENT_CALLBACK_TIMEOUT: '1s',
      PAYMENT_RESEND_WAIT: '1s',
      PAYMENT_LATE_WINDOW: '1s',
      CREATE_WAIT: '1500ms',
    });
  });

  test('when the platform does not answer within CREATE_WAIT, the answer is 202 creating; the workflow keeps trying and the order becomes pending, created once', async () => {
    const control = shortLived.sandbox!.control;
    const body = order();
    // The first call hangs past GATEWAY_HTTP_TIMEOUT (1 s) and stores nothing; the retry comes 1 s later, after CREATE_WAIT (1.5 s).
    await control.addCreateFault({ mode: 'timeout', kind: 'payment', count: 1, delayMs: 1_500 });
    onCleanup(() => control.clearCreateFaults());

    const answer = await shortLived.api('POST', '/v1/payments', body);

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ mrn: body.mrn, status: 'creating' });
    const view = await waitForOrder(shortLived, 'payments', body.mrn, (v) => v.status === 'pending', 'pending once the platform answers');
    expect(view.payUrl).toMatch(new RegExp(`^${shortLived.gateway.url}/api/Pay\\?id=`));
    const creates = (await control.requests({ kind: 'payment', mrn: body.mrn })).filter((r) => r.operation === 'create');
    expect(creates.map((r) => r.outcome)).toEqual(['timeout', 'success']);
    expect(await control.orders({ kind: 'payment', mrn: body.mrn })).toHaveLength(1);
    // A retry of the POST now finds the order (on a loaded machine it may have expired by then: PAYMENT_EXPIRY is 4 s here).
    const retried = await shortLived.api('POST', '/v1/payments', body);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ mrn: body.mrn, payUrl: view.payUrl });
    expect(['pending', 'expired']).toContain(retried.body.status);
  });

  afterAll(async () => {
    await shortLived?.stop();
  });

  test('a pay-in that succeeded by query with the amount unknown learns it from a callback re-sent after the run closed: recorded, the mismatch flagged, shown by GET', async () => {
    const mrn = testMrn('P');
    const control = shortLived.sandbox!.control;
    // Every callback is lost (the first one and those the queries ask for): the query alone decides.
    await control.setCallbackRule('payment', mrn, { dropNext: 1_000 });
    const created = await shortLived.api('POST', '/v1/payments', order({ mrn }));
    expect(created.status).toBe(201);
    await control.markPaid('payment', mrn, 9_950);
    const closed = await eventually(
      async () => {
        const description = await describeWorkflow(shortLived, `payment-${mrn}`);
        return description?.status.name === 'COMPLETED' ? description : undefined;
      },
      'the run to close as succeeded, amount unknown',
      20_000,
    );
    expect((await shortLived.api('GET', `/v1/payments/${mrn}`)).body).toMatchObject({ status: 'succeeded', paidAmount: null, paidAmountKnown: false });

    await control.setCallbackRule('payment', mrn, {});
    await control.resendCallback('payment', mrn);

    const view = await waitForOrder(shortLived, 'payments', mrn, (v) => v.paidAmountKnown, 'the paid amount');
    expect(view).toMatchObject({ status: 'succeeded', paidAmount: '99.50', amountMismatch: true, needsAttention: true });
    expect(view.attentionReasons).toEqual(['paid 99.50 CNY, asked 100.00 CNY']);
    expect(timelineEvents(view)).toContain('callback: paid amount learned');
    const delivery = await control.waitForDelivery('payment', mrn, 'delivered', { timeoutMs: 5_000 });
    expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200, body: 'success' });
    expect((await describeWorkflow(shortLived, `payment-${mrn}`))?.runId).not.toBe(closed.runId);
  });

  test('a success callback after the run closed as expired restarts the order: succeeded, late, notified again', async () => {
    const mrn = testMrn('P');
    const control = shortLived.sandbox!.control;
    const receiver = await startMerchantReceiver([]);
    onCleanup(() => receiver.close());
    await control.keepPending('payment', mrn);
    const created = await shortLived.api('POST', '/v1/payments', order({ mrn, notifyUrl: receiver.url }));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');

    const closed = await eventually(
      async () => {
        const description = await describeWorkflow(shortLived, `payment-${mrn}`);
        return description?.status.name === 'COMPLETED' ? description : undefined;
      },
      'the run to close as expired',
      20_000,
    );
    const expired = await shortLived.api('GET', `/v1/payments/${mrn}`);
    expect(expired.body).toMatchObject({ status: 'expired', late: false, paidAmount: null });

    await control.markPaid('payment', mrn);

    const settled = await waitForOrder(shortLived, 'payments', mrn, (v) => v.status === 'succeeded', 'succeeded late');
    expect(settled).toMatchObject({ late: true, paidAmount: '100.00', amountMismatch: false });
    expect(timelineEvents(settled)).toEqual(expect.arrayContaining(['expired', 'late callback: paid after expiry']));
    const delivery = await control.waitForDelivery('payment', mrn, 'delivered', { timeoutMs: 5_000 });
    expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200, body: 'success' });
    const latest = await shortLived.client.workflow.getHandle(`payment-${mrn}`).describe();
    expect(latest.runId).not.toBe(closed.runId);
    // The merchant heard "expired" when the run closed, and now "succeeded" (late) as well.
    await eventually(async () => receiver.received.length >= 2, 'the late success to be notified');
    expect(receiver.received.map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ type: 'payment.expired', status: 'expired', late: false }),
      expect.objectContaining({ type: 'payment.succeeded', status: 'succeeded', late: true, paidAmount: '100.00' }),
    ]);
  });
});

/** An order with this mrn at the sandbox, created directly by a client with our merchant's credentials. */
async function makeForeignOrder(mrn: string): Promise<void> {
  const client = new GatewayClient({ baseUrl: system.gateway.url, appKey: system.gateway.appKey, secret: system.gateway.secret, timeoutMs: 5_000 });
  try {
    const outcome = await client.createPayment({
      mrn,
      amountFen: 5_000,
      channelId: 1,
      callbackUrl: 'https://elsewhere.example.com/callback',
      returnUrl: 'https://elsewhere.example.com/return',
    });
    expect(outcome.kind).toBe('accepted');
  } finally {
    await client.close();
  }
}

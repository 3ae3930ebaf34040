/**
 * Payouts end to end: our API, worker and the dev server, against the sandbox platform over HTTP.
 * One system for the file; the sandbox merchant holds 10 000 yuan, so a larger payout is refused.
 */
import { verifyNotification } from '../../src/notify/signature';
import { startTestSystem, type TestSystem } from '../helpers/system';
import { testMrn } from '../helpers/orders';
import { BAD_PAYOUT_INPUTS, withChange } from '../helpers/bad-inputs';
import { http, postForm, unescapeHtml } from '../helpers/support';
import { describeWorkflow, startMerchantReceiver, timelineEvents, waitForOrder } from './support';

const BALANCE_FEN = 10_000 * 100;
const ACCOUNT_NUMBER = '6222021234567890123';
const ACCOUNT_NAME = '张三丰';

let system: TestSystem;

beforeAll(async () => {
  // CREATE_WAIT generous (POST answers as soon as the platform does); the callback wait long enough
  // that an operator test can act before the workflow's first query.
  system = await startTestSystem({ CREATE_WAIT: '10s', PAYOUT_CALLBACK_TIMEOUT: '4s' }, { balanceFen: BALANCE_FEN });
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

const payout = (overrides: Record<string, unknown> = {}) => ({
  mrn: testMrn('W'),
  amount: 500,
  bankName: '中国工商银行',
  accountName: ACCOUNT_NAME,
  accountNumber: ACCOUNT_NUMBER,
  ...overrides,
});

/** Creates a payout through our API; the platform accepted it. */
async function createPending(overrides: Record<string, unknown> = {}) {
  const body = payout(overrides);
  const created = await system.api('POST', '/v1/payouts', body);
  expect(created.status).toBe(202);
  expect(created.body.status).toBe('pending');
  return body;
}

const control = () => system.sandbox!.control;
const createRequests = async (mrn: string) => (await control().requests({ kind: 'payout', mrn })).filter((r) => r.operation === 'create');

test('happy path: 202 pending, the platform operator clicks "Complete", the callback settles the payout', async () => {
  const body = payout();

  const created = await system.api('POST', '/v1/payouts', body);

  expect(created.status).toBe(202);
  expect(created.body).toMatchObject({ mrn: body.mrn, status: 'pending', amount: '500', bankName: '中国工商银行', accountNumber: '****0123' });
  expect(await control().payout(body.mrn)).toMatchObject({ status: 'pending', amount: '500', accountName: ACCOUNT_NAME });

  // The platform's operator page: this payout's row, its "Complete" button.
  const page = await http(`${system.gateway.url}/operator`);
  const row = new RegExp(`<tr data-mrn="${body.mrn}">[\\s\\S]*?<form method="post" action="([^"]+)"`).exec(page.text);
  expect(row).not.toBeNull();
  const completed = await postForm(new URL(unescapeHtml(row![1]), system.gateway.url).toString(), { action: 'complete' });
  expect(completed.status).toBe(303);

  const settled = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
  expect(settled).toMatchObject({ amount: '500', needsAttention: false, amountMismatch: false, error: null });
  expect(settled.finishedAt).not.toBeNull();
  expect(timelineEvents(settled)).toEqual(expect.arrayContaining(['created at platform', 'callback: paid out']));
  const delivery = await control().waitForDelivery('payout', body.mrn);
  expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200, body: 'success' });
});

test('a payout larger than the merchant balance is 422 rejected with insufficient_balance, and nothing is created', async () => {
  const body = payout({ amount: BALANCE_FEN / 100 + 1 });

  const answer = await system.api('POST', '/v1/payouts', body);

  expect(answer.status).toBe(422);
  expect(answer.body).toEqual({ mrn: body.mrn, status: 'rejected', error: { code: 'insufficient_balance', message: expect.any(String) } });
  const { body: view } = await system.api('GET', `/v1/payouts/${body.mrn}`);
  expect(view).toMatchObject({ status: 'rejected', error: { code: 'insufficient_balance' }, needsAttention: false });
  expect(await control().payout(body.mrn)).toBeUndefined();
});

test('ambiguous create: the platform stores the payout but answers too late; the retry with the same mrn hears mrn_duplication, a query confirms it is ours, and it succeeds — one order', async () => {
  const body = payout();
  // Stored at once, answered after 2.5 s: our client gives up after GATEWAY_HTTP_TIMEOUT (1 s).
  await control().addCreateFault({ mode: 'late-answer', kind: 'payout', count: 1, delayMs: 2_500 });
  onCleanup(() => control().clearCreateFaults());

  const answer = await system.api('POST', '/v1/payouts', body);

  expect(answer.status).toBe(202);
  expect(['creating', 'pending']).toContain(answer.body.status);
  const pending = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'pending', 'pending');
  expect(pending.timeline).toContainEqual(expect.objectContaining({ event: 'created at platform', detail: expect.stringMatching(/mrn_duplication, confirmed ours by query/) }));
  const creates = await createRequests(body.mrn);
  expect(creates.length).toBeGreaterThanOrEqual(2);
  expect(creates[0]).toMatchObject({ outcome: 'success', orderCreated: true, fault: 'late-answer' });
  expect(creates.slice(1).map((r) => r.outcome)).toEqual(creates.slice(1).map(() => 'mrn_duplication'));

  await control().markPaid('payout', body.mrn);

  await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
  expect(await control().orders({ kind: 'payout', mrn: body.mrn })).toHaveLength(1);
});

test('the same mrn with the same body is answered 200 with the existing payout and one create at the platform; another body is 409', async () => {
  const body = payout();

  const first = await system.api('POST', '/v1/payouts', body);
  const second = await system.api('POST', '/v1/payouts', body);
  const otherAmount = await system.api('POST', '/v1/payouts', { ...body, amount: 501 });
  const otherAccount = await system.api('POST', '/v1/payouts', { ...body, accountNumber: '6222021234567890124' });

  expect(first.status).toBe(202);
  expect(second.status).toBe(200);
  expect(second.body).toMatchObject({ mrn: body.mrn, status: 'pending', amount: '500' });
  expect(otherAmount.status).toBe(409);
  expect(otherAccount.status).toBe(409);
  expect(await createRequests(body.mrn)).toHaveLength(1);
  expect(await control().orders({ kind: 'payout', mrn: body.mrn })).toHaveLength(1);
});

test('GET masks the bank account: ****0123, a masked name, and the full number nowhere in the answer', async () => {
  const body = await createPending();

  const { status, body: view } = await system.api('GET', `/v1/payouts/${body.mrn}`);

  expect(status).toBe(200);
  expect(view).toMatchObject({ accountNumber: '****0123', accountName: '张**', bankName: '中国工商银行' });
  const json = JSON.stringify(view);
  expect(json).not.toContain(ACCOUNT_NUMBER);
  expect(json).not.toContain(ACCOUNT_NUMBER.slice(0, 12));
  expect(json).not.toContain(ACCOUNT_NAME);
  // Nor in the create answer, nor in the repeated create's.
  const again = await system.api('POST', '/v1/payouts', body);
  expect(JSON.stringify(again.body)).not.toContain(ACCOUNT_NUMBER);
  expect(JSON.stringify(again.body)).not.toContain(ACCOUNT_NAME);
});

test.each(BAD_PAYOUT_INPUTS)('400 for %s, naming the field, and nothing started', async (_what, change, field) => {
  const body = withChange(payout(), change);

  const answer = await system.api('POST', '/v1/payouts', body);

  expect(answer.status).toBe(400);
  expect(answer.body.message).toMatch(field);
  expect((await system.api('GET', `/v1/payouts/${body.mrn as string}`)).status).toBe(404);
  expect(await describeWorkflow(system, `payout-${body.mrn as string}`)).toBeUndefined();
  expect(await createRequests(body.mrn as string)).toHaveLength(0);
});

test('400 naming mrn for a payout without one (the caller\'s idempotency key: a retry with a new one could pay twice), and no create at the platform', async () => {
  const { mrn: _none, ...body } = payout();
  const createsBefore = (await control().requests({ kind: 'payout' })).filter((r) => r.operation === 'create').length;

  const answer = await system.api('POST', '/v1/payouts', body);

  expect(answer.status).toBe(400);
  expect(answer.body).toEqual({ error: 'bad_request', message: expect.stringMatching(/mrn/) });
  expect((await control().requests({ kind: 'payout' })).filter((r) => r.operation === 'create')).toHaveLength(createsBefore);
});

test('401 without or with a wrong bearer token; GET of an unknown mrn is 404', async () => {
  const body = payout();
  expect((await system.api('POST', '/v1/payouts', body, null)).status).toBe(401);
  expect((await system.api('POST', '/v1/payouts', body, 'wrong-token')).status).toBe(401);
  expect((await system.api('GET', `/v1/payouts/${body.mrn}`, undefined, null)).status).toBe(401);
  expect(await describeWorkflow(system, `payout-${body.mrn}`)).toBeUndefined();
  expect((await system.api('GET', `/v1/payouts/${body.mrn}`)).status).toBe(404);
});

test('when the platform marks the payout failed (no callback), the query sees status 2 and GET shows failed', async () => {
  const body = await createPending();

  await control().markFailed('payout', body.mrn);

  const failed = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'failed', 'failed');
  expect(failed.timeline).toContainEqual(expect.objectContaining({ event: 'platform query: payout failed', detail: 'status 2 (failed)' }));
  expect(failed).toMatchObject({ lastPlatformAnswer: 'status 2 (failed)', resolution: null });
  expect(failed.finishedAt).not.toBeNull();
  const queries = (await control().requests({ kind: 'payout', mrn: body.mrn })).filter((r) => r.operation === 'query');
  expect(queries.at(-1)).toMatchObject({ queryStatus: 2 });
});

describe('operator endpoints', () => {
  test('re-check asks the platform now and records the reason; without a reason it is 400', async () => {
    const body = await createPending();
    const queriesBefore = (await control().requests({ kind: 'payout', mrn: body.mrn })).filter((r) => r.operation === 'query').length;

    const recheck = await system.api('POST', `/v1/payouts/${body.mrn}/recheck`, { reason: 'merchant asked by phone' });
    const noReason = await system.api('POST', `/v1/payouts/${body.mrn}/recheck`, {});
    const shortReason = await system.api('POST', `/v1/payouts/${body.mrn}/recheck`, { reason: 'x' });
    const unknown = await system.api('POST', `/v1/payouts/${testMrn('W')}/recheck`, { reason: 'merchant asked by phone' });

    expect(recheck.status).toBe(200);
    expect(recheck.body).toMatchObject({ mrn: body.mrn, status: 'pending', lastPlatformAnswer: 'status 0 (pending)', accountNumber: '****0123' });
    expect(recheck.body.timeline).toContainEqual(expect.objectContaining({ event: 'operator: re-check now', detail: 'merchant asked by phone' }));
    const queriesAfter = (await control().requests({ kind: 'payout', mrn: body.mrn })).filter((r) => r.operation === 'query').length;
    expect(queriesAfter).toBeGreaterThan(queriesBefore);
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/reason/);
    expect(shortReason.status).toBe(400);
    expect(shortReason.body.message).toMatch(/reason/);
    expect(unknown.status).toBe(404);
  });

  test('a manual resolution the platform contradicts is 409, and the payout goes on as the platform says', async () => {
    const body = await createPending();
    // The platform has failed it; our workflow has not asked yet (its first query comes after PAYOUT_CALLBACK_TIMEOUT).
    await control().markFailed('payout', body.mrn);

    const resolve = await system.api('POST', `/v1/payouts/${body.mrn}/resolve`, { outcome: 'succeeded', reason: 'bank says the money arrived' });

    expect(resolve.status).toBe(409);
    expect(resolve.body.message).toMatch(/contradicts/);
    const failed = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'failed', 'failed as the platform says');
    expect(failed.resolution).toBeNull();
    expect(failed.timeline).toContainEqual(expect.objectContaining({ event: 'manual resolution refused' }));
  });

  test('resolving as failed while the platform answers 0 (it may still pay) is 409 with the platform\'s answer; the payout stays pending', async () => {
    const body = await createPending();

    const resolve = await system.api('POST', `/v1/payouts/${body.mrn}/resolve`, { outcome: 'failed', reason: 'merchant says it never arrived' });

    expect(resolve.status).toBe(409);
    expect(resolve.body).toMatchObject({ error: 'conflict', message: expect.stringContaining('status 0 (pending)') });
    const { body: view } = await system.api('GET', `/v1/payouts/${body.mrn}`);
    expect(view).toMatchObject({ status: 'pending', resolution: null });
    expect(await control().payout(body.mrn)).toMatchObject({ status: 'pending' });
  });

  test('a manual resolution the platform does not contradict settles the payout with the reason; a resolution without a reason is 400', async () => {
    const body = await createPending();

    const noReason = await system.api('POST', `/v1/payouts/${body.mrn}/resolve`, { outcome: 'succeeded' });
    const resolve = await system.api('POST', `/v1/payouts/${body.mrn}/resolve`, { outcome: 'succeeded', reason: 'confirmed with platform support' });
    const again = await system.api('POST', `/v1/payouts/${body.mrn}/resolve`, { outcome: 'failed', reason: 'changed my mind' });

    expect(noReason.status).toBe(400);
    expect(resolve.status).toBe(200);
    expect(resolve.body).toMatchObject({ status: 'succeeded', resolution: { outcome: 'succeeded', reason: 'confirmed with platform support' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already succeeded/);
    const { body: view } = await system.api('GET', `/v1/payouts/${body.mrn}`);
    expect(view).toMatchObject({ status: 'succeeded', resolution: { outcome: 'succeeded' } });
  });
});

test('merchant notification: payout.succeeded is POSTed, signed, retried with the same event id until the merchant answers 2xx', async () => {
  const receiver = await startMerchantReceiver([500]);
  onCleanup(() => receiver.close());
  const body = await createPending({ notifyUrl: receiver.url });

  await control().markPaid('payout', body.mrn);

  // The first retry waits 10 s (real time on the dev server).
  const view = await waitForOrder(
    system,
    'payouts',
    body.mrn,
    (v) => v.notification.deliveries[0]?.status === 'delivered',
    'the notification to be delivered',
    30_000,
  );
  expect(view.status).toBe('succeeded');
  expect(view.notification).toMatchObject({ url: receiver.url, deliveries: [{ type: 'payout.succeeded', status: 'delivered', attempts: 2 }] });
  expect(receiver.received.map((r) => r.answeredWith)).toEqual([500, 200]);
  const events = receiver.received.map((r) => JSON.parse(r.body));
  expect(events[1]).toEqual(events[0]);
  expect(events[0]).toMatchObject({ id: view.notification.deliveries[0].eventId, type: 'payout.succeeded', mrn: body.mrn, status: 'succeeded', amount: '500' });
  for (const { headers, body: raw } of receiver.received) {
    expect(headers['x-orchestrator-event-id']).toBe(events[0].id);
    expect(verifyNotification(headers['x-orchestrator-signature'] as string, raw, system.notifySecret, Math.floor(Date.now() / 1000))).toMatchObject({ ok: true });
    expect(raw).not.toContain(ACCOUNT_NUMBER);
  }
});

test('ambiguous create on a platform that checks the balance before the mrn: the retry of the funded payout hears insufficient_balance, the query finds the payout, and it succeeds — never rejected, one order', async () => {
  // The payout takes the whole balance (so this test comes last): once the first, lost create stored it, nothing is left for a second.
  const body = payout({ amount: (await control().balanceFen()) / 100 });
  await control().setPayoutChecks({ balanceBeforeMrn: true });
  onCleanup(() => control().setPayoutChecks({ balanceBeforeMrn: false }));
  await control().addCreateFault({ mode: 'late-answer', kind: 'payout', count: 1, delayMs: 2_500 });
  onCleanup(() => control().clearCreateFaults());

  const answer = await system.api('POST', '/v1/payouts', body);

  expect(answer.status).toBe(202);
  expect(['creating', 'pending']).toContain(answer.body.status);
  const pending = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'pending', 'pending');
  expect(pending).toMatchObject({ error: null, lastPlatformAnswer: 'status 0 (pending)' });
  expect(pending.timeline).toContainEqual(
    expect.objectContaining({ event: 'created at platform', detail: expect.stringMatching(/insufficient_balance, confirmed ours by query/) }),
  );
  const creates = await createRequests(body.mrn);
  expect(creates.map((r) => [r.outcome, r.orderCreated])).toEqual([
    ['success', true],
    ['insufficient_balance', false],
  ]);

  await control().markPaid('payout', body.mrn);

  const settled = await waitForOrder(system, 'payouts', body.mrn, (v) => v.status === 'succeeded', 'succeeded');
  expect(settled.error).toBeNull();
  expect(await control().orders({ kind: 'payout', mrn: body.mrn })).toHaveLength(1);
  expect(await control().balanceFen()).toBe(0);
});

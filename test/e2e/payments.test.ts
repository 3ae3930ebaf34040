/**
 * Pay-ins end to end: our API, worker and the dev server, against the sandbox platform over HTTP.
 */
import { request } from 'undici';
import { eventually, startTestSystem, type TestSystem } from '../helpers/system';
import { testMrn } from '../helpers/orders';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await system?.stop();
});

const order = (overrides: Record<string, unknown> = {}) => ({
  mrn: testMrn('P'),
  amount: '100.00',
  channelId: 2,
  returnUrl: 'https://shop.example.com/paid',
  ...overrides,
});

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

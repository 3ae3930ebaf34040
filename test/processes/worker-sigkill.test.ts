/**
 * Two worker processes; one is killed with SIGKILL (no shutdown at all) while orders are in flight —
 * their workflows cached in it, waiting for the platform. Every order still completes, exactly once:
 * one order per mrn at the platform, the payouts' money taken once, one row per order in the book.
 */
import { randomUUID } from 'node:crypto';
import { openTestBook } from '../helpers/book';
import { eventually } from '../helpers/system';
import { startAppEnvironment, type AppEnvironment } from './app-processes';

jest.setTimeout(180_000);

let app: AppEnvironment;

beforeAll(async () => {
  app = await startAppEnvironment();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

test('a worker killed with SIGKILL mid-flight: the other worker completes every order once', async () => {
  // Orders created within the request (201) even on a loaded machine.
  const api = await app.spawnApi('api', { CREATE_WAIT: '20s' });
  const doomed = await app.spawnWorker('worker-a');
  const survivor = await app.spawnWorker('worker-b');
  const balanceBefore = await app.sandbox.control.balanceFen();

  const payments: string[] = [];
  const payouts: string[] = [];
  for (let i = 0; i < 6; i++) {
    const mrn = `KILLP-${randomUUID().slice(0, 12)}`;
    const created = await app.api(api.url, 'POST', '/v1/payments', { mrn, amount: '10.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
    expect(created.status).toBe(201);
    payments.push(mrn);
  }
  for (let i = 0; i < 6; i++) {
    const mrn = `KILLW-${randomUUID().slice(0, 12)}`;
    const created = await app.api(api.url, 'POST', '/v1/payouts', { mrn, amount: 100, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222020000000000001' });
    expect(created.status).toBe(202);
    payouts.push(mrn);
  }
  await eventually(async () => {
    for (const mrn of payouts) if ((await app.api(api.url, 'GET', `/v1/payouts/${mrn}`)).body.status !== 'pending') return false;
    return true;
  }, 'every payout created at the platform');

  doomed.kill('SIGKILL');
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

  // The platform settles everything now: callbacks signal workflows whose cached state died with worker-a.
  for (const mrn of payments) await app.sandbox.control.markPaid('payment', mrn);
  for (const mrn of payouts) await app.sandbox.control.markPaid('payout', mrn);

  for (const [kind, mrns] of [['payments', payments], ['payouts', payouts]] as const) {
    for (const mrn of mrns) {
      await eventually(async () => (await app.api(api.url, 'GET', `/v1/${kind}/${mrn}`)).body.status === 'succeeded', `${kind} ${mrn} succeeded`, 90_000);
    }
  }
  for (const mrn of [...payments, ...payouts]) {
    const creates = (await app.sandbox.control.requests({ mrn })).filter((r) => r.operation === 'create' && r.outcome === 'success');
    expect({ mrn, creates: creates.length }).toEqual({ mrn, creates: 1 });
  }
  const platformOrders = await app.sandbox.control.orders({});
  for (const mrn of [...payments, ...payouts]) expect(platformOrders.filter((o) => o.mrn === mrn)).toHaveLength(1);
  // Pay-ins credited once (6 × 10.00), payouts debited once (6 × 100).
  expect((await app.sandbox.control.balanceFen()) - balanceBefore).toBe(6 * 1_000 - 6 * 10_000);
  expect(survivor.process.exitCode).toBeNull();

  // The order book the processes share holds each order once, succeeded, with its paid amount.
  const { pool, close } = openTestBook();
  try {
    const rows = await eventually(async () => {
      const found = await pool.query<{ kind: string; mrn: string; status: string; paid_amount_fen: string | null }>(
        'SELECT kind, mrn, status, paid_amount_fen FROM orders WHERE mrn = ANY($1) ORDER BY kind, mrn',
        [[...payments, ...payouts]],
      );
      return found.rows.length === 12 && found.rows.every((row) => row.status === 'succeeded') ? found.rows : undefined;
    }, 'every order succeeded in the book', 30_000);
    expect(rows.filter((row) => row.kind === 'payment').map((row) => row.paid_amount_fen)).toEqual(Array(6).fill('1000'));
    expect(rows.filter((row) => row.kind === 'payout').map((row) => row.mrn).sort()).toEqual([...payouts].sort());
  } finally {
    await close();
  }
});

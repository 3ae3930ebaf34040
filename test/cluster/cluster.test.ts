/**
 * `npm run cluster` end to end: PostgreSQL, the pinned Temporal server built from the Go module
 * proxy, the UI, the order book's database, two API processes, two worker processes and the
 * sandbox — then a pay-in and a payout pass through the API into the book, and `down` stops it all.
 */
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { SandboxControl } from '../../src/sandbox/control-client';
import { ORDER_SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { eventually } from '../helpers/system';
import { startTestCluster, type TestCluster } from './cluster-process';

jest.setTimeout(120_000);

let cluster: TestCluster;
let sandbox: SandboxControl;
/** The pay-in the test below settles through the cluster. */
let settledPayIn: string | undefined;

beforeAll(async () => {
  cluster = await startTestCluster({ apis: 2, workers: 2, env: { ORDER_RETENTION: '7d' } });
  sandbox = new SandboxControl(cluster.sandboxUrl);
}, 15 * 60_000);

afterAll(async () => {
  await sandbox?.close();
  await cluster?.down();
}, 5 * 60_000);

const order = (kind: 'payments' | 'payouts', mrn: string, i = 0) => cluster.api('GET', `/v1/${kind}/${mrn}`, undefined, i);

test('up prints the summary: both APIs, both workers, Temporal with its UI, the sandbox', () => {
  expect(cluster.summary).toContain(`API 1          ${cluster.apiUrl(0)}`);
  expect(cluster.summary).toContain(`API 2          ${cluster.apiUrl(1)}`);
  expect(cluster.summary).toMatch(/worker 2 +http:\/\/127\.0\.0\.1:\d+\/healthz/);
  expect(cluster.summary).toContain(`Temporal       ${cluster.temporalAddress}   (Web UI: ${cluster.uiUrl}, namespace default, retention 7d)`);
  expect(cluster.summary).toContain(`Sandbox        ${cluster.sandboxUrl}`);
  expect(cluster.summary).toContain(`Order book     ${cluster.databaseUrl}`);
});

test('the order book is the orders database, with a role of its own, on the cluster PostgreSQL', () => {
  const url = new URL(cluster.databaseUrl);
  expect({ protocol: url.protocol, host: url.host, user: url.username, database: url.pathname }).toEqual({
    protocol: 'postgres:',
    host: `127.0.0.1:${cluster.ports.postgres}`,
    user: 'orders',
    database: '/orders',
  });
  expect(url.password.length).toBeGreaterThanOrEqual(32);
});

test('the namespace has the configured retention and exactly our search attributes, registered with their types', async () => {
  const connection = await Connection.connect({ address: cluster.temporalAddress });
  try {
    const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(7 * 86_400);
    const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const typeNames: Record<number, string> = { 2: 'Keyword', 3: 'Int', 5: 'Bool' };
    const custom = Object.fromEntries(Object.entries(listed.customAttributes ?? {}).map(([name, type]) => [name, typeNames[Number(type)] ?? String(type)]));
    expect(custom).toEqual(ORDER_SEARCH_ATTRIBUTES);
  } finally {
    await connection.close();
  }
});

test('the Temporal UI is read-only for operators and decodes through the API codec endpoint', async () => {
  const response = await fetch(`${cluster.uiUrl}/api/v1/settings`);
  const settings = (await response.json()) as { DisableWriteActions: boolean; Codec: { Endpoint: string } };
  expect(settings.DisableWriteActions).toBe(true);
  expect(settings.Codec.Endpoint).toMatch(new RegExp(`^${cluster.apiUrl(0).replace(/[.]/g, '\\.')}/codec/.+`));
});

test('a pay-in started on one API process is settled by a worker process and read through the other API', async () => {
  const created = await cluster.api('POST', '/v1/payments', { amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'pending' });
  const mrn = created.body.mrn as string;

  await sandbox.markPaid('payment', mrn);

  const settled = await eventually(async () => {
    const view = await order('payments', mrn, 1);
    return view.body.status === 'succeeded' ? view.body : undefined;
  }, 'the pay-in succeeded', 60_000);
  expect(settled).toMatchObject({ paidAmount: '100.00', amountMismatch: false });
  settledPayIn = mrn;
});

test('a payout passes through the cluster: accepted, paid out at the platform, succeeded', async () => {
  const created = await cluster.api('POST', '/v1/payouts', { mrn: `CLUSTER-${randomUUID().slice(0, 12)}`, amount: 500, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222020000000000001' }, 1);
  expect(created.status).toBe(202);
  const mrn = created.body.mrn as string;

  await sandbox.markPaid('payout', mrn);

  const settled = await eventually(async () => {
    const view = await order('payouts', mrn);
    return view.body.status === 'succeeded' ? view.body : undefined;
  }, 'the payout succeeded', 60_000);
  expect(settled).toMatchObject({ amount: '500', needsAttention: false });
});

test('the list endpoint reads the orders through the cluster visibility store (PostgreSQL)', async () => {
  const listed = await eventually(async () => {
    const answer = await cluster.api('GET', '/v1/payments?status=succeeded');
    return answer.status === 200 && answer.body.items?.length > 0 ? answer.body : undefined;
  }, 'the succeeded pay-in is listed', 30_000);
  expect(listed.items[0]).toMatchObject({ status: 'succeeded' });
});

test('the worker processes wrote the settled pay-in into the orders database (migrated at their start)', async () => {
  expect(settledPayIn).toBeDefined();
  const pool = new Pool({ connectionString: cluster.databaseUrl, max: 1 });
  try {
    const row = await eventually(async () => {
      const found = await pool.query<{ status: string; paid_amount_fen: string }>("SELECT status, paid_amount_fen FROM orders WHERE kind = 'payment' AND mrn = $1", [settledPayIn]);
      return found.rows[0]?.status === 'succeeded' ? found.rows[0] : undefined;
    }, 'the book has the pay-in succeeded', 30_000);
    expect(row).toEqual({ status: 'succeeded', paid_amount_fen: '10000' });
    const migrations = await pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY run_on');
    expect(migrations.rows.map((m) => m.name)).toContain('0001_order-book');
  } finally {
    await pool.end();
  }
});

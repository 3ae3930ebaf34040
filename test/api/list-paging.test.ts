/**
 * GET /v1/payments|payouts page through visibility with our own cursors, over real HTTP on the run's
 * dev server: a nextCursor leads to the next page, and a cursor the list did not make (typed by
 * hand, from other filters, from the other kind) is a 400 naming `cursor`, answered at once.
 * The orders are workflows started straight on Temporal with the search attributes the API sets;
 * no worker runs, so they stay pending until afterAll terminates them.
 */
import { request } from 'undici';
import type { Client } from '@temporalio/client';
import { orderSearchAttributes } from '../../src/contracts/search-attributes';
import { startTestApi, type TestApi } from '../helpers/api';
import { testMrn } from '../helpers/orders';
import { eventually } from '../helpers/system';
import { devServerClient, uniqueName } from '../helpers/temporal';

let api: TestApi;
let client: Client;
const taskQueue = uniqueName('list-paging');
const mrns = [testMrn('P'), testMrn('P'), testMrn('P')];
let window: string;

beforeAll(async () => {
  api = await startTestApi();
  client = await devServerClient();
  const from = new Date(Date.now() - 1_000).toISOString();
  for (const mrn of mrns) {
    await client.workflow.start('paymentWorkflow', {
      taskQueue,
      workflowId: `list-paging-${mrn}`,
      args: [],
      typedSearchAttributes: orderSearchAttributes({ kind: 'payment', mrn, status: 'pending', amountFen: 100, channelId: 15 }),
    });
  }
  const to = new Date(Date.now() + 1_000).toISOString();
  // Only these orders' channel and time: other files' orders rarely fall in, and never break the assertions.
  window = `status=pending&channelId=15&createdFrom=${encodeURIComponent(from)}&createdTo=${encodeURIComponent(to)}`;
});

afterAll(async () => {
  for (const mrn of mrns) await client?.workflow.getHandle(`list-paging-${mrn}`).terminate('test over').catch(() => undefined);
  await client?.connection.close();
  await api?.close();
});

async function get(path: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await request(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.apiToken}` } });
  const body = await response.body.json();
  return { status: response.statusCode, body, ms: performance.now() - started };
}

test('nextCursor walks the list page by page, each order once', async () => {
  await eventually(async () => {
    const { body } = await get(`/v1/payments?${window}&pageSize=100`);
    return mrns.every((mrn) => body.items.some((item: { mrn: string }) => item.mrn === mrn));
  }, 'visibility to list the three orders');

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/v1/payments?${window}&pageSize=1${cursor === null ? '' : `&cursor=${cursor}`}`);
    expect(page.status).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(1);
    seen.push(...page.body.items.map((item: { mrn: string }) => item.mrn));
    cursor = page.body.nextCursor;
  } while (cursor !== null && seen.length < 50);

  expect(seen).toEqual(expect.arrayContaining(mrns));
  expect(new Set(seen).size).toBe(seen.length);
});

describe('a cursor the list did not make is a 400 naming cursor, answered without a wait on Temporal', () => {
  let cursor: string;
  beforeAll(async () => {
    cursor = await eventually(async () => (await get(`/v1/payments?${window}&pageSize=1`)).body.nextCursor ?? undefined, 'a first page with a next page');
  });

  test.each([
    ['typed by hand (the value of the issue)', () => `/v1/payments?cursor=${encodeURIComponent('>3k')}`],
    ['empty', () => '/v1/payments?cursor='],
    ['tampered', () => `/v1/payments?${window}&pageSize=1&cursor=${cursor.slice(0, -3)}${cursor.endsWith('AAA') ? 'BBB' : 'AAA'}`],
    ['from the same kind with other filters', () => `/v1/payments?status=pending&pageSize=1&cursor=${cursor}`],
    ['from the other kind of order', () => `/v1/payouts?status=pending&pageSize=1&cursor=${cursor}`],
  ])('%s', async (_what, path) => {
    const answer = await get(path());

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'bad_request', message: expect.stringMatching(/cursor/) });
    expect(answer.ms).toBeLessThan(500);
  });
});

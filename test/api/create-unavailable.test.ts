/**
 * POST /v1/payments and /v1/payouts when Temporal cannot be reached: the order may or may not have
 * started, so every 503 carries the mrn and says to retry with it (a new mrn could pay twice). And
 * a payout needs a caller-chosen mrn in the first place.
 */
import { Client, Connection, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { request } from 'undici';
import { buildApp } from '../../src/api/app';
import { apiSettings } from '../../src/api/settings';
import { loadConfig } from '../../src/config';
import { testMrn } from '../helpers/orders';
import { API_ENV } from '../helpers/api';
import { openTestBook } from '../helpers/book';

const payout = (mrn: string) => ({ mrn, amount: 500, bankName: '中国工商银行', accountName: '张三', accountNumber: '6222021234567890123' });
const payment = { amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' };

async function appWith(client: Client): Promise<{ app: FastifyInstance; token: string }> {
  const config = loadConfig(API_ENV(), 'api');
  const { apiToken, gateway } = config;
  if (apiToken === undefined || gateway === undefined) throw new Error('loadConfig(api) insists on these');
  const { book, close } = openTestBook();
  const app = await buildApp({ settings: apiSettings(config, { apiToken, gateway }), client, book, logger: pino({ level: 'silent' }) });
  app.addHook('onClose', close);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, token: apiToken };
}

/** POST over loopback (light-my-request's inject does not load under jest). */
async function post(app: FastifyInstance, token: string, path: string, body: object): Promise<{ statusCode: number; json: <T = unknown>() => T }> {
  const { port } = app.server.address() as AddressInfo;
  const response = await request(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed: unknown = await response.body.json();
  return { statusCode: response.statusCode, json: <T>() => parsed as T };
}

describe('Temporal unreachable', () => {
  let connection: Connection;
  let app: FastifyInstance;
  let token: string;

  beforeAll(async () => {
    // Nothing listens on port 1; no gRPC retries, so the failure comes at once.
    connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [], connectTimeout: '1s' });
    ({ app, token } = await appWith(new Client({ connection })));
  });

  afterAll(async () => {
    await app?.close();
    await connection?.close();
  });

  test('POST /v1/payouts answers 503 with the mrn, saying to retry with the same mrn', async () => {
    const mrn = testMrn('W');

    const answer = await post(app, token, '/v1/payouts', payout(mrn));

    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ error: 'unavailable', mrn, message: expect.stringContaining(`retry with the same mrn (${mrn})`) });
  });

  test('POST /v1/payments without an mrn answers 503 with the mrn it generated, to retry with', async () => {
    const answer = await post(app, token, '/v1/payments', payment);

    expect(answer.statusCode).toBe(503);
    const body = answer.json<{ mrn: string; message: string }>();
    expect(body.mrn).toMatch(/^P\d{14}[0-9a-f]{8}$/);
    expect(body.message).toContain(`retry with the same mrn (${body.mrn})`);
  });

  test('POST /v1/payouts without an mrn is 400 naming the field, before Temporal is asked', async () => {
    const { mrn: _omitted, ...body } = payout('unused');

    const answer = await post(app, token, '/v1/payouts', body);

    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/mrn/) });
  });
});

test('when the start may not have landed in time (the create wait ran out and the workflow is not found), the 503 carries the mrn too', async () => {
  // A client whose update-with-start outlives our wait and whose workflow cannot be found afterwards.
  const client = {
    withDeadline: <R>(_deadline: number, run: () => Promise<R>) => run(),
    workflow: {
      executeUpdateWithStart: () => Promise.reject(new WorkflowUpdateRPCTimeoutOrCancelledError('deadline exceeded')),
      getHandle: (workflowId: string) => ({ describe: () => Promise.reject(new WorkflowNotFoundError('not found', workflowId, undefined)) }),
    },
  } as unknown as Client;
  const { app, token } = await appWith(client);
  try {
    const mrn = testMrn('W');

    const answer = await post(app, token, '/v1/payouts', payout(mrn));

    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ error: 'unavailable', mrn, message: expect.stringMatching(/could not be started in time.*retry with the same mrn/) });
  } finally {
    await app.close();
  }
});

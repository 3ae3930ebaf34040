/**
 * SIGTERM, as an orchestrator (docker compose, Kubernetes, `npm run cluster -- down`) stops a
 * process: the worker stops polling, lets its running activity finish and exits 0; the API stops
 * accepting, answers the request in flight and exits 0. Real processes on the run's dev server.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { eventually } from '../helpers/system';
import { startAppEnvironment, type AppEnvironment } from './app-processes';

jest.setTimeout(120_000);

let app: AppEnvironment;

beforeAll(async () => {
  app = await startAppEnvironment({ GATEWAY_HTTP_TIMEOUT: '15s', CREATE_WAIT: '1s', WORKER_SHUTDOWN_GRACE: '30s' });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const createRequests = async (mrn: string) => (await app.sandbox.control.requests({ mrn })).filter((r) => r.operation === 'create');

test('the worker answers GET /healthz with its state and when Temporal last saw it poll', async () => {
  const worker = await app.spawnWorker('worker-health');
  const response = await request(worker.healthUrl);
  const body = (await response.body.json()) as { status: string; state: string; lastSuccessfulPoll: string };
  expect(response.statusCode).toBe(200);
  expect(body).toMatchObject({ status: 'ok', state: 'RUNNING', pollers: { workflow: 'POLLING', activity: 'POLLING' } });
  expect(Date.now() - Date.parse(body.lastSuccessfulPoll)).toBeLessThan(120_000);
  worker.kill('SIGTERM');
  expect(await worker.exited).toEqual({ code: 0, signal: null });
});

test('SIGTERM while a platform call is running: the worker finishes it (one create at the platform) and exits 0', async () => {
  const api = await app.spawnApi('api-1');
  const first = await app.spawnWorker('worker-1');
  // The platform holds its answer to the next pay-in creation for 4 s: the activity is in flight meanwhile.
  await app.sandbox.control.addCreateFault({ mode: 'late-answer', count: 1, kind: 'payment', delayMs: 4_000 });
  const mrn = `SIGTERM-${randomUUID().slice(0, 12)}`;
  const created = await app.api(api.url, 'POST', '/v1/payments', { mrn, amount: '12.34', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  expect(created.status).toBe(202);
  await eventually(async () => (await createRequests(mrn)).length === 1, 'the platform received the create call');

  const signalled = Date.now();
  first.kill('SIGTERM');
  expect(await first.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalled).toBeGreaterThan(2_000); // it waited for the platform's answer
  expect(first.output()).toContain('worker stopped');

  // Another worker carries the order on from the recorded result: no second create call.
  await app.spawnWorker('worker-2');
  const pending = await eventually(async () => {
    const view = await app.api(api.url, 'GET', `/v1/payments/${mrn}`);
    return view.body.status === 'pending' && view.body.payUrl ? view.body : undefined;
  }, 'the pay-in is pending with its payUrl', 60_000);
  expect(pending.payUrl).toContain(app.sandbox.url);
  expect(await createRequests(mrn)).toHaveLength(1);
});

test('SIGTERM while a request is in flight: the API answers it, refuses new connections and exits 0', async () => {
  const api = await app.spawnApi('api-2', { CREATE_WAIT: '8s' });
  await app.spawnWorker('worker-3');
  await app.sandbox.control.addCreateFault({ mode: 'late-answer', count: 1, kind: 'payment', delayMs: 2_500 });
  const mrn = `APITERM-${randomUUID().slice(0, 12)}`;
  const inFlight = app.api(api.url, 'POST', '/v1/payments', { mrn, amount: '5.00', channelId: 2, returnUrl: 'https://shop.example.com/paid' });
  await eventually(async () => (await createRequests(mrn)).length === 1, 'the platform received the create call');

  api.kill('SIGTERM');
  const signalled = Date.now();
  const answer = await inFlight;
  expect(answer.status).toBe(201);
  expect(answer.body).toMatchObject({ mrn, status: 'pending' });
  expect(await api.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalled).toBeLessThan(15_000); // no wait for kept-alive connections to time out
  expect(api.output()).toContain('finishing in-flight requests');
  await expect(request(`${api.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
});

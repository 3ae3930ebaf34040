/**
 * Reading an order through its workflow's query: a run that exists but cannot answer (its workflow
 * task fails, e.g. on a replay error) is a 503 "retry later", not a 500; a missing run is a 404.
 */
import { QueryNotRegisteredError, type Client } from '@temporalio/client';
import { ApiError } from '../../src/api/errors';
import { queryOrder } from '../../src/api/orders/query-order';
import { paymentStatus } from '../../src/contracts/payment';

const clientWhoseQueryThrows = (error: Error): Client =>
  ({ workflow: { getHandle: () => ({ query: () => Promise.reject(error) }) } }) as unknown as Client;

test('a run whose workflow task fails (nondeterminism) answers 503 naming the order, not 500', async () => {
  const failing = new QueryNotRegisteredError('[TMPRL1100] Nondeterminism error: Timer machine does not handle this event', 3 /* gRPC INVALID_ARGUMENT, as the server sends it */);

  const answer = queryOrder(clientWhoseQueryThrows(failing), 'payment-P1', paymentStatus, 'no pay-in P1');

  await expect(answer).rejects.toBeInstanceOf(ApiError);
  await expect(answer).rejects.toMatchObject({ statusCode: 503, code: 'unavailable', message: expect.stringContaining('payment-P1') });
});

test('an unexpected error still surfaces as itself', async () => {
  const bug = new TypeError('boom');
  await expect(queryOrder(clientWhoseQueryThrows(bug), 'payment-P1', paymentStatus, 'no pay-in P1')).rejects.toBe(bug);
});

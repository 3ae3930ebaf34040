/**
 * The pay-in create activity's reading of a refusal (unit: the gateway client is a stub; the real
 * client is tested against the sandbox in test/sandbox and end to end).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPlatformActivities } from '../../src/activities/platform';
import type { GatewayClient, Outcome } from '../../src/gateway';

const args = { mrn: 'pi-create-1', amountFen: 10_000, channelId: 2, returnUrl: 'https://shop.example.com/paid', mode: 'api' as const };

/** `earlier`: a create request was sent for the mrn before this one (by any process, in any attempt). */
function activitiesWith(create: Outcome<{ payUrl: string }>, query: Outcome<{ status: 0 | 1 | 2 }>, earlier = false, firstSentAt = new Date().toISOString()) {
  const calls = { query: 0 };
  const createRequests = { noteCreateRequest: async () => ({ earlier, firstSentAt }) };
  const gateway = {
    createPayment: async () => create,
    queryPayment: async () => {
      calls.query += 1;
      return query;
    },
  } as unknown as GatewayClient;
  return { activities: createPlatformActivities({ gateway, createRequests, publicUrl: 'http://127.0.0.1:3000' }), calls };
}

const duplicate: Outcome<{ payUrl: string }> = { kind: 'refused', code: 'refused', message: 'mrn_duplication: an order with this mrn already exists' };
const notFound: Outcome<{ status: 0 | 1 | 2 }> = { kind: 'refused', code: 'object_not_found', message: 'object_not_found' };
const now = Date.now();

describe('createPaymentAtPlatform: a refusal', () => {
  it('the first request ever sent for the mrn, refused, is rejected without asking (an mrn taken then is an order outside this system)', async () => {
    const { activities, calls } = activitiesWith(duplicate, { kind: 'accepted', value: { status: 1 } }, false);
    const result = await new MockActivityEnvironment({ attempt: 1 }).run(activities.createPaymentAtPlatform, args);
    expect(result).toEqual({ kind: 'refused', message: duplicate.kind === 'refused' ? duplicate.message : '' });
    expect(calls.query).toBe(0);
  });

  it('a refusal after an earlier request is checked even when the attempt counter says 1 (a lost workflow task or worker restarts it)', async () => {
    const { activities, calls } = activitiesWith(duplicate, { kind: 'accepted', value: { status: 1 } }, true);
    const result = await new MockActivityEnvironment({ attempt: 1 }).run(activities.createPaymentAtPlatform, args);
    expect(result).toMatchObject({ kind: 'exists_without_pay_url' });
    expect(calls.query).toBe(1);
  });

  it('a refusal after an earlier request while the platform does not know the order yet is retried until that request cannot land any more', async () => {
    const early = activitiesWith(duplicate, notFound, true, new Date(now - 10_000).toISOString());
    const error = await new MockActivityEnvironment({ attempt: 2 }).run(early.activities.createPaymentAtPlatform, args).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'PlatformUnavailable', nonRetryable: false });
    expect((error as Error).message).toMatch(/outcome is unknown/);
    const late = activitiesWith(duplicate, notFound, true, new Date(now - 3 * 60_000).toISOString());
    expect(await new MockActivityEnvironment({ attempt: 5 }).run(late.activities.createPaymentAtPlatform, args)).toEqual({ kind: 'refused', message: duplicate.kind === 'refused' ? duplicate.message : '' });
  });

  it('a query that cannot be answered after a refused retry is retried, never a rejection', async () => {
    const { activities } = activitiesWith(duplicate, { kind: 'transient', reason: 'HTTP 502' }, true);
    const error = await new MockActivityEnvironment({ attempt: 3 }).run(activities.createPaymentAtPlatform, args).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'PlatformUnavailable', nonRetryable: false });
  });

  it('a create is not sent when its request cannot be noted: retried, never sent unrecorded', async () => {
    let sent = 0;
    const gateway = { createPayment: async () => ((sent += 1), duplicate) } as unknown as GatewayClient;
    const createRequests = { noteCreateRequest: () => Promise.reject(new Error('connection refused')) };
    const activities = createPlatformActivities({ gateway, createRequests, publicUrl: 'http://127.0.0.1:3000' });
    const error = await new MockActivityEnvironment({ attempt: 1 }).run(activities.createPaymentAtPlatform, args).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'PlatformUnavailable', nonRetryable: false });
    expect(sent).toBe(0);
  });
});

/**
 * The pay-in create activity's reading of a refusal (unit: the gateway client is a stub; the real
 * client is tested against the sandbox in test/sandbox and end to end).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPlatformActivities } from '../../src/activities/platform';
import type { GatewayClient, Outcome } from '../../src/gateway';

const args = { mrn: 'pi-create-1', amountFen: 10_000, channelId: 2, returnUrl: 'https://shop.example.com/paid', mode: 'api' as const };

function activitiesWith(create: Outcome<{ payUrl: string }>, query: Outcome<{ status: 0 | 1 | 2 }>) {
  const calls = { query: 0 };
  const gateway = {
    createPayment: async () => create,
    queryPayment: async () => {
      calls.query += 1;
      return query;
    },
  } as unknown as GatewayClient;
  return { activities: createPlatformActivities({ gateway, publicUrl: 'http://127.0.0.1:3000' }), calls };
}

const duplicate: Outcome<{ payUrl: string }> = { kind: 'refused', code: 'refused', message: 'mrn_duplication: an order with this mrn already exists' };
const notFound: Outcome<{ status: 0 | 1 | 2 }> = { kind: 'refused', code: 'object_not_found', message: 'object_not_found' };
const now = Date.now();

describe('createPaymentAtPlatform: a refusal', () => {
  it('a first attempt refused is rejected without asking (an mrn taken then is an order outside this system)', async () => {
    const { activities, calls } = activitiesWith(duplicate, { kind: 'accepted', value: { status: 1 } });
    const result = await new MockActivityEnvironment({ attempt: 1 }).run(activities.createPaymentAtPlatform, args);
    expect(result).toEqual({ kind: 'refused', message: duplicate.kind === 'refused' ? duplicate.message : '' });
    expect(calls.query).toBe(0);
  });

  it('a retry refused while the platform knows the order: created by an earlier attempt, never rejected', async () => {
    const { activities, calls } = activitiesWith(duplicate, { kind: 'accepted', value: { status: 0 } });
    expect(await new MockActivityEnvironment({ attempt: 2 }).run(activities.createPaymentAtPlatform, args)).toMatchObject({ kind: 'exists_without_pay_url' });
    expect(calls.query).toBe(1);
  });

  it('a retry refused while the platform does not know the order yet is retried until an earlier request cannot land any more', async () => {
    const { activities } = activitiesWith(duplicate, notFound);
    const early = await new MockActivityEnvironment({ attempt: 2, scheduledTimestampMs: now - 10_000 }).run(activities.createPaymentAtPlatform, args).catch((e: unknown) => e);
    expect(early).toMatchObject({ type: 'PlatformUnavailable', nonRetryable: false });
    expect((early as Error).message).toMatch(/outcome is unknown/);
    const late = await new MockActivityEnvironment({ attempt: 5, scheduledTimestampMs: now - 3 * 60_000 }).run(activities.createPaymentAtPlatform, args);
    expect(late).toEqual({ kind: 'refused', message: duplicate.kind === 'refused' ? duplicate.message : '' });
  });

  it('a query that cannot be answered after a refused retry is retried, never a rejection', async () => {
    const { activities } = activitiesWith(duplicate, { kind: 'transient', reason: 'HTTP 502' });
    const error = await new MockActivityEnvironment({ attempt: 3 }).run(activities.createPaymentAtPlatform, args).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'PlatformUnavailable', nonRetryable: false });
  });
});

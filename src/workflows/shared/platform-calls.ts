/**
 * The activities that call the platform, with their options in one place. A platform call is one
 * HTTP request (GATEWAY_HTTP_TIMEOUT, at most 60 s) plus signing: `PLATFORM_CALL_LIMIT` is the
 * longest an attempt may run before the workflow counts it as unanswered.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../../contracts/activities';

const PLATFORM_CALL_LIMIT = '2m';

/** The platform's query endpoints. A failed query is just "no answer this time": the poll loop asks again later. */
export const { queryPaymentAtPlatform, queryPayoutAtPlatform } = proxyActivities<OrderActivities>({
  startToCloseTimeout: PLATFORM_CALL_LIMIT,
  retry: { maximumAttempts: 2, initialInterval: '2s' },
});

export const { createPayoutAtPlatform } = proxyActivities<OrderActivities>({
  startToCloseTimeout: PLATFORM_CALL_LIMIT,
  // One request per activity run: the workflow retries it (same mrn, durable timers), so it knows
  // exactly which attempts may have reached the platform — an attempt counter that restarts with
  // every scheduling, or a worker that died mid-call, would hide that.
  retry: { maximumAttempts: 1 },
});

/**
 * The pay-in create, retried until `untilMs` from now. A local activity: one marker in history
 * instead of three events, and the mrn makes a repeated create safe (the platform refuses a second
 * order with the same mrn).
 */
export function createPaymentAtPlatformWithin(untilMs: number) {
  return proxyLocalActivities<OrderActivities>({
    startToCloseTimeout: PLATFORM_CALL_LIMIT,
    scheduleToCloseTimeout: untilMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
    // Retries wait on durable timers, not inside the workflow task: queries (GET) stay answerable
    // while the platform is down.
    localRetryThreshold: '1s',
  }).createPaymentAtPlatform;
}

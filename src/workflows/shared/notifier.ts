import { ActivityFailure, condition, proxyActivities, sleep, uuid4 } from '@temporalio/workflow';
import type { OrderActivities } from '../../contracts/activities';
import type { EventDelivery, MerchantEvent, TimelineEntry } from '../../contracts/order';
import { record } from './timeline';

const { notifyMerchant } = proxyActivities<OrderActivities>({
  // The workflow paces the retries itself so each attempt shows in history and in GET.
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
});

const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 3_600_000;

export interface NotifierState {
  notifyUrl: string | null;
  outbox: MerchantEvent[];
  deliveries: EventDelivery[];
  timeline: TimelineEntry[];
}

/**
 * Starts the delivery loop for the life of the run; without a notifyUrl there is nothing to send and
 * no loop. `changed` is called after every attempt (the deliveries' state changed).
 */
export function startMerchantNotifier(state: NotifierState, retryForMs: number, changed: () => void): void {
  if (state.notifyUrl !== null) void deliverMerchantEvents(state, retryForMs, changed);
}

/** Queues a merchant event; `deliverMerchantEvents` sends it. Nothing is queued without a notifyUrl. */
export function enqueueEvent(state: NotifierState, event: MerchantEvent): void {
  if (state.notifyUrl === null) return;
  state.outbox.push(event);
  state.deliveries.push({ eventId: event.id, type: event.type, status: 'pending', attempts: 0 });
}

export function outboxEmpty(state: NotifierState): boolean {
  return state.outbox.length === 0;
}

/**
 * Delivers queued events one after another, in order, each retried with backoff (10 s doubling
 * to 1 h) for `retryForMs` from its first attempt; the event keeps its id on every retry so the
 * merchant can de-duplicate. Runs for the life of the workflow run.
 */
async function deliverMerchantEvents(state: NotifierState, retryForMs: number, changed: () => void): Promise<never> {
  for (;;) {
    await condition(() => state.outbox.length > 0);
    const event = state.outbox[0];
    const delivery = state.deliveries.find((d) => d.eventId === event.id) as EventDelivery;
    await deliverOne(state, event, delivery, retryForMs, changed);
    state.outbox.shift();
  }
}

async function deliverOne(state: NotifierState, event: MerchantEvent, delivery: EventDelivery, retryForMs: number, changed: () => void): Promise<void> {
  const url = state.notifyUrl as string;
  for (;;) {
    const attempt = delivery.attempts + 1;
    delivery.firstAttemptAt ??= new Date().toISOString();
    let error: string | undefined;
    try {
      const result = await notifyMerchant.executeWithOptions({ summary: `notify merchant: ${event.type} (attempt ${attempt})` }, [
        { url, event },
      ]);
      if (!result.ok) error = result.error;
    } catch (failure) {
      error = failure instanceof ActivityFailure ? (failure.cause?.message ?? failure.message) : String(failure);
    }
    const now = new Date();
    delivery.attempts = attempt;
    delivery.lastAttemptAt = now.toISOString();
    changed(); // whatever the outcome below: delivered, given up, or to be retried
    if (error === undefined) {
      delivery.status = 'delivered';
      delivery.deliveredAt = now.toISOString();
      delete delivery.nextAttemptAt;
      delete delivery.lastError;
      record(state.timeline, now, `merchant notified: ${event.type}`, `attempt ${attempt}`);
      return;
    }
    delivery.lastError = error;
    if (now.getTime() - Date.parse(delivery.firstAttemptAt) >= retryForMs) {
      delivery.status = 'gave_up';
      delete delivery.nextAttemptAt;
      record(state.timeline, now, `merchant notification given up: ${event.type}`, `${attempt} attempts, last error: ${error}`);
      return;
    }
    const waitMs = Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 20), MAX_RETRY_MS);
    delivery.nextAttemptAt = new Date(now.getTime() + waitMs).toISOString();
    record(state.timeline, now, `merchant notification failed: ${event.type}`, error);
    await sleep(waitMs, { summary: `retry notification ${event.type} (attempt ${attempt + 1})` });
  }
}

/** An event id that stays the same on every retry (stored with the event) and is unique. */
export function newEventId(): string {
  return `evt_${uuid4().replace(/-/g, '')}`;
}

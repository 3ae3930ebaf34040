/**
 * Types shared by both order kinds. Pure data: imported by workflows, activities and the API.
 */

/** One line of an order's story: what was asked, what was answered, when. */
export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
  /** Identical consecutive entries (e.g. "platform says pending") are folded into one with a count. */
  count?: number;
  lastAt?: string;
}

/** The waits of one order, taken from configuration when the order starts. */
export interface OrderTimeouts {
  paymentCallbackMs: number;
  paymentExpiryMs: number;
  paymentResendWaitMs: number;
  paymentLateWindowMs: number;
  payoutCallbackMs: number;
  pollIntervalMs: number;
  pollIntervalMaxMs: number;
  payoutAttentionAfterMs: number;
  notifyRetryForMs: number;
  /** Continue-as-new beyond this many history events (default 2000; tests lower it). */
  continueAsNewAfterEvents?: number;
}

/** An event POSTed to the merchant's notifyUrl. */
export interface MerchantEvent {
  id: string;
  type: string;
  mrn: string;
  status: string;
  occurredAt: string;
  [field: string]: string | number | boolean | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'gave_up';

export interface EventDelivery {
  eventId: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
  nextAttemptAt?: string;
}

/** What GET shows about merchant notifications. */
export interface NotificationView {
  url: string | null;
  deliveries: EventDelivery[];
}

/** What the platform's query endpoint said, as the workflow reads it. */
export type PlatformAnswer =
  | { kind: 'status'; status: 0 | 1 | 2 }
  | { kind: 'not_found'; message: string }
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'unavailable'; reason: string };

/** Callback values the API verified, parsed to fen. Raw strings stay in the API's log line. */
export interface PaymentCallbackSignal {
  amountFen: number;
  originAmountFen: number;
  channel: number;
  receivedAt: string;
}

export interface PayoutCallbackSignal {
  amountFen: number;
  receivedAt: string;
}

/** Thrown by an update validator when the same mrn arrives with a different request. */
export const REQUEST_CONFLICT = 'RequestConflict';

/**
 * Types shared by both order kinds. Pure data: imported by workflows, activities and the API.
 */
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@temporalio/common';

/** The two kinds of order; also the prefix of their workflow IDs and merchant event types. */
export type OrderKind = 'payment' | 'payout';

/** An order kind's workflow as the API starts and signals it and as the workflow answers: one table a kind. */
export interface OrderWorkflowDefinitions<View, Reply> {
  kind: OrderKind;
  workflowType: 'paymentWorkflow' | 'payoutWorkflow';
  workflowId: (mrn: string) => string;
  /** GET: the order's view. */
  status: QueryDefinition<View>;
  /** The fingerprint of the request that started it (a retry vs a conflict). */
  requestHash: QueryDefinition<string>;
  /** The platform's callback. */
  callback: SignalDefinition<[CallbackSignal]>;
  /** Answers once the platform has answered the create (Update-with-Start). */
  creation: UpdateDefinition<Reply, [{ requestHash: string }]>;
}

/** The polling backoff, carried across continue-as-new so a new run picks it up where the last one stopped. */
export interface PollProgress {
  intervalMs: number;
  attempts: number;
  nextPollAt: string | null;
}

/** What the state of every order holds, whatever its kind; carried across continue-as-new. */
export interface OrderStateBase<Status extends string = string> {
  mrn: string;
  amountFen: number;
  notifyUrl: string | null;
  /** Fingerprint of the request, to tell a retry (same body) from a conflict (same mrn, other body). */
  requestHash: string;
  status: Status;
  amountMismatch: boolean;
  needsAttention: boolean;
  /** Why it needs attention, e.g. "ForgedSignal: signature mismatch". */
  attentionReasons: string[];
  createdAt: string;
  finishedAt: string | null;
  poll: PollProgress;
  lastPlatformAnswer: string | null;
  outbox: MerchantEvent[];
  deliveries: EventDelivery[];
  timeline: TimelineEntry[];
  timeouts: OrderTimeouts;
  /** How far the order book has caught up with this order (src/workflows/shared/book-keeper.ts). Absent in states of runs from before the book. */
  book?: BookProgress;
}

/**
 * The order book's progress, carried across continue-as-new and into a restarted run: `version`
 * grows with every change the book must hear of, `written` is the last version it holds.
 */
export interface BookProgress {
  version: number;
  written: number;
}

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
  /**
   * A payout create refused after an attempt whose outcome is unknown is called rejected only when the
   * platform answered "not found" twice, the second time at least this long after the last create
   * attempt was sent (a slow first request may still land). Optional: runs started before it existed.
   */
  payoutNotFoundConfirmMs?: number;
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

/** What the platform's query endpoint said, as the workflow reads it. */
export type PlatformAnswer =
  | { kind: 'status'; status: 0 | 1 | 2 }
  | { kind: 'not_found'; message: string }
  | { kind: 'refused'; code: string; message: string }
  /** `wrongOrder`: the answer named another mrn (or none): treated as no answer. */
  | { kind: 'unavailable'; reason: string; wrongOrder?: true };

/**
 * A platform callback as a signal: the signed fields and `sign` exactly as the API received them.
 * The workflow does not trust the sender (anyone with write access to Temporal can signal): the
 * worker verifies the signature again before anything is applied.
 */
export interface CallbackSignal {
  fields: Record<string, string>;
  receivedAt: string;
}


/**
 * The signal as the API sent it before callbacks were re-verified by the worker (values parsed to
 * fen): only replayed from the histories of runs that received one then.
 */
export interface LegacyPaymentCallbackSignal {
  amountFen: number;
  originAmountFen: number;
  channel: number;
  receivedAt: string;
}

export interface LegacyPayoutCallbackSignal {
  amountFen: number;
  receivedAt: string;
}

/** Thrown by an update validator when the same mrn arrives with a different request. */
export const REQUEST_CONFLICT = 'RequestConflict';

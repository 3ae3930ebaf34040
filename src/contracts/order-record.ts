/**
 * An order as the order book keeps it: what the workflows write at each change (the `recordOrder`
 * activity) and what the API reads back at any age, with no worker running and after Temporal's
 * retention has deleted the run. Personal data is already masked here: the book never holds it in clear.
 */
import { defineSignal } from '@temporalio/workflow';
import type { EventDelivery, OrderKind, TimelineEntry } from './order';
import type { PaymentView } from './payment';
import type { PayoutView } from './payout';

export interface OrderRecord {
  kind: OrderKind;
  mrn: string;
  /**
   * Grows with every change the workflow publishes and is carried across continue-as-new: the book
   * keeps the highest it has seen, so a retried or late write never takes an order back.
   */
  version: number;
  status: string;
  amountFen: number;
  /** A pay-in's paid amount once the platform's callback said it; null otherwise (and for payouts). */
  paidAmountFen: number | null;
  /** A pay-in's channel; null for payouts. */
  channelId: number | null;
  /** The fingerprint of the request that created the order: a re-POST with the same mrn is a retry (200) or a conflict (409). */
  requestHash: string;
  needsAttention: boolean;
  attentionReasons: string[];
  amountMismatch: boolean;
  createdAt: string;
  finishedAt: string | null;
  lastPlatformAnswer: string | null;
  notification: { url: string | null; deliveries: EventDelivery[] };
  /** A payout's payee, masked (`****0123`, `张*`); null for pay-ins. */
  account: { bankName: string; accountName: string; accountNumber: string } | null;
  timeline: TimelineEntry[];
  /**
   * The order's view as its status query answers it, without its timeline (that is `timeline`
   * above): what GET returns once the run is gone, the book putting the timeline back.
   */
  view: Omit<PaymentView, 'timeline'> | Omit<PayoutView, 'timeline'>;
}

export interface RecordOrderArgs {
  record: OrderRecord;
}

/** The attention reason a reconciliation difference adds to an order (its view in the book, its run's flags). */
export function reconciliationReason(difference: string): string {
  return `ReconciliationDiffers: ${difference}`;
}

/** What a reconciliation tells an order's open run when the platform contradicts it: the run raises attention. */
export interface ReconciliationDifference {
  /** The business day reconciled (YYYY-MM-DD). */
  date: string;
  difference: string;
}

/** Sent by the reconciliation to an order's run while it is open; a closed run's book row is flagged instead. */
export const reconciliationDifferenceSignal = defineSignal<[ReconciliationDifference]>('reconciliationDifference');

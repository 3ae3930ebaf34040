/**
 * Everything the API, the worker and tests need to talk to a pay-in workflow: ID, input, state,
 * the status view, and its signal/query/update definitions. No workflow body here.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PageForm } from '../gateway/client';
import type { NotificationView, OrderTimeouts, PaymentCallbackSignal, TimelineEntry, MerchantEvent, EventDelivery } from './shared/order-types';
import type { PaymentStatus } from './shared/status';

export type { PaymentStatus } from './shared/status';

export const paymentWorkflowId = (mrn: string): string => `payment-${mrn}`;

export type PaymentMode = 'api' | 'page';

/** A merchant's pay-in request, normalized (amount in fen). */
export interface PaymentRequest {
  mrn: string;
  amountFen: number;
  channelId: number;
  returnUrl: string;
  notifyUrl?: string;
  mode: PaymentMode;
  /** Payer's real name: personal data, passed to the platform only; encrypted in history by the codec. */
  payer?: string;
}

export interface PaymentWorkflowInput {
  request: PaymentRequest;
  /** Fingerprint of the request, to tell a retry (same body) from a conflict (same mrn, other body). */
  requestHash: string;
  timeouts: OrderTimeouts;
  /** State carried over by continue-as-new, or from a closed run when a late callback restarts it. */
  resume?: PaymentState;
}

/** The workflow's whole state; carried across continue-as-new. */
export interface PaymentState {
  mrn: string;
  amountFen: number;
  channelId: number;
  returnUrl: string;
  notifyUrl: string | null;
  mode: PaymentMode;
  requestHash: string;
  status: PaymentStatus;
  payUrl: string | null;
  pageForm: PageForm | null;
  paidAmountFen: number | null;
  amountMismatch: boolean;
  late: boolean;
  needsAttention: boolean;
  /** Why it needs attention, e.g. "ForgedSignal: signature mismatch". (Absent in runs from before it existed.) */
  attentionReasons: string[];
  createdAt: string;
  expiresAt: string;
  finishedAt: string | null;
  error: { message: string } | null;
  poll: { intervalMs: number; attempts: number; nextPollAt: string | null };
  lastPlatformAnswer: string | null;
  outbox: MerchantEvent[];
  deliveries: EventDelivery[];
  timeline: TimelineEntry[];
  timeouts: OrderTimeouts;
}

/** GET /v1/payments/:mrn — and the `status` query: one door for both. */
export interface PaymentView {
  mrn: string;
  status: PaymentStatus;
  amount: string;
  paidAmount: string | null;
  /** False when the platform said "paid" but never re-sent the callback that carries the amount. */
  paidAmountKnown: boolean;
  amountMismatch: boolean;
  channelId: number;
  channelName: string;
  mode: PaymentMode;
  payUrl: string | null;
  late: boolean;
  needsAttention: boolean;
  attentionReasons: string[];
  createdAt: string;
  expiresAt: string;
  finishedAt: string | null;
  error: { message: string } | null;
  notification: NotificationView;
  timeline: TimelineEntry[];
}

/** Answer of the creation update: the view once the platform has answered, plus the page-mode form. */
export interface PaymentCreationReply {
  view: PaymentView;
  /** True for the request that started the order; false when a retry found it. */
  firstRequest: boolean;
  pageForm: PageForm | null;
}

export const awaitPaymentCreation = defineUpdate<PaymentCreationReply, [{ requestHash: string }]>('awaitCreation');
/** The platform's callback, signed fields as received: verified again by the worker before it applies. */
export const paymentCallback = defineSignal<[PaymentCallbackSignal]>('platformCallback');
export const paymentStatus = defineQuery<PaymentView>('status');
export const paymentRequestHash = defineQuery<string>('requestHash');
/** Page mode: the signed form the checkout page posts to the platform (null in WebAPI mode). */
export const pageFormQuery = defineQuery<PageForm | null>('pageForm');

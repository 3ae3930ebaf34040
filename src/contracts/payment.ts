/**
 * Everything the API, the worker and tests need to talk to a pay-in workflow: ID, input, state,
 * the status view, and its signal/query/update definitions. No workflow body here.
 */
import type { Static } from '@sinclair/typebox';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PageForm } from '../gateway/client';
import type { CallbackSignal, OrderStateBase, OrderTimeouts, OrderWorkflowDefinitions } from './order';
import type { PaymentStatus } from './status';
// Types only: the schema is the view's one definition, and TypeBox stays out of workflow bundles.
import type { PaymentViewSchema } from './views';

export type { PaymentStatus } from './status';

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
export interface PaymentState extends OrderStateBase<PaymentStatus> {
  channelId: number;
  returnUrl: string;
  mode: PaymentMode;
  payUrl: string | null;
  pageForm: PageForm | null;
  paidAmountFen: number | null;
  late: boolean;
  expiresAt: string;
  error: { message: string } | null;
}

/** The input that restarts a closed pay-in from its final state (a callback that came after its run closed). */
export function resumePaymentInput(state: PaymentState): PaymentWorkflowInput {
  const { mrn, amountFen, channelId, returnUrl, mode, notifyUrl } = state;
  return {
    request: { mrn, amountFen, channelId, returnUrl, mode, ...(notifyUrl === null ? {} : { notifyUrl }) },
    requestHash: state.requestHash,
    timeouts: state.timeouts,
    resume: state,
  };
}

/** GET /v1/payments/:mrn — and the `status` query: one door for both. */
export type PaymentView = Omit<Static<typeof PaymentViewSchema>, 'checkoutUrl' | 'form'>;

/** Answer of the creation update: the view once the platform has answered, plus the page-mode form. */
export interface PaymentCreationReply {
  view: PaymentView;
  /** True for the request that started the order; false when a retry found it. */
  firstRequest: boolean;
  pageForm: PageForm | null;
}

export const awaitPaymentCreation = defineUpdate<PaymentCreationReply, [{ requestHash: string }]>('awaitCreation');
/** The platform's callback, signed fields as received: verified again by the worker before it applies. */
export const paymentCallback = defineSignal<[CallbackSignal]>('platformCallback');
export const paymentStatus = defineQuery<PaymentView>('status');
export const paymentRequestHash = defineQuery<string>('requestHash');
/** Page mode: the signed form the checkout page posts to the platform (null in WebAPI mode). */
export const pageFormQuery = defineQuery<PageForm | null>('pageForm');

export const paymentWorkflowDefinitions: OrderWorkflowDefinitions<PaymentView, PaymentCreationReply> = {
  kind: 'payment',
  workflowType: 'paymentWorkflow',
  workflowId: paymentWorkflowId,
  status: paymentStatus,
  requestHash: paymentRequestHash,
  callback: paymentCallback,
  creation: awaitPaymentCreation,
};

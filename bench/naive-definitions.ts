/**
 * The naive baseline's contract: what a straightforward Temporal implementation of a pay-in looks
 * like (start, one regular activity that creates at the platform, wait for the callback signal).
 * Shared by the naive workflow, its activity and the benchmark's client side.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

export const naiveWorkflowId = (mrn: string): string => `naive-${mrn}`;

export interface NaiveOrderInput {
  mrn: string;
  amountFen: number;
  channelId: number;
  returnUrl: string;
}

export interface NaiveOrderResult {
  mrn: string;
  status: 'succeeded' | 'rejected';
  payUrl: string | null;
  paidAmountFen: number | null;
}

export type NaiveCreateResult = { kind: 'created'; payUrl: string } | { kind: 'refused'; message: string };

export interface NaiveActivities {
  createPayment(input: NaiveOrderInput): Promise<NaiveCreateResult>;
}

/** The platform's callback, verified by the receiver: the amount paid. */
export const naivePaid = defineSignal<[{ amountFen: number }]>('paid');
/** Null until the create activity has answered. */
export const naivePayUrl = defineQuery<string | null>('payUrl');

// ---- payouts: the same straightforward shape (create activity, wait for the callback signal) ----

export const naivePayoutWorkflowId = (mrn: string): string => `naive-payout-${mrn}`;

export interface NaivePayoutInput {
  mrn: string;
  amountFen: number;
  bankName: string;
  accountName: string;
  accountNumber: string;
}

export interface NaivePayoutResult {
  mrn: string;
  status: 'succeeded' | 'rejected';
  paidAmountFen: number | null;
}

export type NaivePayoutCreateResult = { kind: 'accepted' } | { kind: 'refused'; message: string };

export interface NaivePayoutActivities {
  createPayout(input: NaivePayoutInput): Promise<NaivePayoutCreateResult>;
}

/** The payout callback, verified by the receiver: the amount paid out. */
export const naivePayoutPaid = defineSignal<[{ amountFen: number }]>('payoutPaid');
/** False until the platform has accepted the create (the payout's counterpart of the payUrl). */
export const naivePayoutAccepted = defineQuery<boolean>('accepted');

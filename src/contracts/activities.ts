/** What the order activities take and return: the contract between workflows and activities. */
import type { CallbackKind, CheckedCallback } from '../gateway/callback';
import type { PageForm } from '../gateway/client';
import type { MerchantEvent, PlatformAnswer } from './order';
import type { RecordOrderArgs } from './order-record';

export interface CreatePaymentArgs {
  mrn: string;
  amountFen: number;
  channelId: number;
  returnUrl: string;
  mode: 'api' | 'page';
  payer?: string;
}

export type PaymentCreateResult =
  | { kind: 'created'; payUrl: string }
  | { kind: 'page'; form: PageForm }
  | { kind: 'refused'; message: string }
  /** A retry was refused, yet the platform knows the order: our lost first attempt created it. */
  | { kind: 'exists_without_pay_url'; message: string };

export interface CreatePayoutArgs {
  mrn: string;
  amountFen: number;
  bankName: string;
  accountName: string;
  accountNumber: string;
}

/**
 * What one create request came to, as facts: the platform accepted it or answered a code (any
 * code, known or not). What a refusal means depends on earlier attempts: the workflow decides.
 * No answer at all is a thrown failure.
 */
export type PayoutCreateResult = { kind: 'accepted' } | { kind: 'refused'; code: string; message: string };

export interface QueryArgs {
  mrn: string;
  /** Ask the platform to re-send the success callback when the order is paid. */
  callback: boolean;
}

export interface NotifyArgs {
  url: string;
  event: MerchantEvent;
}

export type DeliveryAttempt = { ok: true; httpStatus: number } | { ok: false; error: string };

export interface VerifyCallbackArgs {
  kind: CallbackKind;
  /** A callback signal's fields: untrusted, whatever the sender put there. */
  fields: unknown;
}

/** No secret and no raw field in here: the result is recorded in history. */
export type CallbackVerification = { ok: true; callback: CheckedCallback } | { ok: false; reason: string };

/** `written: false`: the book already held this version or a later one (a retry, or a late write) — success all the same. */
export interface RecordOrderResult {
  written: boolean;
}

export interface OrderActivities {
  createPaymentAtPlatform(args: CreatePaymentArgs): Promise<PaymentCreateResult>;
  queryPaymentAtPlatform(args: QueryArgs): Promise<PlatformAnswer>;
  createPayoutAtPlatform(args: CreatePayoutArgs): Promise<PayoutCreateResult>;
  queryPayoutAtPlatform(args: QueryArgs): Promise<PlatformAnswer>;
  notifyMerchant(args: NotifyArgs): Promise<DeliveryAttempt>;
  verifyPlatformCallback(args: VerifyCallbackArgs): Promise<CallbackVerification>;
  /** Writes the order's record to the order book (an idempotent upsert guarded by its version). */
  recordOrder(args: RecordOrderArgs): Promise<RecordOrderResult>;
}

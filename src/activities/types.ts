/** What the order activities take and return: the contract between workflows and activities. */
import type { PageForm } from '../gateway/client';
import type { MerchantEvent, PlatformAnswer } from '../workflows/shared/order-types';

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

export type PayoutCreateResult =
  | { kind: 'accepted' }
  | { kind: 'refused'; code: string; message: string }
  /** mrn_duplication after an attempt of ours with unknown outcome, confirmed by a query: it is ours. */
  | { kind: 'duplicate_confirmed'; status: 0 | 1 | 2 }
  /** mrn_duplication on our very first attempt: someone else used the mrn. */
  | { kind: 'duplicate_foreign'; message: string };

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

export interface OrderActivities {
  createPaymentAtPlatform(args: CreatePaymentArgs): Promise<PaymentCreateResult>;
  queryPaymentAtPlatform(args: QueryArgs): Promise<PlatformAnswer>;
  createPayoutAtPlatform(args: CreatePayoutArgs): Promise<PayoutCreateResult>;
  queryPayoutAtPlatform(args: QueryArgs): Promise<PlatformAnswer>;
  notifyMerchant(args: NotifyArgs): Promise<DeliveryAttempt>;
}

/** Wire shapes of the platform's API, as docs/protocol.md reads them. */

/** Pay-in create, WebAPI mode (JSON body of POST /api/Pay/Create) and page mode (form fields of POST /api/Pay). */
export interface PaymentCreateRequest {
  amount: string;
  appKey: string;
  callbackUrl: string;
  channelId: number;
  mrn: string;
  returnUrl: string;
  sign: string;
  payer?: string;
}

export interface PaymentCreateAnswer {
  success: boolean;
  errorMsg?: string;
  payUrl?: string;
}

/** Pay-in callback (platform → us), form-urlencoded: every value is a raw string. */
export interface PaymentCallback {
  amount: string;
  appKey: string;
  channel: string;
  mrn: string;
  originAmount: string;
  sign: string;
}

/** Payout create, JSON body of POST /api/Payouts/Create. `amount` is whole yuan. */
export interface PayoutCreateRequest {
  accountName: string;
  accountNumber: string;
  amount: number;
  appKey: string;
  bankName: string;
  callbackUrl: string;
  mrn: string;
  sign: string;
}

export const PAYOUT_ERROR_CODES = [
  'success',
  'invalid_data',
  'sign_error',
  'mrn_duplication',
  'insufficient_balance',
  'object_not_found',
] as const;
export type PayoutErrorCode = (typeof PAYOUT_ERROR_CODES)[number];

export interface PayoutCreateAnswer {
  error: string;
  errorMessage?: string;
}

/** Payout callback (platform → us), form-urlencoded. */
export interface PayoutCallback {
  amount: string;
  appKey: string;
  mrn: string;
  sign: string;
}

/** 0 waiting / pending, 1 paid / paid out, 2 failed. */
export type PlatformStatus = 0 | 1 | 2;

/** Answer of GET /api/Payments/Query and GET /api/Payouts/Query. */
export interface QueryAnswer {
  error: string;
  errorMessage?: string;
  result?: { Mrn: string; status: PlatformStatus };
}

/** What a platform call came to. Refusals are final answers; transient outcomes are worth retrying. */
export type Outcome<T> =
  | { kind: 'accepted'; value: T }
  | { kind: 'refused'; code: string; message: string }
  /** `wrongOrder`: a query answer about another mrn (or none) — no answer about ours, and a sign something is amiss. */
  | { kind: 'transient'; reason: string; wrongOrder?: true };

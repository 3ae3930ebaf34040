/**
 * The platform's callbacks, checked one way wherever they are checked: by the API (to answer the
 * platform) and again by the worker before a workflow applies a callback signal, since a signal
 * can be sent by anyone with write access to Temporal.
 */
import { parseDecimal, parseWholeYuan, type Fen } from './amount';
import { safeEqual, SIGNED_FIELDS, verify } from './signing';

export type CallbackKind = 'payment' | 'payout';

/** A callback that passed every check, parsed: amounts in fen. */
export type CheckedCallback =
  | { kind: 'payment'; mrn: string; amountFen: Fen; originAmountFen: Fen; channel: number }
  | { kind: 'payout'; mrn: string; amountFen: Fen };

export type CallbackCheck =
  /** `signed`: the signed fields and `sign`, exactly as received (other fields dropped). */
  | { ok: true; callback: CheckedCallback; signed: Record<string, string> }
  /** `unauthentic`: wrong appKey or signature (the platform hears 401); otherwise malformed (400). */
  | { ok: false; reason: string; unauthentic: boolean };

export interface MerchantCredentials {
  appKey: string;
  secret: string;
}

const MESSAGE = { payment: 'payment.callback', payout: 'payout.callback' } as const;
const CHANNEL = /^[0-9]{1,3}$/;

/**
 * Every signed field a single string, our appKey (constant time), the MD5 signature over the values
 * exactly as received, then amounts that parse (decimal for pay-ins, whole yuan for payouts).
 * Accepts anything: what arrives in a signal is untrusted JSON.
 */
export function checkCallback(kind: CallbackKind, received: unknown, credentials: MerchantCredentials): CallbackCheck {
  const malformed = (reason: string): CallbackCheck => ({ ok: false, reason, unauthentic: false });
  const unauthentic = (reason: string): CallbackCheck => ({ ok: false, reason, unauthentic: true });
  if (received === null || typeof received !== 'object' || Array.isArray(received)) return malformed('not a set of callback fields');
  const fields = received as Record<string, unknown>;
  const message = MESSAGE[kind];
  const signed: Record<string, string> = {};
  for (const field of SIGNED_FIELDS[message]) {
    const value = fields[field];
    if (typeof value !== 'string') return malformed(`${field} is missing or not a single value`);
    signed[field] = value;
  }
  if (!safeEqual(signed.appKey, credentials.appKey)) return unauthentic('unknown appKey');
  const signature = verify(message, fields, credentials.secret);
  if (!signature.ok) return unauthentic(signature.reason);
  signed.sign = fields.sign as string;

  const mrn = signed.mrn;
  if (kind === 'payout') {
    const amount = parseWholeYuan(signed.amount);
    if (!amount.ok) return malformed(`amount: ${amount.reason}`);
    return { ok: true, callback: { kind, mrn, amountFen: amount.fen }, signed };
  }
  const amount = parseDecimal(signed.amount);
  const originAmount = parseDecimal(signed.originAmount);
  if (!amount.ok) return malformed(`amount: ${amount.reason}`);
  if (!originAmount.ok) return malformed(`originAmount: ${originAmount.reason}`);
  if (!CHANNEL.test(signed.channel)) return malformed('channel is not an integer');
  return { ok: true, callback: { kind, mrn, amountFen: amount.fen, originAmountFen: originAmount.fen, channel: Number(signed.channel) }, signed };
}

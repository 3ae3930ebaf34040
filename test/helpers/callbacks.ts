import { sign, SIGNED_FIELDS, type MerchantCredentials } from '../../src/gateway';
import { fenToDecimal, fenToWholeYuan } from '../../src/gateway/amount';
import type { CallbackSignal } from '../../src/contracts/order';

/**
 * The merchant credentials of workflow tests: FakePlatform's worker verifies callback signals with
 * them, as a real worker does with GATEWAY_APP_KEY and GATEWAY_SECRET.
 */
export const TEST_GATEWAY: MerchantCredentials = { appKey: 'test-app-key', secret: 'test-gateway-secret' };

/** The mrn of an order workflow's handle (`payment-<mrn>`, `payout-<mrn>`). */
export const mrnOf = (handle: { workflowId: string }): string => handle.workflowId.replace(/^(payment|payout)-/, '');

/** Callback fields as the platform signs them: `values` plus appKey and sign. */
export function signedFields(
  kind: 'payment.callback' | 'payout.callback',
  values: Record<string, string>,
  credentials: MerchantCredentials = TEST_GATEWAY,
): Record<string, string> {
  const fields: Record<string, string> = { appKey: credentials.appKey, ...values };
  const signed = Object.fromEntries(SIGNED_FIELDS[kind].map((field) => [field, fields[field]]));
  return { ...fields, sign: sign(kind, signed as never, credentials.secret) };
}

/** A pay-in callback signal as our API sends it: the platform's signed fields, as received. */
export function paymentCallbackSignal(mrn: string, amountFen: number, originAmountFen: number, credentials?: MerchantCredentials): CallbackSignal {
  const values = { amount: fenToDecimal(amountFen), channel: '2', mrn, originAmount: fenToDecimal(originAmountFen) };
  return { fields: signedFields('payment.callback', values, credentials), receivedAt: new Date().toISOString() };
}

/** A payout callback signal as our API sends it. */
export function payoutCallbackSignal(mrn: string, amountFen: number, credentials?: MerchantCredentials): CallbackSignal {
  return { fields: signedFields('payout.callback', { amount: fenToWholeYuan(amountFen), mrn }, credentials), receivedAt: new Date().toISOString() };
}

import type { OrderTimeouts } from '../../src/contracts/order';
import type { PaymentRequest, PaymentWorkflowInput } from '../../src/contracts/payment';
import type { PayoutRequest, PayoutWorkflowInput } from '../../src/contracts/payout';
import { testMrn } from './support';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Production-like waits: time skipping makes them cheap. */
export const TEST_TIMEOUTS: OrderTimeouts = {
  paymentCallbackMs: 10 * MINUTE,
  paymentExpiryMs: 2 * HOUR,
  paymentResendWaitMs: MINUTE,
  paymentLateWindowMs: 48 * HOUR,
  payoutCallbackMs: 30 * MINUTE,
  pollIntervalMs: 30_000,
  pollIntervalMaxMs: 10 * MINUTE,
  payoutAttentionAfterMs: 24 * HOUR,
  payoutNotFoundConfirmMs: 5 * 60_000,
  notifyRetryForMs: 48 * HOUR,
};

export { testMrn } from './support';

export function paymentInput(overrides: Partial<PaymentRequest> = {}, timeouts: Partial<OrderTimeouts> = {}): PaymentWorkflowInput {
  const request: PaymentRequest = {
    mrn: testMrn('P'),
    amountFen: 10_000,
    channelId: 2,
    returnUrl: 'https://shop.example.com/paid',
    notifyUrl: 'https://shop.example.com/notify',
    mode: 'api',
    ...overrides,
  };
  return { request, requestHash: `hash-${request.mrn}`, timeouts: { ...TEST_TIMEOUTS, ...timeouts } };
}

export function payoutInput(overrides: Partial<PayoutRequest> = {}, timeouts: Partial<OrderTimeouts> = {}): PayoutWorkflowInput {
  const request: PayoutRequest = {
    mrn: testMrn('W'),
    amountFen: 50_000,
    bankName: '中国工商银行',
    accountName: '张三',
    accountNumber: '6222021234567890123',
    notifyUrl: 'https://shop.example.com/notify',
    ...overrides,
  };
  return { request, requestHash: `hash-${request.mrn}`, timeouts: { ...TEST_TIMEOUTS, ...timeouts } };
}

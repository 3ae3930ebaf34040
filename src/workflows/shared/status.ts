/**
 * The status model of both order kinds, in one place: every status change in the workflows goes
 * through `assertTransition`, so an illegal move (e.g. failed → succeeded) is a bug that fails
 * loudly instead of a silent overwrite.
 */
export const PAYMENT_STATUSES = ['creating', 'pending', 'succeeded', 'failed', 'expired', 'rejected'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYOUT_STATUSES = ['creating', 'pending', 'succeeded', 'failed', 'rejected'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  // A callback may beat the create answer (the answer was lost, the payer was quick).
  creating: ['pending', 'succeeded', 'rejected', 'expired'],
  pending: ['succeeded', 'failed', 'expired'],
  // The one exception to "final is final": a success that arrives late is never lost.
  expired: ['succeeded'],
  succeeded: [],
  failed: [],
  rejected: [],
};

/**
 * A payout may only end as not paid through a refusal that means nothing was created
 * (creating → rejected) or the platform's definite status 2 (pending → failed); an operator's
 * resolution, confirmed with the platform's support, takes the same edge.
 */
const PAYOUT_TRANSITIONS: Readonly<Record<PayoutStatus, readonly PayoutStatus[]>> = {
  creating: ['pending', 'succeeded', 'rejected'],
  pending: ['succeeded', 'failed'],
  succeeded: [],
  failed: [],
  rejected: [],
};

export function canMovePayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

export function canMovePayout(from: PayoutStatus, to: PayoutStatus): boolean {
  return PAYOUT_TRANSITIONS[from].includes(to);
}

/** Final for the merchant: an event is sent. (`expired` may still turn `succeeded`.) */
export function isPaymentSettled(status: PaymentStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'expired' || status === 'rejected';
}

export function isPayoutSettled(status: PayoutStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'rejected';
}

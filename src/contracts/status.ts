/**
 * The status model of both order kinds, in one place: every status change in the workflows goes
 * through `assertTransition` (the order core's `move`), so an illegal move (e.g. failed →
 * succeeded) is a bug that fails loudly instead of a silent overwrite.
 */
import type { OrderKind } from './order';

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

const TRANSITIONS: Readonly<Record<OrderKind, Readonly<Record<string, readonly string[]>>>> = {
  payment: PAYMENT_TRANSITIONS,
  payout: PAYOUT_TRANSITIONS,
};

/** Throws on a move the kind's status model does not allow. */
export function assertTransition<Status extends string>(kind: OrderKind, from: Status, to: Status): void {
  if (!TRANSITIONS[kind][from].includes(to)) throw new Error(`illegal ${kind === 'payment' ? 'pay-in' : 'payout'} transition ${from} → ${to}`);
}

import type { Fen, PlatformStatus } from '../gateway';

export type OrderKind = 'payment' | 'payout';
export const ORDER_KINDS: readonly OrderKind[] = ['payment', 'payout'];

/** Pay-ins and payouts share the platform's three states: 0 waiting/pending, 1 paid/paid out, 2 failed. */
export type OrderStatus = 'pending' | 'paid' | 'failed';
export type OrderEvent = 'pay' | 'fail';

/** Who moved an order: the payer on the cashier page, the payout operator, a test through the control API, or auto-settle. */
export type Actor = 'cashier' | 'operator' | 'control' | 'auto-settle';

/**
 * The whole life of an order, in one place. Settled orders are final: the platform never turns
 * a paid order into a failed one, so neither can any sandbox page or control.
 */
export const TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderEvent, OrderStatus>>>>> = {
  pending: { pay: 'paid', fail: 'failed' },
  paid: {},
  failed: {},
};

export const WIRE_STATUS: Readonly<Record<OrderStatus, PlatformStatus>> = { pending: 0, paid: 1, failed: 2 };

export function nextStatus(current: OrderStatus, event: OrderEvent): OrderStatus | undefined {
  return TRANSITIONS[current][event];
}

export interface HistoryEntry {
  at: number;
  event: 'created' | OrderEvent;
  actor: Actor | 'merchant';
  /** For a payment paid with a different sum: what was paid. */
  amountFen?: Fen;
}

interface OrderBase {
  /** The platform's own id: the `id` of the cashier's payUrl. */
  id: string;
  appKey: string;
  mrn: string;
  /** What the merchant asked for (a payment's originAmount). */
  amountFen: Fen;
  callbackUrl: string;
  status: OrderStatus;
  createdAt: number;
  settledAt?: number;
  history: HistoryEntry[];
}

export interface PaymentOrder extends OrderBase {
  kind: 'payment';
  channelId: number;
  returnUrl: string;
  payer?: string;
  /** How it was created: WebAPI (POST /api/Pay/Create) or page mode (POST /api/Pay). */
  mode: 'api' | 'page';
  /** What the payer actually paid; set when paid. May differ from amountFen. */
  paidFen?: Fen;
}

export interface PayoutOrder extends OrderBase {
  kind: 'payout';
  bankName: string;
  accountName: string;
  /** Held only to be "paid out" to; never logged or shown unmasked. */
  accountNumber: string;
}

export type Order = PaymentOrder | PayoutOrder;

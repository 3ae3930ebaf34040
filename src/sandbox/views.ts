import { channelLabel, joinGatewayUrl, renderPaymentAmount, renderPayoutAmount } from '../gateway';
import type { OrderView } from './control-schema';
import { WIRE_STATUS, type Order } from './orders';
import { maskAccountNumber } from '../contracts/masking';
import { payUrlOf } from './sandbox';

const iso = (ms: number): string => new Date(ms).toISOString();

/** An order as the control API shows it: rendered amounts, ISO times, the account number masked. */
export function orderView(order: Order, baseUrl: string, keepPending: boolean): OrderView {
  const base = {
    id: order.id,
    appKey: order.appKey,
    mrn: order.mrn,
    status: order.status,
    wireStatus: WIRE_STATUS[order.status],
    amountFen: order.amountFen,
    callbackUrl: order.callbackUrl,
    createdAt: iso(order.createdAt),
    settledAt: order.settledAt === undefined ? null : iso(order.settledAt),
    keepPending,
    history: order.history.map((h) => ({ ...h, at: iso(h.at) })),
  };
  if (order.kind === 'payment') {
    const payUrl = payUrlOf(order);
    return {
      kind: 'payment',
      ...base,
      amount: renderPaymentAmount(order.amountFen),
      paidFen: order.paidFen ?? null,
      channelId: order.channelId,
      channelName: channelLabel(order.channelId),
      returnUrl: order.returnUrl,
      payer: order.payer ?? null,
      mode: order.mode,
      payUrl,
      cashierUrl: joinGatewayUrl(baseUrl, payUrl),
    };
  }
  return {
    kind: 'payout',
    ...base,
    amount: renderPayoutAmount(order.amountFen),
    bankName: order.bankName,
    accountName: order.accountName,
    accountNumberMasked: maskAccountNumber(order.accountNumber),
  };
}

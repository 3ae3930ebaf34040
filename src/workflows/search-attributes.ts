import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * Custom search attributes of every order workflow: what operators filter on in the Temporal UI
 * and what GET /v1/payments|payouts lists through visibility. Typed keys, one place.
 */
export const OrderKind = defineSearchAttributeKey('OrderKind', SearchAttributeType.KEYWORD);
export const OrderStatus = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const Mrn = defineSearchAttributeKey('Mrn', SearchAttributeType.KEYWORD);
export const ChannelId = defineSearchAttributeKey('ChannelId', SearchAttributeType.INT);
export const AmountFen = defineSearchAttributeKey('AmountFen', SearchAttributeType.INT);
export const AmountMismatch = defineSearchAttributeKey('AmountMismatch', SearchAttributeType.BOOL);
export const NeedsAttention = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
export const LateCallback = defineSearchAttributeKey('LateCallback', SearchAttributeType.BOOL);

/** Name → type as the Temporal CLI spells it (`--search-attribute Name=Keyword`). */
export const ORDER_SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword' | 'Int' | 'Bool'>> = {
  OrderKind: 'Keyword',
  OrderStatus: 'Keyword',
  Mrn: 'Keyword',
  ChannelId: 'Int',
  AmountFen: 'Int',
  AmountMismatch: 'Bool',
  NeedsAttention: 'Bool',
  LateCallback: 'Bool',
};

export interface SearchableOrder {
  kind: 'payment' | 'payout';
  mrn: string;
  status: string;
  amountFen: number;
  channelId?: number;
  amountMismatch?: boolean;
  needsAttention?: boolean;
  late?: boolean;
}

/** An order's full set of search attributes, as a workflow (re)starts with them. */
export function orderSearchAttributes(order: SearchableOrder): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: OrderKind, value: order.kind },
    { key: OrderStatus, value: order.status },
    { key: Mrn, value: order.mrn },
    { key: AmountFen, value: order.amountFen },
    { key: AmountMismatch, value: order.amountMismatch ?? false },
    { key: NeedsAttention, value: order.needsAttention ?? false },
  ];
  if (order.kind === 'payment') {
    pairs.push({ key: ChannelId, value: order.channelId ?? 0 }, { key: LateCallback, value: order.late ?? false });
  } else {
    pairs.push({ key: LateCallback, value: false });
  }
  return pairs;
}

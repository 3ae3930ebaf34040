import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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

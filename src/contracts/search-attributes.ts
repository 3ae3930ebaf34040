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

const ORDER_SEARCH_ATTRIBUTE_KEYS = [OrderKind, OrderStatus, Mrn, ChannelId, AmountFen, AmountMismatch, NeedsAttention, LateCallback];

/** The types the keys above use, as the Temporal CLI spells them (`--search-attribute Name=Keyword`). */
const CLI_TYPE_NAMES = { [SearchAttributeType.KEYWORD]: 'Keyword', [SearchAttributeType.INT]: 'Int', [SearchAttributeType.BOOL]: 'Bool' } as const;
type CliTypeName = (typeof CLI_TYPE_NAMES)[keyof typeof CLI_TYPE_NAMES];

/**
 * Name → type of every key above: the one list the dev server, `npm run cluster`, compose's
 * one-shot and scripts/register-search-attributes.sh register.
 */
export const ORDER_SEARCH_ATTRIBUTES: Readonly<Record<string, CliTypeName>> = Object.fromEntries(
  ORDER_SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, CLI_TYPE_NAMES[key.type]]),
);

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

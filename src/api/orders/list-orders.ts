import type { BookFilter, BookOrder, OrderBook } from '../../book/order-book';
import type { OrderKind } from '../../contracts/order';
import type { PaymentView } from '../../contracts/payment';
import { fenToDecimal, fenToWholeYuan } from '../../gateway/amount';
import type { ListCursors } from './list-cursor';
import { readBook } from './query-order';

/** What lists and exports filter on, schema-checked and normalized (normalize.ts). */
export interface OrderFilter {
  status?: string;
  channelId?: number;
  needsAttention?: boolean;
  amountMismatch?: boolean;
  /** Inclusive, ISO 8601 (UTC). */
  createdFrom?: string;
  /** Exclusive, ISO 8601 (UTC). */
  createdTo?: string;
  pageSize?: number;
  cursor?: string;
}

export interface OrderListItem {
  mrn: string;
  status: string;
  amount: string;
  channelId?: number;
  amountMismatch: boolean;
  needsAttention: boolean;
  late?: boolean;
  createdAt: string;
  closedAt: string | null;
}

export interface OrderPage {
  items: OrderListItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const DEFAULT_PAGE_SIZE = 20;

/**
 * Lists orders from the order book, newest first: every order at any age, with no worker and
 * whatever Temporal's retention has deleted. Pages are keyset positions (created_at, mrn), so an
 * order created while a client pages never shifts the pages nor shows twice.
 */
export async function listOrders(book: OrderBook, cursors: ListCursors, kind: OrderKind, filter: OrderFilter): Promise<OrderPage> {
  const list = listKey(kind, filter);
  // Only a position this list sealed reaches the book; anything else is a 400 before any query.
  const after = filter.cursor === undefined ? undefined : cursors.open(list, filter.cursor);
  const page = await readBook(() => book.page(kind, bookFilter(filter), { ...(after === undefined ? {} : { after }), limit: filter.pageSize ?? DEFAULT_PAGE_SIZE }));
  return {
    items: page.orders.map((order) => listItem(kind, order)),
    nextCursor: page.next === null ? null : cursors.seal(list, page.next),
  };
}

/** The filters a list is made of (not its page size): a cursor is bound to them. */
export function listKey(kind: OrderKind, filter: OrderFilter): string {
  return JSON.stringify([kind, filter.status ?? null, filter.channelId ?? null, filter.needsAttention ?? null, filter.amountMismatch ?? null, filter.createdFrom ?? null, filter.createdTo ?? null]);
}

export function bookFilter(filter: OrderFilter): BookFilter {
  const { pageSize: _pageSize, cursor: _cursor, ...rest } = filter;
  return rest;
}

function listItem(kind: OrderKind, order: BookOrder): OrderListItem {
  const item: OrderListItem = {
    mrn: order.mrn,
    status: order.status,
    // As each kind's view writes it: pay-ins in yuan with two decimals, payouts in whole yuan.
    amount: kind === 'payment' ? fenToDecimal(order.amountFen) : fenToWholeYuan(order.amountFen),
    amountMismatch: order.amountMismatch,
    needsAttention: order.needsAttention,
    createdAt: order.createdAt,
    closedAt: order.finishedAt,
  };
  if (kind === 'payment') {
    const view = order.view as PaymentView;
    item.channelId = order.channelId ?? view.channelId;
    item.late = view.late;
  }
  return item;
}

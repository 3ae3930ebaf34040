/**
 * The order exports' columns: what finance keeps of each order, one line per order. Amounts are
 * decimal strings of yuan made from integer fen (never floats); account data is the book's masked
 * copy (the book never holds it in clear).
 */
import type { BookOrder } from '../../book/order-book';
import type { OrderKind } from '../../contracts/order';
import { channelLabel } from '../../gateway/channels';
import { fenToDecimal } from '../../gateway/amount';
import type { CsvCell } from './csv';

/** A column: its header and how an order fills it. */
type Column = readonly [header: string, cell: (order: BookOrder) => CsvCell];

/** What every order has, first and last; each kind's own columns go between. */
const FIRST: readonly Column[] = [
  ['mrn', (order) => order.mrn],
  ['status', (order) => order.status],
  ['amount', (order) => fenToDecimal(order.amountFen)],
];
const LAST: readonly Column[] = [
  ['needs_attention', (order) => order.needsAttention],
  ['attention_reasons', attentionReasons],
  ['created_at', (order) => order.createdAt],
  ['finished_at', (order) => order.finishedAt],
  ['last_platform_answer', (order) => order.lastPlatformAnswer],
  ['notification_status', notificationStatus],
];

/** Older rows may lack the channel column; their view has it. */
const channelIdOf = (order: BookOrder): number | null => order.channelId ?? (order.view as { channelId?: number }).channelId ?? null;

function channelNameOf(order: BookOrder): string | null {
  const channelId = channelIdOf(order);
  return channelId === null ? null : channelLabel(channelId);
}

const COLUMNS: Readonly<Record<OrderKind, readonly Column[]>> = {
  payment: [
    ...FIRST,
    ['paid_amount', (order) => (order.paidAmountFen === null ? null : fenToDecimal(order.paidAmountFen))],
    ['channel_id', channelIdOf],
    ['channel_name', channelNameOf],
    ['amount_mismatch', (order) => order.amountMismatch],
    ...LAST,
  ],
  payout: [
    ...FIRST,
    ['bank_name', (order) => order.account?.bankName ?? null],
    ['account_name', (order) => order.account?.accountName ?? null],
    ['account_number', (order) => order.account?.accountNumber ?? null],
    ...LAST,
  ],
};

export const EXPORT_COLUMNS: Readonly<Record<OrderKind, readonly string[]>> = {
  payment: COLUMNS.payment.map(([header]) => header),
  payout: COLUMNS.payout.map(([header]) => header),
};

export function orderCells(kind: OrderKind, order: BookOrder): CsvCell[] {
  return COLUMNS[kind].map(([, cell]) => cell(order));
}

/** One cell: reasons may hold commas and semicolons, rarely a pipe. */
function attentionReasons(order: BookOrder): string {
  return order.attentionReasons.join(' | ');
}

/**
 * How far telling the merchant got, the worst first: no_url (none was given), none (nothing sent
 * yet), gave_up (a notification was never accepted), pending (still being retried), delivered.
 */
export function notificationStatus(order: Pick<BookOrder, 'notification'>): string {
  const { url, deliveries } = order.notification;
  if (url === null) return 'no_url';
  if (deliveries.length === 0) return 'none';
  if (deliveries.some((delivery) => delivery.status === 'gave_up')) return 'gave_up';
  if (deliveries.some((delivery) => delivery.status === 'pending')) return 'pending';
  return 'delivered';
}

/** payments_2026-11-01T000000Z_2026-12-01T000000Z_succeeded.csv: what was exported, safe in any file system. */
export function exportFilename(kind: OrderKind, filter: { createdFrom?: string; createdTo?: string; status?: string }): string {
  const stamp = (instant: string | undefined): string => (instant === undefined ? 'any' : instant.replace(/\.000Z$/, 'Z').replace(/[:.]/g, ''));
  const range = filter.createdFrom === undefined && filter.createdTo === undefined ? [] : [stamp(filter.createdFrom), stamp(filter.createdTo)];
  return `${[`${kind}s`, ...range, ...(filter.status === undefined ? [] : [filter.status])].join('_')}.csv`;
}

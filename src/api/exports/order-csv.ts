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

export const PAYMENT_COLUMNS = [
  'mrn',
  'status',
  'amount',
  'paid_amount',
  'channel_id',
  'channel_name',
  'amount_mismatch',
  'needs_attention',
  'attention_reasons',
  'created_at',
  'finished_at',
  'last_platform_answer',
  'notification_status',
] as const;

export const PAYOUT_COLUMNS = [
  'mrn',
  'status',
  'amount',
  'bank_name',
  'account_name',
  'account_number',
  'needs_attention',
  'attention_reasons',
  'created_at',
  'finished_at',
  'last_platform_answer',
  'notification_status',
] as const;

export const EXPORT_COLUMNS: Readonly<Record<OrderKind, readonly string[]>> = { payment: PAYMENT_COLUMNS, payout: PAYOUT_COLUMNS };

export function orderCells(kind: OrderKind, order: BookOrder): CsvCell[] {
  return kind === 'payment' ? paymentCells(order) : payoutCells(order);
}

function paymentCells(order: BookOrder): CsvCell[] {
  const channelId = order.channelId ?? (order.view as { channelId?: number }).channelId ?? null;
  return [
    order.mrn,
    order.status,
    fenToDecimal(order.amountFen),
    order.paidAmountFen === null ? null : fenToDecimal(order.paidAmountFen),
    channelId,
    channelId === null ? null : channelLabel(channelId),
    order.amountMismatch,
    order.needsAttention,
    attentionReasons(order),
    order.createdAt,
    order.finishedAt,
    order.lastPlatformAnswer,
    notificationStatus(order),
  ];
}

function payoutCells(order: BookOrder): CsvCell[] {
  return [
    order.mrn,
    order.status,
    fenToDecimal(order.amountFen),
    order.account?.bankName ?? null,
    order.account?.accountName ?? null,
    order.account?.accountNumber ?? null,
    order.needsAttention,
    attentionReasons(order),
    order.createdAt,
    order.finishedAt,
    order.lastPlatformAnswer,
    notificationStatus(order),
  ];
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

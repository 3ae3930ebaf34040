import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { fenToDecimal, fenToWholeYuan } from '../../gateway/amount';
import { AmountFen, AmountMismatch, ChannelId, LateCallback, Mrn, NeedsAttention, OrderKind, OrderStatus } from '../../workflows/search-attributes';
import { badRequest, temporalUnavailable } from '../errors';
import { isUnavailable } from '../temporal-errors';

export interface OrderFilter {
  status?: string;
  channelId?: number;
  needsAttention?: boolean;
  amountMismatch?: boolean;
  createdFrom?: string;
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

/**
 * Lists orders through Temporal visibility, filtered on the same search attributes operators use
 * in the UI — one source of truth for "which orders are stuck / mismatched / pending".
 */
export async function listOrders(client: Client, kind: 'payment' | 'payout', filter: OrderFilter): Promise<OrderPage> {
  const query = visibilityQuery(kind, filter);
  let nextPageToken: Uint8Array | undefined;
  if (filter.cursor !== undefined) {
    nextPageToken = Buffer.from(filter.cursor, 'base64url');
    if (nextPageToken.length === 0) throw badRequest('cursor: not a cursor from a previous page');
  }
  try {
    const response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: filter.pageSize ?? 20,
      ...(nextPageToken === undefined ? {} : { nextPageToken }),
    });
    const token = response.nextPageToken;
    return {
      // Only search attributes and times: they are never encrypted, so a list never needs a key
      // (an order whose payloads were sealed with a retired key still lists).
      items: (response.executions ?? []).map((execution) => {
        const attributes = decodeTypedSearchAttributes(execution.searchAttributes?.indexedFields);
        const workflowId = execution.execution?.workflowId ?? '';
        const amountFen = attributes.get(AmountFen) ?? 0;
        const item: OrderListItem = {
          mrn: attributes.get(Mrn) ?? workflowId.replace(/^(payment|payout)-/, ''),
          status: attributes.get(OrderStatus) ?? 'unknown',
          amount: kind === 'payment' ? fenToDecimal(amountFen) : fenToWholeYuan(amountFen),
          amountMismatch: attributes.get(AmountMismatch) ?? false,
          needsAttention: attributes.get(NeedsAttention) ?? false,
          createdAt: timestampToIso(execution.startTime) ?? '',
          closedAt: timestampToIso(execution.closeTime),
        };
        if (kind === 'payment') {
          item.channelId = attributes.get(ChannelId) ?? 0;
          item.late = attributes.get(LateCallback) ?? false;
        }
        return item;
      }),
      nextCursor: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null,
    };
  } catch (error) {
    if (isUnavailable(error)) throw temporalUnavailable();
    if ((error as { code?: unknown }).code === 3 || /invalid/i.test(String((error as Error).message))) {
      throw badRequest('cursor or filter not accepted by the visibility store');
    }
    throw error;
  }
}

/** Every value is schema-checked before it gets here; strings are still quoted safely. */
export function visibilityQuery(kind: 'payment' | 'payout', filter: OrderFilter): string {
  const quote = (value: string): string => `"${value.replace(/["\\]/g, '')}"`;
  const clauses = [`${OrderKind.name} = ${quote(kind)}`];
  if (filter.status !== undefined) clauses.push(`${OrderStatus.name} = ${quote(filter.status)}`);
  if (filter.channelId !== undefined) clauses.push(`${ChannelId.name} = ${filter.channelId}`);
  if (filter.needsAttention !== undefined) clauses.push(`${NeedsAttention.name} = ${filter.needsAttention}`);
  if (filter.amountMismatch !== undefined) clauses.push(`${AmountMismatch.name} = ${filter.amountMismatch}`);
  if (filter.createdFrom !== undefined) clauses.push(`StartTime >= ${quote(filter.createdFrom)}`);
  if (filter.createdTo !== undefined) clauses.push(`StartTime < ${quote(filter.createdTo)}`);
  // Visibility lists newest first by default (ORDER BY is not supported by every store).
  return clauses.join(' AND ');
}

function timestampToIso(timestamp: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined): string | null {
  if (timestamp?.seconds === undefined || timestamp.seconds === null) return null;
  const ms = Number(timestamp.seconds.toString()) * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000);
  return new Date(ms).toISOString();
}

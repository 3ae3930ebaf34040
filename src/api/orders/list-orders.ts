import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { fenToDecimal, fenToWholeYuan } from '../../gateway/amount';
import { AmountFen, AmountMismatch, ChannelId, LateCallback, Mrn, NeedsAttention, OrderKind, OrderStatus } from '../../contracts/search-attributes';
import { badRequest, isUnavailable, temporalUnavailable } from '../errors';
import type { ListCursors } from './list-cursor';

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
export async function listOrders(client: Client, cursors: ListCursors, kind: 'payment' | 'payout', filter: OrderFilter): Promise<OrderPage> {
  for (const field of ['createdFrom', 'createdTo'] as const) {
    // A date JavaScript can read but the visibility store cannot (years before 0000 or after 9999: "+275760-09-13T…").
    const value = filter[field];
    if (value !== undefined && !/^[0-9]{4}-/.test(value)) throw badRequest(`${field}: must be a date-time between the years 0000 and 9999`);
  }
  const query = visibilityQuery(kind, filter);
  // Only a page token this list sealed reaches Temporal; anything else is a 400 before any call.
  const nextPageToken = filter.cursor === undefined ? undefined : cursors.open(query, filter.cursor);
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
      nextCursor: token && token.length > 0 ? cursors.seal(query, token) : null,
    };
  } catch (error) {
    if (isUnavailable(error)) throw temporalUnavailable();
    if ((error as { code?: unknown }).code === 3 || /invalid/i.test(String((error as Error).message))) {
      throw badRequest(`cursor or filter not accepted by the visibility store: ${(error as Error).message.replace(/^\d+ [A-Z_]+: /, '')}`);
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

/**
 * The order book: one row per order, the record that outlives Temporal's retention. Workflows write
 * it (through the `recordOrder` activity) with a version that only grows; the API reads orders,
 * lists and exports from it; the reconciliation marks the orders the platform contradicts.
 */
import type { Pool } from 'pg';
import type { OrderKind } from '../contracts/order';
import { reconciliationReason, type OrderRecord } from '../contracts/order-record';
import type { PaymentView } from '../contracts/payment';
import type { PayoutView } from '../contracts/payout';

/** An order as the book answers it: the record, with a reconciliation's finding merged into its flags. */
export interface BookOrder extends Omit<OrderRecord, 'version' | 'view'> {
  version: number;
  /** The order's view as GET answers it, its timeline included. */
  view: PaymentView | PayoutView;
  /** What the last reconciliation found wrong, if anything (never written by the workflow). */
  reconciliationDifference: string | null;
}

export interface BookFilter {
  status?: string;
  channelId?: number;
  needsAttention?: boolean;
  amountMismatch?: boolean;
  /** Inclusive lower bound of created_at (ISO 8601). */
  createdFrom?: string;
  /** Exclusive upper bound of created_at (ISO 8601). */
  createdTo?: string;
  /** Only orders not finished yet. */
  open?: boolean;
}

/** Where a page ended: the next page starts strictly after it (newest first). */
export interface BookPosition {
  createdAt: string;
  mrn: string;
}

export interface BookPage {
  orders: BookOrder[];
  next: BookPosition | null;
}

const COLUMNS = `kind, mrn, version, status, amount_fen, paid_amount_fen, channel_id, request_hash, needs_attention,
  attention_reasons, amount_mismatch, bank_name, account_name_masked, account_number_masked, created_at, finished_at,
  last_platform_answer, notification, timeline, view, reconciliation_difference`;

export class OrderBook {
  /** Public so the reconciliations (src/book/reconciliations.ts) share the book's connections. */
  constructor(readonly pool: Pool) {}

  /**
   * Writes the record unless the book already holds this version or a later one (a retried or late
   * write). Returns whether it was written. Idempotent: the same record twice writes once.
   */
  async record(record: OrderRecord): Promise<boolean> {
    const { account } = record;
    const result = await this.pool.query(
      `INSERT INTO orders (kind, mrn, version, status, amount_fen, paid_amount_fen, channel_id, request_hash, needs_attention,
         attention_reasons, amount_mismatch, bank_name, account_name_masked, account_number_masked, created_at, finished_at,
         last_platform_answer, notification, timeline, view, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, now())
       ON CONFLICT (kind, mrn) DO UPDATE SET
         version = excluded.version, status = excluded.status, amount_fen = excluded.amount_fen,
         paid_amount_fen = excluded.paid_amount_fen, channel_id = excluded.channel_id, request_hash = excluded.request_hash,
         needs_attention = excluded.needs_attention, attention_reasons = excluded.attention_reasons,
         amount_mismatch = excluded.amount_mismatch, bank_name = excluded.bank_name,
         account_name_masked = excluded.account_name_masked, account_number_masked = excluded.account_number_masked,
         created_at = excluded.created_at, finished_at = excluded.finished_at, last_platform_answer = excluded.last_platform_answer,
         notification = excluded.notification, timeline = excluded.timeline, view = excluded.view, recorded_at = now()
       WHERE orders.version < excluded.version`,
      [
        record.kind,
        record.mrn,
        record.version,
        record.status,
        record.amountFen,
        record.paidAmountFen,
        record.channelId,
        record.requestHash,
        record.needsAttention,
        JSON.stringify(record.attentionReasons),
        record.amountMismatch,
        account?.bankName ?? null,
        account?.accountName ?? null,
        account?.accountNumber ?? null,
        record.createdAt,
        record.finishedAt,
        record.lastPlatformAnswer,
        JSON.stringify(record.notification),
        JSON.stringify(record.timeline),
        JSON.stringify(record.view),
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** One order, or undefined when the book has no row (yet) for it. */
  async find(kind: OrderKind, mrn: string): Promise<BookOrder | undefined> {
    const result = await this.pool.query(`SELECT ${COLUMNS} FROM orders WHERE kind = $1 AND mrn = $2`, [kind, mrn]);
    return result.rows.length === 0 ? undefined : toBookOrder(result.rows[0] as Row);
  }

  /** A page of orders, newest first, after `after` (keyset: stable while orders are added). */
  async page(kind: OrderKind, filter: BookFilter, options: { after?: BookPosition; limit: number }): Promise<BookPage> {
    const { where, params } = whereClause(kind, filter, options.after);
    params.push(options.limit + 1);
    const result = await this.pool.query(`SELECT ${COLUMNS} FROM orders WHERE ${where} ORDER BY created_at DESC, mrn DESC LIMIT $${params.length}`, params);
    const rows = (result.rows as Row[]).map(toBookOrder);
    const more = rows.length > options.limit;
    const orders = more ? rows.slice(0, options.limit) : rows;
    const last = orders[orders.length - 1];
    return { orders, next: more && last !== undefined ? { createdAt: last.createdAt, mrn: last.mrn } : null };
  }

  /**
   * Every order that matches, a page at a time (`batchSize` rows in memory at most): for exports
   * and the reconciliation, whatever the number of orders.
   */
  async *scan(kind: OrderKind, filter: BookFilter, batchSize = 500): AsyncGenerator<BookOrder> {
    let after: BookPosition | undefined;
    for (;;) {
      const page = await this.page(kind, filter, { ...(after === undefined ? {} : { after }), limit: batchSize });
      yield* page.orders;
      if (page.next === null) return;
      after = page.next;
    }
  }

  /**
   * Notes a create request about to be sent for `mrn` (migrations/0003). Returns whether one was
   * sent before (by any process, in any attempt) and when the first was.
   */
  async noteCreateRequest(kind: OrderKind, mrn: string): Promise<{ earlier: boolean; firstSentAt: string }> {
    const result = await this.pool.query<{ sent: number; first_sent_at: Date }>(
      `INSERT INTO create_requests (kind, mrn) VALUES ($1, $2)
       ON CONFLICT (kind, mrn) DO UPDATE SET sent = create_requests.sent + 1
       RETURNING sent, first_sent_at`,
      [kind, mrn],
    );
    const row = result.rows[0];
    return { earlier: row.sent > 1, firstSentAt: row.first_sent_at.toISOString() };
  }

  /** Marks (or, with null, clears) what a reconciliation found wrong with an order. Money state is never touched. */
  async markReconciliationDifference(kind: OrderKind, mrn: string, difference: string | null): Promise<void> {
    await this.pool.query('UPDATE orders SET reconciliation_difference = $3 WHERE kind = $1 AND mrn = $2', [kind, mrn, difference]);
  }
}

interface Row {
  kind: OrderKind;
  mrn: string;
  version: string;
  status: string;
  amount_fen: string;
  paid_amount_fen: string | null;
  channel_id: number | null;
  request_hash: string;
  needs_attention: boolean;
  attention_reasons: string[];
  amount_mismatch: boolean;
  bank_name: string | null;
  account_name_masked: string | null;
  account_number_masked: string | null;
  created_at: Date;
  finished_at: Date | null;
  last_platform_answer: string | null;
  notification: OrderRecord['notification'];
  timeline: OrderRecord['timeline'];
  view: PaymentView | PayoutView;
  reconciliation_difference: string | null;
}

function toBookOrder(row: Row): BookOrder {
  const difference = row.reconciliation_difference;
  // The run, when it was still open, heard the same finding and keeps it among its own reasons: once is enough.
  const reason = difference === null ? undefined : reconciliationReason(difference);
  const attentionReasons = reason === undefined || row.attention_reasons.includes(reason) ? row.attention_reasons : [...row.attention_reasons, reason];
  const needsAttention = row.needs_attention || difference !== null;
  return {
    kind: row.kind,
    mrn: row.mrn,
    version: Number(row.version),
    status: row.status,
    amountFen: Number(row.amount_fen),
    paidAmountFen: row.paid_amount_fen === null ? null : Number(row.paid_amount_fen),
    channelId: row.channel_id,
    requestHash: row.request_hash,
    needsAttention,
    attentionReasons,
    amountMismatch: row.amount_mismatch,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at === null ? null : row.finished_at.toISOString(),
    lastPlatformAnswer: row.last_platform_answer,
    notification: row.notification,
    account:
      row.bank_name === null ? null : { bankName: row.bank_name, accountName: row.account_name_masked ?? '', accountNumber: row.account_number_masked ?? '' },
    timeline: row.timeline,
    // The view as the workflow last wrote it, its timeline (kept once, beside it) put back and the
    // reconciliation's finding in its flags.
    view: { ...row.view, timeline: row.timeline, needsAttention, attentionReasons } as PaymentView | PayoutView,
    reconciliationDifference: difference,
  };
}

function whereClause(kind: OrderKind, filter: BookFilter, after: BookPosition | undefined): { where: string; params: unknown[] } {
  const params: unknown[] = [kind];
  const clauses = ['kind = $1'];
  const add = (sql: (placeholder: string) => string, value: unknown): void => {
    params.push(value);
    clauses.push(sql(`$${params.length}`));
  };
  if (filter.status !== undefined) add((p) => `status = ${p}`, filter.status);
  if (filter.channelId !== undefined) add((p) => `channel_id = ${p}`, filter.channelId);
  if (filter.needsAttention !== undefined) {
    clauses.push(filter.needsAttention ? '(needs_attention OR reconciliation_difference IS NOT NULL)' : '(NOT needs_attention AND reconciliation_difference IS NULL)');
  }
  if (filter.amountMismatch !== undefined) add((p) => `amount_mismatch = ${p}`, filter.amountMismatch);
  if (filter.createdFrom !== undefined) add((p) => `created_at >= ${p}`, filter.createdFrom);
  if (filter.createdTo !== undefined) add((p) => `created_at < ${p}`, filter.createdTo);
  if (filter.open === true) clauses.push('finished_at IS NULL');
  if (after !== undefined) {
    params.push(after.createdAt, after.mrn);
    clauses.push(`(created_at, mrn) < ($${params.length - 1}, $${params.length})`);
  }
  return { where: clauses.join(' AND '), params };
}

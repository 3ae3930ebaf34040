/**
 * The reconciliations in the order book: which run owns each business day, what each order checked
 * came to, and the orders a day covers. Counts are always derived from the items (GROUP BY): a batch
 * retried after a crash upserts the same rows, so nothing is counted twice.
 */
import type { Pool } from 'pg';
import type { OrderKind } from '../contracts/order';
import type { ReconcilePosition, ReconciliationCounts, ReconciliationOutcome } from '../contracts/reconciliation';

export interface Reconciliation {
  date: string;

  workflowId: string;
  status: 'running' | 'done';
  timezone: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface ReconciliationItem {
  date: string;
  kind: OrderKind;
  mrn: string;
  outcome: ReconciliationOutcome;
  ourStatus: string;
  platformAnswer: string;
  detail: string | null;
  checkedAt: string;
}

/** What the reconciliation needs of an order: no amounts, no personal data. */
export interface OrderToCheck {
  kind: OrderKind;
  mrn: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
}

export type ClaimResult = { claimed: true } | { claimed: false; workflowId: string; status: 'running' | 'done' };

export class ReconciliationBook {
  constructor(private readonly pool: Pool) {}

  /**
   * Makes `workflowId` the owner of `date` unless another run already is. The same run claiming again
   * (a retried activity) succeeds; a finished date stays with the run that finished it — unless that
   * run finished before the day was over (`dayEnd`): a reconciliation of a day still going on is
   * partial, and the full one (the schedule's, after midnight) takes it over, upserting the same items.
   */
  async claim(date: string, workflowId: string, timezone: string, dayEnd: string): Promise<ClaimResult> {
    await this.pool.query(
      `INSERT INTO reconciliations (date, workflow_id, status, timezone) VALUES ($1, $2, 'running', $3)
       ON CONFLICT (date) DO UPDATE SET workflow_id = excluded.workflow_id, status = 'running', timezone = excluded.timezone, started_at = now(), finished_at = NULL
       WHERE reconciliations.status = 'done' AND reconciliations.finished_at < $4 AND now() >= $4`,
      [date, workflowId, timezone, dayEnd],
    );
    const found = await this.find(date);
    if (found === undefined) throw new Error(`reconciliation ${date} vanished while it was claimed`);
    return found.workflowId === workflowId ? { claimed: true } : { claimed: false, workflowId: found.workflowId, status: found.status };
  }

  async find(date: string): Promise<Reconciliation | undefined> {
    const result = await this.pool.query(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date, workflow_id, status, timezone, started_at, finished_at FROM reconciliations WHERE date = $1`,
      [date],
    );
    const row = result.rows[0] as { date: string; workflow_id: string; status: 'running' | 'done'; timezone: string; started_at: Date; finished_at: Date | null } | undefined;
    return row === undefined
      ? undefined
      : {
          date: row.date,
          workflowId: row.workflow_id,
          status: row.status,
          timezone: row.timezone,
          startedAt: row.started_at.toISOString(),
          finishedAt: row.finished_at === null ? null : row.finished_at.toISOString(),
        };
  }

  /** Marks the date done by its owner (a late call from another run changes nothing). */
  async finish(date: string, workflowId: string): Promise<void> {
    await this.pool.query(`UPDATE reconciliations SET status = 'done', finished_at = coalesce(finished_at, now()) WHERE date = $1 AND workflow_id = $2`, [date, workflowId]);
  }

  /** Records (or, for a retried batch, overwrites) what one order's check came to. */
  async upsertItem(item: Omit<ReconciliationItem, 'checkedAt'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO reconciliation_items (date, kind, mrn, outcome, our_status, platform_answer, detail, checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (date, kind, mrn) DO UPDATE SET outcome = excluded.outcome, our_status = excluded.our_status,
         platform_answer = excluded.platform_answer, detail = excluded.detail, checked_at = excluded.checked_at`,
      [item.date, item.kind, item.mrn, item.outcome, item.ourStatus, item.platformAnswer, item.detail],
    );
  }

  async counts(date: string): Promise<ReconciliationCounts> {
    const result = await this.pool.query(`SELECT outcome, count(*)::int AS n FROM reconciliation_items WHERE date = $1 GROUP BY outcome`, [date]);
    const by = new Map((result.rows as { outcome: ReconciliationOutcome; n: number }[]).map((row) => [row.outcome, row.n]));
    const matched = by.get('matched') ?? 0;
    const differs = by.get('differs') ?? 0;
    const unknownAtPlatform = by.get('unknown_at_platform') ?? 0;
    const noAnswer = by.get('no_answer') ?? 0;
    return { checked: matched + differs + unknownAtPlatform + noAnswer, matched, differs, unknownAtPlatform, noAnswer };
  }

  /** The items of a date with one of `outcomes` (all when empty), by kind and mrn, at most `limit`. */
  async items(date: string, outcomes: ReconciliationOutcome[], limit: number): Promise<ReconciliationItem[]> {
    const result = await this.pool.query(
      `SELECT ${ITEM_COLUMNS} FROM reconciliation_items WHERE date = $1 AND (cardinality($2::text[]) = 0 OR outcome = ANY($2::text[]))
       ORDER BY kind, mrn LIMIT $3`,
      [date, outcomes, limit],
    );
    return (result.rows as ItemRow[]).map(toItem);
  }

  /** Every item of a date, a page at a time (CSV): memory stays at one page whatever the day's size. */
  async *scanItems(date: string, pageSize = 1000): AsyncGenerator<ReconciliationItem> {
    let after: { kind: string; mrn: string } | undefined;
    for (;;) {
      const result = await this.pool.query(
        `SELECT ${ITEM_COLUMNS} FROM reconciliation_items WHERE date = $1 AND ($2::text IS NULL OR (kind, mrn) > ($2::text, $3::text))
         ORDER BY kind, mrn LIMIT $4`,
        [date, after?.kind ?? null, after?.mrn ?? null, pageSize],
      );
      const items = (result.rows as ItemRow[]).map(toItem);
      yield* items;
      const last = items[items.length - 1];
      if (items.length < pageSize || last === undefined) return;
      after = { kind: last.kind, mrn: last.mrn };
    }
  }

  /**
   * A page of the orders a day's reconciliation checks, oldest first: every order of `kind` created
   * in [from, to) and every order still open, whatever its day. Keyset on (created_at, mrn).
   */
  async ordersToCheck(kind: OrderKind, range: { from: string; to: string }, after: ReconcilePosition | null, limit: number): Promise<{ orders: OrderToCheck[]; next: ReconcilePosition | null }> {
    const result = await this.pool.query(
      `SELECT kind, mrn, status, created_at, finished_at FROM orders
       WHERE kind = $1 AND ((created_at >= $2 AND created_at < $3) OR finished_at IS NULL)
         AND ($4::timestamptz IS NULL OR (created_at, mrn) > ($4::timestamptz, $5::text))
       ORDER BY created_at, mrn LIMIT $6`,
      [kind, range.from, range.to, after?.createdAt ?? null, after?.mrn ?? null, limit + 1],
    );
    const rows = (result.rows as { kind: OrderKind; mrn: string; status: string; created_at: Date; finished_at: Date | null }[]).map((row) => ({
      kind: row.kind,
      mrn: row.mrn,
      status: row.status,
      createdAt: row.created_at.toISOString(),
      finishedAt: row.finished_at === null ? null : row.finished_at.toISOString(),
    }));
    const more = rows.length > limit;
    const orders = more ? rows.slice(0, limit) : rows;
    const last = orders[orders.length - 1];
    return { orders, next: more && last !== undefined ? { createdAt: last.createdAt, mrn: last.mrn } : null };
  }

  /** An order's status now (re-read before a difference is reported: our workflow may just have caught up). */
  async currentStatus(kind: OrderKind, mrn: string): Promise<string | undefined> {
    const result = await this.pool.query('SELECT status FROM orders WHERE kind = $1 AND mrn = $2', [kind, mrn]);
    return (result.rows[0] as { status: string } | undefined)?.status;
  }
}

const ITEM_COLUMNS = `to_char(date, 'YYYY-MM-DD') AS date, kind, mrn, outcome, our_status, platform_answer, detail, checked_at`;

interface ItemRow {
  date: string;
  kind: OrderKind;
  mrn: string;
  outcome: ReconciliationOutcome;
  our_status: string;
  platform_answer: string;
  detail: string | null;
  checked_at: Date;
}

function toItem(row: ItemRow): ReconciliationItem {
  return {
    date: row.date,
    kind: row.kind,
    mrn: row.mrn,
    outcome: row.outcome,
    ourStatus: row.our_status,
    platformAnswer: row.platform_answer,
    detail: row.detail,
    checkedAt: row.checked_at.toISOString(),
  };
}

/**
 * The daily reconciliation against the platform's query endpoint: its workflow's input and progress,
 * the activities' contract, its IDs, and the business-day arithmetic every side shares (the workflow
 * derives "the previous day" from the schedule's time, the API refuses a future date, the activity
 * turns a date into the instants of its orders). Pure functions only: the workflow bundle imports it.
 */
import type { OrderKind } from './order';

/** What one order's check came to. */
export type ReconciliationOutcome = 'matched' | 'differs' | 'unknown_at_platform' | 'no_answer';

export interface ReconciliationCounts {
  checked: number;
  matched: number;
  differs: number;
  unknownAtPlatform: number;
  noAnswer: number;
}

export const NO_COUNTS: ReconciliationCounts = Object.freeze({ checked: 0, matched: 0, differs: 0, unknownAtPlatform: 0, noAnswer: 0 });

export function addCounts(a: ReconciliationCounts, b: ReconciliationCounts): ReconciliationCounts {
  return {
    checked: a.checked + b.checked,
    matched: a.matched + b.matched,
    differs: a.differs + b.differs,
    unknownAtPlatform: a.unknownAtPlatform + b.unknownAtPlatform,
    noAnswer: a.noAnswer + b.noAnswer,
  };
}

/** The kinds in the order they are reconciled (the workflow's phases). */
export const RECONCILED_KINDS: readonly OrderKind[] = ['payment', 'payout'];

/** Where a scan of the book stopped: the next batch starts strictly after it (oldest first). */
export interface ReconcilePosition {
  createdAt: string;
  mrn: string;
}

/** Carried across continue-as-new: running totals and a position, never the orders themselves. */
export interface ReconciliationProgress {
  /** Index into RECONCILED_KINDS. */
  phase: number;
  after: ReconcilePosition | null;
  counts: ReconciliationCounts;
  batches: number;
  startedAt: string;
}

export interface ReconciliationInput {
  /** The business day (YYYY-MM-DD) in `timezone`; absent: the day before the scheduled (or start) time. */
  date?: string;
  /** The IANA zone of the business day (RECONCILE_TIMEZONE). */
  timezone: string;
  /** RECONCILE_QPS: platform queries per second at most. */
  qps: number;
  /** Orders a batch (one activity); default: 20 seconds of queries at `qps`. */
  batchSize?: number;
  /** Batches before the run continues as new (default 50): history stays small whatever the day's size. */
  batchesPerRun?: number;
  /** Set by continue-as-new only. */
  progress?: ReconciliationProgress;
}

export interface ReconciliationResult {
  date: string;
  workflowId: string;
  /** 'done', or 'skipped' when another run already owns the date (`ownedBy`). */
  status: 'done' | 'skipped';
  counts: ReconciliationCounts;
  ownedBy?: string;
}

// ---- activities ------------------------------------------------------------------------------

export interface BeginReconciliationArgs {
  date: string;
  timezone: string;
  workflowId: string;
}

/** `claimed`: this run owns the date. Otherwise another run does (running or done) and this one stops. */
export type BeginReconciliationResult = { claimed: true } | { claimed: false; workflowId: string; status: 'running' | 'done' };

export interface ReconcileBatchArgs {
  date: string;
  timezone: string;
  kind: OrderKind;
  after: ReconcilePosition | null;
  limit: number;
  qps: number;
}

export interface ReconcileBatchResult {
  counts: ReconciliationCounts;
  /** Null: this kind is done. */
  next: ReconcilePosition | null;
}

export interface FinishReconciliationArgs {
  date: string;
  workflowId: string;
}

export interface ReconciliationActivities {
  beginReconciliation(args: BeginReconciliationArgs): Promise<BeginReconciliationResult>;
  reconcileBatch(args: ReconcileBatchArgs): Promise<ReconcileBatchResult>;
  /** Marks the date done; returns the day's counts as the items say (a retried batch counted once). */
  finishReconciliation(args: FinishReconciliationArgs): Promise<ReconciliationCounts>;
}

// ---- IDs -------------------------------------------------------------------------------------

/** A reconciliation started by hand (POST /v1/reconciliations): one per date. */
export const reconciliationWorkflowId = (date: string): string => `reconciliation-${date}`;

/** The daily schedule of a deployment (its task queue: several may share a namespace). */
export const reconciliationScheduleId = (taskQueue: string): string => `reconciliation-daily-${taskQueue}`;

// ---- business days ---------------------------------------------------------------------------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day;
}

/** The calendar date of `instant` in `timeZone`. */
export function businessDayOf(instant: Date, timeZone: string): string {
  const { year, month, day } = localFields(instant, timeZone);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The date before `date` (both YYYY-MM-DD; calendar arithmetic, no zone). */
export function previousDay(date: string): string {
  return shiftDays(date, -1);
}

/** The instants the business day covers in `timeZone`: [from, to) as ISO 8601 (23 or 25 hours across a DST change). */
export function dayBounds(date: string, timeZone: string): { from: string; to: string } {
  return { from: startOfDay(date, timeZone).toISOString(), to: startOfDay(shiftDays(date, 1), timeZone).toISOString() };
}

function shiftDays(date: string, days: number): string {
  const match = DATE.exec(date);
  if (match === null) throw new Error(`not a date: ${date}`);
  const utc = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days));
  return utc.toISOString().slice(0, 10);
}

/** Local midnight of `date` in `timeZone` as an instant (a zone's offset found by two corrections, DST included). */
function startOfDay(date: string, timeZone: string): Date {
  const match = DATE.exec(date);
  if (match === null) throw new Error(`not a date: ${date}`);
  const wallClock = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  let instant = wallClock - offsetMs(new Date(wallClock), timeZone);
  instant = wallClock - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** How far `timeZone`'s clock is ahead of UTC at `instant`. */
function offsetMs(instant: Date, timeZone: string): number {
  const f = localFields(instant, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

function localFields(instant: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value ?? NaN);
  return { year: field('year'), month: field('month'), day: field('day'), hour: field('hour') % 24, minute: field('minute'), second: field('second') };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

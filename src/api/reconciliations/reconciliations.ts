/**
 * Reconciliations as the API sees them: start one by hand (never a second run for a date), read a
 * day's result from the book, stream its items as CSV.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { ReconciliationBook, ReconciliationItem } from '../../book/reconciliations';
import {
  businessDayOf,
  dayBounds,
  isCalendarDate,
  reconciliationWorkflowId,
  type ReconciliationCounts,
  type ReconciliationInput,
} from '../../contracts/reconciliation';
import { badRequest, isNotFound, isUnavailable, notFound, temporalUnavailable } from '../errors';
import { csvChunks } from '../exports/csv';

export interface ReconcileSettings {
  /** RECONCILE_TIMEZONE: the zone of a business day (and of "not in the future"). */
  timezone: string;
  /** RECONCILE_QPS, passed to the run. */
  qps: number;
}

export interface StartedReconciliation {
  date: string;
  workflowId: string;
  status: 'running' | 'done';
}

export interface ItemView {
  kind: 'payment' | 'payout';
  mrn: string;
  ourStatus: string;
  platformAnswer: string;
  detail: string | null;
}

export interface ReconciliationView {
  date: string;
  timezone: string;
  workflowId: string;
  status: 'running' | 'done';
  startedAt: string;
  finishedAt: string | null;
  counts: ReconciliationCounts;
  differences: ItemView[];
  unknownAtPlatform: ItemView[];
  noAnswer: ItemView[];
}

/** Each list in the JSON answer stops here; the CSV has every item. */
export const LIST_LIMIT = 1000;

const CSV_HEADER = ['date', 'kind', 'mrn', 'outcome', 'our_status', 'platform_answer', 'detail', 'checked_at'];

export class Reconciliations {
  constructor(
    private readonly deps: { client: Client; book: ReconciliationBook; taskQueue: string; settings: ReconcileSettings; now?: () => Date },
  ) {}

  /** Starts the date's reconciliation, or answers the one that runs or ran (`created`: this call started it). */
  async start(date: string): Promise<StartedReconciliation & { created: boolean }> {
    this.checkDate(date);
    const known = await this.deps.book.find(date);
    const dayEnd = dayBounds(date, this.deps.settings.timezone).to;
    const partial = known?.finishedAt != null && known.finishedAt < dayEnd && this.now().toISOString() >= dayEnd;
    if (known?.status === 'done' && !partial) return { date, workflowId: known.workflowId, status: 'done', created: false };
    if (known?.status === 'done') {
      // Reconciled while the day was still going on: now that it is over, a full run takes the date over.
      const created = await this.startRun(date, reconciliationWorkflowId(date));
      return { date, workflowId: reconciliationWorkflowId(date), status: 'running', created };
    }
    if (known !== undefined) {
      // Running as the book says: answer it while its run is alive; a run that died (terminated, failed) is started again under its ID.
      if (await this.isRunning(known.workflowId)) return { date, workflowId: known.workflowId, status: 'running', created: false };
      await this.startRun(date, known.workflowId);
      return { date, workflowId: known.workflowId, status: 'running', created: true };
    }
    const workflowId = reconciliationWorkflowId(date);
    const created = await this.startRun(date, workflowId);
    return { date, workflowId, status: 'running', created };
  }

  async get(date: string): Promise<ReconciliationView> {
    const found = await this.find(date);
    const [counts, differences, unknownAtPlatform, noAnswer] = await Promise.all([
      this.deps.book.counts(date),
      this.deps.book.items(date, ['differs'], LIST_LIMIT),
      this.deps.book.items(date, ['unknown_at_platform'], LIST_LIMIT),
      this.deps.book.items(date, ['no_answer'], LIST_LIMIT),
    ]);
    return {
      date,
      timezone: found.timezone,
      workflowId: found.workflowId,
      status: found.status,
      startedAt: found.startedAt,
      finishedAt: found.finishedAt,
      counts,
      differences: differences.map(itemView),
      unknownAtPlatform: unknownAtPlatform.map(itemView),
      noAnswer: noAnswer.map(itemView),
    };
  }

  /** Every item of the date as CSV chunks (the exports' writer: UTF-8 with BOM, a header row), read a page at a time. */
  async csv(date: string): Promise<AsyncGenerator<string>> {
    await this.find(date);
    return csvChunks(CSV_HEADER, this.deps.book.scanItems(date), csvFields);
  }

  private async find(date: string) {
    if (!isCalendarDate(date)) throw badRequest(`date: "${date}" is not a calendar date YYYY-MM-DD`);
    const found = await this.deps.book.find(date);
    if (found === undefined) throw notFound(`no reconciliation of ${date}`);
    return found;
  }

  private checkDate(date: string): void {
    if (!isCalendarDate(date)) throw badRequest(`date: "${date}" is not a calendar date YYYY-MM-DD`);
    const today = businessDayOf(this.now(), this.deps.settings.timezone);
    if (date > today) throw badRequest(`date: ${date} is in the future in ${this.deps.settings.timezone} (today is ${today})`);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private async isRunning(workflowId: string): Promise<boolean> {
    try {
      const description = await this.deps.client.workflow.getHandle(workflowId).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (isNotFound(error)) return false;
      throw isUnavailable(error) ? temporalUnavailable() : error;
    }
  }

  /** Starts the run; a run already alive under the ID is kept (two POSTs at once start one run). Returns whether it started one. */
  private async startRun(date: string, workflowId: string): Promise<boolean> {
    const input: ReconciliationInput = { date, timezone: this.deps.settings.timezone, qps: this.deps.settings.qps };
    try {
      await this.deps.client.workflow.start('reconciliationWorkflow', {
        workflowId,
        taskQueue: this.deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `Reconciliation of ${date} (${this.deps.settings.timezone}), started by hand`,
      });
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw isUnavailable(error) ? temporalUnavailable() : error;
    }
  }
}

function itemView(item: ReconciliationItem): ItemView {
  return { kind: item.kind, mrn: item.mrn, ourStatus: item.ourStatus, platformAnswer: item.platformAnswer, detail: item.detail };
}

function csvFields(item: ReconciliationItem): string[] {
  return [item.date, item.kind, item.mrn, item.outcome, item.ourStatus, item.platformAnswer, item.detail ?? '', item.checkedAt];
}

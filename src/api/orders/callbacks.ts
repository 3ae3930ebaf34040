import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { checkCallback, type CheckedCallback } from '../../gateway';
import { paymentWorkflowDefinitions, resumePaymentInput, type PaymentState } from '../../contracts/payment';
import { payoutWorkflowDefinitions, resumePayoutInput, type PayoutState } from '../../contracts/payout';
import { Mrn, NeedsAttention, OrderKind, orderSearchAttributes } from '../../contracts/search-attributes';
import type { CallbackSignal } from '../../contracts/order';
import { unmatchedCallbackWorkflowId, type UnmatchedCallback } from '../../contracts/unmatched-callback';
import type { CallbackMetrics } from '../../metrics/api-metrics';
import { badRequest, isNotFound, isUnavailable, platformFailure, temporalUnavailable, unauthorized } from '../errors';

export interface CallbackIntakeDeps {
  client: Client;
  taskQueue: string;
  appKey: string;
  secret: string;
  log: FastifyBaseLogger;
  /** Counts every outcome (`orchestrator_callbacks_total`). */
  metrics?: CallbackMetrics;
}

/** What the platform hears back: only 200 + "success" stops its retries. */
export interface CallbackAnswer {
  httpStatus: number;
  body: string;
}

type Kind = 'payment' | 'payout';

const SUCCESS: CallbackAnswer = { httpStatus: 200, body: 'success' };
const WORKFLOWS = { payment: paymentWorkflowDefinitions, payout: payoutWorkflowDefinitions } as const;

/**
 * The platform's callbacks, one design for both kinds: verify over the raw received values, then
 * hand the signed fields to the order's workflow as a signal — answering `success` only once
 * Temporal has accepted it (or recorded it durably). The workflow verifies the signature again
 * and applies duplicates idempotently; whether a verified callback may apply (amounts, status) is
 * its business alone.
 */
export class CallbackIntake {
  constructor(private readonly deps: CallbackIntakeDeps) {}

  payment(fields: Record<string, unknown>): Promise<CallbackAnswer> {
    return this.intake('payment', fields);
  }

  payout(fields: Record<string, unknown>): Promise<CallbackAnswer> {
    return this.intake('payout', fields);
  }

  /** appKey, signature and amounts over the values exactly as received; nothing else is trusted before this. */
  private async intake(kind: Kind, fields: Record<string, unknown>): Promise<CallbackAnswer> {
    const check = checkCallback(kind, fields, { appKey: this.deps.appKey, secret: this.deps.secret });
    if (!check.ok) {
      const mrn = typeof fields.mrn === 'string' ? fields.mrn : undefined;
      return this.refuse(kind, mrn, check.unauthentic ? 401 : 400, check.reason);
    }
    return this.deliver(check.callback, check.signed);
  }

  private async deliver(callback: CheckedCallback, signed: Record<string, string>): Promise<CallbackAnswer> {
    const { kind, mrn } = callback;
    const signal: CallbackSignal = { fields: signed, receivedAt: new Date().toISOString() };
    const handle = this.deps.client.workflow.getHandle(WORKFLOWS[kind].workflowId(mrn));
    try {
      // Most callbacks find their order running: signal at once. A closed run and an unknown mrn
      // both refuse the signal as not found; the describe below tells them apart.
      try {
        return await this.signal(kind, handle, signal);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.keepForOperators(kind, mrn, signed, 'no such order');
        this.deps.metrics?.callback(kind, 'unknown_order');
        return SUCCESS;
      }
      switch (description.status.name) {
        case 'RUNNING': // started, restarted or continued as new meanwhile
          return await this.signal(kind, handle, signal);
        case 'COMPLETED': {
          // This run's result only: a restart by a concurrent callback must not make us wait for the next one.
          const closedRun = this.deps.client.workflow.getHandle(handle.workflowId, description.runId, { followRuns: false });
          return await this.afterClose(closedRun, callback, signal);
        }
        default:
          // Terminated, failed, timed out, cancelled: no final state to restart from. Answering
          // anything but success would only have the platform retry for a day.
          await this.keepForOperators(kind, mrn, signed, `the order's run was ${description.status.name.toLowerCase().replace(/_/g, ' ')}`);
          this.deps.metrics?.callback(kind, 'unknown_order');
          return SUCCESS;
      }
    } catch (error) {
      if (isUnavailable(error)) {
        this.deps.log.warn({ kind, mrn, workflowId: WORKFLOWS[kind].workflowId(mrn), err: error }, 'callback not delivered: Temporal unavailable; the platform will retry');
        this.deps.metrics?.callback(kind, 'temporal_unavailable');
        return platformFailure(temporalUnavailable('temporarily unavailable'));
      }
      throw error;
    }
  }

  private async signal(kind: Kind, handle: WorkflowHandle, signal: CallbackSignal): Promise<CallbackAnswer> {
    await handle.signal(WORKFLOWS[kind].callback, signal);
    this.deps.log.info({ kind, mrn: signal.fields.mrn, workflowId: handle.workflowId, outcome: 'signalled' }, 'callback accepted');
    this.deps.metrics?.callback(kind, 'accepted');
    return SUCCESS;
  }

  /**
   * The order's run has closed. A callback the final state already reflects changes nothing; any
   * other (a late success after expiry, the paid amount of a success the query decided, an amount
   * that is not the order's) restarts the order from its final state with the callback as its
   * first signal, so it is applied or flagged there — never lost.
   */
  private async afterClose(closedRun: WorkflowHandle, callback: CheckedCallback, signal: CallbackSignal): Promise<CallbackAnswer> {
    const { kind } = callback;
    const final = (await closedRun.result()) as PaymentState | PayoutState;
    if (alreadyReflected(final, callback)) {
      this.deps.log.info({ kind, mrn: final.mrn, workflowId: closedRun.workflowId, outcome: 'duplicate after close' }, 'callback accepted');
      this.deps.metrics?.callback(kind, 'duplicate');
      return SUCCESS;
    }
    const common = {
      workflowId: closedRun.workflowId,
      taskQueue: this.deps.taskQueue,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
      workflowIdConflictPolicy: 'USE_EXISTING' as const,
      memo: { kind, amountFen: final.amountFen },
      typedSearchAttributes: orderSearchAttributes({
        kind,
        mrn: final.mrn,
        status: final.status,
        amountFen: final.amountFen,
        amountMismatch: final.amountMismatch,
        needsAttention: final.needsAttention,
        ...('channelId' in final ? { channelId: final.channelId, late: final.late } : {}),
      }),
    };
    const restart =
      kind === 'payment'
        ? { label: 'Pay-in', input: resumePaymentInput(final as PaymentState) }
        : { label: 'Payout', input: resumePayoutInput(final as PayoutState) };
    await this.deps.client.workflow.signalWithStart(WORKFLOWS[kind].workflowType, {
      ...common,
      args: [restart.input],
      signal: WORKFLOWS[kind].callback,
      signalArgs: [signal],
      staticSummary: `${restart.label} ${final.mrn}: callback after the run closed (was ${final.status})`,
    });
    this.deps.log.warn({ kind, mrn: final.mrn, workflowId: closedRun.workflowId, was: final.status, outcome: 'restarted' }, 'callback after the order closed: order restarted');
    // Seen here only once the run has closed; a running order flags a differing amount itself (needsAttention).
    const mismatch = callback.kind === 'payment' ? callback.originAmountFen !== final.amountFen : callback.amountFen !== final.amountFen;
    this.deps.metrics?.callback(kind, mismatch ? 'amount_mismatch' : 'accepted');
    return SUCCESS;
  }

  /**
   * A verified callback no order run can take (an mrn we never created, a run that was terminated):
   * kept durably (a short workflow, NeedsAttention) for operators, the reason with it.
   */
  private async keepForOperators(kind: Kind, mrn: string, signed: Record<string, string>, reason: string): Promise<void> {
    const { sign: _sign, ...fields } = signed;
    const callback: UnmatchedCallback = { kind, mrn, fields, receivedAt: new Date().toISOString(), reason };
    const digest = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
    try {
      await this.deps.client.workflow.start('unmatchedCallbackWorkflow', {
        workflowId: unmatchedCallbackWorkflowId(callback, digest),
        taskQueue: this.deps.taskQueue,
        // The record's run closes at once: without this, every re-delivery would record it again.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [callback],
        typedSearchAttributes: [
          { key: OrderKind, value: 'unmatched-callback' },
          { key: Mrn, value: mrn },
          { key: NeedsAttention, value: true },
        ],
        staticSummary: `Unmatched ${kind} callback · mrn ${mrn} · ${reason}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error; // a duplicate: already recorded
    }
    this.deps.log.warn({ kind, mrn, workflowId: WORKFLOWS[kind].workflowId(mrn), reason, outcome: 'unmatched' }, 'verified callback no order run can take, recorded for operators');
  }

  private refuse(kind: Kind, mrn: string | undefined, httpStatus: 400 | 401, reason: string): CallbackAnswer {
    this.deps.log.warn({ kind, mrn, workflowId: mrn === undefined ? undefined : WORKFLOWS[kind].workflowId(mrn), reason, outcome: 'refused' }, 'callback refused');
    this.deps.metrics?.callback(kind, httpStatus === 401 ? 'bad_signature' : 'invalid');
    return platformFailure(httpStatus === 401 ? unauthorized(reason) : badRequest(reason));
  }
}

/** The closed run already says what this callback says: the success it has, for the order's amount, with the paid amount known. */
function alreadyReflected(final: PaymentState | PayoutState, callback: CheckedCallback): boolean {
  if (final.status !== 'succeeded') return false;
  if (callback.kind === 'payout') return callback.amountFen === final.amountFen;
  return callback.originAmountFen === final.amountFen && (final as PaymentState).paidAmountFen !== null;
}

import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { parseDecimal, parseWholeYuan, safeEqual, verify, SIGNED_FIELDS, type MessageKind } from '../../gateway';
import { paymentCallback, paymentWorkflowId, type PaymentState, type PaymentWorkflowInput } from '../../workflows/payment-definitions';
import { payoutCallback, payoutWorkflowId, type PayoutState, type PayoutWorkflowInput } from '../../workflows/payout-definitions';
import { Mrn, NeedsAttention, OrderKind, orderSearchAttributes } from '../../workflows/search-attributes';
import type { PaymentCallbackSignal, PayoutCallbackSignal } from '../../workflows/shared/order-types';
import { unmatchedCallbackWorkflowId, type UnmatchedCallback } from '../../workflows/unmatched-callback';
import { isNotFound, isUnavailable } from '../temporal-errors';
import type { KnownAmounts } from './known-amounts';

export interface CallbackIntakeDeps {
  client: Client;
  taskQueue: string;
  appKey: string;
  secret: string;
  log: FastifyBaseLogger;
  /** Amounts of the orders this process started: their callbacks skip the describe. */
  knownAmounts?: KnownAmounts;
}

/** What the platform hears back: only 200 + "success" stops its retries. */
export interface CallbackAnswer {
  httpStatus: 200 | 400 | 401 | 503;
  body: string;
}

type Kind = 'payment' | 'payout';

const SUCCESS: CallbackAnswer = { httpStatus: 200, body: 'success' };
const reject = (httpStatus: 400 | 401, reason: string): CallbackAnswer => ({ httpStatus, body: `fail: ${reason}` });

/**
 * The platform's callbacks, one design for both kinds: verify over the raw received values,
 * parse, then hand to the order's workflow as a signal — answering `success` only once
 * Temporal has accepted it. Duplicates are the workflow's business (it applies them idempotently).
 */
export class CallbackIntake {
  constructor(private readonly deps: CallbackIntakeDeps) {}

  async payment(fields: Record<string, unknown>): Promise<CallbackAnswer> {
    const verification = this.verified('payment', 'payment.callback', fields);
    if (!verification.ok) return verification.answer;
    const checked = verification.values;
    const amount = parseDecimal(checked.amount);
    const originAmount = parseDecimal(checked.originAmount);
    const channel = Number(checked.channel);
    if (!amount.ok) return this.refuse('payment', checked.mrn, 400, `amount: ${amount.reason}`);
    if (!originAmount.ok) return this.refuse('payment', checked.mrn, 400, `originAmount: ${originAmount.reason}`);
    if (!/^[0-9]{1,3}$/.test(checked.channel)) return this.refuse('payment', checked.mrn, 400, 'channel is not an integer');
    const signal: PaymentCallbackSignal = { amountFen: amount.fen, originAmountFen: originAmount.fen, channel, receivedAt: new Date().toISOString() };
    return this.deliver('payment', checked, signal, (orderAmountFen) =>
      orderAmountFen === originAmount.fen ? undefined : `originAmount ${checked.originAmount} is not the amount of order ${checked.mrn}`,
    );
  }

  async payout(fields: Record<string, unknown>): Promise<CallbackAnswer> {
    const verification = this.verified('payout', 'payout.callback', fields);
    if (!verification.ok) return verification.answer;
    const checked = verification.values;
    const amount = parseWholeYuan(checked.amount);
    if (!amount.ok) return this.refuse('payout', checked.mrn, 400, `amount: ${amount.reason}`);
    const signal: PayoutCallbackSignal = { amountFen: amount.fen, receivedAt: new Date().toISOString() };
    // A different amount is not refused here: the workflow flags it for attention, visibly.
    return this.deliver('payout', checked, signal, () => undefined);
  }

  /** appKey and signature over the values exactly as received; nothing else is trusted before this. */
  private verified(
    kind: Kind,
    message: MessageKind,
    fields: Record<string, unknown>,
  ): { ok: true; values: Record<string, string> } | { ok: false; answer: CallbackAnswer } {
    const mrn = typeof fields.mrn === 'string' ? fields.mrn : undefined;
    const refused = (httpStatus: 400 | 401, reason: string) => ({ ok: false as const, answer: this.refuse(kind, mrn, httpStatus, reason) });
    for (const field of SIGNED_FIELDS[message]) {
      if (typeof fields[field] !== 'string') return refused(400, `${field} is missing or not a single value`);
    }
    if (!safeEqual(fields.appKey as string, this.deps.appKey)) return refused(401, 'unknown appKey');
    const check = verify(message, fields, this.deps.secret);
    if (!check.ok) return refused(401, check.reason);
    const values: Record<string, string> = {};
    for (const field of SIGNED_FIELDS[message]) values[field] = fields[field] as string;
    return { ok: true, values };
  }

  private async deliver(
    kind: Kind,
    fields: Record<string, string>,
    signal: PaymentCallbackSignal | PayoutCallbackSignal,
    amountProblem: (orderAmountFen: number) => string | undefined,
  ): Promise<CallbackAnswer> {
    const mrn = fields.mrn;
    const workflowId = kind === 'payment' ? paymentWorkflowId(mrn) : payoutWorkflowId(mrn);
    const handle = this.deps.client.workflow.getHandle(workflowId);
    try {
      // Fast path for an order this process started: check the amount we know, signal at once. A
      // closed run refuses the signal as not found; the describe below then knows what to do.
      const knownAmountFen = this.deps.knownAmounts?.get(kind, mrn);
      if (knownAmountFen !== undefined) {
        const problem = amountProblem(knownAmountFen);
        if (problem !== undefined) return this.refuse(kind, mrn, 400, problem);
        try {
          await this.signal(kind, handle, signal);
          this.deps.log.info({ kind, mrn, outcome: 'signalled' }, 'callback accepted');
          return SUCCESS;
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      let description;
      try {
        description = await handle.describe();
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.recordUnmatched(kind, mrn, fields);
        return SUCCESS;
      }
      const orderAmountFen = description.memo?.amountFen;
      const problem = typeof orderAmountFen === 'number' ? amountProblem(orderAmountFen) : undefined;
      if (problem !== undefined) return this.refuse(kind, mrn, 400, problem);
      if (description.status.name === 'RUNNING') {
        await this.signal(kind, handle, signal);
        this.deps.log.info({ kind, mrn, outcome: 'signalled' }, 'callback accepted');
        return SUCCESS;
      }
      return await this.afterClose(kind, handle, signal);
    } catch (error) {
      if (isUnavailable(error)) {
        this.deps.log.warn({ kind, mrn, err: error }, 'callback not delivered: Temporal unavailable; the platform will retry');
        return { httpStatus: 503, body: 'fail: temporarily unavailable' };
      }
      throw error;
    }
  }

  private async signal(kind: Kind, handle: WorkflowHandle, signal: PaymentCallbackSignal | PayoutCallbackSignal): Promise<void> {
    if (kind === 'payment') await handle.signal(paymentCallback, signal as PaymentCallbackSignal);
    else await handle.signal(payoutCallback, signal as PayoutCallbackSignal);
  }

  /**
   * The order's run has closed. A duplicate of the success it already has changes nothing; any
   * other callback (above all a late success after expiry) restarts the order from its final
   * state with the callback as its first signal — a late success is never lost.
   */
  private async afterClose(kind: Kind, handle: WorkflowHandle, signal: PaymentCallbackSignal | PayoutCallbackSignal): Promise<CallbackAnswer> {
    const final = (await handle.result()) as PaymentState | PayoutState;
    if (final.status === 'succeeded') {
      this.deps.log.info({ kind, mrn: final.mrn, outcome: 'duplicate after close' }, 'callback accepted');
      return SUCCESS;
    }
    const common = {
      workflowId: handle.workflowId,
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
    if (kind === 'payment') {
      const state = final as PaymentState;
      const { mrn, amountFen, channelId, returnUrl, mode } = state;
      const input: PaymentWorkflowInput = {
        request: { mrn, amountFen, channelId, returnUrl, mode, ...(state.notifyUrl === null ? {} : { notifyUrl: state.notifyUrl }) },
        requestHash: state.requestHash,
        timeouts: state.timeouts,
        resume: state,
      };
      await this.deps.client.workflow.signalWithStart('paymentWorkflow', {
        ...common,
        args: [input],
        signal: paymentCallback,
        signalArgs: [signal as PaymentCallbackSignal],
        staticSummary: `Pay-in ${mrn}: callback after the run closed (was ${state.status})`,
      });
    } else {
      const state = final as PayoutState;
      const input: PayoutWorkflowInput = {
        request: { mrn: state.mrn, amountFen: state.amountFen, bankName: state.bankName, accountName: '', accountNumber: '' },
        requestHash: state.requestHash,
        timeouts: state.timeouts,
        resume: state,
      };
      await this.deps.client.workflow.signalWithStart('payoutWorkflow', {
        ...common,
        args: [input],
        signal: payoutCallback,
        signalArgs: [signal as PayoutCallbackSignal],
        staticSummary: `Payout ${state.mrn}: callback after the run closed (was ${state.status})`,
      });
    }
    this.deps.log.warn({ kind, mrn: final.mrn, was: final.status, outcome: 'restarted' }, 'callback after the order closed: order restarted');
    return SUCCESS;
  }

  /** A verified callback for an mrn we never created: kept durably (a short workflow) for operators. */
  private async recordUnmatched(kind: Kind, mrn: string, fields: Record<string, string>): Promise<void> {
    const callback: UnmatchedCallback = { kind, mrn, fields, receivedAt: new Date().toISOString() };
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
        staticSummary: `Unmatched ${kind} callback · mrn ${mrn}`,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error; // a duplicate: already recorded
    }
    this.deps.log.warn({ kind, mrn, outcome: 'unmatched' }, 'verified callback for an unknown order, recorded for operators');
  }

  private refuse(kind: Kind, mrn: string | undefined, httpStatus: 400 | 401, reason: string): CallbackAnswer {
    this.deps.log.warn({ kind, mrn, reason, outcome: 'refused' }, 'callback refused');
    return reject(httpStatus, reason);
  }
}

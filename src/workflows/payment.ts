/**
 * A pay-in, from "create it at the platform" to a decided outcome the merchant is told about.
 * Reads like the business process; every I/O happens in activities.
 */
import { ActivityFailure, condition, setHandler } from '@temporalio/workflow';
import { fenToDecimal } from '../gateway/amount';
import { channelLabel } from '../gateway/channels';
import {
  pageFormQuery,
  paymentWorkflowDefinitions,
  type PaymentCreationReply,
  type PaymentState,
  type PaymentStatus,
  type PaymentView,
  type PaymentWorkflowInput,
} from '../contracts/payment';
import type { LegacyPaymentCallbackSignal, PlatformAnswer } from '../contracts/order';
import { enqueueEvent } from './shared/notifier';
import { OrderCore, type CallbackOrigin, type KindRecordFields, type MerchantEventFields } from './shared/order-core';
import { describeAnswer } from './shared/platform-answer';
import { createPaymentAtPlatformWithin } from './shared/platform-calls';
import type { SearchableFlags } from './shared/search';
import { clock } from './shared/time';
import { record } from './shared/timeline';

const PAYMENT_STATUS_LABELS = ['waiting for the payer', 'paid', 'failed'] as const;

/** Returns the final state: a callback arriving after the run closed restarts from it. */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentState> {
  const state = input.resume === undefined ? initialState(input) : resumedState(input.resume);
  const order = new PaymentOrder(state);
  order.start();

  if (state.status === 'creating') await order.createAtPlatform(input.request.payer);
  if (state.status === 'pending') {
    const end = await order.awaitCallbackOrPoll();
    if (end === 'continue-as-new') return order.continueAsNew(input);
  }
  if (state.status === 'expired') await order.listenForLateSuccess();
  return order.finish();
}

function initialState(input: PaymentWorkflowInput): PaymentState {
  const { request, timeouts } = input;
  // Deadlines count from the workflow's own clock, not the caller's.
  const createdAt = Date.now();
  const state: PaymentState = {
    mrn: request.mrn,
    amountFen: request.amountFen,
    channelId: request.channelId,
    returnUrl: request.returnUrl,
    notifyUrl: request.notifyUrl ?? null,
    mode: request.mode,
    requestHash: input.requestHash,
    status: 'creating',
    payUrl: null,
    pageForm: null,
    paidAmountFen: null,
    amountMismatch: false,
    late: false,
    needsAttention: false,
    attentionReasons: [],
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: new Date(createdAt + timeouts.paymentExpiryMs).toISOString(),
    finishedAt: null,
    error: null,
    poll: { intervalMs: timeouts.pollIntervalMs, attempts: 0, nextPollAt: null },
    lastPlatformAnswer: null,
    outbox: [],
    deliveries: [],
    timeline: [],
    timeouts,
  };
  record(state.timeline, new Date(), 'order received', `${fenToDecimal(request.amountFen)} CNY, ${channelLabel(request.channelId)}, ${request.mode} mode`);
  return state;
}

/** State carried over from an earlier run, completed with what runs before `attentionReasons` did not keep. */
function resumedState(state: PaymentState): PaymentState {
  return { ...state, attentionReasons: (state.attentionReasons as string[] | undefined) ?? [] };
}

/** The callback's values a pay-in applies: verified now, or as a legacy signal carried them. */
type PaymentCallback = Pick<LegacyPaymentCallbackSignal, 'amountFen' | 'originAmountFen'>;

class PaymentOrder extends OrderCore<PaymentStatus, PaymentState, PaymentCallback, PaymentView, PaymentCreationReply> {
  constructor(state: PaymentState) {
    super(state, paymentWorkflowDefinitions, paymentView);
  }

  /** Page mode: the reply carries the signed form the checkout page posts. */
  protected creationReply(firstRequest: boolean): PaymentCreationReply {
    return { view: this.view(), firstRequest, pageForm: this.state.pageForm };
  }

  protected override registerKindHandlers(): void {
    setHandler(pageFormQuery, () => this.state.pageForm);
  }

  /** Step 1: sign and create at the platform (WebAPI mode) or prepare the signed form (page mode). */
  async createAtPlatform(payer: string | undefined): Promise<void> {
    const { state } = this;
    const createPaymentAtPlatform = createPaymentAtPlatformWithin(Math.max(Date.parse(state.expiresAt) - Date.now(), 1_000));
    this.refreshDetails('creating the order at the platform');
    let result;
    try {
      const order = {
        mrn: state.mrn,
        amountFen: state.amountFen,
        channelId: state.channelId,
        returnUrl: state.returnUrl,
        mode: state.mode,
        ...(payer === undefined ? {} : { payer }),
      };
      result = await this.local(() => createPaymentAtPlatform.executeWithOptions({ summary: 'create at platform' }, [order]));
    } catch (error) {
      if (!(error instanceof ActivityFailure) || state.status !== 'creating') throw error;
      // The platform stayed unreachable until the order would have expired anyway.
      state.error = { message: `platform unreachable until expiry: ${error.cause?.message ?? error.message}` };
      this.settle('expired', 'could not create at the platform before expiry', state.error.message);
      return;
    }
    if (state.status !== 'creating') return; // a callback decided the order meanwhile
    switch (result.kind) {
      case 'created':
        state.payUrl = result.payUrl;
        state.lastPlatformAnswer = 'create: accepted';
        this.move('pending', 'created at platform', 'WebAPI mode, cashier URL received');
        break;
      case 'page':
        state.pageForm = result.form;
        this.move('pending', 'signed form prepared', 'page mode: the payer submits it to the platform');
        break;
      case 'exists_without_pay_url':
        state.lastPlatformAnswer = `create: ${result.message}`;
        this.flagAttention('created at the platform, but its cashier URL was lost');
        this.move('pending', 'created at platform, cashier URL lost', result.message);
        break;
      case 'refused':
        state.lastPlatformAnswer = `create refused: ${result.message}`;
        state.error = { message: result.message };
        this.settle('rejected', 'platform refused the order', result.message);
        break;
    }
  }

  /** Steps 2–3: wait for the callback; when none comes, ask the platform until decided or expired. */
  async awaitCallbackOrPoll(): Promise<'decided' | 'expired' | 'continue-as-new'> {
    const { state } = this;
    const expiresAt = Date.parse(state.expiresAt);
    const end = await this.awaitCallbackThenPoll(Math.min(Date.parse(state.createdAt) + state.timeouts.paymentCallbackMs, expiresAt), {
      deadline: expiresAt,
      beforeWait: () => this.refreshDetails(`polling the platform; next query at ${state.poll.nextPollAt ?? '?'}`),
    });
    if (end === 'deadline' && state.status === 'pending') {
      this.settle('expired', 'expired', `no payment by ${state.expiresAt}`);
      return 'expired';
    }
    return end === 'continue-as-new' ? 'continue-as-new' : 'decided';
  }

  /** Step 5: an expired order keeps listening, since the platform notifies for about a day. */
  async listenForLateSuccess(): Promise<void> {
    const { state } = this;
    const until = Date.parse(state.expiresAt) + state.timeouts.paymentLateWindowMs;
    const waitMs = until - Date.now();
    if (waitMs <= 0) return;
    this.refreshDetails(`expired; still accepting a late success callback until ${clock(until)}`);
    await condition(() => state.status !== 'expired', waitMs, { summary: `accept late callbacks until ${clock(until)}` });
  }

  continueAsNew(input: PaymentWorkflowInput): Promise<never> {
    const { payer: _payer, ...request } = input.request; // the payer's name is needed only to create
    const next: Parameters<typeof paymentWorkflow>[0] = { ...input, request, resume: this.state };
    return this.continueAsNewWith(next);
  }

  protected async onPlatformAnswer(answer: PlatformAnswer): Promise<void> {
    const { state } = this;
    const now = new Date();
    state.lastPlatformAnswer = describeAnswer(answer, PAYMENT_STATUS_LABELS);
    if (state.status !== 'pending') {
      // A callback decided the order while the query was on its way: the callback wins.
      record(state.timeline, now, 'platform query after decision', state.lastPlatformAnswer);
      return;
    }
    if (answer.kind !== 'status') {
      // Page mode: the platform does not know the order until the payer submits the form.
      record(state.timeline, now, 'platform query', state.lastPlatformAnswer);
      return;
    }
    if (answer.status === 0) {
      record(state.timeline, now, 'platform query', 'waiting for the payer');
      return;
    }
    if (answer.status === 2) {
      this.settle('failed', 'platform query', 'payment failed');
      return;
    }
    record(state.timeline, now, 'platform query', 'paid; waiting for the re-sent callback with the amount');
    const until = Date.now() + state.timeouts.paymentResendWaitMs;
    await condition(() => state.status !== 'pending', state.timeouts.paymentResendWaitMs, {
      summary: `wait for re-sent callback until ${clock(until)}`,
    });
    if (state.status === 'pending') {
      this.settle('succeeded', 'paid, amount unknown', 'the platform said paid but did not re-send the callback that carries the amount');
    }
  }

  /** Steps 4–6: a verified callback, at any time, applied idempotently. */
  protected applyCallback(callback: PaymentCallback, origin: CallbackOrigin): void {
    const { state } = this;
    const now = new Date();
    const paid = `${fenToDecimal(callback.amountFen)} CNY`;
    if (callback.originAmountFen !== state.amountFen) {
      const asked = `originAmount ${fenToDecimal(callback.originAmountFen)} is not the order's amount ${fenToDecimal(state.amountFen)}`;
      record(state.timeline, now, 'callback ignored', asked);
      // Histories from before re-verification replay without the attention they did not raise.
      if (origin === 'verified') this.raiseAttention(`callback not applied: ${asked}`);
      return;
    }
    switch (state.status) {
      case 'creating':
      case 'pending':
      case 'expired': {
        const late = state.status === 'expired';
        state.paidAmountFen = callback.amountFen;
        state.amountMismatch = callback.amountFen !== state.amountFen;
        state.late = late;
        const detail = state.amountMismatch ? `paid ${paid}, asked ${fenToDecimal(state.amountFen)} CNY` : `paid ${paid}`;
        this.settle('succeeded', late ? 'late callback: paid after expiry' : 'callback: paid', detail);
        return;
      }
      case 'succeeded':
        if (state.paidAmountFen === null) this.learnPaidAmount(callback.amountFen, origin);
        else record(state.timeline, now, 'duplicate callback', paid);
        return;
      case 'failed':
      case 'rejected':
        // Final is final, but money may have moved: an operator must look at it.
        record(state.timeline, now, `success callback after the order was ${state.status}`, `${paid}; not applied, needs attention`);
        this.raiseAttention(`success callback (${paid}) after the order was ${state.status}`);
        return;
    }
  }

  /**
   * The order succeeded on the platform's query, which carries no amount; the re-sent callback
   * brings it. A different amount is flagged as at settlement, and the merchant is told.
   */
  private learnPaidAmount(amountFen: number, origin: CallbackOrigin): void {
    const { state } = this;
    state.paidAmountFen = amountFen;
    state.amountMismatch = amountFen !== state.amountFen;
    record(state.timeline, new Date(), 'callback: paid amount learned', `${fenToDecimal(amountFen)} CNY`);
    if (!state.amountMismatch || origin === 'legacy') {
      this.publish();
      return;
    }
    this.raiseAttention(`paid ${fenToDecimal(amountFen)} CNY, asked ${fenToDecimal(state.amountFen)} CNY`);
    enqueueEvent(state, this.merchantEvent('payment.amount_mismatch', new Date().toISOString()));
  }

  protected merchantEventFields(): MerchantEventFields {
    const { state } = this;
    return {
      amount: fenToDecimal(state.amountFen),
      paidAmount: state.paidAmountFen === null ? null : fenToDecimal(state.paidAmountFen),
      amountMismatch: state.amountMismatch,
      late: state.late,
    };
  }

  protected override searchFlags(): SearchableFlags {
    return { ...super.searchFlags(), late: this.state.late };
  }

  protected kindRecordFields(): KindRecordFields {
    const { state } = this;
    return { paidAmountFen: state.paidAmountFen, channelId: state.channelId, account: null };
  }

  protected headline(): string {
    const { state } = this;
    return `**${state.status}** · ${fenToDecimal(state.amountFen)} CNY · ${channelLabel(state.channelId)}`;
  }

  protected override detailLines(): (string | undefined)[] {
    const { state } = this;
    return [state.paidAmountFen === null ? undefined : `Paid: ${fenToDecimal(state.paidAmountFen)} CNY${state.amountMismatch ? ' (differs from the order)' : ''}`];
  }
}

function paymentView(state: PaymentState): PaymentView {
  return {
    mrn: state.mrn,
    status: state.status,
    amount: fenToDecimal(state.amountFen),
    paidAmount: state.paidAmountFen === null ? null : fenToDecimal(state.paidAmountFen),
    paidAmountKnown: state.status !== 'succeeded' || state.paidAmountFen !== null,
    amountMismatch: state.amountMismatch,
    channelId: state.channelId,
    channelName: channelLabel(state.channelId),
    mode: state.mode,
    payUrl: state.payUrl,
    late: state.late,
    needsAttention: state.needsAttention,
    attentionReasons: state.attentionReasons,
    createdAt: state.createdAt,
    expiresAt: state.expiresAt,
    finishedAt: state.finishedAt,
    error: state.error,
    notification: { url: state.notifyUrl, deliveries: state.deliveries },
    timeline: state.timeline,
  };
}

/**
 * A payout: never paid twice (one mrn, retried as-is), never called failed unless the platform
 * said so. The only ways to `failed`/`rejected` are in `onPlatformAnswer` (query status 2),
 * `attemptCreate` (a refusal that means nothing was created), `confirmRefusal` (a refusal after an
 * unanswered attempt, confirmed by "not found" twice) and an operator's resolution that the
 * platform confirms.
 */
import { ActivityFailure, ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import { fenToWholeYuan } from '../gateway/amount';
import {
  CONTRADICTED_BY_PLATFORM,
  NOT_PENDING,
  UNCONFIRMED_BY_PLATFORM,
  payoutWorkflowDefinitions,
  REASON_REQUIRED,
  recheckPayout,
  resolvePayout,
  type AttentionCause,
  type PayoutCreationReply,
  type PayoutRequest,
  type PayoutState,
  type PayoutStatus,
  type PayoutView,
  type PayoutWorkflowInput,
  type ResolveRequest,
} from '../contracts/payout';
import { formatDuration } from '../contracts/duration';
import { operatorReasonProblem, RESOLVE_OUTCOMES } from '../contracts/operator';
import { maskAccountNumber, maskName } from '../contracts/masking';
import type { LegacyPayoutCallbackSignal, PlatformAnswer } from '../contracts/order';
import {
  claimedToExist,
  CREATE_RETRY_MAX_MS,
  newCreateProgress,
  notFoundConfirmableAt,
  notFoundConfirmed,
  notFoundConfirmMs,
  readCreateAnswer,
  type CreateAttempt,
} from './payout-create';
import { historyIsLong } from './shared/history';
import { OrderCore, type KindRecordFields, type MerchantEventFields } from './shared/order-core';
import { describeAnswer, failureReason } from './shared/platform-answer';
import { createPayoutAtPlatform } from './shared/platform-calls';
import { clock, timestamp } from './shared/time';
import { record } from './shared/timeline';

const PAYOUT_STATUS_LABELS = ['pending', 'paid out', 'failed'] as const;
const UNDECIDED_REASON = 'no decision after';
/** One query answer about another order may be a glitch; this many say the platform (or a proxy) mixes answers up. */
const OTHER_ORDER_ANSWERS_BEFORE_ATTENTION = 3;

/** Returns the final state: a callback arriving after the run closed restarts from it. */
export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutState> {
  const state = input.resume === undefined ? initialState(input) : resumed(input.resume);
  const order = new PayoutOrder(state);
  order.start();

  if (state.status === 'creating') {
    const end = await order.createAtPlatform(input.request);
    if (end === 'continue-as-new') return order.continueAsNew(input);
  }
  if (state.status === 'pending' && !state.foreignDuplicate) {
    const end = await order.awaitCallbackOrPoll();
    if (end === 'continue-as-new') return order.continueAsNew(input);
  }
  // A foreign duplicate waits for an operator: it is not ours to call paid or failed.
  await condition(() => state.status !== 'pending');
  return order.finish();
}

function initialState(input: PayoutWorkflowInput): PayoutState {
  const { request, timeouts } = input;
  const state: PayoutState = {
    mrn: request.mrn,
    amountFen: request.amountFen,
    bankName: request.bankName,
    accountNameMasked: maskName(request.accountName),
    accountNumberMasked: maskAccountNumber(request.accountNumber),
    notifyUrl: request.notifyUrl ?? null,
    requestHash: input.requestHash,
    status: 'creating',
    needsAttention: false,
    attentionReasons: [],
    attentionCauses: [],
    amountMismatch: false,
    foreignDuplicate: false,
    // Deadlines count from the workflow's own clock, not the caller's.
    createdAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
    resolution: null,
    poll: { intervalMs: timeouts.pollIntervalMs, attempts: 0, nextPollAt: null },
    create: newCreateProgress(),
    lastPlatformAnswer: null,
    answersAboutOtherOrders: 0,
    outbox: [],
    deliveries: [],
    timeline: [],
    timeouts,
  };
  record(state.timeline, new Date(), 'order received', `${fenToWholeYuan(request.amountFen)} CNY → ${request.bankName} ${state.accountNumberMasked}`);
  return state;
}

type StateBefore = Omit<PayoutState, 'create' | 'attentionCauses' | 'answersAboutOtherOrders'> & Partial<PayoutState>;

/** A state carried over by continue-as-new, completed with what runs of earlier versions did not keep. */
function resumed(carried: StateBefore): PayoutState {
  return {
    ...carried,
    // Those runs continued only once created: the create ended before now, which is all the rules need.
    create: carried.create ?? { ...newCreateProgress(), attempts: 1, lastAttemptAt: new Date().toISOString() },
    // Those runs told "undecided" by its text alone.
    attentionCauses: carried.attentionCauses ?? (carried.attentionReasons.some((reason) => reason.startsWith(UNDECIDED_REASON)) ? ['undecided'] : []),
    answersAboutOtherOrders: carried.answersAboutOtherOrders ?? 0,
  };
}

/** The callback's values a payout applies: verified now, or as a legacy signal carried them. */
type PayoutCallback = Pick<LegacyPayoutCallbackSignal, 'amountFen'>;

class PayoutOrder extends OrderCore<PayoutStatus, PayoutState, PayoutCallback, PayoutView, PayoutCreationReply> {
  constructor(state: PayoutState) {
    super(state, payoutWorkflowDefinitions, payoutView);
  }

  protected creationReply(firstRequest: boolean): PayoutCreationReply {
    return { view: this.view(), firstRequest };
  }

  /** Operators: re-check now, and resolve what the platform's support confirmed. */
  protected override registerKindHandlers(): void {
    const { state } = this;
    setHandler(
      recheckPayout,
      async ({ reason }) => {
        record(state.timeline, new Date(), 'operator: re-check now', reason);
        this.onPlatformAnswer(await this.queryPlatform('operator re-check', { resendCallback: true }));
        return payoutView(state);
      },
      { validator: ({ reason }) => requireReason(reason) },
    );
    setHandler(resolvePayout, (request) => this.resolveByOperator(request), {
      validator: ({ reason, outcome }: ResolveRequest) => {
        requireReason(reason);
        if (!(RESOLVE_OUTCOMES as readonly string[]).includes(outcome)) throw ApplicationFailure.nonRetryable(`outcome must be ${RESOLVE_OUTCOMES.join(' or ')}`, REASON_REQUIRED);
        refuseUnlessResolvable(state, outcome);
      },
    });
  }

  /**
   * Step 1: create at the platform with our mrn as the idempotency key, one request at a time,
   * until an answer decides: created (pending), rejected, or an mrn used outside this system.
   * After a request whose outcome is unknown, a refusal is believed only once the query confirms it.
   */
  async createAtPlatform(request: PayoutRequest): Promise<'decided' | 'continue-as-new'> {
    const { state } = this;
    const { create } = state;
    const creating = (): boolean => state.status === 'creating';
    while (creating()) {
      // The bank account travels in the next run's input: the create still needs it.
      if (historyIsLong(state.timeouts.continueAsNewAfterEvents)) return 'continue-as-new';
      await this.waitForNextCreateStep();
      if (!creating()) break;
      const next = create.refusalToConfirm === null ? await this.attemptCreate(request) : await this.confirmRefusal(create.refusalToConfirm);
      create.nextStepAt = next === null ? null : new Date(next).toISOString();
    }
    create.nextStepAt = null;
    return 'decided';
  }

  /** One create request. Returns when to take the next step (epoch ms), or null once decided. */
  private async attemptCreate(request: PayoutRequest): Promise<number | null> {
    const { state } = this;
    const { create } = state;
    create.attempts += 1;
    create.inFlight = true;
    // A "not found" heard before this request says nothing about what it may create.
    create.notFoundAt = null;
    this.refreshDetails(`creating the payout at the platform (attempt ${create.attempts})`);
    let attempt: CreateAttempt;
    try {
      attempt = await createPayoutAtPlatform.executeWithOptions({ summary: `create payout at platform (attempt ${create.attempts})` }, [
        {
          mrn: request.mrn,
          amountFen: request.amountFen,
          bankName: request.bankName,
          accountName: request.accountName,
          accountNumber: request.accountNumber,
        },
      ]);
    } catch (error) {
      // Timed out, no answer, a worker that died mid-call: the request may have been sent and stored.
      if (!(error instanceof ActivityFailure)) throw error;
      attempt = { kind: 'no_answer', reason: failureReason(error) };
    } finally {
      create.inFlight = false;
      create.lastAttemptAt = new Date().toISOString();
    }
    if (state.status !== 'creating') return null; // a callback or an operator decided meanwhile
    const verdict = readCreateAnswer(create.outcomeUnknown, attempt);
    switch (verdict.kind) {
      case 'created':
        state.lastPlatformAnswer = 'create: success';
        this.move('pending', 'created at platform', create.outcomeUnknown ? 'accepted after an earlier attempt left no answer' : 'waiting for the callback');
        return null;
      case 'rejected':
        // invalid_data, sign_error, insufficient_balance, object_not_found on our only request: nothing was created.
        state.lastPlatformAnswer = `create: ${verdict.code}`;
        state.error = { code: verdict.code, message: verdict.message };
        this.settle('rejected', 'platform refused the payout', `${verdict.code}: ${verdict.message}`);
        return null;
      case 'foreign_duplicate':
        state.lastPlatformAnswer = 'create: mrn_duplication';
        state.foreignDuplicate = true;
        state.error = { code: 'mrn_duplication', message: verdict.message };
        this.move('pending', 'mrn already used at the platform', 'on our first attempt: not ours to call paid or failed');
        this.raiseAttention('mrn_duplication on the first attempt: the mrn was used outside this system');
        return null;
      case 'unknown':
        create.outcomeUnknown = true;
        state.lastPlatformAnswer = `create: no answer (${verdict.reason})`;
        record(state.timeline, new Date(), 'create: no answer', `${verdict.reason}; asking again with the same mrn`);
        return this.nextCreateStep();
      case 'confirm':
        create.refusalToConfirm = { code: verdict.code, message: verdict.message };
        state.lastPlatformAnswer = `create: ${verdict.code}`;
        record(
          state.timeline,
          new Date(),
          'create refused after an attempt without answer',
          `${verdict.code}: ${verdict.message}; that proves nothing, asking the platform whether the payout exists`,
        );
        return Date.now();
    }
  }

  /** After an unknown outcome: does the refused payout exist? A status says yes; "not found" counts only when confirmed. */
  private async confirmRefusal(refusal: { code: string; message: string }): Promise<number | null> {
    const { state } = this;
    const { create } = state;
    const confirmMs = notFoundConfirmMs(state.timeouts);
    const answer = await this.queryPlatform('ask whether the refused payout exists', { resendCallback: false });
    const confirmedNotFound = answer.kind === 'not_found' && notFoundConfirmed(create, Date.now(), confirmMs);
    // A status: the payout exists, it goes pending and the status applies.
    this.onPlatformAnswer(answer);
    if (state.status !== 'creating') return null;
    if (answer.kind !== 'not_found') return this.nextCreateStep();
    if (!confirmedNotFound) {
      const askAt = Math.max(this.nextCreateStep(), notFoundConfirmableAt(create, confirmMs) ?? 0);
      record(state.timeline, new Date(), 'not found once', `believed only when answered again, after ${clock(askAt)} (a slow create request may still land)`);
      return askAt;
    }
    if (claimedToExist(create)) {
      this.raiseAttentionOnce('the create answered mrn_duplication, yet the payout query does not find it: never rejected, an operator should ask the platform', 'duplicate-not-found');
      return this.nextCreateStep();
    }
    state.error = { ...refusal };
    this.settle('rejected', 'platform refused the payout; its query confirms nothing was created', `${refusal.code}: ${refusal.message} (not found twice)`);
    return null;
  }

  /** The next create attempt or confirming query: 2 s doubling to 5 min; the slow rate once an operator should look. */
  private nextCreateStep(): number {
    const { create } = this.state;
    const waitMs = this.state.needsAttention ? CREATE_RETRY_MAX_MS : create.retryIntervalMs;
    create.retryIntervalMs = Math.min(create.retryIntervalMs * 2, CREATE_RETRY_MAX_MS);
    return Date.now() + waitMs;
  }

  /** Waits for the next create step (a durable timer), woken early by a callback or an operator's decision. */
  private async waitForNextCreateStep(): Promise<void> {
    const { state } = this;
    this.raiseAttentionWhenUndecidedTooLong();
    const at = state.create.nextStepAt === null ? Date.now() : Date.parse(state.create.nextStepAt);
    const waitMs = at - Date.now();
    if (waitMs <= 0) return;
    const step = state.create.refusalToConfirm === null ? `next create attempt at ${clock(at)} (attempt ${state.create.attempts + 1})` : `next payout query at ${clock(at)}`;
    this.refreshDetails(`still creating; ${step}`);
    await condition(() => state.status !== 'creating', waitMs, { summary: step });
  }

  /** Steps 2–3: wait for the callback, then poll — forever, slowly, with attention after a threshold. */
  async awaitCallbackOrPoll(): Promise<'decided' | 'continue-as-new'> {
    const { state } = this;
    const end = await this.awaitCallbackThenPoll(Date.parse(state.createdAt) + state.timeouts.payoutCallbackMs, {
      beforeWait: () => {
        this.raiseAttentionWhenUndecidedTooLong();
        // Once an operator should look, keep asking at the slow rate only.
        if (state.needsAttention) state.poll.intervalMs = state.timeouts.pollIntervalMaxMs;
        this.refreshDetails(`polling the platform; next query at ${state.poll.nextPollAt ?? 'soon'}`);
      },
    });
    return end === 'continue-as-new' ? 'continue-as-new' : 'decided';
  }

  continueAsNew(input: PayoutWorkflowInput): Promise<never> {
    // The bank account is needed only to create: once created, the next run carries the masked copy in state alone.
    const request = this.state.status === 'creating' ? input.request : { ...input.request, accountName: '', accountNumber: '' };
    const next: Parameters<typeof payoutWorkflow>[0] = { ...input, request, resume: this.state };
    return this.continueAsNewWith(next);
  }

  /** The platform's query answer. Status 2 is one of the only ways to `failed`. */
  protected onPlatformAnswer(answer: PlatformAnswer): void {
    const { state } = this;
    const now = new Date();
    const said = describeAnswer(answer, PAYOUT_STATUS_LABELS);
    state.lastPlatformAnswer = said;
    this.noteAnswer(answer, now);
    if (state.status === 'creating') {
      // A status is ours only once an attempt of ours may have created the payout: before, the mrn could name someone else's order.
      if (answer.kind !== 'status' || !state.create.outcomeUnknown) {
        record(state.timeline, now, 'platform query', said);
        return;
      }
      const heard = state.create.refusalToConfirm === null ? '' : `${state.create.refusalToConfirm.code}, `;
      this.move('pending', 'created at platform', `an earlier attempt's answer was lost; ${heard}confirmed ours by query`);
    }
    if (state.status !== 'pending') {
      record(state.timeline, now, 'platform query after decision', said);
      return;
    }
    if (state.foreignDuplicate) {
      // The mrn names an order made outside this system: its status is not ours to apply.
      record(state.timeline, now, 'platform query (mrn used outside this system, not applied)', said);
      return;
    }
    if (answer.kind === 'status' && answer.status === 1) {
      this.settle('succeeded', 'platform query: paid out', said);
    } else if (answer.kind === 'status' && answer.status === 2) {
      this.settle('failed', 'platform query: payout failed', said);
    } else {
      // Pending, not found, an unknown answer, a timeout: none of them decides a payout.
      record(state.timeline, now, 'platform query', said);
    }
  }

  /** A verified callback (the platform sends one only on success), applied idempotently. */
  protected applyCallback(callback: PayoutCallback): void {
    const { state } = this;
    const now = new Date();
    const amount = `${fenToWholeYuan(callback.amountFen)} CNY`;
    if (callback.amountFen !== state.amountFen) {
      // Never silently accepted: flag it; the query (which has no amount) may still settle the status.
      state.amountMismatch = true;
      record(state.timeline, now, 'callback with a different amount', `${amount} instead of ${fenToWholeYuan(state.amountFen)} CNY; not applied`);
      this.raiseAttention(`callback amount ${amount} differs from the payout`);
      return;
    }
    switch (state.status) {
      case 'creating':
      case 'pending':
        this.settle('succeeded', 'callback: paid out', amount);
        return;
      case 'succeeded':
        record(state.timeline, now, 'duplicate callback', amount);
        return;
      case 'failed':
      case 'rejected':
        record(state.timeline, now, `success callback after the payout was ${state.status}`, `${amount}; not applied`);
        this.raiseAttention(`success callback after the payout was ${state.status}`);
        return;
    }
  }

  private async resolveByOperator({ outcome, reason }: ResolveRequest): Promise<PayoutView> {
    const { state } = this;
    record(state.timeline, new Date(), `operator: resolve as ${outcome}`, reason);
    const answer = await this.queryPlatform('query platform before manual resolution', { resendCallback: false });
    await this.callbacks.drained(); // a callback that arrived before the answer decides first
    const confirmedNotFound = answer.kind === 'not_found' && notFoundConfirmed(state.create, Date.now(), notFoundConfirmMs(state.timeouts));
    const said = describeAnswer(answer, PAYOUT_STATUS_LABELS);
    state.lastPlatformAnswer = said;
    this.noteAnswer(answer, new Date());
    // A foreign duplicate's mrn names someone else's order at the platform: its answer says nothing about ours.
    if (!state.foreignDuplicate) {
      if (answer.kind === 'status' && answer.status !== 0) {
        const platformSays: PayoutStatus = answer.status === 1 ? 'succeeded' : 'failed';
        if (platformSays !== outcome) {
          record(state.timeline, new Date(), 'manual resolution refused', `the platform says ${platformSays}`);
          throw ApplicationFailure.create({
            type: CONTRADICTED_BY_PLATFORM,
            nonRetryable: true,
            message: `the platform answers status ${answer.status} (${platformSays}), which contradicts "${outcome}"`,
          });
        }
      }
      if (outcome === 'failed') this.refuseFailedWhilePayable(answer, said, confirmedNotFound);
    }
    refuseUnlessResolvable(state, outcome);
    state.resolution = { outcome, reason, at: new Date().toISOString() };
    if (state.status === 'creating') this.move('pending', 'operator takes over', reason);
    this.settle(outcome, `resolved manually as ${outcome}`, `${reason} (platform: ${state.lastPlatformAnswer})`);
    return payoutView(state);
  }

  /**
   * "failed" only when the platform can no longer pay: its status 2, or "not found" confirmed (see
   * payout-create.ts) for an mrn the platform never said exists. Otherwise 409 with its answer.
   */
  private refuseFailedWhilePayable(answer: PlatformAnswer, said: string, confirmedNotFound: boolean): void {
    const { state } = this;
    if (answer.kind === 'status' && answer.status === 2) return;
    if (confirmedNotFound && !claimedToExist(state.create)) return;
    let why = 'it may still pay';
    if (answer.kind === 'not_found' && claimedToExist(state.create)) why = 'yet a create was answered mrn_duplication: it may still pay';
    else if (answer.kind === 'not_found') {
      const confirmableAt = notFoundConfirmableAt(state.create, notFoundConfirmMs(state.timeouts));
      const when = confirmableAt === null ? 'once a create attempt has ended' : `at or after ${timestamp(Math.max(confirmableAt, Date.now() + 1))}`;
      why = `"not found" counts when answered again ${when} (a slow create request may still land)`;
    }
    record(state.timeline, new Date(), 'manual resolution refused', `the platform answers ${said}; ${why}`);
    throw ApplicationFailure.create({
      type: UNCONFIRMED_BY_PLATFORM,
      nonRetryable: true,
      message: `the platform answers ${said}; ${why}, so payout ${state.mrn} cannot be resolved as failed`,
    });
  }

  /** Bookkeeping every query answer shares: the first "not found" on record, and answers about other orders. */
  private noteAnswer(answer: PlatformAnswer, now: Date): void {
    const { state } = this;
    const { create } = state;
    if (answer.kind === 'status') create.notFoundAt = null;
    if (answer.kind === 'not_found' && create.notFoundAt === null) create.notFoundAt = now.toISOString();
    if (answer.kind === 'unavailable' && answer.wrongOrder === true) {
      state.answersAboutOtherOrders += 1;
      if (state.answersAboutOtherOrders >= OTHER_ORDER_ANSWERS_BEFORE_ATTENTION) {
        this.raiseAttentionOnce(`the platform's query answered about another order ${OTHER_ORDER_ANSWERS_BEFORE_ATTENTION} times`, 'answers-about-other-orders');
      }
    }
  }

  /** Raised once, even when another reason (e.g. an amount mismatch) raised the flag before. */
  private raiseAttentionWhenUndecidedTooLong(): void {
    const { state } = this;
    const undecidedFor = Date.now() - Date.parse(state.createdAt);
    if (undecidedFor < state.timeouts.payoutAttentionAfterMs) return;
    const stage = state.status === 'creating' ? ' (the platform has not confirmed the create)' : '';
    this.raiseAttentionOnce(`${UNDECIDED_REASON} ${formatDuration(undecidedFor)}${stage}`, 'undecided');
  }

  /** For the reasons raised once per payout, whatever their text. */
  private raiseAttentionOnce(reason: string, cause: AttentionCause): void {
    const { state } = this;
    if (state.attentionCauses.includes(cause)) return;
    state.attentionCauses.push(cause);
    this.raiseAttention(reason);
  }

  protected merchantEventFields(): MerchantEventFields {
    const { state } = this;
    return {
      amount: fenToWholeYuan(state.amountFen),
      amountMismatch: state.amountMismatch,
      needsAttention: state.needsAttention,
      errorCode: state.error?.code ?? null,
    };
  }

  protected headline(): string {
    const { state } = this;
    return `**${state.status}** · ${fenToWholeYuan(state.amountFen)} CNY → ${state.bankName} ${state.accountNumberMasked}`;
  }

  /** The payee as the view shows it: masked. The book never holds the account in clear. */
  protected kindRecordFields(): KindRecordFields {
    const { bankName, accountName, accountNumber } = this.view();
    return { paidAmountFen: null, channelId: null, account: { bankName, accountName, accountNumber } };
  }

  protected override detailLines(): (string | undefined)[] {
    const { state } = this;
    const { create } = state;
    return [state.status === 'creating' && create.attempts > 0 ? `Create attempts: ${create.attempts}${create.outcomeUnknown ? ' (an earlier one left no answer)' : ''}` : undefined];
  }
}

function payoutView(state: PayoutState): PayoutView {
  return {
    mrn: state.mrn,
    status: state.status,
    amount: fenToWholeYuan(state.amountFen),
    bankName: state.bankName,
    accountName: state.accountNameMasked,
    accountNumber: state.accountNumberMasked,
    needsAttention: state.needsAttention,
    attentionReasons: state.attentionReasons,
    amountMismatch: state.amountMismatch,
    createdAt: state.createdAt,
    finishedAt: state.finishedAt,
    error: state.error,
    resolution: state.resolution,
    lastPlatformAnswer: state.lastPlatformAnswer,
    nextPollAt: state.poll.nextPollAt,
    notification: { url: state.notifyUrl, deliveries: state.deliveries },
    timeline: state.timeline,
  };
}

/**
 * An operator may settle a pending payout or one still being created, but never as failed while a
 * create request is out or about to go: it may yet land and be paid. (The handler asks the platform
 * for the rest.)
 */
function refuseUnlessResolvable(state: PayoutState, outcome: ResolveRequest['outcome']): void {
  if (state.status === 'creating' && outcome === 'failed' && (state.create.inFlight || state.create.attempts === 0)) {
    throw ApplicationFailure.create({
      type: NOT_PENDING,
      nonRetryable: true,
      message: `payout ${state.mrn} is still being created at the platform: a create attempt is out and may yet succeed, so it cannot be resolved as failed`,
    });
  }
  if (state.status !== 'pending' && state.status !== 'creating') {
    throw ApplicationFailure.create({ type: NOT_PENDING, nonRetryable: true, message: `payout ${state.mrn} is already ${state.status}` });
  }
}

function requireReason(reason: unknown): void {
  const problem = operatorReasonProblem(reason);
  if (problem !== undefined) throw ApplicationFailure.create({ type: REASON_REQUIRED, nonRetryable: true, message: problem });
}

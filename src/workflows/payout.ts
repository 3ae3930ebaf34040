/**
 * A payout: never paid twice (one mrn, retried as-is), never called failed unless the platform
 * said so. The only ways to `failed`/`rejected` are in `onPlatformAnswer` (query status 2),
 * `createAtPlatform` (a refusal that means nothing was created) and an operator's resolution
 * that the platform does not contradict.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/types';
import { fenToWholeYuan } from '../gateway/amount';
import {
  awaitPayoutCreation,
  CONTRADICTED_BY_PLATFORM,
  NOT_PENDING,
  payoutCallback,
  payoutRequestHash,
  payoutStatus,
  REASON_REQUIRED,
  recheckPayout,
  resolvePayout,
  type PayoutState,
  type PayoutView,
  type PayoutWorkflowInput,
  type ResolveRequest,
} from './payout-definitions';
import { formatDuration } from '../config/duration';
import { historyIsLong } from './shared/history';
import { maskAccountNumber, maskName } from './shared/masking';
import { enqueueEvent, startMerchantNotifier, newEventId, outboxEmpty } from './shared/notifier';
import type { PayoutCallbackSignal, PlatformAnswer } from './shared/order-types';
import { describeAnswer, noAnswer, queryPayoutAtPlatform } from './shared/platform-answer';
import { answerCreationRequests, awaitCallback } from './shared/order-steps';
import { pollUntilDecided } from './shared/poller';
import { publishSearchAttributes } from './shared/search';
import { canMovePayout, type PayoutStatus } from './shared/status';
import { record } from './shared/timeline';

const PAYOUT_STATUS_LABELS = ['pending', 'paid out', 'failed'] as const;
const UNDECIDED_REASON = 'no decision after';

const { createPayoutAtPlatform } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '2m',
  // Unlimited: a lost answer is retried with the same mrn until the platform answers.
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Returns the final state: a callback arriving after the run closed restarts from it. */
export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutState> {
  const state = input.resume ?? initialState(input);
  const order = new PayoutOrder(state);
  order.registerHandlers();
  startMerchantNotifier(state, state.timeouts.notifyRetryForMs);

  if (state.status === 'creating') await order.createAtPlatform(input);
  if (state.status === 'pending' && !state.foreignDuplicate) {
    const end = await order.awaitCallbackOrPoll();
    if (end === 'continue-as-new') return order.continueAsNew(input);
  }
  // A foreign duplicate waits for an operator: it is not ours to call paid or failed.
  await condition(() => state.status !== 'pending');
  await condition(() => outboxEmpty(state) && allHandlersFinished());
  order.refreshDetails('finished');
  return state;
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
    amountMismatch: false,
    foreignDuplicate: false,
    // Deadlines count from the workflow's own clock, not the caller's.
    createdAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
    resolution: null,
    poll: { intervalMs: timeouts.pollIntervalMs, attempts: 0, nextPollAt: null },
    lastPlatformAnswer: null,
    outbox: [],
    deliveries: [],
    timeline: [],
    timeouts,
  };
  record(state.timeline, new Date(), 'order received', `${fenToWholeYuan(request.amountFen)} CNY → ${request.bankName} ${state.accountNumberMasked}`);
  return state;
}

class PayoutOrder {
  constructor(private readonly state: PayoutState) {}

  registerHandlers(): void {
    const { state } = this;
    setHandler(payoutStatus, () => payoutView(state));
    setHandler(payoutRequestHash, () => state.requestHash);
    setHandler(payoutCallback, (callback) => this.onCallback(callback));
    answerCreationRequests(awaitPayoutCreation, state, 'payout', (firstRequest) => ({ view: payoutView(state), firstRequest }));
    setHandler(
      recheckPayout,
      async ({ reason }) => {
        record(state.timeline, new Date(), 'operator: re-check now', reason);
        await this.onPlatformAnswer(await this.query(true, 'operator re-check'));
        return payoutView(state);
      },
      { validator: ({ reason }) => requireReason(reason) },
    );
    setHandler(resolvePayout, (request) => this.resolveByOperator(request), {
      validator: ({ reason, outcome }: ResolveRequest) => {
        requireReason(reason);
        if (outcome !== 'succeeded' && outcome !== 'failed') throw ApplicationFailure.nonRetryable('outcome must be succeeded or failed', REASON_REQUIRED);
        refuseUnlessResolvable(state, outcome);
      },
    });
  }

  /** Step 1: create at the platform, with our mrn as the idempotency key. */
  async createAtPlatform(input: PayoutWorkflowInput): Promise<void> {
    const { state } = this;
    const { request } = input;
    this.refreshDetails('creating the payout at the platform');
    const result = await createPayoutAtPlatform.executeWithOptions({ summary: 'create payout at platform' }, [
      {
        mrn: request.mrn,
        amountFen: request.amountFen,
        bankName: request.bankName,
        accountName: request.accountName,
        accountNumber: request.accountNumber,
      },
    ]);
    if (state.status !== 'creating') return; // a callback or an operator decided meanwhile
    switch (result.kind) {
      case 'accepted':
        state.lastPlatformAnswer = 'create: success';
        this.move('pending', 'created at platform', 'waiting for the callback');
        return;
      case 'refused':
        // invalid_data, sign_error, insufficient_balance, object_not_found: nothing was created.
        state.lastPlatformAnswer = `create: ${result.code}`;
        state.error = { code: result.code, message: result.message };
        this.settle('rejected', 'platform refused the payout', `${result.code}: ${result.message}`);
        return;
      case 'duplicate_confirmed':
        state.lastPlatformAnswer = `create: mrn_duplication; query: status ${result.status}`;
        this.move('pending', 'created at platform', 'an earlier attempt lost its answer; mrn_duplication, confirmed ours by query');
        await this.onPlatformAnswer({ kind: 'status', status: result.status });
        return;
      case 'duplicate_foreign':
        state.lastPlatformAnswer = 'create: mrn_duplication';
        state.foreignDuplicate = true;
        state.error = { code: 'mrn_duplication', message: result.message };
        this.move('pending', 'mrn already used at the platform', 'on our first attempt: not ours to call paid or failed');
        this.raiseAttention('mrn_duplication on the first attempt: the mrn was used outside this system');
        return;
    }
  }

  /** Steps 2–3: wait for the callback, then poll — forever, slowly, with attention after a threshold. */
  async awaitCallbackOrPoll(): Promise<'decided' | 'continue-as-new'> {
    const { state } = this;
    const decided = (): boolean => state.status !== 'pending';
    if (state.poll.attempts === 0) {
      const until = Date.parse(state.createdAt) + state.timeouts.payoutCallbackMs;
      if (await awaitCallback(state, until, decided, (text) => this.refreshDetails(text))) return 'decided';
    }
    const end = await pollUntilDecided({
      poll: state.poll,
      maxIntervalMs: state.timeouts.pollIntervalMaxMs,
      decided,
      shouldContinueAsNew: () => historyIsLong(state.timeouts.continueAsNewAfterEvents),
      query: (attempt) => this.query(true, `query platform (attempt ${attempt})`),
      apply: (answer) => this.onPlatformAnswer(answer),
      beforeWait: () => {
        const undecidedFor = Date.now() - Date.parse(state.createdAt);
        // Raised once, even when another reason (e.g. an amount mismatch) raised the flag before.
        const alreadySaid = state.attentionReasons.some((reason) => reason.startsWith(UNDECIDED_REASON));
        if (!alreadySaid && undecidedFor >= state.timeouts.payoutAttentionAfterMs) {
          this.raiseAttention(`${UNDECIDED_REASON} ${formatDuration(undecidedFor)}`);
        }
        // Once an operator should look, keep asking at the slow rate only.
        if (state.needsAttention) state.poll.intervalMs = state.timeouts.pollIntervalMaxMs;
        this.refreshDetails(`polling the platform; next query at ${state.poll.nextPollAt ?? 'soon'}`);
      },
    });
    return end === 'continue-as-new' ? 'continue-as-new' : 'decided';
  }

  continueAsNew(input: PayoutWorkflowInput): Promise<never> {
    // The bank account was needed only to create; the next run carries the masked copy in state.
    const request = { ...input.request, accountName: '', accountNumber: '' };
    return condition(allHandlersFinished).then(() => continueAsNew<typeof payoutWorkflow>({ ...input, request, resume: this.state }));
  }

  private query(callback: boolean, summary: string): Promise<PlatformAnswer> {
    return queryPayoutAtPlatform
      .executeWithOptions({ summary }, [{ mrn: this.state.mrn, callback }])
      .catch(noAnswer);
  }

  /** The platform's query answer. Status 2 is one of the only two ways to `failed`. */
  private onPlatformAnswer(answer: PlatformAnswer): Promise<void> {
    const { state } = this;
    const now = new Date();
    const said = describeAnswer(answer, PAYOUT_STATUS_LABELS);
    state.lastPlatformAnswer = said;
    if (state.status !== 'pending') {
      record(state.timeline, now, 'platform query after decision', said);
      return Promise.resolve();
    }
    if (state.foreignDuplicate) {
      // The mrn names an order made outside this system: its status is not ours to apply.
      record(state.timeline, now, 'platform query (mrn used outside this system, not applied)', said);
      return Promise.resolve();
    }
    if (answer.kind === 'status' && answer.status === 1) {
      this.settle('succeeded', 'platform query: paid out', said);
    } else if (answer.kind === 'status' && answer.status === 2) {
      this.settle('failed', 'platform query: payout failed', said);
    } else {
      // Pending, not found, an unknown answer, a timeout: none of them decides a payout.
      record(state.timeline, now, 'platform query', said);
    }
    return Promise.resolve();
  }

  private onCallback(callback: PayoutCallbackSignal): void {
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
    const answer = await this.query(false, 'query platform before manual resolution');
    state.lastPlatformAnswer = describeAnswer(answer, PAYOUT_STATUS_LABELS);
    // A foreign duplicate's mrn names someone else's order at the platform: its status says nothing about ours.
    if (answer.kind === 'status' && answer.status !== 0 && !state.foreignDuplicate) {
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
    refuseUnlessResolvable(state, outcome);
    state.resolution = { outcome, reason, at: new Date().toISOString() };
    if (state.status === 'creating') this.move('pending', 'operator takes over', reason);
    this.settle(outcome, `resolved manually as ${outcome}`, `${reason} (platform: ${state.lastPlatformAnswer})`);
    return payoutView(state);
  }

  private raiseAttention(reason: string): void {
    const { state } = this;
    state.needsAttention = true;
    if (!state.attentionReasons.includes(reason)) state.attentionReasons.push(reason);
    record(state.timeline, new Date(), 'needs attention', reason);
    this.publish();
  }

  private move(to: PayoutStatus, event: string, detail?: string): void {
    const { state } = this;
    if (!canMovePayout(state.status, to)) throw new Error(`illegal payout transition ${state.status} → ${to}`);
    state.status = to;
    record(state.timeline, new Date(), event, detail);
    this.publish();
  }

  private settle(to: 'succeeded' | 'failed' | 'rejected', event: string, detail?: string): void {
    const { state } = this;
    this.move(to, event, detail);
    state.finishedAt = new Date().toISOString();
    state.poll.nextPollAt = null;
    enqueueEvent(state, {
      id: newEventId(),
      type: `payout.${to}`,
      mrn: state.mrn,
      status: to,
      amount: fenToWholeYuan(state.amountFen),
      amountMismatch: state.amountMismatch,
      needsAttention: state.needsAttention,
      errorCode: state.error?.code ?? null,
      occurredAt: state.finishedAt,
    });
    this.refreshDetails();
  }

  private publish(): void {
    const { state } = this;
    publishSearchAttributes({ status: state.status, needsAttention: state.needsAttention, amountMismatch: state.amountMismatch });
    this.refreshDetails();
  }

  refreshDetails(now?: string): void {
    const { state } = this;
    const lines = [
      `**${state.status}** · ${fenToWholeYuan(state.amountFen)} CNY → ${state.bankName} ${state.accountNumberMasked}`,
      now === undefined ? undefined : `Now: ${now}`,
      state.lastPlatformAnswer === null ? undefined : `Last platform answer: ${state.lastPlatformAnswer}`,
      state.poll.nextPollAt === null ? undefined : `Next query: ${state.poll.nextPollAt}`,
      state.needsAttention ? `⚠ needs attention: ${state.attentionReasons.join('; ')}` : undefined,
    ];
    setCurrentDetails(lines.filter((line) => line !== undefined).join('\n\n'));
  }
}

export function payoutView(state: PayoutState): PayoutView {
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
 * An operator may settle a pending payout, and one still being created as succeeded only: while
 * the create is unanswered our own retry may still create it, so "failed" could become a lie.
 */
function refuseUnlessResolvable(state: PayoutState, outcome: ResolveRequest['outcome']): void {
  if (state.status === 'creating' && outcome === 'failed') {
    throw ApplicationFailure.create({
      type: NOT_PENDING,
      nonRetryable: true,
      message: `payout ${state.mrn} is still being created at the platform: a create attempt may yet succeed, so it cannot be resolved as failed`,
    });
  }
  if (state.status !== 'pending' && state.status !== 'creating') {
    throw ApplicationFailure.create({ type: NOT_PENDING, nonRetryable: true, message: `payout ${state.mrn} is already ${state.status}` });
  }
}

function requireReason(reason: unknown): void {
  if (typeof reason !== 'string' || reason.trim().length < 3) {
    throw ApplicationFailure.create({ type: REASON_REQUIRED, nonRetryable: true, message: 'a reason (at least 3 characters) is required' });
  }
}

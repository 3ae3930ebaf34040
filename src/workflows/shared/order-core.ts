/**
 * What a pay-in and a payout do the same way: status moves and settlement, attention, search
 * attributes and the UI's current details, the order book, callback signals (verified before they
 * apply), reconciliation findings, the platform query, the wait for the callback before polling,
 * the start and the end of a run. Each kind extends it with its business process (payment.ts,
 * payout.ts) and says only what differs.
 */
import { allHandlersFinished, condition, continueAsNew, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type { CallbackSignal, MerchantEvent, OrderKind, OrderStateBase, OrderWorkflowDefinitions, PlatformAnswer } from '../../contracts/order';
import { reconciliationDifferenceSignal, reconciliationReason, type OrderRecord, type ReconciliationDifference } from '../../contracts/order-record';
import { assertTransition } from '../../contracts/status';
import { BookKeeper } from './book-keeper';
import { applies, PATCHES } from './patches';
import { CallbackQueue, forgedSignalReason, isLegacyCallback, verifyCallbackSignal } from './callback-signal';
import { historyIsLong } from './history';
import { LocalActivityLane } from './local-activity-lane';
import { enqueueEvent, newEventId, outboxEmpty, startMerchantNotifier } from './notifier';
import { answerCreationRequests, awaitCallback } from './order-steps';
import { noAnswer } from './platform-answer';
import { queryPaymentAtPlatform, queryPayoutAtPlatform } from './platform-calls';
import { pollUntilDecided, type PollEnd } from './poller';
import { publishSearchAttributes, type SearchableFlags } from './search';
import { record } from './timeline';

/** A merchant event's fields besides those every event has. */
export type MerchantEventFields = Record<string, string | number | boolean | null>;

/** Who sent the callback, so far as the order can tell; `legacy`: replaying a history from before re-verification. */
export type CallbackOrigin = 'verified' | 'legacy';

/** What a kind adds to the order book's record (the rest is common to both kinds). */
export type KindRecordFields = Pick<OrderRecord, 'paidAmountFen' | 'channelId' | 'account'>;

export abstract class OrderCore<Status extends string, State extends OrderStateBase<Status>, Callback, View extends OrderRecord['view'], Reply> {
  protected readonly callbacks = new CallbackQueue();

  protected readonly kind: OrderKind;

  private readonly book: BookKeeper;

  /** The run's local activities, one at a time (from the run's start, under the patch). */
  private readonly lane = new LocalActivityLane();

  constructor(
    protected readonly state: State,
    private readonly definitions: OrderWorkflowDefinitions<View, Reply>,
    private readonly viewOf: (state: State) => View,
  ) {
    this.kind = definitions.kind;
    this.book = new BookKeeper(state, {
      snapshot: (version) => this.bookRecord(version),
      quiet: () => this.callbacks.idle(),
      lane: this.lane,
    });
  }

  /** What every run starts with: its handlers, the order book, then the merchant notifier. */
  start(): void {
    const { state, definitions } = this;
    if (applies(PATCHES.localActivityLane)) this.lane.serialise();
    setHandler(definitions.status, () => this.view());
    setHandler(definitions.requestHash, () => state.requestHash);
    setHandler(definitions.callback, (signal) => this.onCallbackSignal(signal));
    setHandler(reconciliationDifferenceSignal, (finding) => this.onReconciliationDifference(finding));
    answerCreationRequests(definitions.creation, state, this.kind === 'payment' ? 'pay-in' : 'payout', (firstRequest) => this.creationReply(firstRequest));
    this.registerKindHandlers();
    this.book.start();
    // Every delivery attempt changes the order's notification state, which the book keeps too.
    startMerchantNotifier(state, state.timeouts.notifyRetryForMs, () => this.book.changed());
  }

  /**
   * Once decided: waits until the merchant is told, every handler has finished and the order book
   * holds the final state (a closed run always has its final record); returns the final state.
   */
  async finish(): Promise<State> {
    await condition(() => outboxEmpty(this.state) && allHandlersFinished() && this.book.upToDate());
    this.refreshDetails('finished');
    return this.state;
  }

  /** The status query's answer (GET). */
  protected view(): View {
    return this.viewOf(this.state);
  }

  /** The creation update's answer; `firstRequest`: the request that started the order (201, not 200). */
  protected abstract creationReply(firstRequest: boolean): Reply;

  /** The handlers of this kind alone (e.g. operators' updates). */
  protected registerKindHandlers(): void {}

  /** Continues as new with `input` once the handlers in progress are done. */
  protected continueAsNewWith(input: unknown): Promise<never> {
    return condition(allHandlersFinished).then(() => continueAsNew(input));
  }

  /**
   * Steps 2–3 of both kinds: wait for the callback until `callbackUntil` (first run only), then ask
   * the platform until decided — or until `deadline`, when the kind has one.
   */
  protected async awaitCallbackThenPoll(callbackUntil: number, options: { deadline?: number; beforeWait: () => void }): Promise<PollEnd> {
    const { state } = this;
    const decided = (): boolean => state.status !== 'pending';
    if (state.poll.attempts === 0 && (await awaitCallback(state, callbackUntil, decided, (text) => this.refreshDetails(text)))) return 'decided';
    return pollUntilDecided({
      poll: state.poll,
      maxIntervalMs: state.timeouts.pollIntervalMaxMs,
      ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
      decided,
      shouldContinueAsNew: () => historyIsLong(state.timeouts.continueAsNewAfterEvents),
      // A paid order's callback carries what the query does not (a pay-in's amount): ask for it again.
      query: (attempt) => this.queryPlatform(`query platform (attempt ${attempt})`, { resendCallback: true }),
      apply: (answer) => this.onPlatformAnswer(answer),
      beforeWait: options.beforeWait,
    });
  }

  /** The kind's reading of a query answer; may decide the order. */
  protected abstract onPlatformAnswer(answer: PlatformAnswer): void | Promise<void>;

  /** One query of the platform; a query that failed for good is "no answer this time". */
  protected queryPlatform(summary: string, { resendCallback }: { resendCallback: boolean }): Promise<PlatformAnswer> {
    const query = this.kind === 'payment' ? queryPaymentAtPlatform : queryPayoutAtPlatform;
    return query.executeWithOptions({ summary }, [{ mrn: this.state.mrn, callback: resendCallback }]).catch(noAnswer);
  }

  /**
   * A callback signal, at any time. Whoever sent it, the platform's signature is verified again
   * first; a forgery changes nothing but raises attention.
   */
  private onCallbackSignal(signal: CallbackSignal): void | Promise<void> {
    // The signal of a replayed history from before re-verification carries the parsed callback itself.
    if (isLegacyCallback()) return this.applyCallback(signal as unknown as Callback, 'legacy');
    return this.callbacks.enqueue(async () => {
      // A pay-in is created by a local activity: verifying a callback (another local activity) while
      // it runs let the two resolve in one order in the first run and in another on replay — a
      // nondeterminism error (npm run chaos; test/workflows/clock-skew.test.ts). So a pay-in's callback
      // is verified once the create has answered. Runs recorded before this rule keep their old path.
      if (this.kind === 'payment' && applies(PATCHES.verifyAfterCreate)) await condition(() => this.state.status !== 'creating');
      const verdict = await this.local(() => verifyCallbackSignal(this.kind, signal, this.state.mrn));
      if (!verdict.ok) this.refuseSignal(verdict.reason);
      else if (verdict.callback.kind === this.kind) this.applyCallback(verdict.callback as Callback, 'verified');
    });
  }

  /** Runs `call`, which starts one local activity, in the run's lane: one local activity at a time. */
  protected local<T>(call: () => Promise<T>): Promise<T> {
    return this.lane.run(call);
  }

  /** A verified callback of this kind, applied idempotently. */
  protected abstract applyCallback(callback: Callback, origin: CallbackOrigin): void;

  /**
   * The reconciliation found that the platform says otherwise about this order: an operator must
   * look. Status and money stay as they are: the platform's word reaches them only through a
   * callback or a query this order makes itself.
   */
  private onReconciliationDifference({ date, difference }: ReconciliationDifference): void {
    const text = String(difference);
    record(this.state.timeline, new Date(), `reconciliation of ${String(date)}: the platform differs`, text);
    this.raiseAttention(reconciliationReason(text));
  }

  /** A callback signal that failed verification: recorded, flagged, nothing else changes. */
  private refuseSignal(reason: string): void {
    record(this.state.timeline, new Date(), 'callback signal refused', reason);
    this.raiseAttention(forgedSignalReason(reason));
  }

  /** Sets the flag and keeps the reason, without publishing: for a change that publishes anyway. */
  protected flagAttention(reason: string): void {
    const { state } = this;
    state.needsAttention = true;
    if (!state.attentionReasons.includes(reason)) state.attentionReasons.push(reason);
  }

  protected raiseAttention(reason: string): void {
    this.flagAttention(reason);
    record(this.state.timeline, new Date(), 'needs attention', reason);
    this.publish();
  }

  protected move(to: Status, event: string, detail?: string): void {
    const { state } = this;
    assertTransition(this.kind, state.status, to);
    state.status = to;
    record(state.timeline, new Date(), event, detail);
    this.publish();
  }

  /** A decided outcome: the move, finishedAt, and the merchant's event. */
  protected settle(to: Status, event: string, detail?: string): void {
    const { state } = this;
    this.move(to, event, detail);
    state.finishedAt = new Date().toISOString();
    state.poll.nextPollAt = null;
    enqueueEvent(state, this.merchantEvent(`${this.kind}.${to}`, state.finishedAt));
    this.book.changed();
    this.refreshDetails();
  }

  /** The merchant's event of type `type` (e.g. `payout.succeeded`, `payment.amount_mismatch`), as of now. */
  protected merchantEvent(type: string, occurredAt: string): MerchantEvent {
    const { state } = this;
    // The id is stored with the event: every retry of its delivery carries the same one.
    return { id: newEventId(), type, mrn: state.mrn, status: state.status, ...this.merchantEventFields(), occurredAt };
  }

  /** What the kind's events say besides id, type, mrn, status and time. */
  protected abstract merchantEventFields(): MerchantEventFields;

  /** Keeps the UI's list filters and the order book truthful: at every change of status or flag. */
  protected publish(): void {
    publishSearchAttributes(this.searchFlags());
    this.book.changed();
    this.refreshDetails();
  }

  /** The order's record in the order book, as of now. Masked data only: the view is what GET shows. */
  private bookRecord(version: number): OrderRecord {
    const { state } = this;
    return {
      kind: this.kind,
      mrn: state.mrn,
      version,
      status: state.status,
      amountFen: state.amountFen,
      requestHash: state.requestHash,
      needsAttention: state.needsAttention,
      attentionReasons: state.attentionReasons,
      amountMismatch: state.amountMismatch,
      createdAt: state.createdAt,
      finishedAt: state.finishedAt,
      lastPlatformAnswer: state.lastPlatformAnswer,
      notification: { url: state.notifyUrl, deliveries: state.deliveries },
      timeline: state.timeline,
      // The timeline travels once (above), not twice: it is most of a record's size, and every write is kept in history.
      view: withoutTimeline(this.view()) as unknown as OrderRecord['view'],
      ...this.kindRecordFields(),
    };
  }

  /** The kind's part of its order book record. */
  protected abstract kindRecordFields(): KindRecordFields;

  protected searchFlags(): SearchableFlags {
    const { state } = this;
    return { status: state.status, needsAttention: state.needsAttention, amountMismatch: state.amountMismatch };
  }

  /** What the Temporal UI shows as the run's current details. */
  protected refreshDetails(now?: string): void {
    const { state } = this;
    const lines = [
      this.headline(),
      now === undefined ? undefined : `Now: ${now}`,
      ...this.detailLines(),
      state.lastPlatformAnswer === null ? undefined : `Last platform answer: ${state.lastPlatformAnswer}`,
      state.poll.nextPollAt === null ? undefined : `Next query: ${state.poll.nextPollAt}`,
      state.needsAttention ? `⚠ needs attention${state.attentionReasons.length > 0 ? `: ${state.attentionReasons.join('; ')}` : ''}` : undefined,
    ];
    setCurrentDetails(lines.filter((line) => line !== undefined).join('\n\n'));
  }

  /** The first line of the details: status, amount, and what the order is about. */
  protected abstract headline(): string;

  /** The kind's own lines of the details, after "Now". */
  protected detailLines(): (string | undefined)[] {
    return [];
  }
}

function withoutTimeline<View>(view: View): Omit<View, 'timeline'> {
  const { timeline: _timeline, ...rest } = view as View & { timeline?: unknown };
  return rest;
}

import type {
  AutoSettleAnswer,
  AutoSettleInput,
  AutoSettleRule,
  CallbackRule,
  PayoutChecks,
  CallbackRuleInput,
  ContradictionValue,
  CreateFault,
  CreateFaultInput,
  FaultMode,
} from './control-schema';
import type { OrderKind } from './orders';

export const DEFAULT_LATE_ANSWER_MS = 30_000;
export const DEFAULT_HANG_MS = 120_000;

const NO_RULE: CallbackRule = Object.freeze({ dropNext: 0, delayMs: 0, duplicates: 0, wrongSignatureNext: 0 });

const keyOf = (kind: OrderKind, mrn: string): string => `${kind}:${mrn}`;

/**
 * What tests and demos asked the sandbox to do differently. Rules are keyed by order kind and
 * mrn (not by order), so a test can arrange a scenario before the order exists: the orchestrator
 * creates the order, the sandbox already knows to drop its callback.
 */
export class Scenarios {
  private readonly callbackRules = new Map<string, CallbackRule>();
  private defaultCallbackRule: CallbackRule = { ...NO_RULE };
  private readonly held = new Set<string>();
  private faults: CreateFault[] = [];
  private autoSettle: Record<OrderKind, AutoSettleRule | null> = { payment: null, payout: null };
  private payoutCheckOrder: PayoutChecks = { balanceBeforeMrn: false };
  private readonly contradictions = new Map<string, ContradictionValue>();

  // ---- callbacks -----------------------------------------------------------------------------

  setCallbackRule(kind: OrderKind, mrn: string, input: CallbackRuleInput): CallbackRule {
    const rule = { ...NO_RULE, ...input };
    this.callbackRules.set(keyOf(kind, mrn), rule);
    return { ...rule };
  }

  setDefaultCallbackRule(input: CallbackRuleInput): CallbackRule {
    this.defaultCallbackRule = { ...NO_RULE, ...input };
    return { ...this.defaultCallbackRule };
  }

  /** The rule in force for an order: its own when one was set, otherwise the default. Counters are consumed on it. */
  callbackRuleFor(kind: OrderKind, mrn: string): CallbackRule {
    return this.callbackRules.get(keyOf(kind, mrn)) ?? this.defaultCallbackRule;
  }

  // ---- keep pending --------------------------------------------------------------------------

  setKeepPending(kind: OrderKind, mrn: string, keep: boolean): void {
    if (keep) this.held.add(keyOf(kind, mrn));
    else this.held.delete(keyOf(kind, mrn));
  }

  isKeptPending(kind: OrderKind, mrn: string): boolean {
    return this.held.has(keyOf(kind, mrn));
  }

  // ---- contradictions (what the query endpoint answers) --------------------------------------

  /** Makes the query endpoint answer `answer` for this order (null: the truth again). */
  setContradiction(kind: OrderKind, mrn: string, answer: ContradictionValue | null): void {
    if (answer === null) this.contradictions.delete(keyOf(kind, mrn));
    else this.contradictions.set(keyOf(kind, mrn), answer);
  }

  contradictionFor(kind: OrderKind, mrn: string): ContradictionValue | undefined {
    return this.contradictions.get(keyOf(kind, mrn));
  }

  // ---- create faults -------------------------------------------------------------------------

  addCreateFault(input: CreateFaultInput): CreateFault[] {
    const defaultDelay = input.mode === 'timeout' ? DEFAULT_HANG_MS : input.mode === 'late-answer' ? DEFAULT_LATE_ANSWER_MS : 0;
    this.faults.push({ mode: input.mode, kind: input.kind ?? 'any', remaining: input.count, delayMs: input.delayMs ?? defaultDelay });
    return this.createFaults();
  }

  createFaults(): CreateFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clearCreateFaults(): void {
    this.faults = [];
  }

  /** Consumes one fault for this create call, in the order they were added. */
  takeCreateFault(kind: OrderKind): { mode: FaultMode; delayMs: number } | undefined {
    const fault = this.faults.find((f) => f.kind === 'any' || f.kind === kind);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return { mode: fault.mode, delayMs: fault.delayMs };
  }

  // ---- payout create checks ------------------------------------------------------------------

  setPayoutChecks(checks: PayoutChecks): PayoutChecks {
    this.payoutCheckOrder = { ...checks };
    return this.payoutChecks();
  }

  payoutChecks(): PayoutChecks {
    return { ...this.payoutCheckOrder };
  }

  // ---- auto-settle ---------------------------------------------------------------------------

  setAutoSettle(input: AutoSettleInput): AutoSettleAnswer {
    const rule = input.outcome === 'off' ? null : { outcome: input.outcome, afterMs: input.afterMs ?? 0 };
    if (input.kind === 'any' || input.kind === 'payment') this.autoSettle.payment = rule;
    if (input.kind === 'any' || input.kind === 'payout') this.autoSettle.payout = rule;
    return this.autoSettleRules();
  }

  autoSettleRules(): AutoSettleAnswer {
    return { payment: this.autoSettle.payment && { ...this.autoSettle.payment }, payout: this.autoSettle.payout && { ...this.autoSettle.payout } };
  }

  autoSettleFor(kind: OrderKind): AutoSettleRule | null {
    return this.autoSettle[kind];
  }

  reset(): void {
    this.callbackRules.clear();
    this.defaultCallbackRule = { ...NO_RULE };
    this.held.clear();
    this.contradictions.clear();
    this.faults = [];
    this.autoSettle = { payment: null, payout: null };
    this.payoutCheckOrder = { balanceBeforeMrn: false };
  }
}

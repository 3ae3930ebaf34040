/**
 * Everything the API, the worker and tests need to talk to a payout workflow: ID, input, state,
 * the status view, and its signal/query/update definitions. No workflow body here.
 */
import type { Static } from '@sinclair/typebox';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CallbackSignal, OrderStateBase, OrderTimeouts, OrderWorkflowDefinitions } from './order';
import type { PayoutStatus } from './status';
// Types only: the schema is the view's one definition, and TypeBox stays out of workflow bundles.
import type { PayoutViewSchema } from './views';

export type { PayoutStatus } from './status';

export const payoutWorkflowId = (mrn: string): string => `payout-${mrn}`;

/** A merchant's payout request, normalized (amount in fen, a whole number of yuan). */
export interface PayoutRequest {
  mrn: string;
  amountFen: number;
  bankName: string;
  /** Personal data: travels only to the create activity; encrypted in history by the codec. */
  accountName: string;
  accountNumber: string;
  notifyUrl?: string;
}

export interface PayoutWorkflowInput {
  request: PayoutRequest;
  requestHash: string;
  timeouts: OrderTimeouts;
  /** State carried over by continue-as-new (the bank account is no longer needed then). */
  resume?: PayoutState;
}

export interface PayoutResolution {
  outcome: 'succeeded' | 'failed';
  reason: string;
  at: string;
}

/**
 * The create, as the workflow drives it: one request per activity run, retried by the workflow with
 * the same mrn, so it knows exactly whether some earlier attempt may have created the payout.
 */
export interface PayoutCreateProgress {
  /** Create requests started. */
  attempts: number;
  /** A request is out now: it may land at the platform at any moment. */
  inFlight: boolean;
  /** When the workflow saw the last attempt end: its request was sent no later than this. */
  lastAttemptAt: string | null;
  /** An attempt ended without an answer we can read (timeout, lost answer, dead worker, unknown code): it may have created the payout. */
  outcomeUnknown: boolean;
  /** Backoff of the next attempt or confirming query: 2 s doubling to 5 min. */
  retryIntervalMs: number;
  nextStepAt: string | null;
  /** A retry's refusal after an unknown outcome: it proves nothing until the payout query confirms it. */
  refusalToConfirm: { code: string; message: string } | null;
  /** The payout query's first "not found" since the last attempt; a second one may confirm it. */
  notFoundAt: string | null;
}

/** Why a payout needs an operator, for the reasons raised once per payout (the text goes to attentionReasons). */
export type AttentionCause = 'undecided' | 'answers-about-other-orders' | 'duplicate-not-found';

export interface PayoutState extends OrderStateBase<PayoutStatus> {
  bankName: string;
  accountNameMasked: string;
  accountNumberMasked: string;
  /** Causes already raised among those raised once (older runs: derived on resume). */
  attentionCauses: AttentionCause[];
  /** The mrn was already used at the platform outside this system: we neither poll nor decide. */
  foreignDuplicate: boolean;
  error: { code: string; message: string } | null;
  resolution: PayoutResolution | null;
  create: PayoutCreateProgress;
  /** Query answers that named another mrn (or none): ignored, and counted toward attention. */
  answersAboutOtherOrders: number;
}

/** The input that restarts a closed payout from its final state: the bank account is not needed any more. */
export function resumePayoutInput(state: PayoutState): PayoutWorkflowInput {
  return {
    request: { mrn: state.mrn, amountFen: state.amountFen, bankName: state.bankName, accountName: '', accountNumber: '' },
    requestHash: state.requestHash,
    timeouts: state.timeouts,
    resume: state,
  };
}

/** GET /v1/payouts/:mrn — and the `status` query. The account is masked here, once. */
export type PayoutView = Static<typeof PayoutViewSchema>;

export interface PayoutCreationReply {
  view: PayoutView;
  firstRequest: boolean;
}

export interface OperatorRequest {
  reason: string;
}

export interface ResolveRequest extends OperatorRequest {
  outcome: 'succeeded' | 'failed';
}

/** Update failure types the API maps to HTTP answers. */
export const NOT_PENDING = 'NotPending';
export const CONTRADICTED_BY_PLATFORM = 'ContradictedByPlatform';
/** "failed" while the platform may still pay: its answer is neither status 2 nor a confirmed "not found". */
export const UNCONFIRMED_BY_PLATFORM = 'UnconfirmedByPlatform';
export const REASON_REQUIRED = 'ReasonRequired';

export const awaitPayoutCreation = defineUpdate<PayoutCreationReply, [{ requestHash: string }]>('awaitCreation');
/** The platform's callback, signed fields as received: verified again by the worker before it applies. */
export const payoutCallback = defineSignal<[CallbackSignal]>('platformCallback');
export const payoutStatus = defineQuery<PayoutView>('status');
export const payoutRequestHash = defineQuery<string>('requestHash');
/** Operator: query the platform now. */
export const recheckPayout = defineUpdate<PayoutView, [OperatorRequest]>('recheck');
/**
 * Operator: settle by hand what the platform's support confirmed; refused if the platform contradicts
 * it, and "failed" refused unless the platform answers status 2 or a confirmed "not found".
 */
export const resolvePayout = defineUpdate<PayoutView, [ResolveRequest]>('resolve');

export const payoutWorkflowDefinitions: OrderWorkflowDefinitions<PayoutView, PayoutCreationReply> = {
  kind: 'payout',
  workflowType: 'payoutWorkflow',
  workflowId: payoutWorkflowId,
  status: payoutStatus,
  requestHash: payoutRequestHash,
  callback: payoutCallback,
  creation: awaitPayoutCreation,
};

/**
 * What a payout create answer means: the one home of the rule that keeps a payout from being paid
 * twice. Once an earlier attempt's outcome is unknown (the platform may have created and funded the
 * payout), no refusal proves that nothing exists — the platform's document does not say it checks
 * the mrn before the balance — so only the payout query can confirm it. Pure: payout.ts acts on it.
 */
import type { PayoutCreateResult } from '../contracts/activities';
import type { PayoutCreateProgress } from '../contracts/payout';
import type { OrderTimeouts } from '../contracts/order';

/** Codes that mean the platform created nothing — believed only while no earlier attempt may have created it. */
const NOTHING_CREATED = new Set(['invalid_data', 'sign_error', 'insufficient_balance', 'object_not_found']);
const MRN_DUPLICATION = 'mrn_duplication';

/** PAYOUT_NOT_FOUND_CONFIRM, for runs started before it was configurable. */
const DEFAULT_NOT_FOUND_CONFIRM_MS = 5 * 60_000;

const CREATE_RETRY_FIRST_MS = 2_000;
export const CREATE_RETRY_MAX_MS = 5 * 60_000;

/** What the workflow saw of one attempt: the activity's facts, or no answer (any activity failure). */
export type CreateAttempt = PayoutCreateResult | { kind: 'no_answer'; reason: string };

export type CreateVerdict =
  | { kind: 'created' }
  /** Nothing was created: the payout is rejected with the platform's code. */
  | { kind: 'rejected'; code: string; message: string }
  /** mrn_duplication with no earlier attempt of ours: the mrn names an order made outside this system. */
  | { kind: 'foreign_duplicate'; message: string }
  /** This attempt may or may not have created the payout: ask again, same mrn. */
  | { kind: 'unknown'; reason: string }
  /** A refusal after an unknown outcome: the payout query must say whether the payout exists. */
  | { kind: 'confirm'; code: string; message: string };

export function newCreateProgress(): PayoutCreateProgress {
  return {
    attempts: 0,
    inFlight: false,
    lastAttemptAt: null,
    outcomeUnknown: false,
    retryIntervalMs: CREATE_RETRY_FIRST_MS,
    nextStepAt: null,
    refusalToConfirm: null,
    notFoundAt: null,
  };
}

export function readCreateAnswer(earlierOutcomeUnknown: boolean, attempt: CreateAttempt): CreateVerdict {
  switch (attempt.kind) {
    case 'accepted':
      return { kind: 'created' };
    case 'no_answer':
      return { kind: 'unknown', reason: attempt.reason };
    case 'refused':
      if (earlierOutcomeUnknown) return { kind: 'confirm', code: attempt.code, message: attempt.message };
      if (NOTHING_CREATED.has(attempt.code)) return { kind: 'rejected', code: attempt.code, message: attempt.message };
      if (attempt.code === MRN_DUPLICATION) return { kind: 'foreign_duplicate', message: attempt.message };
      // A code the document does not list proves nothing either way.
      return { kind: 'unknown', reason: `unknown answer ${attempt.code}: ${attempt.message}` };
  }
}

export function notFoundConfirmMs(timeouts: OrderTimeouts): number {
  return timeouts.payoutNotFoundConfirmMs ?? DEFAULT_NOT_FOUND_CONFIRM_MS;
}

/** From when a second "not found" counts: a slow earlier request can no longer land after it. Null while none was sent. */
export function notFoundConfirmableAt(create: PayoutCreateProgress, confirmMs: number): number | null {
  return create.lastAttemptAt === null ? null : Date.parse(create.lastAttemptAt) + confirmMs;
}

/**
 * Whether a "not found" answered now confirms that the platform has no such payout: it is the
 * second one (an earlier one is on record), no request is out, and it comes late enough.
 */
export function notFoundConfirmed(create: PayoutCreateProgress, nowMs: number, confirmMs: number): boolean {
  const confirmableAt = notFoundConfirmableAt(create, confirmMs);
  return create.notFoundAt !== null && !create.inFlight && confirmableAt !== null && nowMs >= confirmableAt;
}

/** The platform said the mrn exists: a "not found" never outweighs that. */
export function claimedToExist(create: PayoutCreateProgress): boolean {
  return create.refusalToConfirm?.code === MRN_DUPLICATION;
}

/**
 * Operator actions on a payout (recheck, resolve): the rules the API's request schema and route and
 * the payout workflow's update validators all read from here. Pure: safe in workflow bundles.
 */
export const OPERATOR_REASON = { minLength: 3, maxLength: 500 } as const;
export const RESOLVE_OUTCOMES = ['succeeded', 'failed'] as const;
/** What is wrong with an operator's reason, or undefined: at least minLength characters besides spaces. */
export function operatorReasonProblem(reason: unknown): string | undefined {
  if (typeof reason !== 'string' || reason.trim().length < OPERATOR_REASON.minLength) return `reason: must have at least ${OPERATOR_REASON.minLength} characters besides spaces`;
  if (reason.length > OPERATOR_REASON.maxLength) return `reason: must have at most ${OPERATOR_REASON.maxLength} characters`;
  return undefined;
}


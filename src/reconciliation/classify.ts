/**
 * What the platform's query answer means next to our status: the reconciliation's one rule table.
 * A difference is reported (and flags the order); it never moves money state: whoever resolves it
 * does so through the order's own process (an operator's resolution, the platform's callback).
 */
import type { OrderKind, PlatformAnswer } from '../contracts/order';
import type { ReconciliationOutcome } from '../contracts/reconciliation';

export interface Classification {
  outcome: ReconciliationOutcome;
  /** The platform's answer as text: "status 1", "not_found", "unavailable: …", "refused <code>: …". */
  platformAnswer: string;
  /** Why, in words an operator reads (the difference text on the order). */
  detail: string | null;
}

const WIRE: Record<0 | 1 | 2, string> = { 0: 'pending (0)', 1: 'succeeded (1)', 2: 'failed (2)' };

/**
 * Platform statuses that agree with each of our statuses; any other status differs. An expired pay-in
 * agrees with 0 too: the payer may still pay at the platform, and a late success reaches us by
 * callback (expired → succeeded); a payment the platform marks paid while we say expired differs.
 */
const AGREES: Readonly<Record<OrderKind, Readonly<Record<string, readonly (0 | 1 | 2)[]>>>> = {
  payment: { pending: [0], succeeded: [1], failed: [2], expired: [0, 2], rejected: [] },
  payout: { pending: [0], succeeded: [1], failed: [2], rejected: [] },
};

/** Why a status differs, for the cases that cost money first. */
function differenceText(kind: OrderKind, ours: string, status: 0 | 1 | 2): string {
  const platform = WIRE[status];
  if (ours === 'rejected') return `ours rejected (never created), the platform says ${platform}`;
  if (ours === 'pending') return `ours pending, the platform says ${platform}: the platform decided and we have not yet`;
  if (kind === 'payment' && status === 1) return `ours ${ours}, the platform says ${platform}: money received and not credited`;
  if (kind === 'payout' && status === 1) return `ours ${ours}, the platform says ${platform}: paid out though we count it as not paid`;
  return `ours ${ours}, the platform says ${platform}`;
}

export function classify(kind: OrderKind, ours: string, answer: PlatformAnswer): Classification {
  switch (answer.kind) {
    case 'status': {
      const platformAnswer = `status ${answer.status}`;
      const agrees = AGREES[kind][ours];
      if (agrees === undefined) return { outcome: 'no_answer', platformAnswer, detail: `our status ${ours} is not reconciled` };
      return agrees.includes(answer.status)
        ? { outcome: 'matched', platformAnswer, detail: null }
        : { outcome: 'differs', platformAnswer, detail: differenceText(kind, ours, answer.status) };
    }
    case 'not_found':
      // A rejected order was never created at the platform: its absence is the agreement.
      return ours === 'rejected'
        ? { outcome: 'matched', platformAnswer: 'not_found', detail: null }
        : { outcome: 'unknown_at_platform', platformAnswer: 'not_found', detail: `ours ${ours}, the platform does not know the order` };
    case 'refused':
      return { outcome: 'no_answer', platformAnswer: `refused ${answer.code}: ${answer.message}`.slice(0, 500), detail: null };
    case 'unavailable':
      return { outcome: 'no_answer', platformAnswer: `unavailable: ${answer.reason}`.slice(0, 500), detail: null };
  }
}

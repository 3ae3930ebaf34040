import { createHash } from 'node:crypto';

/**
 * Fingerprint of a normalized order request: equal for a retry of the same request, different
 * when the same mrn comes with another body (→ 409). Values are listed in a fixed order.
 */
export function requestHash(kind: 'payment' | 'payout', values: readonly (string | number | null)[]): string {
  return createHash('sha256').update(JSON.stringify([kind, ...values]), 'utf8').digest('hex');
}

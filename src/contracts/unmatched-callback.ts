/**
 * A verified callback no order run could take: an mrn we never created, or an order whose run was
 * terminated, failed or timed out (it has no final state to restart from). Recorded durably as
 * its own short workflow (searchable: OrderKind = "unmatched-callback", Mrn, NeedsAttention) for
 * operators to look at; the platform is answered `success` so it stops retrying.
 */
export interface UnmatchedCallback {
  kind: 'payment' | 'payout';
  mrn: string;
  /** The verified callback's values, without the signature. */
  fields: Record<string, string>;
  receivedAt: string;
  /** Why it was not applied, e.g. "no such order", "the order's run was terminated". Absent in old records. */
  reason?: string;
}

export const unmatchedCallbackWorkflowId = (callback: { kind: string; mrn: string }, digest: string): string =>
  `unmatched-${callback.kind}-${callback.mrn}-${digest}`;

/**
 * A verified callback for an mrn we never created. Recorded durably as its own short workflow
 * (searchable: OrderKind = "unmatched-callback", Mrn, NeedsAttention) for operators to look at.
 */
export interface UnmatchedCallback {
  kind: 'payment' | 'payout';
  mrn: string;
  /** The verified callback's values, without the signature. */
  fields: Record<string, string>;
  receivedAt: string;
}

export const unmatchedCallbackWorkflowId = (callback: { kind: string; mrn: string }, digest: string): string =>
  `unmatched-${callback.kind}-${callback.mrn}-${digest}`;

 
export async function unmatchedCallbackWorkflow(callback: UnmatchedCallback): Promise<UnmatchedCallback> {
  return callback;
}

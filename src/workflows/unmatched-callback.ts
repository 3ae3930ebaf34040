import type { UnmatchedCallback } from '../contracts/unmatched-callback';

/** The record itself is the workflow's input and result (src/contracts/unmatched-callback.ts says what it holds). */
export async function unmatchedCallbackWorkflow(callback: UnmatchedCallback): Promise<UnmatchedCallback> {
  return callback;
}

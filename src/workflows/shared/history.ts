import { workflowInfo } from '@temporalio/workflow';

/** Well below Temporal's limits, so a long wait never pushes a run near them. */
const DEFAULT_MAX_EVENTS_PER_RUN = 2_000;

export function historyIsLong(maxEvents = DEFAULT_MAX_EVENTS_PER_RUN): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > maxEvents;
}

import { ActivityFailure } from '@temporalio/workflow';
import type { PlatformAnswer } from '../../contracts/order';

/** How an answer reads in the timeline: `labels` name statuses 0, 1 and 2 for the order kind. */
export function describeAnswer(answer: PlatformAnswer, labels: readonly [string, string, string]): string {
  switch (answer.kind) {
    case 'status':
      return `status ${answer.status} (${labels[answer.status]})`;
    case 'not_found':
      return `not found (${answer.message})`;
    case 'refused':
      return `${answer.code}: ${answer.message}`;
    case 'unavailable':
      return `no answer: ${answer.reason}`;
  }
}

/** A query activity that failed for good is just "no answer this time". */
export function noAnswer(error: unknown): PlatformAnswer {
  return { kind: 'unavailable', reason: failureReason(error) };
}

/** What an activity failure says, for the timeline: its cause (the activity's own error, a timeout). */
export function failureReason(error: unknown): string {
  return error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
}

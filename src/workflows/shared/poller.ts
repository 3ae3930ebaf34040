import { condition } from '@temporalio/workflow';
import type { PlatformAnswer, PollProgress } from '../../contracts/order';
import { clock } from './time';

export interface PollOptions {
  poll: PollProgress;
  maxIntervalMs: number;
  /** Asks the platform (an activity). */
  query: (attempt: number) => Promise<PlatformAnswer>;
  /** Applies an answer to the order; may decide it. */
  apply: (answer: PlatformAnswer) => void | Promise<void>;
  decided: () => boolean;
  /** When set, polling ends with 'deadline' once this time (epoch ms) has passed after a last query. */
  deadline?: number;
  /** Runs before each wait: e.g. raise needsAttention, refresh the run's current details. */
  beforeWait?: () => void;
  /** True when history is long enough to continue as new (checked between waits and queries). */
  shouldContinueAsNew: () => boolean;
}

export type PollEnd = 'decided' | 'deadline' | 'continue-as-new';

/**
 * The one polling loop of both order kinds: query, apply, wait with exponential backoff up to
 * `maxIntervalMs` — woken early by a callback or an operator decision. The backoff lives in
 * `poll`, so a continued-as-new run picks it up where the last one stopped.
 */
export async function pollUntilDecided(options: PollOptions): Promise<PollEnd> {
  const { poll } = options;
  for (;;) {
    if (options.decided()) return 'decided';
    if (options.shouldContinueAsNew()) return 'continue-as-new';
    poll.attempts += 1;
    poll.nextPollAt = null;
    await options.apply(await options.query(poll.attempts));
    if (options.decided()) return 'decided';
    const now = Date.now();
    if (options.deadline !== undefined && now >= options.deadline) return 'deadline';
    const waitMs = options.deadline === undefined ? poll.intervalMs : Math.min(poll.intervalMs, options.deadline - now);
    poll.nextPollAt = new Date(now + waitMs).toISOString();
    options.beforeWait?.();
    await condition(options.decided, waitMs, { summary: `next platform query at ${clock(now + waitMs)} (attempt ${poll.attempts + 1})` });
    poll.intervalMs = Math.min(poll.intervalMs * 2, options.maxIntervalMs);
  }
}

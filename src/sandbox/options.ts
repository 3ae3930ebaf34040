import type { FastifyBaseLogger } from 'fastify';
import type { MerchantConfig } from './ledger';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * When the platform tries a callback again after a failed delivery: the wait before each
 * attempt, counted from the end of the previous one. In the spirit of the live platform
 * (0s, 15s, 15s, 30s, 3m, 10m, 20m, 30m, 60m, …), stretched to about a day, then it gives up.
 */
export const DEFAULT_CALLBACK_SCHEDULE_MS: readonly number[] = [
  0,
  15 * SECOND,
  15 * SECOND,
  30 * SECOND,
  3 * MINUTE,
  10 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  60 * MINUTE,
  3 * HOUR,
  3 * HOUR,
  3 * HOUR,
  6 * HOUR,
  6 * HOUR,
];

export const DEFAULT_CALLBACK_TIMEOUT_MS = 10 * SECOND;

/** Inspection keeps this many request records and callback deliveries; the oldest go first (a long benchmark must not grow without bound). */
export const DEFAULT_MAX_RECORDS = 100_000;

export interface SandboxOptions {
  merchants: readonly MerchantConfig[];
  /**
   * The sandbox's own address as merchants and browsers reach it. Only used for absolute links
   * in the control API and the pages' "how to reach me" text: the platform answers payUrl as a
   * path, per the protocol. When unset, links are built from the request's Host header.
   */
  publicUrl?: string;
  callbackScheduleMs?: readonly number[];
  /** Limit of one callback attempt (headers and body). */
  callbackTimeoutMs?: number;
  clock?: Clock;
  /** A pino (or any Fastify-compatible) logger; by default pino at `logLevel`. */
  logger?: FastifyBaseLogger;
  logLevel?: string;
  maxRecords?: number;
  /**
   * Where the orders, balances and undelivered callbacks are kept (`sandbox-state.json`), so a
   * restart does not turn a pending payout into "not found". Unset: in memory only (tests).
   */
  dataDir?: string;
}

export function checkSchedule(schedule: readonly number[]): void {
  if (schedule.length === 0) throw new Error('the callback schedule needs at least one attempt');
  for (const ms of schedule) {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`callback schedule: ${String(ms)} is not a non-negative whole number of ms`);
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Merchant notifications are signed like this, so a receiver can check origin and reject replays:
 *
 *   X-Orchestrator-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(NOTIFY_SECRET, "<t>.<raw body>")>
 *
 * The receiver recomputes v1 over the raw body, compares in constant time, and rejects a `t`
 * older than its tolerance (5 minutes by default) — and de-duplicates on the event `id`.
 */
export const SIGNATURE_HEADER = 'x-orchestrator-signature';
export const EVENT_ID_HEADER = 'x-orchestrator-event-id';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signNotification(rawBody: string, secret: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export type NotificationCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export function verifyNotification(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): NotificationCheck {
  if (header === undefined) return { ok: false, reason: 'missing signature header' };
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || !/^[0-9]+$/.test(t) || v1 === undefined || !/^[0-9a-f]{64}$/.test(v1)) {
    return { ok: false, reason: 'malformed signature header' };
  }
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'timestamp outside tolerance (replay?)' };
  const expected = signNotification(rawBody, secret, timestamp).split('v1=')[1];
  const ok = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(v1, 'hex'));
  return ok ? { ok: true, timestamp } : { ok: false, reason: 'signature mismatch' };
}

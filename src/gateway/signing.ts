import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The platform's one signing rule, for all six signed messages:
 * lowercase hex MD5 over the UTF-8 bytes of "k1=v1&k2=v2&…&key=SECRET",
 * keys in the fixed order below, values exactly as sent or received.
 */
export const SIGNED_FIELDS = {
  'payment.create': ['amount', 'appKey', 'callbackUrl', 'channelId', 'mrn', 'returnUrl'],
  'payment.callback': ['amount', 'appKey', 'channel', 'mrn', 'originAmount'],
  'payment.query': ['appKey', 'mrn'],
  'payout.create': ['accountName', 'accountNumber', 'amount', 'appKey', 'bankName', 'callbackUrl', 'mrn'],
  'payout.callback': ['amount', 'appKey', 'mrn'],
  'payout.query': ['appKey', 'mrn'],
} as const;

export type MessageKind = keyof typeof SIGNED_FIELDS;
export type SignedField<K extends MessageKind> = (typeof SIGNED_FIELDS)[K][number];
/** The values that take part in the signature of message K, as raw strings. */
export type SignedParams<K extends MessageKind> = Record<SignedField<K>, string>;

export const MESSAGE_KINDS = Object.keys(SIGNED_FIELDS) as MessageKind[];

/** The exact string that is hashed. Contains the secret: never log it. */
export function signString<K extends MessageKind>(kind: K, params: SignedParams<K>, secret: string): string {
  const fields: readonly string[] = SIGNED_FIELDS[kind];
  const values = params as Record<string, string>;
  const pairs = fields.map((field) => `${field}=${values[field]}`);
  pairs.push(`key=${secret}`);
  return pairs.join('&');
}

export function sign<K extends MessageKind>(kind: K, params: SignedParams<K>, secret: string): string {
  return createHash('md5').update(signString(kind, params, secret), 'utf8').digest('hex');
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

const SIGN_SHAPE = /^[0-9a-f]{32}$/;

/**
 * Verifies a received message over the raw received strings. Fields outside the signed set
 * (e.g. `payer`) are ignored, as the platform ignores them. A missing signed field, a sign
 * that is not 32 lowercase hex chars, or a mismatch is rejected; the comparison is constant-time.
 */
export function verify(
  kind: MessageKind,
  received: Readonly<Record<string, unknown>>,
  secret: string,
): VerifyResult {
  const fields: readonly string[] = SIGNED_FIELDS[kind];
  const raw: Record<string, string> = {};
  for (const field of fields) {
    const value = received[field];
    if (typeof value !== 'string') {
      return { ok: false, reason: value === undefined ? `missing field ${field}` : `field ${field} is not a single string` };
    }
    raw[field] = value;
  }
  const given = received.sign;
  if (typeof given !== 'string') {
    return { ok: false, reason: given === undefined ? 'missing field sign' : 'field sign is not a single string' };
  }
  if (!SIGN_SHAPE.test(given)) return { ok: false, reason: 'sign is not 32 lowercase hex characters' };
  const expected = sign(kind, raw as SignedParams<typeof kind>, secret);
  const match = timingSafeEqual(Buffer.from(expected, 'ascii'), Buffer.from(given, 'ascii'));
  return match ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/** Constant-time equality for secrets such as appKeys and tokens (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right);
}

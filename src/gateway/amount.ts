/**
 * Money is integer fen (1 yuan = 100 fen) everywhere inside the code. These functions are the
 * only places where fen meet text; none of them uses float arithmetic.
 */
export type Fen = number;

/** Up to 13 integer digits keeps every fen value a safe integer (< 2^53). */
const DECIMAL = /^(0|[1-9][0-9]{0,12})(?:\.([0-9]{1,2}))?$/;
const INTEGER_YUAN = /^[1-9][0-9]{0,12}$/;

export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function assertFen(fen: Fen): void {
  if (!isFen(fen)) throw new RangeError(`not a non-negative integer number of fen: ${String(fen)}`);
}

/** 10050 → "100.50"; 1 → "0.01". The pay-in wire format and the API's display format. */
export function fenToDecimal(fen: Fen): string {
  assertFen(fen);
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** 50000 → "500". The payout wire format: whole yuan only. */
export function fenToWholeYuan(fen: Fen): string {
  assertFen(fen);
  if (fen % 100 !== 0) throw new RangeError(`payout amounts are whole yuan; ${fen} fen is not`);
  return fen === 0 ? '0' : String(fen).slice(0, -2);
}

/** How each message renders `amount` on the wire: one place to change if a live platform disagrees. */
export const renderPaymentAmount = fenToDecimal;
export const renderPayoutAmount = fenToWholeYuan;

export type ParsedAmount = { ok: true; fen: Fen } | { ok: false; reason: string };

/**
 * Parses a plain decimal with at most two places ("100", "100.5", "0.01"). Rejects signs,
 * exponents, spaces, empty strings, leading zeros ("01") and more than two decimals.
 */
export function parseDecimal(text: string): ParsedAmount {
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: `"${text}" is not a decimal amount with at most 2 decimal places` };
  const whole = match[1];
  const cents = (match[2] ?? '').padEnd(2, '0');
  return { ok: true, fen: Number(whole) * 100 + Number(cents) };
}

/** Parses a positive whole number of yuan ("500"), the payout format. */
export function parseWholeYuan(text: string): ParsedAmount {
  if (!INTEGER_YUAN.test(text)) return { ok: false, reason: `"${text}" is not a positive whole number of yuan` };
  return { ok: true, fen: Number(text) * 100 };
}

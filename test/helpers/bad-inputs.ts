/**
 * The create requests the API must refuse with a 400 naming the field, one table per order kind:
 * each row is one change to a valid body (`undefined` removes the field) and the field the
 * message must name. Used by the end-to-end suites (nothing started, no platform call) and the
 * in-process tests (test/api/inject-intake.test.ts: nothing reaches Temporal).
 */
export type BadInput = [what: string, change: Record<string, unknown>, field: RegExp];

export const BAD_PAYMENT_INPUTS: BadInput[] = [
  ['amount with 3 decimals', { amount: '1.234' }, /amount/],
  ['amount 0', { amount: '0' }, /amount/],
  ['amount 0 as a number', { amount: 0 }, /amount/],
  ['amount -1', { amount: '-1' }, /amount/],
  ['amount in exponent notation', { amount: '1e3' }, /amount/],
  ['missing channelId', { channelId: undefined }, /channelId/],
  ['channelId 99', { channelId: 99 }, /channelId/],
  ['channelId as a string', { channelId: '2' }, /channelId/],
  ['returnUrl not absolute', { returnUrl: '/paid' }, /returnUrl/],
  ['returnUrl not http(s)', { returnUrl: 'ftp://shop.example.com/paid' }, /returnUrl/],
  ['notifyUrl not absolute', { notifyUrl: 'shop.example.com/notify' }, /notifyUrl/],
  ['mode unknown', { mode: 'redirect' }, /mode/],
  ['an unknown field', { currency: 'CNY' }, /currency/],
];

export const BAD_PAYOUT_INPUTS: BadInput[] = [
  ['amount 1.5', { amount: 1.5 }, /amount/],
  ['amount "1.50"', { amount: '1.50' }, /amount/],
  ['amount 0', { amount: 0 }, /amount/],
  ['amount -3', { amount: -3 }, /amount/],
  ['amount "12a"', { amount: '12a' }, /amount/],
  ['accountNumber with letters', { accountNumber: '62220212345678901AB' }, /accountNumber/],
  ['empty bankName', { bankName: '' }, /bankName/],
  ['bankName of spaces', { bankName: '   ' }, /bankName/],
  ['missing accountName', { accountName: undefined }, /accountName/],
  ['notifyUrl not absolute', { notifyUrl: '/notify' }, /notifyUrl/],
  ['an unknown field', { currency: 'CNY' }, /currency/],
];

/** `body` with the row's change applied: a field set to undefined is removed. */
export function withChange(body: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = { ...body, ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete changed[key];
  return changed;
}

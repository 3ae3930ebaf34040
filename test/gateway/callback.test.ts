/**
 * The one check of a platform callback, shared by the API (to answer the platform) and the worker
 * (before a workflow applies a callback signal): unit tests, no servers.
 */
import { checkCallback } from '../../src/gateway';
import { signedFields, TEST_GATEWAY } from '../helpers/callbacks';

const payIn = (values: Partial<Record<'amount' | 'channel' | 'mrn' | 'originAmount', string>> = {}) =>
  signedFields('payment.callback', { amount: '99.90', channel: '2', mrn: 'P-1', originAmount: '100.00', ...values });

test('a signed pay-in callback is parsed to fen; the signed fields and sign are kept as received, others dropped', () => {
  const fields: Record<string, string> = { ...payIn(), payer: '张三' };
  expect(checkCallback('payment', fields, TEST_GATEWAY)).toEqual({
    ok: true,
    callback: { kind: 'payment', mrn: 'P-1', amountFen: 9_990, originAmountFen: 10_000, channel: 2 },
    signed: { amount: '99.90', appKey: TEST_GATEWAY.appKey, channel: '2', mrn: 'P-1', originAmount: '100.00', sign: fields.sign },
  });
});

test('a signed payout callback is parsed as whole yuan', () => {
  const fields = signedFields('payout.callback', { amount: '500', mrn: 'W-1' });
  expect(checkCallback('payout', fields, TEST_GATEWAY)).toMatchObject({ ok: true, callback: { kind: 'payout', mrn: 'W-1', amountFen: 50_000 } });
});

test.each([
  ['another appKey', signedFields('payment.callback', { amount: '1.00', channel: '2', mrn: 'P-1', originAmount: '1.00' }, { ...TEST_GATEWAY, appKey: 'x' }), 'unknown appKey'],
  ['another secret', signedFields('payment.callback', { amount: '1.00', channel: '2', mrn: 'P-1', originAmount: '1.00' }, { ...TEST_GATEWAY, secret: 'x' }), 'signature mismatch'],
  ['a changed amount', { ...payIn(), amount: '1.00' }, 'signature mismatch'],
  ['no sign', (({ sign: _sign, ...rest }) => rest)(payIn()), 'missing field sign'],
])('%s is unauthentic (401 at the API, ForgedSignal in a workflow)', (_what, fields, reason) => {
  expect(checkCallback('payment', fields, TEST_GATEWAY)).toEqual({ ok: false, reason, unauthentic: true });
});

test.each([
  ['not an object', 'amount=1', 'not a set of callback fields'],
  ['null', null, 'not a set of callback fields'],
  ['an array', [payIn()], 'not a set of callback fields'],
  ['a missing field', (({ originAmount: _o, ...rest }) => rest)(payIn()), 'originAmount is missing or not a single value'],
  ['a repeated field', { ...payIn(), mrn: ['P-1', 'P-2'] }, 'mrn is missing or not a single value'],
  ['a signed amount that does not parse', payIn({ amount: '1e3' }), 'amount: "1e3" is not a decimal amount with at most 2 decimal places'],
  ['a signed channel that is not a number', payIn({ channel: 'two' }), 'channel is not an integer'],
])('%s is malformed (400 at the API)', (_what, fields, reason) => {
  expect(checkCallback('payment', fields, TEST_GATEWAY)).toEqual({ ok: false, reason, unauthentic: false });
});

test('a payout amount with decimals is malformed even when signed', () => {
  const fields = signedFields('payout.callback', { amount: '500.00', mrn: 'W-1' });
  expect(checkCallback('payout', fields, TEST_GATEWAY)).toMatchObject({ ok: false, unauthentic: false, reason: expect.stringContaining('whole number of yuan') });
});

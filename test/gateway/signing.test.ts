import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MESSAGE_KINDS, safeEqual, sign, signString, verify, type MessageKind, type SignedParams } from '../../src/gateway';

interface SignVector {
  kind: MessageKind;
  params: Record<string, string>;
  signString: string;
  sign: string;
}

interface SignVectors {
  secret: string;
  appKey: string;
  vectors: SignVector[];
}

// Signatures computed independently with plain MD5 (not with src/gateway), kept verbatim as a fixture.
const VECTORS_PATH = path.resolve(__dirname, '../fixtures/sign-vectors.json');
const { secret, vectors } = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as SignVectors;

const asSigned = (vector: SignVector): SignedParams<MessageKind> => vector.params as SignedParams<MessageKind>;
const label = (vector: SignVector, index: number): string => `#${index} ${vector.kind} (mrn ${vector.params.mrn})`;
const cases = vectors.map((vector, index) => [label(vector, index), vector] as const);

/** The vector that every rejection below starts from: a pay-in callback, the message we verify most. */
const callback = vectors.find((v) => v.kind === 'payment.callback')!;
const received = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...callback.params,
  sign: callback.sign,
  ...overrides,
});

describe('the independently computed sign vectors', () => {
  it('cover every message kind', () => {
    expect(new Set(vectors.map((v) => v.kind))).toEqual(new Set(MESSAGE_KINDS));
  });

  it.each(cases)('%s: signString is the exact string the platform hashes', (_name, vector) => {
    expect(signString(vector.kind, asSigned(vector), secret)).toBe(vector.signString);
  });

  it.each(cases)('%s: sign reproduces the expected lowercase hex MD5', (_name, vector) => {
    expect(sign(vector.kind, asSigned(vector), secret)).toBe(vector.sign);
  });

  it.each(cases)('%s: verify accepts the params with their sign', (_name, vector) => {
    expect(verify(vector.kind, { ...vector.params, sign: vector.sign }, secret)).toEqual({ ok: true });
  });
});

describe('verify rejects', () => {
  it('a message whose signed field was tampered with', () => {
    expect(verify('payment.callback', received({ amount: '9999.98' }), secret)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('a message signed with another secret', () => {
    const forged = sign('payment.callback', asSigned(callback), 'not-the-merchant-secret');
    expect(verify('payment.callback', received({ sign: forged }), secret)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('a correct signature written in upper-case hex, because the protocol says lowercase hex', () => {
    const result = verify('payment.callback', received({ sign: callback.sign.toUpperCase() }), secret);
    expect(result).toEqual({ ok: false, reason: 'sign is not 32 lowercase hex characters' });
  });

  it('a sign that is not 32 hex characters', () => {
    expect(verify('payment.callback', received({ sign: callback.sign.slice(0, 31) }), secret).ok).toBe(false);
    expect(verify('payment.callback', received({ sign: `${callback.sign}0` }), secret).ok).toBe(false);
    expect(verify('payment.callback', received({ sign: '' }), secret).ok).toBe(false);
  });

  it('a message without sign', () => {
    const { sign: _omitted, ...unsigned } = received();
    expect(verify('payment.callback', unsigned, secret)).toEqual({ ok: false, reason: 'missing field sign' });
  });

  it('a message missing a signed field, naming the field', () => {
    const { originAmount: _omitted, ...partial } = received();
    expect(verify('payment.callback', partial, secret)).toEqual({ ok: false, reason: 'missing field originAmount' });
  });

  it('a signed field that is not a string (a repeated form field, a number), naming the field', () => {
    expect(verify('payment.callback', received({ amount: ['99.98', '99.98'] }), secret)).toEqual({
      ok: false,
      reason: 'field amount is not a single string',
    });
    expect(verify('payment.callback', received({ channel: 2 }), secret)).toEqual({
      ok: false,
      reason: 'field channel is not a single string',
    });
  });

  it('a sign that is not a single string, naming it', () => {
    expect(verify('payment.callback', received({ sign: [callback.sign, callback.sign] }), secret)).toEqual({
      ok: false,
      reason: 'field sign is not a single string',
    });
  });

  it('a pay-in callback presented as a payout callback (same fields present, other signed set)', () => {
    expect(verify('payout.callback', received(), secret)).toEqual({ ok: false, reason: 'signature mismatch' });
  });
});

describe('fields outside the signed set', () => {
  it('an extra unsigned field such as payer does not change acceptance', () => {
    expect(verify('payment.callback', received({ payer: '张三' }), secret)).toEqual({ ok: true });
  });

  it('an extra unsigned field does not change the signature', () => {
    const create = vectors.find((v) => v.kind === 'payment.create')!;
    const withPayer = asSigned({ ...create, params: { ...create.params, payer: '李四' } });
    expect(sign('payment.create', withPayer, secret)).toBe(create.sign);
  });
});

describe('values are signed exactly as written', () => {
  it('100.00 and 100 sign differently', () => {
    const create = vectors.find((v) => v.kind === 'payment.create' && v.params.amount === '100.00')!;
    const whole = asSigned({ ...create, params: { ...create.params, amount: '100' } });
    expect(sign('payment.create', whole, secret)).not.toBe(create.sign);
    expect(verify('payment.create', { ...create.params, amount: '100', sign: create.sign }, secret).ok).toBe(false);
  });

  it('values are neither trimmed nor URL-encoded', () => {
    const params = { appKey: ' mch-10086', mrn: 'a b&c' };
    expect(signString('payment.query', params, 's')).toBe('appKey= mch-10086&mrn=a b&c&key=s');
  });
});

describe('safeEqual', () => {
  it('is true for equal strings, including empty and non-ASCII ones', () => {
    expect(safeEqual('mch-10086', 'mch-10086')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('商户', '商户')).toBe(true);
  });

  it('is false for different contents, lengths and case', () => {
    expect(safeEqual('mch-10086', 'mch-10087')).toBe(false);
    expect(safeEqual('mch-10086', 'mch-1008')).toBe(false);
    expect(safeEqual('token', '')).toBe(false);
    expect(safeEqual('abc', 'ABC')).toBe(false);
  });
});

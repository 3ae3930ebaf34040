import {
  fenToDecimal,
  fenToWholeYuan,
  isFen,
  parseDecimal,
  parseWholeYuan,
  renderPaymentAmount,
  renderPayoutAmount,
} from '../../src/gateway';

describe('pay-in amounts: fen → "yuan.jiao-fen" with exactly two decimals', () => {
  it.each([
    [0, '0.00'],
    [1, '0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [10050, '100.50'],
    [10000, '100.00'],
    [9999999999, '99999999.99'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%d fen renders as "%s"', (fen, text) => {
    expect(fenToDecimal(fen)).toBe(text);
  });

  it('the pay-in wire format is fenToDecimal', () => {
    expect(renderPaymentAmount).toBe(fenToDecimal);
  });
});

describe('pay-in amounts: parsing a decimal with at most two places', () => {
  it.each([
    ['0.01', 1],
    ['0.1', 10],
    ['100', 10000],
    ['100.5', 10050],
    ['100.50', 10050],
    ['100.00', 10000],
    ['0', 0],
    ['0.00', 0],
    ['99999999.99', 9999999999],
    ['9999999999999.99', 999999999999999],
  ])('"%s" is %d fen', (text, fen) => {
    expect(parseDecimal(text)).toEqual({ ok: true, fen });
  });

  it.each([
    ['too many decimals', '1.234'],
    ['a sign', '-1'],
    ['a plus sign', '+1'],
    ['an exponent', '1e3'],
    ['a leading space', ' 1.00'],
    ['a trailing space', '1.00 '],
    ['a trailing newline', '1.00\n'],
    ['the empty string', ''],
    ['a leading zero', '01'],
    ['a dot without decimals', '1.'],
    ['a dot without a whole part', '.5'],
    ['a thousands separator', '1,000.00'],
    ['a decimal comma', '1,5'],
    ['hexadecimal', '0x10'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['full-width digits', '１００'],
    ['more than 13 whole digits', '10000000000000'],
  ])('rejects %s (%j) with a reason that quotes it', (_what, text) => {
    const result = parseDecimal(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(`"${text}"`);
  });
});

describe('payout amounts: whole yuan', () => {
  it.each([
    [0, '0'],
    [100, '1'],
    [50000, '500'],
    [999999999999900, '9999999999999'],
  ])('%d fen renders as "%s"', (fen, text) => {
    expect(fenToWholeYuan(fen)).toBe(text);
  });

  it('refuses to render an amount that is not whole yuan', () => {
    expect(() => fenToWholeYuan(150)).toThrow(RangeError);
    expect(() => fenToWholeYuan(1)).toThrow('whole yuan');
  });

  it('the payout wire format is fenToWholeYuan', () => {
    expect(renderPayoutAmount).toBe(fenToWholeYuan);
  });

  it.each([
    ['500', 50000],
    ['1', 100],
    ['9999999999999', 999999999999900],
  ])('"%s" is %d fen', (text, fen) => {
    expect(parseWholeYuan(text)).toEqual({ ok: true, fen });
  });

  it.each([
    ['zero (a payout is positive)', '0'],
    ['decimals', '1.5'],
    ['decimal zeros', '500.00'],
    ['letters', '12a'],
    ['a leading zero', '05'],
    ['a sign', '-5'],
    ['an exponent', '1e3'],
    ['the empty string', ''],
    ['a space', ' 500'],
    ['more than 13 digits', '10000000000000'],
  ])('rejects %s (%j)', (_what, text) => {
    const result = parseWholeYuan(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(`"${text}"`);
  });
});

describe('renderers accept only a non-negative safe integer number of fen', () => {
  it.each([
    ['a fraction of a fen', 1.5],
    ['a float from yuan arithmetic', 0.29 * 100],
    ['a negative amount', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
  ])('%s (%d) is refused by both renderers', (_what, fen) => {
    expect(isFen(fen)).toBe(false);
    expect(() => fenToDecimal(fen)).toThrow(RangeError);
    expect(() => fenToWholeYuan(fen)).toThrow(RangeError);
  });

  it('isFen accepts zero and positive safe integers only', () => {
    expect(isFen(0)).toBe(true);
    expect(isFen(10050)).toBe(true);
    expect(isFen('100')).toBe(false);
    expect(isFen(undefined)).toBe(false);
  });
});

describe('no float arithmetic: values where yuan × 100 in floating point goes wrong', () => {
  // 0.29 * 100 = 28.999999999999996, 1.15 * 100 = 114.99999999999999, 4.35 * 100 = 434.99999999999994
  it.each([
    ['0.29', 29],
    ['1.15', 115],
    ['4.35', 435],
    ['8.20', 820],
    ['19.99', 1999],
    ['1234567.89', 123456789],
  ])('"%s" parses to exactly %d fen and renders back unchanged', (text, fen) => {
    expect(parseDecimal(text)).toEqual({ ok: true, fen });
    expect(fenToDecimal(fen)).toBe(text);
  });

  it('every amount from 0.00 to 1000.00 round-trips through render and parse', () => {
    for (let fen = 0; fen <= 100_000; fen += 1) {
      const parsed = parseDecimal(fenToDecimal(fen));
      if (!parsed.ok || parsed.fen !== fen) throw new Error(`${fen} fen did not round-trip: ${JSON.stringify(parsed)}`);
    }
  });
});

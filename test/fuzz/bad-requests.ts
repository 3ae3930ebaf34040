/**
 * Generators of bad requests, one defect each, for every route of the API: a valid request is
 * built first, then exactly one thing is made wrong (a field's type or value, a missing or extra
 * field, a duplicate key, the body's syntax, size or media type, the token, the signature), so
 * the answer can be expected to name what is wrong. Where "wrong" is decided by a rule the
 * generator cannot state as a pattern (amounts, dates, URLs), candidates are filtered through
 * the same rule, so nothing valid slips in.
 */
import fc from 'fast-check';
import { CheckoutLinks } from '../../src/api/orders/checkout-links';
import { CHANNEL_IDS } from '../../src/gateway/channels';
import { parseDecimal, parseWholeYuan } from '../../src/gateway/amount';
import { sign } from '../../src/gateway/signing';
import { PAYMENT_STATUSES, PAYOUT_STATUSES } from '../../src/contracts/status';
import type { BadRequest, FuzzRequest, FuzzSecrets } from './support';

/** Orders that exist (workflows started without a worker: any Temporal call about them would wait). */
export interface Fixtures {
  payments: string[];
  payouts: string[];
  /** Real nextCursor values: from the payments list filtered as `query` says, and from the payouts list. */
  paymentCursor: { filter: string; cursor: string };
  payoutCursor: { filter: string; cursor: string };
  /** Where the API would send the payer (publicUrl of the checkout links). */
  publicUrl: string;
}

type Json = Record<string, unknown>;

// ---- Characters and strings ----------------------------------------------------------------

/** Characters a name must never hold: controls, bidi controls, zero-width. */
const HIDDEN = ['\u0000', '\u0007', '\u0008', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f', '\u061c', '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2060', '\u2066', '\u2067', '\u2068', '\u2069', '\ufeff'];
/** Exotic but printable: combining marks, RTL letters, emoji, fullwidth and other-script digits, separators, noncharacters. */
const EXOTIC = ['\u0301', '\u05d0', '\u0627', '😀', '👩‍💻', '\uff11', '\u0661', '\u0966', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufffd', '\uffff', '\u{10ffff}', '𝟘', 'ß', 'İ', '\u0130'];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
const SYNTAX = [' ', '"', "'", '\\', '/', '.', ',', ':', ';', '%', '#', '?', '&', '=', '+', '<', '>', '{', '}', '[', ']', '`', '|', '$', '@', '*', '~', '^'];

const hiddenChar = fc.constantFrom(...HIDDEN);
const exoticChar = fc.constantFrom(...HIDDEN, ...EXOTIC, ...LONE_SURROGATES, ...SYNTAX);
/** Any text: ASCII, full Unicode, and the exotic characters above, often. */
const anyText = (maxLength = 40) =>
  fc.string({ maxLength, unit: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...'abcXYZ019-_') }, { weight: 2, arbitrary: exoticChar }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }) });
/** `text` with one character inserted somewhere. */
const withInserted = (text: string, char: fc.Arbitrary<string>) => fc.tuple(fc.nat({ max: text.length }), char).map(([at, c]) => text.slice(0, at) + c + text.slice(at));

/** encodeURIComponent that also writes lone surrogates (as the invalid UTF-8 a client might send). */
export function encodeLoose(value: string): string {
  let out = '';
  for (const char of value) {
    try {
      out += encodeURIComponent(char);
    } catch {
      const code = char.charCodeAt(0);
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
    }
  }
  return out;
}

/** JSON values of every type but `keep`. */
const jsonOfOtherType = (keep: 'string' | 'number' | 'integer' | 'object' | 'string|number') => {
  const choices: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })];
  if (!keep.includes('string')) choices.push(anyText());
  if (!keep.includes('number') && keep !== 'integer') choices.push(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })));
  if (keep === 'integer') choices.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
  if (keep !== 'object') choices.push(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }));
  return fc.oneof(...choices);
};

// ---- Oracles: the rules a pattern cannot say ---------------------------------------------------

const MAX_FEN = 100_000_000_000;
const paymentAmountOk = (value: string | number) => {
  const parsed = parseDecimal(typeof value === 'number' ? String(value) : value);
  return parsed.ok && parsed.fen > 0 && parsed.fen <= MAX_FEN && (typeof value !== 'string' || value.length <= 20);
};
const payoutAmountOk = (value: string | number) => {
  const parsed = parseWholeYuan(typeof value === 'number' ? String(value) : value);
  return parsed.ok && parsed.fen <= MAX_FEN && (typeof value !== 'string' || value.length <= 20);
};
const httpUrlOk = (value: string) => {
  if (value.length < 1 || value.length > 2048 || !/^https?:\/\//i.test(value)) return false;
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value) || /[\p{Cc}\s\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/u.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
};
const mrnOk = (value: string) => /^[A-Za-z0-9_-]{1,64}$/.test(value);

// ---- Valid requests, to break one thing of ---------------------------------------------------------

/** An mrn no order has (fixtures are FZfix…): every valid-looking request names an order that does not exist. */
const freshMrn = fc.string({ minLength: 12, maxLength: 24, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') }).map((tail) => `FZ${tail}`);

const validPayment: fc.Arbitrary<Json> = fc.record(
  {
    mrn: freshMrn,
    amount: fc.constantFrom('0.01', '100.00', '99.9', 5, 12.5),
    channelId: fc.constantFrom(...CHANNEL_IDS),
    returnUrl: fc.constantFrom('https://shop.example.com/paid', 'http://shop.example.com/r?x=1'),
    payer: fc.constantFrom('张三', 'Ann Lee'),
    notifyUrl: fc.constant('https://merchant.example.com/notify'),
    mode: fc.constantFrom('api', 'page'),
  },
  { requiredKeys: ['mrn', 'amount', 'channelId', 'returnUrl'] },
);

const validPayout: fc.Arbitrary<Json> = fc.record(
  {
    mrn: freshMrn,
    amount: fc.constantFrom(500, '500', 1),
    bankName: fc.constantFrom('中国工商银行', 'Bank of Example'),
    accountName: fc.constantFrom('张三丰', 'Ann Lee'),
    accountNumber: fc.constantFrom('6222021234567890123', '123456'),
    notifyUrl: fc.constant('https://merchant.example.com/notify'),
  },
  { requiredKeys: ['mrn', 'amount', 'bankName', 'accountName', 'accountNumber'] },
);

const validRecheck: fc.Arbitrary<Json> = fc.record({ reason: fc.constantFrom('asked by support', 'platform said paid') });
const validResolve: fc.Arbitrary<Json> = fc.record({ outcome: fc.constantFrom('succeeded', 'failed'), reason: fc.constantFrom('confirmed with support', 'bank statement') });

// ---- Body defects ---------------------------------------------------------------------------------

interface BodyDefect {
  defect: string;
  /** The raw body (exactly as sent) from the valid body. */
  body: (valid: Json) => string;
  contentType?: string | null;
  status?: number;
  mentions?: RegExp;
}

const JSON_TYPE = 'application/json';

const field = (name: string, defect: string, values: fc.Arbitrary<unknown>, mentions = new RegExp(name)): fc.Arbitrary<BodyDefect> =>
  values.map((value) => ({ defect: `${name}: ${defect}`, mentions, body: (valid: Json) => JSON.stringify({ ...valid, [name]: value }) }));

/** Defects any JSON-body route has, whatever its fields. */
function shapeDefects(required: readonly string[], known: readonly string[], sizeLimit: number): fc.Arbitrary<BodyDefect> {
  const missing = fc.constantFrom(...required).map((name) => ({
    defect: 'a required field missing',
    mentions: new RegExp(name),
    body: (valid: Json) => JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([key]) => key !== name))),
  }));
  const extra = fc.tuple(fc.oneof(anyText(20), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'amount ', 'Amount', 'MRN')), fc.jsonValue({ maxDepth: 2 })).filter(([key]) => !known.includes(key)).map(([key, value]) => ({
    defect: 'an extra field',
    // The key as TypeBox reports it, or the prototype-poisoning refusal of the JSON parser.
    mentions: /Unexpected property|not valid JSON/,
    body: (valid: Json) => JSON.stringify({ ...valid, [key]: value }),
  }));
  const duplicate = fc.tuple(fc.nat(), fc.boolean(), fc.boolean()).map(([pick, escaped, sameValue]) => ({
    defect: 'a duplicate key',
    mentions: /more than once/,
    body: (valid: Json) => {
      const keys = Object.keys(valid);
      const key = keys[pick % keys.length];
      const written = escaped ? `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"` : JSON.stringify(key);
      const value = sameValue ? valid[key] : typeof valid[key] === 'number' ? valid[key] + 1 : `${String(valid[key])}0`;
      return `${JSON.stringify(valid).slice(0, -1)},${written}:${JSON.stringify(value)}}`;
    },
  }));
  const notAnObject = fc.oneof(fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), anyText(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), fc.boolean()).map((value) => ({
    defect: 'a body that is not an object',
    mentions: /body/,
    body: () => JSON.stringify(value),
  }));
  const badSyntax = fc
    .tuple(fc.nat(), fc.constantFrom('truncated', 'trailing comma', 'single quotes', 'NaN', 'comment', 'raw control', 'bare word', 'two documents', 'lone surrogate escape pair'))
    .map(([cut, how]) => ({
      defect: `JSON syntax: ${how}`,
      mentions: /JSON/,
      status: 400,
      body: (valid: Json) => {
        const text = JSON.stringify(valid);
        switch (how) {
          case 'truncated':
            return text.slice(0, 1 + (cut % (text.length - 1)));
          case 'trailing comma':
            return `${text.slice(0, -1)},}`;
          case 'single quotes':
            return text.replace(/"/g, "'");
          case 'NaN':
            return `${text.slice(0, -1)},"n":NaN}`;
          case 'comment':
            return `/* c */${text}`;
          case 'raw control':
            return `${text.slice(0, -1)},"x":"a\u0001b"}`;
          case 'bare word':
            return `${text.slice(0, -1)},"x":undefined}`;
          case 'two documents':
            return `${text}${text}`;
          default:
            return `${text.slice(0, -1)},"x":"\\ud800\\"}`;
        }
      },
    }))
    .filter((defect) => !parsesAsJson(defect.body({ mrn: 'X1', amount: 1 })));
  const oversized = fc.integer({ min: sizeLimit + 1, max: sizeLimit + 40_000 }).map((size) => ({
    defect: 'an oversized body',
    status: 413,
    mentions: /too large/i,
    body: (valid: Json) => {
      const base = JSON.stringify(valid);
      return `${base.slice(0, -1)},"pad":"${'x'.repeat(Math.max(0, size - base.length))}"}`;
    },
  }));
  const empty = fc.constant({ defect: 'an empty body', status: 400, mentions: /empty/i, body: () => '' });
  const mediaType = fc.constantFrom('text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/jsonx', 'application/json-patch+json', 'image/png').map((contentType) => ({
    defect: `content-type ${contentType.split(';')[0]}`,
    contentType,
    // Fastify: 415 for a type it cannot read; text/plain is read as a string, which is not an object.
    mentions: /Unsupported Media Type|body: Expected object/,
    body: (valid: Json) => (contentType.includes('form-urlencoded') ? new URLSearchParams(valid as Record<string, string>).toString() : JSON.stringify(valid)),
  }));
  const noMediaType = fc.constant({ defect: 'no content-type', contentType: null, mentions: /Media Type|body/i, body: (valid: Json) => JSON.stringify(valid) });
  return fc.oneof(missing, extra, duplicate, notAnObject, badSyntax, oversized, empty, mediaType, noMediaType);
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const badMrnValue = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: 65, maxLength: 300, unit: fc.constantFrom(...'abcXYZ019-_') }),
  withInserted('FZbad1', exoticChar),
  anyText(80).filter((text) => !mrnOk(text)),
);

const notHttpUrl = fc.oneof(
  fc.constantFrom('', 'javascript:alert(1)', 'ftp://shop.example.com/x', '//shop.example.com/x', '/paid', 'shop.example.com', 'https://', 'http://', 'https://[::1', 'http://exa mple.com/', 'https://a:b:c/', 'http://%zz/', 'file:///etc/passwd', 'data:text/html,hi', 'HTTPS//x'),
  fc.string({ minLength: 2049, maxLength: 3000, unit: fc.constantFrom(...'abc/') }).map((tail) => `https://shop.example.com/${tail}`),
  anyText(60).filter((text) => !httpUrlOk(text)),
  withInserted('https://shop.example.com/paid', fc.constantFrom(...HIDDEN, ...LONE_SURROGATES, ' ', '\t')),
);
const privateUrl = fc.constantFrom(
  'http://127.0.0.1/notify',
  'http://127.1.2.3:8080/n',
  'http://localhost/notify',
  'http://api.localhost./n',
  'http://10.0.0.8/n',
  'http://172.16.5.4/n',
  'http://192.168.1.1/n',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]/n',
  'http://[fe80::1]/n',
  'http://[::ffff:127.0.0.1]/n',
  'http://0.0.0.0/n',
  'http://2130706433/n',
  'http://0x7f000001/n',
);

const badName = (name: string) =>
  fc.oneof(
    withInserted('Ann Lee', hiddenChar).map((value) => ({ what: 'a hidden character', value })),
    withInserted('Ann Lee', fc.constantFrom(...LONE_SURROGATES)).map((value) => ({ what: 'a lone surrogate', value })),
    fc.constantFrom(' Ann', 'Ann ', '\u3000Ann', 'Ann\u00a0').map((value) => ({ what: 'edge spaces', value })),
    fc.constant({ what: 'empty', value: '' }),
    fc.string({ minLength: 65, maxLength: 200, unit: fc.constantFrom(...'ab张') }).map((value) => ({ what: 'too long', value })),
    jsonOfOtherType('string').map((value) => ({ what: 'wrong type', value })),
  ).map(({ what, value }) => ({ defect: `${name}: ${what}`, mentions: new RegExp(name), body: (valid: Json) => JSON.stringify({ ...valid, [name]: value }) }) as BodyDefect);

const badPaymentAmount = fc.oneof(
  fc.oneof(
    fc.integer({ max: 0 }).map(String),
    fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }).map(String),
    fc.integer({ min: 1, max: 10_000_000 }).map((n) => `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, '0')}`),
    fc.constantFrom('', ' ', '1.', '.5', '1,00', '1e3', '+1', '0x10', 'NaN', 'Infinity', '-0.00', '0.00', '１００', '١٠٠', '100.00 ', ' 100.00', '1_000', '1000000000.01', '99999999999999999999'),
    withInserted('100.00', exoticChar),
    anyText(25),
  ).filter((text) => !paymentAmountOk(text)),
  fc.oneof(fc.integer({ max: 0 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1e21, -1e-7, 0.001, 2 ** 53 + 1, 1.005, Number.MAX_VALUE, Number.MIN_VALUE)).filter((n) => !paymentAmountOk(n)),
  jsonOfOtherType('string|number'),
);

const badPayoutAmount = fc.oneof(
  fc.oneof(
    fc.integer({ max: 0 }).map(String),
    fc.constantFrom('', '1.5', '1.50', '500.00', '05', '1e3', '+5', '5 ', ' 5', '五百', '５００', '1000000001', '9999999999999', '0'),
    withInserted('500', exoticChar),
    anyText(25),
  ).filter((text) => !payoutAmountOk(text)),
  fc.oneof(fc.integer({ max: 0 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(1.5, 0.1, 1e21, 2 ** 53 + 1, 1e10, Number.MAX_VALUE)).filter((n) => !payoutAmountOk(n)),
  jsonOfOtherType('string|number'),
);

/** A number written as JSON.stringify never would (1e400 reads as Infinity), in place of field `name`. */
const rawNumber = (name: string, stillValid: (value: number) => boolean): fc.Arbitrary<BodyDefect> =>
  fc
    .constantFrom('1e400', '-1e400', '1E+999', '-0', '0e0', '1.0e-400', '0.0000000000000000000000001', '123456789012345678901234567890', '1.7976931348623157e309', '1.5', '-1', '2.50', '1e2', '5e2', '2.0')
    .filter((raw) => !stillValid(JSON.parse(raw) as number))
    .map((raw) => ({
      defect: `${name}: a raw JSON number`,
      mentions: new RegExp(name),
      body: (valid: Json) => `${JSON.stringify({ ...valid, [name]: 0 }).replace(new RegExp(`"${name}":0`), `"${name}":${raw}`)}`,
    }));

/** A value nested thousands of levels deep, within the size limit. */
const deeplyNested = (name: string): fc.Arbitrary<BodyDefect> =>
  fc.tuple(fc.integer({ min: 1_000, max: 10_000 }), fc.boolean()).map(([depth, objects]) => ({
    defect: 'a deeply nested value',
    mentions: new RegExp(name),
    body: (valid: Json) => {
      const nested = objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
      return `${JSON.stringify({ ...valid, [name]: 0 }).replace(new RegExp(`"${name}":0`), `"${name}":${nested}`)}`;
    },
  }));

const PAYMENT_FIELDS = ['mrn', 'amount', 'channelId', 'returnUrl', 'payer', 'notifyUrl', 'mode'];
const paymentDefects: fc.Arbitrary<BodyDefect> = fc.oneof(
  { weight: 4, arbitrary: shapeDefects(['amount', 'channelId', 'returnUrl'], PAYMENT_FIELDS, 64 * 1024) },
  { weight: 4, arbitrary: field('amount', 'not a valid amount', badPaymentAmount) },
  { weight: 1, arbitrary: rawNumber('amount', paymentAmountOk) },
  { weight: 1, arbitrary: rawNumber('channelId', (n) => CHANNEL_IDS.includes(n)) },
  { weight: 1, arbitrary: deeplyNested('amount') },
  {
    weight: 2,
    arbitrary: field('channelId', 'not a channel', fc.oneof(fc.integer().filter((n) => !CHANNEL_IDS.includes(n)), fc.constantFrom(1e300, -0.5, 2.5, 2 ** 53), jsonOfOtherType('integer'))),
  },
  { weight: 2, arbitrary: field('returnUrl', 'not an absolute http(s) URL', fc.oneof(notHttpUrl, jsonOfOtherType('string'))) },
  { weight: 2, arbitrary: field('notifyUrl', 'not a public http(s) URL', fc.oneof(notHttpUrl, privateUrl, jsonOfOtherType('string'))) },
  { weight: 2, arbitrary: field('mrn', 'outside the alphabet', fc.oneof(badMrnValue, jsonOfOtherType('string'))) },
  { weight: 2, arbitrary: badName('payer') },
  { weight: 1, arbitrary: field('mode', 'unknown', fc.oneof(anyText(10).filter((text) => text !== 'api' && text !== 'page'), jsonOfOtherType('string'))) },
);

const PAYOUT_FIELDS = ['mrn', 'amount', 'bankName', 'accountName', 'accountNumber', 'notifyUrl'];
const payoutDefects: fc.Arbitrary<BodyDefect> = fc.oneof(
  { weight: 4, arbitrary: shapeDefects(['amount', 'bankName', 'accountName', 'accountNumber'], PAYOUT_FIELDS, 64 * 1024) },
  { weight: 4, arbitrary: field('amount', 'not whole yuan', badPayoutAmount) },
  { weight: 1, arbitrary: rawNumber('amount', payoutAmountOk) },
  { weight: 1, arbitrary: deeplyNested('bankName') },
  { weight: 2, arbitrary: badName('bankName') },
  { weight: 2, arbitrary: badName('accountName') },
  {
    weight: 2,
    arbitrary: field(
      'accountNumber',
      'not 6-32 digits',
      fc.oneof(
        fc.oneof(fc.stringMatching(/^[0-9]{0,5}$/), fc.stringMatching(/^[0-9]{33,40}$/), withInserted('6222021234', exoticChar), fc.constantFrom('６２２２０２１２', '٦٢٢٢٠٢١٢', '6222 0212 3456', '-622202')).filter((text) => !/^[0-9]{6,32}$/.test(text)),
        jsonOfOtherType('string'),
      ),
    ),
  },
  { weight: 2, arbitrary: field('notifyUrl', 'not a public http(s) URL', fc.oneof(notHttpUrl, privateUrl, jsonOfOtherType('string'))) },
  { weight: 2, arbitrary: field('mrn', 'outside the alphabet', fc.oneof(badMrnValue, jsonOfOtherType('string'))) },
);

const badReason = fc.oneof(
  fc.constantFrom('', 'a', 'ab').map((value) => ({ what: 'too short', value })),
  fc.constantFrom('   ', ' \t a ', '\n\n\n', '\u00a0\u00a0\u00a0', ' ab ', '\u3000x\u3000').map((value) => ({ what: 'blank', value })),
  fc.string({ minLength: 501, maxLength: 800, unit: fc.constantFrom(...'ab ') }).map((value) => ({ what: 'too long', value })),
  jsonOfOtherType('string').map((value) => ({ what: 'wrong type', value })),
);
const recheckDefects: fc.Arbitrary<BodyDefect> = fc.oneof(
  { weight: 3, arbitrary: shapeDefects(['reason'], ['reason'], 64 * 1024) },
  { weight: 2, arbitrary: badReason.map(({ what, value }) => ({ defect: `reason: ${what}`, mentions: /reason/, body: () => JSON.stringify({ reason: value }) })) },
);
const resolveDefects: fc.Arbitrary<BodyDefect> = fc.oneof(
  { weight: 3, arbitrary: shapeDefects(['outcome', 'reason'], ['outcome', 'reason'], 64 * 1024) },
  { weight: 1, arbitrary: badReason.map(({ what, value }) => ({ defect: `reason: ${what}`, mentions: /reason/, body: (valid: Json) => JSON.stringify({ ...valid, reason: value }) })) },
  {
    weight: 1,
    arbitrary: field('outcome', 'unknown', fc.oneof(fc.constantFrom('success', 'Succeeded', 'SUCCEEDED', 'pending', 'succeeded ', ''), anyText(12), jsonOfOtherType('string')).filter((value) => value !== 'succeeded' && value !== 'failed'), /outcome|Expected one of/),
  },
);

// ---- Requests ------------------------------------------------------------------------------------

const bearer = (secrets: FuzzSecrets) => ({ authorization: `Bearer ${secrets.apiToken}` });

function bodyRequest(route: string, url: string, headers: Record<string, string>, valid: Json, defect: BodyDefect): BadRequest {
  const sent: Record<string, string> = { ...headers };
  const contentType = defect.contentType === undefined ? JSON_TYPE : defect.contentType;
  if (contentType !== null) sent['content-type'] = contentType;
  return {
    route,
    defect: defect.defect,
    method: 'POST',
    url,
    headers: sent,
    body: defect.body(valid),
    expect: { format: 'json', ...(defect.status === undefined ? {} : { status: defect.status }), ...(defect.mentions === undefined ? {} : { mentions: defect.mentions }) },
  };
}

/** Wrong or missing bearer tokens, on every /v1 route. */
function badAuth(secrets: FuzzSecrets): fc.Arbitrary<BadRequest> {
  const token = secrets.apiToken;
  const header = fc.oneof(
    fc.constant<string | null>(null),
    fc.constantFrom(
      '',
      'Bearer',
      'Bearer ',
      `Bearer  ${token}`,
      `bearer ${token}`,
      `BEARER ${token}`,
      `Basic ${token}`,
      token,
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Bearer ${token.toUpperCase()}`,
      `Bearer ${secrets.operatorToken}`,
      `Bearer ${token},Bearer ${token}`,
    ),
    // What HTTP lets a header carry: tab, visible ASCII and space, obs-text (0x80-0xff).
    fc.string({ maxLength: 60, unit: 'binary-ascii' }).filter((text) => /^[\t\x20-\x7e]*$/.test(text)).map((text) => `Bearer ${text}`),
    fc.string({ maxLength: 60, unit: fc.constantFrom(...'\u00e9\u00ff\u00a0abc') }).map((text) => `Bearer ${text}`),
    // HTTP drops the spaces around a header value: "Bearer <token> " is the right token.
  ).filter((value) => value?.replace(/^[ \t]+|[ \t]+$/g, '') !== `Bearer ${token}`);
  const target = fc.constantFrom(
    { route: 'POST /v1/payments', method: 'POST' as const, url: '/v1/payments', body: '{"amount":"1.00","channelId":2,"returnUrl":"https://shop.example.com/"}' },
    { route: 'POST /v1/payouts', method: 'POST' as const, url: '/v1/payouts', body: '{"amount":500,"bankName":"b","accountName":"a","accountNumber":"123456"}' },
    { route: 'GET /v1/payments', method: 'GET' as const, url: '/v1/payments?status=pending' },
    { route: 'GET /v1/payouts', method: 'GET' as const, url: '/v1/payouts' },
    { route: 'GET /v1/payments/:mrn', method: 'GET' as const, url: '/v1/payments/FZauth1' },
    { route: 'GET /v1/payouts/:mrn', method: 'GET' as const, url: '/v1/payouts/FZauth1' },
    { route: 'POST /v1/payouts/:mrn/recheck', method: 'POST' as const, url: '/v1/payouts/FZauth1/recheck', body: '{"reason":"asked by support"}' },
    { route: 'POST /v1/payouts/:mrn/resolve', method: 'POST' as const, url: '/v1/payouts/FZauth1/resolve', body: '{"outcome":"failed","reason":"asked by support"}' },
    { route: 'GET /v1/exports/payments.csv', method: 'GET' as const, url: '/v1/exports/payments.csv?status=succeeded' },
    { route: 'GET /v1/exports/payouts.csv', method: 'GET' as const, url: '/v1/exports/payouts.csv' },
  );
  return fc.tuple(target, header).map(([{ route, method, url, body }, authorization]) => ({
    route,
    defect: authorization === null ? 'auth: no header' : 'auth: wrong bearer token',
    method,
    url,
    headers: { ...(authorization === null ? {} : { authorization }), ...(body === undefined ? {} : { 'content-type': JSON_TYPE }) },
    ...(body === undefined ? {} : { body }),
    expect: { status: 401, format: 'json', mentions: /token/ },
  }));
}

function createRequests(secrets: FuzzSecrets): fc.Arbitrary<BadRequest> {
  return fc.oneof(
    fc.tuple(validPayment, paymentDefects).map(([valid, defect]) => bodyRequest('POST /v1/payments', '/v1/payments', bearer(secrets), valid, defect)),
    fc.tuple(validPayout, payoutDefects).map(([valid, defect]) => bodyRequest('POST /v1/payouts', '/v1/payouts', bearer(secrets), valid, defect)),
  );
}

/** List filters: one parameter wrong, the others valid or absent. */
function listRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<BadRequest> {
  const kinds = fc.constantFrom('payments' as const, 'payouts' as const);
  const validParams = (kind: 'payments' | 'payouts') =>
    fc.record(
      {
        status: fc.constantFrom(...(kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES)),
        ...(kind === 'payments' ? { channelId: fc.constantFrom(...CHANNEL_IDS.map(String)) } : {}),
        needsAttention: fc.constantFrom('true', 'false'),
        amountMismatch: fc.constantFrom('true', 'false'),
        createdFrom: fc.constantFrom('2026-01-01T00:00:00Z', '2025-06-30'),
        createdTo: fc.constantFrom('2030-01-01T00:00:00.000Z'),
        pageSize: fc.constantFrom('1', '20', '100'),
      },
      { requiredKeys: [] },
    );
  const notADate = anyText(45).filter((text) => text.length > 40 || Number.isNaN(Date.parse(text)));
  type ParamDefect = { param: string; what: string; value: string | string[] | null; raw?: boolean };
  const paramDefect = (kind: 'payments' | 'payouts'): fc.Arbitrary<ParamDefect> => {
    const statuses: readonly string[] = kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES;
    const otherKind = kind === 'payments' ? fixtures.payoutCursor : fixtures.paymentCursor;
    const ownKind = kind === 'payments' ? fixtures.paymentCursor : fixtures.payoutCursor;
    return fc.oneof(
      fc.oneof(anyText(20), fc.constantFrom('PENDING', 'pending ', 'expired', 'lost', '')).filter((text) => !statuses.includes(text)).map((value) => ({ param: 'status', what: 'unknown', value })),
      kind === 'payments'
        ? fc.oneof(fc.constantFrom('0', '16', '99', '100', '-1', '2.0', ' 2', '02x', '', '１'), anyText(5)).filter((text) => !CHANNEL_IDS.map(String).includes(text) && text !== '02' && text !== '01' && !/^0[1-9]$/.test(text)).map((value) => ({ param: 'channelId', what: 'not a channel', value }))
        : fc.constantFrom('2', 'x').map((value) => ({ param: 'channelId', what: 'not a payout filter', value })),
      fc.tuple(fc.constantFrom('needsAttention', 'amountMismatch'), fc.oneof(fc.constantFrom('1', '0', 'TRUE', 'yes', 'True', 'false ', ''), anyText(8))).filter(([, value]) => value !== 'true' && value !== 'false').map(([param, value]) => ({ param, what: 'not a boolean', value })),
      fc.tuple(fc.constantFrom('createdFrom', 'createdTo'), fc.oneof(notADate, fc.constantFrom('yesterday', '2026-13-45', '2026-02-30T25:00:00Z', 'now', ''))).filter(([, value]) => value.length > 40 || Number.isNaN(Date.parse(value))).map(([param, value]) => ({ param, what: 'not a date-time', value })),
      // Dates JavaScript reads but the visibility store cannot.
      fc.tuple(fc.constantFrom('createdFrom', 'createdTo'), fc.constantFrom('+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z', '+010000-01-01T00:00:00Z', '-000001-12-31T00:00:00Z')).map(([param, value]) => ({ param, what: 'a year out of range', value })),
      fc.oneof(fc.constantFrom('0', '101', '999', '1000', '-1', '1.5', '', ' 5', '1e2', 'ten'), anyText(4)).filter((text) => !/^[0-9]{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100).map((value) => ({ param: 'pageSize', what: 'out of range', value })),
      fc.oneof(
        fc.constantFrom('>3k', '', '=', '==', 'null', 'undefined', '%00').map((value) => ({ what: 'garbage', value })),
        anyText(60).map((value) => ({ what: 'garbage', value })),
        fc.uint8Array({ minLength: 1, maxLength: 120 }).map((bytes) => ({ what: 'well-formed base64url, not ours', value: Buffer.from(bytes).toString('base64url') })),
        fc.string({ minLength: 4097, maxLength: 6000, unit: fc.constantFrom(...'AZaz09-_') }).map((value) => ({ what: 'too long', value })),
        fc.tuple(fc.nat(), fc.constantFrom(...'ABCabc012-_')).map(([at, char]) => {
          const cursor = ownKind.cursor;
          const index = at % cursor.length;
          return { what: 'tampered', value: cursor.slice(0, index) + (cursor[index] === char ? (char === 'A' ? 'B' : 'A') : char) + cursor.slice(index + 1) };
        }),
        fc.constant({ what: 'of the other kind of order', value: otherKind.cursor }),
        fc.constant({ what: 'of other filters', value: ownKind.cursor, otherFilters: true }),
      ).map(({ what, value }) => ({ param: 'cursor', what, value })),
      fc.tuple(anyText(12), anyText(12)).filter(([key]) => !['status', 'channelId', 'needsAttention', 'amountMismatch', 'createdFrom', 'createdTo', 'pageSize', 'cursor', ''].includes(key)).map(([param, value]) => ({ param, what: 'unknown parameter', value })),
      fc.constantFrom('status', 'pageSize', 'needsAttention', 'cursor').map((param) => ({ param, what: 'given twice', value: param === 'status' ? ['pending', 'pending'] : param === 'pageSize' ? ['1', '2'] : param === 'cursor' ? [ownKind.cursor, ownKind.cursor] : ['true', 'false'] })),
      fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF').map((value) => ({ param: 'status', what: 'broken percent-encoding', value, raw: true })),
    );
  };
  return kinds.chain((kind) =>
    fc.tuple(validParams(kind), paramDefect(kind)).map(([params, defect]) => {
      const query: [string, string][] = [];
      const own = kind === 'payments' ? fixtures.paymentCursor : fixtures.payoutCursor;
      if (defect.param === 'cursor' && defect.what !== 'of other filters' && defect.what !== 'of the other kind of order') {
        // Sent with the filters it belongs to, so only the cursor itself is wrong.
        for (const pair of new URLSearchParams(own.filter)) query.push(pair);
      } else if (defect.param !== 'cursor') {
        for (const [key, value] of Object.entries(params)) if (key !== defect.param) query.push([key, value]);
      }
      const encoded = query.map(([key, value]) => `${encodeLoose(key)}=${encodeLoose(value)}`);
      const values = Array.isArray(defect.value) ? defect.value : [defect.value ?? ''];
      for (const value of values) encoded.push(`${encodeLoose(defect.param)}=${defect.raw ? value : encodeLoose(value)}`);
      // A filter parameter's own name is in the message; an unknown one is reported as an unexpected property.
      const mentions = defect.what === 'unknown parameter' || (kind === 'payouts' && defect.param === 'channelId') ? /Unexpected property|querystring/ : new RegExp(escapeRegExp(defect.param));
      return {
        route: `GET /v1/${kind}`,
        defect: defect.what === 'unknown parameter' ? 'an unknown parameter' : `${defect.param}: ${defect.what}`,
        method: 'GET',
        url: `/v1/${kind}?${encoded.join('&')}`,
        headers: bearer(secrets),
        expect: { status: 400, format: 'json', mentions },
      } satisfies BadRequest;
    }),
  );
}

/** Export filters: one parameter wrong, the others valid or absent; always a JSON 400 before any byte of CSV. */
function exportRequests(secrets: FuzzSecrets): fc.Arbitrary<BadRequest> {
  const kinds = fc.constantFrom('payments' as const, 'payouts' as const);
  const validParams = (kind: 'payments' | 'payouts') =>
    fc.record(
      {
        status: fc.constantFrom(...(kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES)),
        createdFrom: fc.constantFrom('2026-01-01T00:00:00Z', '2025-06-30'),
        createdTo: fc.constantFrom('2030-01-01T00:00:00.000Z'),
      },
      { requiredKeys: [] },
    );
  const notADate = anyText(45).filter((text) => text.length > 40 || Number.isNaN(Date.parse(text)));
  /** `only`: the one other parameter sent (instead of the valid ones); `mentions`: what the message must say, when not the parameter's name. */
  type ParamDefect = { param: string; what: string; value: string | string[]; raw?: boolean; only?: string; mentions?: RegExp };
  const paramDefect = (kind: 'payments' | 'payouts'): fc.Arbitrary<ParamDefect> => {
    const statuses: readonly string[] = kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES;
    return fc.oneof(
      fc.oneof(anyText(20), fc.constantFrom('PENDING', 'pending ', 'lost', '', ...(kind === 'payouts' ? ['expired'] : []))).filter((text) => !statuses.includes(text)).map((value) => ({ param: 'status', what: 'unknown', value })),
      fc.tuple(fc.constantFrom('createdFrom', 'createdTo'), fc.oneof(notADate, fc.constantFrom('yesterday', '2026-13-45', '2026-02-30T25:00:00Z', 'now', ''))).filter(([, value]) => value.length > 40 || Number.isNaN(Date.parse(value))).map(([param, value]) => ({ param, what: 'not a date-time', value })),
      fc.tuple(fc.constantFrom('createdFrom', 'createdTo'), fc.constantFrom('+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z', '+010000-01-01T00:00:00Z', '-000001-12-31T00:00:00Z')).map(([param, value]) => ({ param, what: 'a year out of range', value })),
      // From at or after to: the two dates alone, each valid by itself.
      fc.tuple(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), fc.nat({ max: 10 ** 9 })).map(([from, back]) => ({
        param: 'createdTo',
        what: 'not after createdFrom',
        value: new Date(from.getTime() - back).toISOString(),
        only: `createdFrom=${encodeURIComponent(from.toISOString())}`,
        mentions: /createdTo: must be after createdFrom/,
      })),
      fc.tuple(anyText(12), anyText(12)).filter(([key]) => !['status', 'createdFrom', 'createdTo', ''].includes(key)).map(([param, value]) => ({ param, what: 'unknown parameter', value })),
      fc.constantFrom('channelId', 'pageSize', 'cursor', 'needsAttention').map((param) => ({ param, what: 'unknown parameter', value: param === 'channelId' ? '2' : param === 'pageSize' ? '10' : param === 'cursor' ? 'AAAA' : 'true' })),
      fc.constantFrom('status', 'createdFrom').map((param) => ({ param, what: 'given twice', value: param === 'status' ? ['pending', 'pending'] : ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'] })),
      fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF').map((value) => ({ param: 'status', what: 'broken percent-encoding', value, raw: true })),
    );
  };
  return kinds.chain((kind) =>
    fc.tuple(validParams(kind), paramDefect(kind)).map(([params, defect]) => {
      const encoded: string[] = [];
      if (defect.only !== undefined) encoded.push(defect.only);
      else for (const [key, value] of Object.entries(params)) if (key !== defect.param) encoded.push(`${encodeLoose(key)}=${encodeLoose(value)}`);
      const values = Array.isArray(defect.value) ? defect.value : [defect.value];
      for (const value of values) encoded.push(`${encodeLoose(defect.param)}=${defect.raw ? value : encodeLoose(value)}`);
      const mentions = defect.mentions ?? (defect.what === 'unknown parameter' ? /Unexpected property|querystring/ : new RegExp(escapeRegExp(defect.param)));
      return {
        route: `GET /v1/exports/${kind}.csv`,
        defect: defect.what === 'unknown parameter' ? 'an unknown parameter' : `${defect.param}: ${defect.what}`,
        method: 'GET',
        url: `/v1/exports/${kind}.csv?${encoded.join('&')}`,
        headers: bearer(secrets),
        expect: { status: 400, format: 'json', mentions },
      } satisfies BadRequest;
    }),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads and operator actions on an order: a bad mrn in the path, or a bad body (also on orders that exist). */
function orderRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<FuzzRequest> {
  const badPathMrn = fc.oneof(
    fc.string({ minLength: 65, maxLength: 200, unit: fc.constantFrom(...'abcXYZ019-_') }),
    withInserted('FZbad1', exoticChar),
    anyText(40).filter((text) => text !== '' && !mrnOk(text) && !/^[./]+$/.test(text) && !text.includes('/') && !text.includes('?') && !text.includes('#')),
  );
  const reads = fc.tuple(fc.constantFrom('payments', 'payouts'), badPathMrn).map(([kind, mrn]) => ({
    route: `GET /v1/${kind}/:mrn`,
    defect: 'mrn: outside the alphabet',
    method: 'GET' as const,
    url: `/v1/${kind}/${encodeLoose(mrn)}`,
    headers: bearer(secrets),
    expect: { format: 'json' as const, mentions: /mrn|no route|not a valid url/ },
  }));
  const unknownOrder = fc.tuple(fc.constantFrom('payments', 'payouts'), freshMrn).map(([kind, mrn]) => ({
    route: `GET /v1/${kind}/:mrn`,
    defect: 'an order that does not exist',
    oneRoundTrip: true as const,
    method: 'GET' as const,
    url: `/v1/${kind}/${mrn}`,
    headers: bearer(secrets),
    expect: { status: 404, format: 'json' as const, mentions: new RegExp(mrn) },
  }));
  const anyMrn = fc.oneof(freshMrn, fc.constantFrom(...fixtures.payouts));
  const actions = fc.oneof(
    fc.tuple(anyMrn, validRecheck, recheckDefects).map(([mrn, valid, defect]) => bodyRequest('POST /v1/payouts/:mrn/recheck', `/v1/payouts/${mrn}/recheck`, bearer(secrets), valid, defect)),
    fc.tuple(anyMrn, validResolve, resolveDefects).map(([mrn, valid, defect]) => bodyRequest('POST /v1/payouts/:mrn/resolve', `/v1/payouts/${mrn}/resolve`, bearer(secrets), valid, defect)),
    fc.tuple(fc.constantFrom('recheck', 'resolve'), badPathMrn, validResolve).map(([action, mrn, body]) => ({
      route: `POST /v1/payouts/:mrn/${action}`,
      defect: 'mrn: outside the alphabet',
      method: 'POST' as const,
      url: `/v1/payouts/${encodeLoose(mrn)}/${action}`,
      headers: { ...bearer(secrets), 'content-type': JSON_TYPE },
      body: JSON.stringify(action === 'recheck' ? { reason: body.reason } : body),
      expect: { format: 'json' as const, mentions: /mrn|no route|not a valid url/ },
    })),
    fc.tuple(fc.constantFrom('recheck', 'resolve'), freshMrn, validResolve).map(([action, mrn, body]) => ({
      route: `POST /v1/payouts/:mrn/${action}`,
      defect: 'a payout that does not exist',
      oneRoundTrip: true as const,
      method: 'POST' as const,
      url: `/v1/payouts/${mrn}/${action}`,
      headers: { ...bearer(secrets), 'content-type': JSON_TYPE },
      body: JSON.stringify(action === 'recheck' ? { reason: body.reason } : body),
      expect: { status: 404, format: 'json' as const, mentions: new RegExp(mrn) },
    })),
  );
  return fc.oneof({ weight: 2, arbitrary: reads }, { weight: 1, arbitrary: unknownOrder }, { weight: 4, arbitrary: actions });
}

/** The platform's callbacks: fields missing, repeated, unsigned, signed by someone else, or signed but malformed. */
function callbackRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<BadRequest> {
  const kinds = fc.constantFrom('payment' as const, 'payout' as const);
  const mrns = fc.oneof(freshMrn, fc.constantFrom(...fixtures.payments, ...fixtures.payouts));
  const signedFields = (kind: 'payment' | 'payout', values: Record<string, string>, secret = secrets.gatewaySecret) => {
    const message = kind === 'payment' ? ('payment.callback' as const) : ('payout.callback' as const);
    return { ...values, sign: sign(message, values as never, secret) };
  };
  const validValues = (kind: 'payment' | 'payout', mrn: string): Record<string, string> =>
    kind === 'payment' ? { appKey: secrets.appKey, mrn, amount: '100.00', originAmount: '100.00', channel: '2' } : { appKey: secrets.appKey, mrn, amount: '500' };
  type Defect = { what: string; fields: (kind: 'payment' | 'payout', mrn: string) => [string, string][] | string; status?: number; mentions?: RegExp; contentType?: string };
  const pairs = (record: Record<string, string>): [string, string][] => Object.entries(record);
  const defects = fc.oneof<fc.Arbitrary<Defect>[]>(
    fc.nat().map((pick) => ({
      what: 'a field missing',
      fields: (kind: 'payment' | 'payout', mrn: string) => {
        const all = pairs(signedFields(kind, validValues(kind, mrn)));
        return all.filter((_, index) => index !== pick % all.length);
      },
      mentions: /missing/,
    })),
    fc.tuple(fc.nat(), fc.boolean()).map(([pick, same]) => ({
      what: 'a field given twice',
      fields: (kind: 'payment' | 'payout', mrn: string) => {
        const all = pairs(signedFields(kind, validValues(kind, mrn)));
        const [name, value] = all[pick % all.length];
        return [...all, [name, same ? value : `${value}0`] as [string, string]];
      },
      mentions: /not a single/,
    })),
    fc.oneof(fc.constantFrom('', 'mch-other', `${secrets.appKey} `, secrets.appKey.toUpperCase()), anyText(20)).filter((appKey) => appKey !== secrets.appKey).map((appKey) => ({
      what: 'another appKey (signed with it)',
      fields: (kind: 'payment' | 'payout', mrn: string) => pairs(signedFields(kind, { ...validValues(kind, mrn), appKey })),
      status: 401,
      mentions: /appKey/,
    })),
    fc.oneof(
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.constantFrom('', 'x', '0'.repeat(31), '0'.repeat(33), 'G'.repeat(32)),
      anyText(40),
    ).map((given) => ({
      what: 'a wrong sign',
      fields: (kind: 'payment' | 'payout', mrn: string) => pairs({ ...validValues(kind, mrn), sign: given }),
      status: 401,
      mentions: /sign/,
    })),
    fc.constant({
      what: 'uppercase sign',
      fields: (kind: 'payment' | 'payout', mrn: string) => {
        const record = signedFields(kind, validValues(kind, mrn));
        // All digits would stay the same in upper case: then one digit is made a letter.
        const upper = /[a-f]/.test(record.sign) ? record.sign.toUpperCase() : `A${record.sign.slice(1)}`;
        return pairs({ ...record, sign: upper });
      },
      status: 401,
      mentions: /sign/,
    }),
    fc.constant({ what: 'signed with another secret', fields: (kind: 'payment' | 'payout', mrn: string) => pairs(signedFields(kind, validValues(kind, mrn), 'not-the-secret')), status: 401, mentions: /signature/ }),
    fc.tuple(fc.nat(), anyText(12)).map(([pick, change]) => ({
      what: 'a value changed after signing',
      fields: (kind: 'payment' | 'payout', mrn: string) => {
        const record: Record<string, string> = signedFields(kind, validValues(kind, mrn));
        const names = Object.keys(record).filter((name) => name !== 'sign' && name !== 'appKey');
        const name = names[pick % names.length];
        return pairs({ ...record, [name]: `${record[name]}${change || '1'}` });
      },
      status: 401,
      mentions: /signature/,
    })),
    fc.tuple(fc.constantFrom('amount', 'originAmount', 'channel'), fc.oneof(fc.constantFrom('', '-1', '1.005', '1e3', 'NaN', '１', ' 1', '1,00', '99999999999999999'), anyText(12))).map(([name, value]) => ({
      what: `signed, ${name} malformed`,
      fields: (kind: 'payment' | 'payout', mrn: string) => {
        const values = validValues(kind, mrn);
        const target = kind === 'payout' ? 'amount' : name;
        const broken = { ...values, [target]: value };
        const malformed = kind === 'payout' ? !parseWholeYuan(value).ok : target === 'channel' ? !/^[0-9]{1,3}$/.test(value) : !parseDecimal(value).ok;
        // Only a truly malformed value keeps this a bad request; else break the signature instead.
        return pairs(malformed ? signedFields(kind, broken) : { ...signedFields(kind, values), sign: 'f'.repeat(32) });
      },
      mentions: /amount|originAmount|channel|sign/,
    })),
    fc.constant({ what: 'an empty form', fields: () => '', mentions: /missing/ }),
    fc.integer({ min: 16 * 1024 + 1, max: 40_000 }).map((size) => ({
      what: 'an oversized form',
      fields: (kind: 'payment' | 'payout', mrn: string) => [...pairs(signedFields(kind, validValues(kind, mrn))), ['pad', 'x'.repeat(size)]] as [string, string][],
      status: 413,
    })),
    fc.constantFrom('%', '%zz', 'a=%E0%A4%A', '&&&', '=&=', 'mrn', 'a=1&a', '%ED%A0%80=1', '__proto__=x&constructor=y&amount=1', '__proto__[amount]=1&toString=x', 'hasOwnProperty=1&amount=1').map((raw) => ({ what: 'a broken form', fields: () => raw, mentions: /missing|not a single/ })),
    fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/xml').map((contentType) => ({
      what: `content-type ${contentType.split(';')[0]}`,
      contentType,
      // As JSON the values become numbers here, which no signed field may be.
      fields: (kind: 'payment' | 'payout', mrn: string) =>
        contentType === 'application/json' ? JSON.stringify({ ...signedFields(kind, validValues(kind, mrn)), amount: 100 }) : new URLSearchParams(signedFields(kind, validValues(kind, mrn))).toString(),
    })),
  );
  return fc.tuple(kinds, mrns, defects).map(([kind, mrn, defect]) => {
    const fields = defect.fields(kind, mrn);
    const body = typeof fields === 'string' ? fields : fields.map(([name, value]) => `${encodeLoose(name)}=${encodeLoose(value)}`).join('&');
    return {
      route: `POST /callbacks/${kind}s`,
      defect: kind === 'payout' && defect.what.startsWith('signed, ') ? 'signed, amount malformed' : defect.what,
      method: 'POST',
      url: `/callbacks/${kind}s`,
      headers: { 'content-type': defect.contentType ?? 'application/x-www-form-urlencoded' },
      body,
      expect: { format: 'platform', ...(defect.status === undefined ? {} : { status: defect.status }), ...(defect.mentions === undefined ? {} : { mentions: defect.mentions }) },
    } satisfies BadRequest;
  });
}

/** The operators' codec server: wrong tokens, bodies that are not payload lists, payloads that do not decrypt. */
function codecRequests(secrets: FuzzSecrets): fc.Arbitrary<BadRequest> {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const encrypted = (keyId: string, data: Uint8Array) => ({ metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64(keyId) }, data: Buffer.from(data).toString('base64') });
  const validBody = fc.constant({ payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"hi"') }] });
  const direction = fc.constantFrom('encode', 'decode');
  const badToken = fc.oneof(fc.constantFrom('', 'x', secrets.apiToken, `${secrets.operatorToken}x`, secrets.operatorToken.slice(1)), fc.string({ minLength: 1, maxLength: 40, unit: fc.constantFrom(...'abcXYZ019-_') })).filter((token) => token !== secrets.operatorToken);
  const auth = fc.oneof(
    fc.tuple(direction, badToken, validBody).map(([dir, token, body]) => ({
      route: `POST /codec/${dir}`,
      defect: token === '' ? 'no token' : 'a wrong operator token',
      url: `/codec/${dir}`,
      headers: (token === '' ? {} : { authorization: `Bearer ${token}` }) as Record<string, string>,
      body: JSON.stringify(body),
      status: 401,
      mentions: /token/,
    })),
    fc.tuple(direction, badToken.filter((token) => token !== ''), validBody).map(([dir, token, body]) => ({
      route: `POST /codec/:token/${dir}`,
      defect: 'a wrong operator token in the path',
      url: `/codec/${encodeLoose(token)}/${dir}`,
      headers: {} as Record<string, string>,
      body: JSON.stringify(body),
      status: 401,
      mentions: /token/,
    })),
    fc.tuple(direction, fc.string({ minLength: 257, maxLength: 400, unit: fc.constantFrom(...'abc') })).map(([dir, token]) => ({
      route: `POST /codec/:token/${dir}`,
      defect: 'a path token too long',
      url: `/codec/${token}/${dir}`,
      headers: {} as Record<string, string>,
      body: '{"payloads":[]}',
      status: 400,
      mentions: /token/,
    })),
  );
  const bodies = fc.oneof<fc.Arbitrary<{ defect: string; body: string; mentions: RegExp; status: number; decodeOnly?: boolean }>[]>(
    fc.oneof(
      fc.constant({}),
      fc.record({ payloads: jsonOfOtherType('object').filter((value) => !Array.isArray(value)) }),
      fc.record({ payloads: fc.array(jsonOfOtherType('object'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ payloads: fc.constant([{ metadata: { encoding: 5 } }]) }),
      fc.record({ payloads: fc.constant([{ data: 42 }]) }),
      fc.record({ payloads: fc.constant(new Array(1001).fill({})) }),
    ).map((body) => ({ defect: 'not a payload list', body: JSON.stringify(body), mentions: /payloads|body/, status: 400 })),
    fc.oneof(
      fc.uint8Array({ maxLength: 120 }).map((data) => encrypted(secrets.codecKeyId, data)),
      fc.tuple(anyText(10), fc.uint8Array({ minLength: 28, maxLength: 60 })).filter(([id]) => id !== secrets.codecKeyId).map(([id, data]) => encrypted(id, data)),
    ).map((payload) => ({ defect: 'a payload that does not decrypt', body: JSON.stringify({ payloads: [payload] }), mentions: /decrypt/, status: 400, decodeOnly: true })),
    fc.constantFrom('{"payloads":[]', '', '{"payloads":[],"payloads":[]}').map((body) => ({ defect: 'a broken body', body, mentions: /JSON|empty|more than once/, status: 400 })),
  );
  const withToken = fc.tuple(direction, bodies, fc.boolean()).map(([dir, body, inPath]) => ({
    route: inPath ? `POST /codec/:token/${body.decodeOnly ? 'decode' : dir}` : `POST /codec/${body.decodeOnly ? 'decode' : dir}`,
    defect: body.defect,
    url: inPath ? `/codec/${secrets.operatorToken}/${body.decodeOnly ? 'decode' : dir}` : `/codec/${body.decodeOnly ? 'decode' : dir}`,
    headers: (inPath ? {} : { authorization: `Bearer ${secrets.operatorToken}` }) as Record<string, string>,
    body: body.body,
    status: body.status,
    mentions: body.mentions,
  }));
  const namespace = fc.tuple(direction, anyText(12).filter((text) => text.trim() !== secrets.namespace && /^[\x20-\x7e]*$/.test(text))).map(([dir, namespace]) => ({
    route: `POST /codec/${dir}`,
    defect: 'another namespace',
    url: `/codec/${dir}`,
    headers: { authorization: `Bearer ${secrets.operatorToken}`, 'x-namespace': namespace },
    body: '{"payloads":[]}',
    status: 400,
    mentions: /namespace/i,
  }));
  const mediaType = fc.tuple(direction, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream')).map(([dir, contentType]) => ({
    route: `POST /codec/${dir}`,
    defect: `content-type ${contentType}`,
    url: `/codec/${dir}`,
    headers: { authorization: `Bearer ${secrets.operatorToken}`, 'content-type': contentType },
    body: '{"payloads":[]}',
    status: undefined,
    mentions: /Media Type|body/,
  }));
  return fc.oneof<fc.Arbitrary<{ route: string; defect: string; url: string; headers: Record<string, string>; body: string; status: number | undefined; mentions: RegExp }>[]>(auth, withToken, namespace, mediaType).map((request): BadRequest => ({
    route: request.route,
    defect: request.defect,
    method: 'POST',
    url: request.url,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    expect: { format: 'json', ...(request.status === undefined ? {} : { status: request.status }), mentions: request.mentions },
  }));
}

/** Page-mode checkout links: unsigned, badly signed, expired, or for an order that does not exist. */
function checkoutRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<BadRequest> {
  const links = new CheckoutLinks(secrets.apiToken, fixtures.publicUrl);
  const signedQuery = (mrn: string, expiresAt: Date) => new URL(links.url(mrn, expiresAt)).search;
  const cases = fc.oneof(
    fc.tuple(freshMrn, fc.stringMatching(/^[0-9a-f]{64}$/)).map(([mrn, sig]) => ({ defect: 'a wrong signature', url: `/checkout/payments/${mrn}?expires=${Math.floor(Date.now() / 1000) + 600}&sig=${sig}`, status: 403, format: 'page' as const })),
    fc.tuple(freshMrn, fc.oneof(anyText(30), fc.string({ minLength: 129, maxLength: 200, unit: fc.constantFrom(...'0af') }))).map(([mrn, sig]) => ({ defect: 'a malformed signature', url: `/checkout/payments/${mrn}?expires=${Math.floor(Date.now() / 1000) + 600}&sig=${encodeLoose(sig)}`, status: undefined, format: 'page' as const })),
    fc.tuple(fc.oneof(freshMrn, fc.constantFrom(...fixtures.payments)), fc.integer({ min: 1, max: 10 ** 8 })).map(([mrn, ago]) => ({ defect: 'an expired link', url: `/checkout/payments/${mrn}${signedQuery(mrn, new Date(Date.now() - ago * 1000))}`, status: 403, format: 'page' as const })),
    fc.tuple(freshMrn, fc.constantFrom('expires', 'sig')).map(([mrn, drop]) => {
      const query = new URLSearchParams(signedQuery(mrn, new Date(Date.now() + 600_000)));
      query.delete(drop);
      return { defect: `${drop} missing`, url: `/checkout/payments/${mrn}?${query.toString()}`, status: 400, format: 'json' as const };
    }),
    fc.tuple(freshMrn, fc.oneof(fc.constantFrom('', '-1', '1e9', '9999999999999', 'soon'), anyText(10)).filter((text) => !/^[0-9]{1,12}$/.test(text))).map(([mrn, expires]) => ({ defect: 'expires not a time', url: `/checkout/payments/${mrn}?expires=${encodeLoose(expires)}&sig=${'0'.repeat(64)}`, status: 400, format: 'json' as const })),
    fc.tuple(fc.oneof(withInserted('FZbad1', exoticChar), fc.string({ minLength: 65, maxLength: 100, unit: fc.constantFrom('a') }))).map(([mrn]) => ({ defect: 'mrn: outside the alphabet', url: `/checkout/payments/${encodeLoose(mrn)}?expires=1&sig=${'0'.repeat(64)}`, status: undefined, format: 'json' as const })),
    freshMrn.map((mrn) => ({ defect: 'a valid link to no order', url: `/checkout/payments/${mrn}${signedQuery(mrn, new Date(Date.now() + 600_000))}`, status: 404, format: 'json' as const })),
  );
  return cases.map(({ defect, url, status, format }) => ({
    route: 'GET /checkout/payments/:mrn',
    defect,
    method: 'GET',
    url,
    headers: {},
    expect: { format, ...(status === undefined ? {} : { status }) },
  }));
}

/** Methods and paths no route has. */
function unknownRoutes(secrets: FuzzSecrets): fc.Arbitrary<BadRequest> {
  const known = fc.constantFrom('/v1/payments', '/v1/payouts', '/v1/payments/FZx1', '/v1/payouts/FZx1', '/v1/payouts/FZx1/recheck', '/callbacks/payments', '/callbacks/payouts', '/codec/decode', '/healthz');
  const wrongMethod = fc.tuple(fc.constantFrom('PUT' as const, 'DELETE' as const, 'PATCH' as const), known).map(([method, url]) => ({ method, url, what: 'a method the path does not have' }));
  const wrongPath = fc.tuple(fc.constantFrom('GET' as const, 'POST' as const), fc.oneof(fc.constantFrom('/v2/payments', '/v1', '/v1/', '/v1/refunds', '/v1/payouts/FZx1/cancel', '/callbacks', '/callbacks/refunds', '/admin', '/v1/payments/FZx1/recheck', '/.env'), anyText(30).map((text) => `/v1/${encodeLoose(text)}/x/y`))).map(([method, url]) => ({ method, url, what: 'a path no route has' }));
  return fc.tuple(fc.oneof(wrongMethod, wrongPath), fc.boolean()).map(([{ method, url, what }, withToken]) => ({
    route: 'no such route',
    defect: what,
    method,
    url,
    headers: withToken ? bearer(secrets) : {},
    // 400 when the path is not even a valid URL (percent-encoded invalid UTF-8).
    expect: { format: 'json', mentions: /no route|not a valid url/ },
  }));
}

/**
 * Not wrong, but at the edges: lists and exports with every filter at its extremes (dates at year
 * 0000 and 9999, createdFrom after createdTo, pageSize 1 and 100), and the next page through a real
 * cursor. They read the order book and may answer 200: never a 5xx, never slowly.
 */
function oddRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<FuzzRequest> {
  const instant = fc.oneof(fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1970-01-01', '2026-11-25T00:00:00+14:00', '2026-11-25T00:00:00.123456789Z'), fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString()));
  const list = fc.constantFrom('payments' as const, 'payouts' as const).chain((kind) =>
    fc
      .record(
        {
          status: fc.constantFrom(...(kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES)),
          ...(kind === 'payments' ? { channelId: fc.constantFrom(...CHANNEL_IDS.map(String)) } : {}),
          needsAttention: fc.constantFrom('true', 'false'),
          amountMismatch: fc.constantFrom('true', 'false'),
          createdFrom: instant,
          createdTo: instant,
          pageSize: fc.constantFrom('1', '001', '100', '7'),
        },
        { requiredKeys: [] },
      )
      .map((params) => ({ kind, query: new URLSearchParams(params as Record<string, string>).toString() })),
  );
  const nextPage = fc.constantFrom(fixtures.paymentCursor, fixtures.payoutCursor).map((own) => ({
    kind: own === fixtures.paymentCursor ? ('payments' as const) : ('payouts' as const),
    query: `${own.filter}&pageSize=1&cursor=${own.cursor}`,
  }));
  // Exports at the edges: a whole era, the last instant, any status; a (streamed) file or a 400, quickly.
  const exportFile = fc.constantFrom('payments' as const, 'payouts' as const).chain((kind) =>
    fc
      .record({ status: fc.constantFrom(...(kind === 'payments' ? PAYMENT_STATUSES : PAYOUT_STATUSES)), createdFrom: instant, createdTo: instant }, { requiredKeys: [] })
      .map((params) => ({ path: `/v1/exports/${kind}.csv`, route: `GET /v1/exports/${kind}.csv`, query: new URLSearchParams(params as Record<string, string>).toString() })),
  );
  return fc.oneof(
    fc.oneof(list, nextPage).map(({ kind, query }) => ({ path: `/v1/${kind}`, route: `GET /v1/${kind}`, query })),
    exportFile,
  ).map(({ path, route, query }) => ({
    route,
    defect: 'odd',
    method: 'GET' as const,
    url: `${path}?${query}`,
    headers: bearer(secrets),
    odd: true as const,
  }));
}

/** Every route's bad requests (weights roughly follow how much there is to get wrong), and a few odd ones. */
export function badRequests(secrets: FuzzSecrets, fixtures: Fixtures): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 2, arbitrary: badAuth(secrets) },
    { weight: 8, arbitrary: createRequests(secrets) },
    { weight: 5, arbitrary: listRequests(secrets, fixtures) },
    { weight: 2, arbitrary: exportRequests(secrets) },
    { weight: 4, arbitrary: orderRequests(secrets, fixtures) },
    { weight: 4, arbitrary: callbackRequests(secrets, fixtures) },
    { weight: 2, arbitrary: codecRequests(secrets) },
    { weight: 1, arbitrary: checkoutRequests(secrets, fixtures) },
    { weight: 1, arbitrary: unknownRoutes(secrets) },
    { weight: 1, arbitrary: oddRequests(secrets, fixtures) },
  );
}

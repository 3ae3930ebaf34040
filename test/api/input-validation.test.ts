/**
 * Request rules the API applies before anything starts, answered 400 with a message naming the field:
 * names free of hidden characters, and notifyUrl not pointing back into our own network.
 */
import { request } from 'undici';
import { testMrn } from '../helpers/orders';
import { startTestApi, type TestApi } from '../helpers/api';

let api: TestApi;

beforeAll(async () => {
  // NOTIFY_ALLOW_PRIVATE left unset: the API-only start refuses private notifyUrls by default.
  api = await startTestApi();
});

afterAll(async () => {
  await api?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: { error?: string; message?: string } }> {
  const response = await request(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.statusCode, body: (await response.body.json()) as { error?: string; message?: string } };
}

const payment = (change: Record<string, unknown>) => ({ mrn: testMrn('P'), amount: '100.00', channelId: 2, returnUrl: 'https://shop.example.com/paid', ...change });
const payout = (change: Record<string, unknown>) => ({
  mrn: testMrn('W'),
  amount: 500,
  bankName: '中国工商银行',
  accountName: '张三丰',
  accountNumber: '6222021234567890123',
  ...change,
});

describe('names refuse control, bidirectional and zero-width characters', () => {
  const hidden: [string, string][] = [
    ['a C0 control (BEL)', '\u0007'],
    ['a C1 control (NEL)', '\u0085'],
    ['a C1 control (CSI)', '\u009b'],
    ['a right-to-left override', '\u202e'],
    ['a left-to-right isolate', '\u2066'],
    ['a pop directional isolate', '\u2069'],
    ['a right-to-left mark', '\u200f'],
    ['an Arabic letter mark', '\u061c'],
    ['a zero-width space', '\u200b'],
    ['a zero-width joiner', '\u200d'],
    ['a word joiner', '\u2060'],
    ['a byte-order mark', '\ufeff'],
  ];
  const fields: [string, string, (change: Record<string, unknown>) => Record<string, unknown>][] = [
    ['/v1/payments', 'payer', payment],
    ['/v1/payouts', 'bankName', payout],
    ['/v1/payouts', 'accountName', payout],
  ];
  const cases = fields.flatMap(([path, field, body]) => hidden.map(([what, char]) => [field, what, path, body, char] as const));

  test.each(cases)('%s with %s is 400, naming the field and the character', async (field, _what, path, body, char) => {
    const codePoint = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

    const answer = await post(path, body({ [field]: `张三${char}丰` }));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'bad_request',
      message: `${field}: must not contain control, bidirectional or zero-width characters (found ${codePoint})`,
    });
  });
});

describe('names and URLs refuse what cannot be signed or shown', () => {
  test.each([
    ['/v1/payments', 'payer', payment],
    ['/v1/payouts', 'bankName', payout],
    ['/v1/payouts', 'accountName', payout],
  ] as const)('%s: %s with a lone surrogate is 400', async (path, field, body) => {
    const answer = await post(path, body({ [field]: 'A\ud800B' }));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'bad_request', message: `${field}: must be well-formed Unicode (found a lone surrogate U+D800)` });
  });

  test.each([
    ['returnUrl', '/v1/payments', payment, 'https://shop.example.com/\u202ex', 'U+202E'],
    ['returnUrl', '/v1/payments', payment, 'https://shop.example.com/a\u0000', 'U+0000'],
    ['notifyUrl', '/v1/payments', payment, 'https://shop.example.com/a b', 'U+0020'],
    ['notifyUrl', '/v1/payouts', payout, 'https://shop.example.com/\udc00', 'U+DC00'],
  ] as const)('%s on %s holding %s is 400, naming the field and the character', async (field, path, body, url, codePoint) => {
    const answer = await post(path, body({ [field]: url }));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'bad_request',
      message: `${field}: must not contain spaces, control, bidirectional or zero-width characters (found ${codePoint})`,
    });
  });
});

describe('notifyUrl may not point at loopback, private, link-local or metadata addresses', () => {
  const refused: [string, string][] = [
    ['http://127.0.0.1:8080/notify', '127.0.0.1 is a loopback address'],
    ['http://localhost/notify', 'localhost is a loopback name'],
    ['http://api.localhost/notify', 'api.localhost is a loopback name'],
    ['http://[::1]/notify', '::1 is a loopback address'],
    ['http://10.0.0.5/notify', '10.0.0.5 is a private address'],
    ['http://172.20.1.1/notify', '172.20.1.1 is a private address'],
    ['http://192.168.0.10/notify', '192.168.0.10 is a private address'],
    ['http://100.100.100.200/notify', '100.100.100.200 is a shared (carrier-grade NAT) address'],
    ['http://[fd12::1]/notify', 'fd12::1 is a private (unique local) address'],
    ['http://169.254.1.1/notify', '169.254.1.1 is a link-local address'],
    ['http://[fe80::1]/notify', 'fe80::1 is a link-local address'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a cloud metadata address'],
    ['http://0.0.0.0:3000/notify', '0.0.0.0 is an unspecified ("this network") address'],
    ['http://[::ffff:127.0.0.1]/notify', '127.0.0.1 is a loopback address'],
    ['http://2130706433/notify', '127.0.0.1 is a loopback address'],
  ];

  test.each(refused)('POST /v1/payments with notifyUrl %s is 400 (%s)', async (notifyUrl, reason) => {
    const answer = await post('/v1/payments', payment({ notifyUrl }));

    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe(`notifyUrl: must not point at a loopback, private, link-local or metadata address (${reason})`);
  });

  test.each(refused)('POST /v1/payouts with notifyUrl %s is 400 (%s)', async (notifyUrl) => {
    const answer = await post('/v1/payouts', payout({ notifyUrl }));

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/^notifyUrl: /);
  });
});

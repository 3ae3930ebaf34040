/**
 * The codec server as the Temporal UI calls it: from its origin (CORS), with every payload of a
 * history page in one request.
 */
import { request } from 'undici';
import { startTestApi, type TestApi } from '../helpers/api';

let api: TestApi;

beforeAll(async () => {
  // CODEC_CORS_ORIGINS unset: the default for the UI port.
  api = await startTestApi({ TEMPORAL_UI_PORT: '8233' });
});

afterAll(async () => {
  await api?.close();
});

const preflight = async (origin: string): Promise<string | undefined> => {
  const response = await request(`${api.url}/codec/decode`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
  });
  await response.body.dump();
  const allowed = response.headers['access-control-allow-origin'];
  return typeof allowed === 'string' ? allowed : undefined;
};

describe('CORS default: the UI on its port, as either loopback name', () => {
  test.each(['http://localhost:8233', 'http://127.0.0.1:8233'])('a preflight from %s is allowed', async (origin) => {
    expect(await preflight(origin)).toBe(origin);
  });

  test.each(['http://localhost:8080', 'http://127.0.0.2:8233', 'https://evil.example.com'])('a preflight from %s is not', async (origin) => {
    expect(await preflight(origin)).toBeUndefined();
  });
});

describe('request size', () => {
  const encode = (dataBytes: number) =>
    request(`${api.url}/codec/encode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.alloc(dataBytes, 7).toString('base64') }] }),
    });

  test('a 1 MB batch of payloads is accepted (the API itself takes 64 KiB)', async () => {
    const response = await encode(1_000_000);

    expect(response.statusCode).toBe(200);
    const body = (await response.body.json()) as { payloads: unknown[] };
    expect(body.payloads).toHaveLength(1);
  });

  test('a body above the codec limit (4 MiB) is refused with 413', async () => {
    const response = await encode(3_500_000);

    expect(response.statusCode).toBe(413);
    await response.body.dump();
  });
});

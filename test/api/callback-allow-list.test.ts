/**
 * The callback IP allow-list (CALLBACK_ALLOWED_IPS) behind a reverse proxy (TRUST_PROXY), over real
 * HTTP: the source compared is the client the trusted proxy names, IPv4 peers of a dual-stack socket
 * match their IPv4 entries, and entries may be CIDR ranges. Callers take different loopback addresses
 * (127.0.0.2, 127.0.0.3, …: all of 127/8 is local). A refused source gets 403; an allowed one reaches
 * verification, which refuses these empty forms with 400 — proof that the allow-list let them by.
 */
import { request } from 'node:http';
import { startTestApi, type TestApi } from '../helpers/api';

const apis: TestApi[] = [];
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
});

async function api(env: Record<string, string>): Promise<TestApi> {
  const started = await startTestApi(env);
  apis.push(started);
  return started;
}

/** POSTs an (empty) platform callback from the local address `from`, with an X-Forwarded-For header when given. */
function callbackFrom(target: TestApi, from: string, forwardedFor?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' };
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    const sent = request({ host: '127.0.0.1', port: Number(new URL(target.url).port), localAddress: from, method: 'POST', path: '/callbacks/payments', headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('without a proxy', () => {
  it('a listed address passes, another is refused with 403', async () => {
    const target = await api({ CALLBACK_ALLOWED_IPS: '127.0.0.2' });

    expect((await callbackFrom(target, '127.0.0.2')).status).toBe(400);
    expect(await callbackFrom(target, '127.0.0.3')).toEqual({ status: 403, body: 'fail: source address not allowed' });
  });

  it('on a dual-stack listener (HOST=::) an IPv4 caller, seen as ::ffff:127.0.0.2, matches its IPv4 entry', async () => {
    const target = await api({ HOST: '::', CALLBACK_ALLOWED_IPS: '127.0.0.2' });

    expect((await callbackFrom(target, '127.0.0.2')).status).toBe(400);
    expect((await callbackFrom(target, '127.0.0.3')).status).toBe(403);
  });

  it('an entry written IPv4-mapped matches the IPv4 caller', async () => {
    const target = await api({ CALLBACK_ALLOWED_IPS: '::ffff:127.0.0.2' });

    expect((await callbackFrom(target, '127.0.0.2')).status).toBe(400);
  });

  it('a CIDR entry admits its whole range', async () => {
    const target = await api({ CALLBACK_ALLOWED_IPS: '127.0.0.0/30, 2001:db8:aa::/48' });

    expect((await callbackFrom(target, '127.0.0.3')).status).toBe(400);
    expect((await callbackFrom(target, '127.0.0.4')).status).toBe(403);
  });

  it('X-Forwarded-For is ignored when no proxy is trusted: a caller cannot name itself the platform', async () => {
    const target = await api({ CALLBACK_ALLOWED_IPS: '203.0.113.7' });

    expect((await callbackFrom(target, '127.0.0.2', '203.0.113.7')).status).toBe(403);
  });
});

describe('behind a trusted reverse proxy (TRUST_PROXY)', () => {
  // The proxies: 127.0.0.8-11 (a CIDR entry) and 127.0.0.20 (written IPv4-mapped).
  const env = { CALLBACK_ALLOWED_IPS: '203.0.113.0/24', TRUST_PROXY: '127.0.0.8/30, ::ffff:127.0.0.20' };

  it('the client named by the proxy is checked, not the proxy itself', async () => {
    const target = await api(env);

    expect((await callbackFrom(target, '127.0.0.9', '203.0.113.7')).status).toBe(400);
    expect((await callbackFrom(target, '127.0.0.20', '203.0.113.7')).status).toBe(400);
    expect((await callbackFrom(target, '127.0.0.9', '198.51.100.7')).status).toBe(403);
    expect((await callbackFrom(target, '127.0.0.9')).status).toBe(403);
  });

  it('works on a dual-stack listener, where the proxy is seen IPv4-mapped', async () => {
    const target = await api({ ...env, HOST: '::' });

    expect((await callbackFrom(target, '127.0.0.9', '203.0.113.7')).status).toBe(400);
    expect((await callbackFrom(target, '127.0.0.9', '198.51.100.7')).status).toBe(403);
  });

  it("a client-supplied X-Forwarded-For entry in front of the proxy's own is not believed", async () => {
    const target = await api(env);

    // The proxy appends the peer it saw (198.51.100.7); the forged first entry names an allowed address.
    expect((await callbackFrom(target, '127.0.0.9', '203.0.113.7, 198.51.100.7')).status).toBe(403);
  });

  it('a peer that is not a trusted proxy cannot forward', async () => {
    const target = await api(env);

    expect((await callbackFrom(target, '127.0.0.12', '203.0.113.7')).status).toBe(403);
  });
});

/**
 * Merchant notifications go to public addresses only (unless NOTIFY_ALLOW_PRIVATE=true): the rule on
 * addresses and URLs, and the delivery activity that applies it on the connection it sends with.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNotifyActivities } from '../../src/activities/notify';
import { refusedAddress, refusedHost, type ResolveAll } from '../../src/notify/destination';

describe('refusedAddress', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['fd12:3456::1', 'a private (unique local) address'],
    ['169.254.10.20', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['::', 'the unspecified address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:a9fe:a9fe', 'a cloud metadata address'],
    ['224.0.0.1', 'a multicast address'],
  ])('%s is %s', (ip, kind) => {
    expect(refusedAddress(ip)).toBe(kind);
  });

  it.each(['203.0.113.7', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1', '2606:4700::1111'])('%s is public', (ip) => {
    expect(refusedAddress(ip)).toBeUndefined();
  });
});

describe('refusedHost', () => {
  it.each([
    ['http://localhost:8080/notify', 'localhost is a loopback name'],
    ['http://LOCALHOST./notify', 'localhost is a loopback name'],
    ['https://shop.localhost/notify', 'shop.localhost is a loopback name'],
    ['http://127.0.0.1/notify', '127.0.0.1 is a loopback address'],
    ['http://2130706433/notify', '127.0.0.1 is a loopback address'],
    ['http://0x7f.1/notify', '127.0.0.1 is a loopback address'],
    ['http://[::ffff:169.254.169.254]/latest/meta-data', '169.254.169.254 is a cloud metadata address'],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a cloud metadata address'],
    ['http://[::]/', ':: is the unspecified address'],
    ['http://10.0.0.5:9000/', '10.0.0.5 is a private address'],
  ])('%s: %s', (url, reason) => {
    expect(refusedHost(new URL(url))).toBe(reason);
  });

  it.each(['https://shop.example.com/notify', 'http://203.0.113.7/notify', 'http://[2001:db8::1]/notify', 'https://localhost.example.com/'])(
    '%s may be tried (names are checked again after DNS)',
    (url) => {
      expect(refusedHost(new URL(url))).toBeUndefined();
    },
  );
});

describe('delivering a notification', () => {
  let server: Server;
  let port: number;
  let received: number;
  const event = { id: 'evt_1', type: 'payment.succeeded', mrn: 'P1', status: 'succeeded', occurredAt: '2026-01-01T00:00:00Z' };

  beforeAll(async () => {
    server = createServer((req, res) => {
      received += 1;
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    received = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** DNS as a test wants it: every name resolves to `addresses`, and each lookup is counted. */
  const fakeDns = (...answers: string[][]) => {
    const calls: string[] = [];
    const resolveAll: ResolveAll = async (hostname) => {
      const answer = answers[Math.min(calls.length, answers.length - 1)];
      calls.push(hostname);
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return { resolveAll, calls };
  };

  it('to a loopback IP literal is refused without a connection: a failed attempt that says why', async () => {
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 2000, allowPrivate: false });

    const attempt = await notifyMerchant({ url: `http://127.0.0.1:${port}/notify`, event });

    expect(attempt).toEqual({
      ok: false,
      error: 'refused: 127.0.0.1 is a loopback address (merchant notifications go to public addresses only; NOTIFY_ALLOW_PRIVATE=true lifts this)',
    });
    expect(received).toBe(0);
  });

  it('to localhost is refused', async () => {
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 2000, allowPrivate: false });

    const attempt = await notifyMerchant({ url: `http://localhost:${port}/notify`, event });

    expect(attempt).toMatchObject({ ok: false, error: expect.stringContaining('localhost is a loopback name') });
    expect(received).toBe(0);
  });

  it('to a name that DNS resolves to a private address is refused after the lookup', async () => {
    const dns = fakeDns(['127.0.0.1']);
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 2000, allowPrivate: false, resolveAll: dns.resolveAll });

    const attempt = await notifyMerchant({ url: `http://merchant.example:${port}/notify`, event });

    expect(attempt).toMatchObject({ ok: false, error: expect.stringContaining('merchant.example resolves to 127.0.0.1, a loopback address') });
    expect(dns.calls).toEqual(['merchant.example']);
    expect(received).toBe(0);
  });

  it('to a name with one private address among public ones is refused', async () => {
    const dns = fakeDns(['203.0.113.10', '169.254.169.254']);
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 2000, allowPrivate: false, resolveAll: dns.resolveAll });

    const attempt = await notifyMerchant({ url: `http://merchant.example:${port}/notify`, event });

    expect(attempt).toMatchObject({ ok: false, error: expect.stringContaining('resolves to 169.254.169.254, a cloud metadata address') });
  });

  it('a name that re-binds to loopback after its check is not connected to: the address checked is the address used', async () => {
    // First answer public (unroutable TEST-NET), every later one loopback, where the receiver listens.
    const dns = fakeDns(['198.51.100.1'], ['127.0.0.1']);
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 500, allowPrivate: false, resolveAll: dns.resolveAll });

    const attempt = await notifyMerchant({ url: `http://merchant.example:${port}/notify`, event });

    expect(attempt.ok).toBe(false);
    expect(dns.calls).toHaveLength(1);
    expect(received).toBe(0);
  });

  it('with NOTIFY_ALLOW_PRIVATE, loopback receivers get their notifications (local setups and tests)', async () => {
    const { notifyMerchant } = createNotifyActivities({ notifySecret: 'notify-secret-0123456789', timeoutMs: 2000, allowPrivate: true });

    expect(await notifyMerchant({ url: `http://127.0.0.1:${port}/notify`, event })).toEqual({ ok: true, httpStatus: 200 });
    expect(await notifyMerchant({ url: `http://localhost:${port}/notify`, event })).toEqual({ ok: true, httpStatus: 200 });
    expect(received).toBe(2);
  });
});

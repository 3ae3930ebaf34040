import { canonicalIp, IpRangeList, parseIpRange } from '../../src/http/ip-ranges';

describe('canonicalIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:CB00:7107', '203.0.113.7'],
    ['[::ffff:cb00:7107]', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
  ])('%s is %s', (written, canonical) => {
    expect(canonicalIp(written)).toBe(canonical);
  });

  it.each(['gw.example.com', '300.1.1.1', '203.0.113.7:80', '', '10.0.0.0/8'])('%j is not an address', (text) => {
    expect(canonicalIp(text)).toBeUndefined();
  });
});

describe('parseIpRange', () => {
  it('reads single addresses and CIDR ranges of both families', () => {
    expect(parseIpRange('203.0.113.7')).toEqual({ family: 'ipv4', address: '203.0.113.7', prefix: 32 });
    expect(parseIpRange('10.0.0.0/8')).toEqual({ family: 'ipv4', address: '10.0.0.0', prefix: 8 });
    expect(parseIpRange('2001:db8::/32')).toEqual({ family: 'ipv6', address: '2001:db8::', prefix: 32 });
    expect(parseIpRange('::ffff:10.0.0.0/104')).toEqual({ family: 'ipv4', address: '10.0.0.0', prefix: 8 });
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '::ffff:10.0.0.0/95', '10.0.0.0/', '10.0.0.0/x', 'proxy.internal/8'])('refuses %j', (text) => {
    expect(parseIpRange(text)).toBeUndefined();
  });
});

describe('IpRangeList', () => {
  const list = new IpRangeList(['203.0.113.7', '2001:db8::1', '198.51.100.0/24', '2001:db8:aa::/48', '::ffff:192.0.2.9']);

  it.each([
    ['an exact IPv4 address', '203.0.113.7'],
    ['an exact IPv6 address, written otherwise', '2001:DB8:0::1'],
    ['an IPv4 address in a CIDR range', '198.51.100.200'],
    ['an IPv6 address in a CIDR range', '2001:db8:aa:ffff::5'],
    ['an IPv4 peer as a dual-stack socket reports it', '::ffff:203.0.113.7'],
    ['an IPv4-mapped peer in a CIDR range', '::ffff:198.51.100.1'],
    ['an IPv4 peer matching an entry written IPv4-mapped', '192.0.2.9'],
  ])('holds %s (%s)', (_what, ip) => {
    expect(list.has(ip)).toBe(true);
  });

  it.each([
    ['a neighbour of an exact address', '203.0.113.8'],
    ['an address just outside an IPv4 range', '198.51.101.0'],
    ['an address just outside an IPv6 range', '2001:db8:ab::1'],
    ['the IPv6 form of an IPv4 entry that is not IPv4-mapped', '::203.0.113.7'],
    ['something that is not an address', 'gw.example.com'],
  ])('does not hold %s (%s)', (_what, ip) => {
    expect(list.has(ip)).toBe(false);
  });

  it('an empty list holds nothing and says so', () => {
    const empty = new IpRangeList([]);
    expect(empty.size).toBe(0);
    expect(empty.has('203.0.113.7')).toBe(false);
  });
});

import { BlockList, isIP } from 'node:net';

/**
 * IP addresses and CIDR ranges, the one place they are parsed and compared: the callback allow-list
 * (CALLBACK_ALLOWED_IPS), the trusted proxies (TRUST_PROXY) and the addresses merchant notifications
 * may not go to all use it.
 */

export interface IpRange {
  family: 'ipv4' | 'ipv6';
  /** Canonical text: IPv4 dotted, IPv6 compressed lower-case hex; IPv4-mapped IPv6 is written as IPv4. */
  address: string;
  prefix: number;
}

const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/**
 * The canonical text of an IP address, or undefined when `text` is not one. A dual-stack socket
 * reports an IPv4 peer as `::ffff:1.2.3.4` and URLs write it `[::ffff:102:304]`: both become
 * `1.2.3.4`, so an address compares equal however it was written. A zone (`fe80::1%eth0`) is dropped.
 */
export function canonicalIp(text: string): string | undefined {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1');
  const version = isIP(bare);
  if (version === 4) return bare;
  if (version !== 6) return undefined;
  // WHATWG URL parsing canonicalises IPv6 (compression, case, embedded dotted IPv4 written as hex).
  const hex = new URL(`http://[${bare.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  const mapped = MAPPED.exec(hex);
  if (mapped === null) return hex;
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** `1.2.3.4`, `2001:db8::1`, `10.0.0.0/8`, `2001:db8::/32` (a single address is a /32 or /128), or undefined. */
export function parseIpRange(text: string): IpRange | undefined {
  const match = /^([^/]+?)(?:\/([0-9]{1,3}))?$/.exec(text.trim());
  if (match === null) return undefined;
  const written = match[1];
  const address = canonicalIp(written);
  if (address === undefined) return undefined;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const max = family === 'ipv4' ? 32 : 128;
  let prefix = match[2] === undefined ? max : Number(match[2]);
  // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps (10.0.0.0/8).
  if (match[2] !== undefined && family === 'ipv4' && isIP(written.replace(/^\[(.*)\]$/, '$1')) === 6) {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  if (prefix > max) return undefined;
  return { family, address, prefix };
}

/** Canonical text of a range, as configuration keeps it: `10.0.0.0/8`, or the bare address for a single one. */
export function formatIpRange(range: IpRange): string {
  return range.prefix === (range.family === 'ipv4' ? 32 : 128) ? range.address : `${range.address}/${range.prefix}`;
}

/** A set of ranges that answers "is this address in one of them", whatever way the address is written. */
export class IpRangeList {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly (string | IpRange)[]) {
    for (const entry of entries) {
      const range = typeof entry === 'string' ? parseIpRange(entry) : entry;
      if (range === undefined) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
      this.list.addSubnet(range.address, range.prefix, range.family);
    }
    this.size = entries.length;
  }

  has(ip: string): boolean {
    const address = canonicalIp(ip);
    if (address === undefined) return false;
    return this.list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
}

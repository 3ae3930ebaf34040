import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { canonicalIp, IpRangeList } from '../http/ip-ranges';

/**
 * Where merchant notifications may go. A notifyUrl comes from the API's caller, and the worker POSTs
 * to it from inside our network: without this rule it could reach our loopback services, the private
 * network or the cloud metadata endpoint (server-side request forgery). NOTIFY_ALLOW_PRIVATE=true
 * lifts it for local setups, whose merchants listen on loopback.
 *
 * Checked twice: on the URL's host when the order is created (an IP literal or a localhost name), and
 * on every address DNS gives when a notification is delivered — through the lookup of the very
 * connection that sends it, so a name that re-binds to a private address after a check cannot slip by.
 */

const REFUSED_RANGES: readonly (readonly [string, string])[] = [
  ['169.254.169.254', 'a cloud metadata address'],
  ['fd00:ec2::254', 'a cloud metadata address'],
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['::', 'the unspecified address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['::1', 'a loopback address'],
  ['10.0.0.0/8', 'a private address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.168.0.0/16', 'a private address'],
  ['100.64.0.0/10', 'a shared (carrier-grade NAT) address'],
  ['fc00::/7', 'a private (unique local) address'],
  ['fec0::/10', 'a private (site-local) address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['fe80::/10', 'a link-local address'],
  ['192.0.0.0/24', 'a reserved address'],
  ['198.18.0.0/15', 'a reserved address'],
  ['240.0.0.0/4', 'a reserved address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['ff00::/8', 'a multicast address'],
];
// One list per kind, tried in the order above: the most specific description wins.
const CHECKS = REFUSED_RANGES.map(([range, kind]) => ({ list: new IpRangeList([range]), kind }));

/** What is wrong with sending to `ip` ("a loopback address"), or undefined when it is a public address. */
export function refusedAddress(ip: string): string | undefined {
  const address = canonicalIp(ip);
  if (address === undefined) return 'not an IP address';
  return CHECKS.find(({ list }) => list.has(address))?.kind;
}

/**
 * What is wrong with the host of `url` before any DNS lookup: an IP literal in a refused range, or a
 * localhost name (RFC 6761: `localhost` and `*.localhost` are loopback). Undefined when it may be tried.
 */
export function refusedHost(url: URL): string | undefined {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
  const address = canonicalIp(host);
  if (address === undefined) return undefined;
  const kind = refusedAddress(address);
  return kind === undefined ? undefined : `${address} is ${kind}`;
}

/** A delivery refused by this rule: an attempt that failed, with this message as its lastError. */
export class RefusedDestinationError extends Error {
  constructor(reason: string) {
    super(`refused: ${reason} (merchant notifications go to public addresses only; NOTIFY_ALLOW_PRIVATE=true lifts this)`);
    this.name = 'RefusedDestinationError';
  }
}

/** Every address of a host name, as the system resolver gives them (tests give their own). */
export type ResolveAll = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

const systemResolver: ResolveAll = (hostname, options) => dns.lookup(hostname, { ...options, all: true });

/**
 * A socket `lookup` that resolves the name, refuses the connection when any address is refused, and
 * hands the socket only the addresses it checked.
 */
export function publicOnlyLookup(resolveAll: ResolveAll = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname, options).then(
      (addresses) => {
        for (const { address } of addresses) {
          const kind = refusedAddress(address);
          if (kind !== undefined) return callback(new RefusedDestinationError(`${hostname} resolves to ${address}, ${kind}`), '');
        }
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
        if (options.all === true) return callback(null, addresses);
        return callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

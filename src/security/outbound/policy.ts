// The outbound URL policy: where PostFlow may connect when a user chose the URL (a webhook, a Mastodon server, a
// Bluesky PDS, a media file). Every address a name resolves to is checked inside the socket's own DNS lookup, so
// the address checked is the address connected to: no second lookup an attacker's DNS could answer differently.
// IP literals never reach a lookup and are checked by their form, as are the scheme, user info and known names.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseAddress, refusedAddress, effectiveAddress } from './addresses.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export const OUTBOUND_ALLOW_SETTING = 'POSTFLOW_OUTBOUND_ALLOW';

// Cloud metadata services answer on these names (and on 169.254.169.254 / fd00:ec2::254, refused by range); they
// hand out the machine's own credentials.
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** A URL PostFlow will not fetch; nothing was sent to it. The message names the host only: paths carry tokens. */
export class OutboundRefused extends Error {
  readonly host: string;
  /** scheme, userinfo, name, or the address range (loopback, private, linkLocal...). */
  readonly reason: string;

  constructor(host: string, reason: string, message: string) {
    super(message);
    this.name = 'OutboundRefused';
    this.host = host;
    this.reason = reason;
  }
}

export interface OutboundPolicy {
  /** The operator's own network base URLs (<NETWORK>_API_URL...): their origins are not checked. */
  exempts(url: URL): boolean;
  /** A refusal by the URL's form alone (scheme, user info, a refused name, a refused IP literal); null to go on. */
  refuseUrl(url: URL): OutboundRefused | null;
  /** dns.lookup for the sockets of non-exempt requests: fails with OutboundRefused when any address is refused. */
  readonly lookup: LookupFunction;
  /** The whole check of a URL a user gives, its name resolved now: to refuse it before any connection. */
  check(url: string): Promise<OutboundRefused | null>;
}

export interface OutboundPolicyOptions {
  /** POSTFLOW_OUTBOUND_ALLOW's entries: host names (nas.lan, *.lan), addresses and CIDR ranges. */
  allow: readonly string[];
  /** Base URLs whose origins are exempt. */
  exempt: readonly string[];
  /** node's dns.lookup unless a test resolves names itself. */
  dnsLookup?: typeof dns.lookup;
}

interface AllowList {
  names: Set<string>;
  /** "*.lan" as ".lan". */
  suffixes: string[];
  ranges: [Address, number][];
}

const HOST_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** The entries of POSTFLOW_OUTBOUND_ALLOW, and a sentence for each one that is none of the three forms. */
export function parseOutboundAllow(value: string): { entries: string[]; problems: string[] } {
  const entries = value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
  const problems = entries
    .filter((entry) => allowEntry(entry) === null)
    .map((entry) => `"${entry}" is not a host name (nas.lan, *.lan), an IP address (10.0.0.5, ::1) or a CIDR range (10.0.0.0/8, fd00::/8)`);
  return { entries, problems };
}

type AllowEntry = { name: string } | { suffix: string } | { range: [Address, number] };

function allowEntry(entry: string): AllowEntry | null {
  if (entry.includes('/')) {
    // IPv4 in four decimal parts only: "10.1/8" would mean something else to every reader.
    const [base = ''] = entry.split('/');
    if (ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || (ipaddr.IPv6.isValidCIDR(entry) && base.includes(':'))) return { range: ipaddr.parseCIDR(entry) };
    return null;
  }
  const bare = entry.replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return { range: [ipaddr.IPv4.parse(bare), 32] };
  if (bare.includes(':')) return ipaddr.IPv6.isValid(bare) ? { range: [ipaddr.IPv6.parse(bare), 128] } : null;
  const name = bare.replace(/\.$/, '');
  if (!HOST_NAME.test(name) || /^[\d.]+$/.test(name)) return null;
  return name.startsWith('*.') ? { suffix: name.slice(1) } : { name };
}

function allowList(entries: readonly string[]): AllowList {
  const list: AllowList = { names: new Set(), suffixes: [], ranges: [] };
  for (const entry of entries) {
    const parsed = allowEntry(entry.trim().toLowerCase());
    if (parsed === null) throw new Error(`${OUTBOUND_ALLOW_SETTING}: "${entry}" is not a host name, an address or a CIDR range`);
    if ('name' in parsed) list.names.add(parsed.name);
    else if ('suffix' in parsed) list.suffixes.push(parsed.suffix);
    else list.ranges.push(parsed.range);
  }
  return list;
}

const HOW_TO_ALLOW = `an operator can allow it with ${OUTBOUND_ALLOW_SETTING}`;

export function createOutboundPolicy(options: OutboundPolicyOptions): OutboundPolicy {
  const allow = allowList(options.allow);
  const exempt = new Set(options.exempt.map((base) => new URL(base).origin));
  const dnsLookup = options.dnsLookup ?? dns.lookup;

  const allowedName = (name: string) => allow.names.has(name) || allow.suffixes.some((suffix) => name.endsWith(suffix));
  const inRanges = (address: Address) => allow.ranges.some((range) => address.kind() === range[0].kind() && address.match(range));
  const allowedAddress = (address: Address) => inRanges(address) || inRanges(effectiveAddress(address));

  /** Why this address is refused, worded for `host` ("is" for a literal, "resolves to" for a name). */
  function refuseAddress(host: string, address: Address, literal: boolean): OutboundRefused | null {
    if (allowedAddress(address)) return null;
    const refused = refusedAddress(address);
    if (refused === null) return null;
    const effective = effectiveAddress(address).toString();
    const message = literal
      ? `${host} is ${refused.description}${effective === address.toString() ? '' : ` (${effective})`}; ${HOW_TO_ALLOW}`
      : `${host} resolves to ${refused.description} ${address.toString()}; ${HOW_TO_ALLOW}`;
    return new OutboundRefused(host, refused.range, message);
  }

  function refuseUrl(url: URL): OutboundRefused | null {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return new OutboundRefused(url.host, 'scheme', `only http and https URLs are fetched, not ${url.protocol}`);
    if (url.username !== '' || url.password !== '') return new OutboundRefused(url.host, 'userinfo', `${url.host}: a URL with a user name or password is refused`);
    if (exempt.has(url.origin)) return null;
    const literal = parseAddress(url.hostname);
    if (literal !== null) return refuseAddress(url.host, literal, true);
    const name = url.hostname.replace(/\.$/, '');
    if (allowedName(name)) return null;
    if (METADATA_NAMES.has(name)) return new OutboundRefused(url.host, 'name', `${url.host} is a cloud metadata service; ${HOW_TO_ALLOW}`);
    if (name === 'localhost' || name.endsWith('.localhost')) return new OutboundRefused(url.host, 'loopback', `${url.host} is this machine (loopback); ${HOW_TO_ALLOW}`);
    if (!name.includes('.')) return new OutboundRefused(url.host, 'name', `${url.host} is a local network name, not a public host; ${HOW_TO_ALLOW}`);
    return null;
  }

  function refuseResolved(host: string, addresses: dns.LookupAddress[]): OutboundRefused | null {
    for (const { address } of addresses) {
      const parsed = parseAddress(address);
      const refused = parsed === null ? new OutboundRefused(host, 'address', `${host} resolved to an unreadable address`) : refuseAddress(host, parsed, false);
      if (refused) return refused;
    }
    return null;
  }

  const lookup = ((hostname: string, lookupOptions: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const host = hostname.replace(/\.$/, '').toLowerCase();
      // Any refused address refuses the name: a name that also resolves to a public address could be switched
      // to the private one between connections.
      const refused = allowedName(host) ? null : refuseResolved(hostname, addresses);
      if (refused) return callback(refused);
      if (lookupOptions.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException);
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;

  return {
    exempts: (url) => exempt.has(url.origin),
    refuseUrl,
    lookup,
    async check(text) {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return new OutboundRefused('', 'url', 'not an absolute URL');
      }
      const refused = refuseUrl(url);
      if (refused || exempt.has(url.origin) || parseAddress(url.hostname) !== null) return refused;
      const name = url.hostname.replace(/\.$/, '');
      if (allowedName(name)) return null;
      let addresses: dns.LookupAddress[];
      try {
        addresses = await new Promise<dns.LookupAddress[]>((resolve, reject) => dnsLookup(name, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
      } catch {
        // A name that does not resolve is not refused here: connecting reports it as the network error it is.
        return null;
      }
      return refuseResolved(url.host, addresses);
    },
  };
}

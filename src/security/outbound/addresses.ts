// Which IP addresses PostFlow refuses to connect to on a user's behalf: everything that is not public unicast.
// The ranges are ipaddr.js's own tables (range()); only the IPv6 forms that carry an IPv4 address inside them are
// unwrapped here, so that ::ffff:169.254.169.254, 64:ff9b::a9fe:a9fe or 2002:a9fe:a9fe:: are judged by the IPv4
// address a packet to them would end up at.
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

const DESCRIPTIONS: Record<string, string> = {
  unspecified: 'an unspecified address',
  loopback: 'a loopback address',
  private: 'a private address',
  uniqueLocal: 'a private address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
};

// Outside ipaddr.js's special tables but not public either: the deprecated IPv4-compatible form (::a.b.c.d, which
// some stacks still route to the IPv4 address), and anything outside 2000::/3, the only block global unicast is
// assigned from.
const IPV6_NOT_GLOBAL: Record<string, [ipaddr.IPv6, number]> = { ipv4Compatible: [ipaddr.IPv6.parse('::'), 96] };
const GLOBAL_UNICAST_V6: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

export interface AddressRefusal {
  /** ipaddr.js's range name (loopback, private, linkLocal...), or ours for the IPv6 forms above. */
  range: string;
  /** "a private address", for messages. */
  description: string;
}

/** Parses an address in any spelling ipaddr.js knows; null when it is not an IP address. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : null;
}

/** The IPv4 address inside an IPv4-mapped, IPv4-translated, NAT64 (64:ff9b::/96) or 6to4 address; the address itself otherwise. */
export function effectiveAddress(address: Address): Address {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  const bytes = v6.toByteArray();
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return ipaddr.fromByteArray(bytes.slice(12));
    case 'rfc6052':
      // Only the well-known /96 prefix puts the IPv4 address in the last 32 bits; local-use NAT64 (64:ff9b:1::/48,
      // a site's own translator) stays as it is and is refused for its range.
      return v6.match(ipaddr.IPv6.parse('64:ff9b::'), 96) ? ipaddr.fromByteArray(bytes.slice(12)) : v6;
    case '6to4':
      return ipaddr.fromByteArray(bytes.slice(2, 6));
    default:
      return v6;
  }
}

/** Why PostFlow will not connect to this address, or null for a public unicast one. */
export function refusedAddress(given: Address): AddressRefusal | null {
  const address = effectiveAddress(given);
  const range = address.range();
  if (address.kind() === 'ipv4') return range === 'unicast' ? null : refusal(range);
  const v6 = address as ipaddr.IPv6;
  if (range !== 'unicast') return refusal(range);
  const special = ipaddr.subnetMatch(v6, IPV6_NOT_GLOBAL, 'none');
  if (special !== 'none') return refusal(special);
  return v6.match(GLOBAL_UNICAST_V6) ? null : refusal('reserved');
}

function refusal(range: string): AddressRefusal {
  return { range, description: DESCRIPTIONS[range] ?? 'a reserved address' };
}

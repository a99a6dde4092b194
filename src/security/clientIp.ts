// Who is on the other end, for throttling: the socket's address, or the entry a trusted proxy added to
// X-Forwarded-For. Entries left of the trusted ones are whatever the client chose to send, so they are never used.
import ipaddr from 'ipaddr.js';

/**
 * The client's address as throttles count it. `trustedHops` proxies each appended the address they saw; with none,
 * X-Forwarded-For is ignored, since anyone can send it. IPv4-mapped IPv6 counts as IPv4, and an IPv6 client counts
 * by its /64, which one subscriber typically holds whole (counting single addresses would let it rotate freely).
 */
export function clientIp(remoteAddress: string | null | undefined, forwardedFor: string | null | undefined, trustedHops: number): string {
  let chosen = remoteAddress ?? '';
  if (trustedHops > 0 && forwardedFor) {
    const hops = [...forwardedFor.split(',').map((s) => s.trim()), chosen];
    const at = hops.length - 1 - trustedHops;
    // Fewer entries than trusted proxies: the request did not come through all of them (or the header was cut), so
    // even the leftmost entry may be the client's own writing. The socket is the one address nobody chose.
    if (at >= 0) chosen = hops[at];
  }
  return throttleKeyOf(chosen);
}

function throttleKeyOf(address: string): string {
  const bare = address.replace(/^\[|\](:\d+)?$/g, '');
  if (!ipaddr.isValid(bare)) return 'unknown';
  const parsed = ipaddr.process(bare);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${ipaddr.IPv6.parse(`${parts.map((p) => p.toString(16)).join(':')}::`).toString()}/64`;
}

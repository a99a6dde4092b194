// The client address throttles count: the socket's, or the entry the nearest trusted proxy added to X-Forwarded-For,
// never an entry the client could have written itself.
import { describe, expect, it } from 'vitest';
import { clientIp } from '../src/security/clientIp.js';

describe('the client address a throttle counts', () => {
  it('is the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientIp('::ffff:127.0.0.1', '203.0.113.9', 0)).toBe('127.0.0.1');
    expect(clientIp('10.0.0.2', null, 0)).toBe('10.0.0.2');
    expect(clientIp(null, '203.0.113.9', 0)).toBe('unknown');
  });

  it('with trusted proxies, is the entry the nearest trusted proxy added (right to left)', () => {
    expect(clientIp('10.0.0.2', '198.51.100.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.2', 'spoofed, 203.0.113.9, 10.0.0.1', 2)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.2', '203.0.113.9, 10.0.0.1', 2)).toBe('203.0.113.9');
    expect(clientIp('10.0.0.2', null, 1)).toBe('10.0.0.2');
  });

  it('falls back to the socket when X-Forwarded-For has fewer entries than trusted proxies (the client wrote them)', () => {
    // A request that reached the port without going through every proxy: the leftmost entry is the client's own choice.
    expect(clientIp('10.0.0.2', '203.0.113.9', 5)).toBe('10.0.0.2');
    expect(clientIp('198.51.100.7', '192.0.2.1', 2)).toBe('198.51.100.7');
    expect(clientIp('198.51.100.7', '192.0.2.1, 192.0.2.2', 3)).toBe('198.51.100.7');
    // Rotating that entry does not move the count.
    for (const spoofed of ['192.0.2.3', '192.0.2.4, 192.0.2.5']) expect(clientIp('198.51.100.7', spoofed, 3)).toBe('198.51.100.7');
  });

  it('counts an unparseable entry as unknown, not as some other address', () => {
    expect(clientIp('10.0.0.2', 'not-an-address', 1)).toBe('unknown');
    expect(clientIp('10.0.0.2', '203.0.113.9, ', 1)).toBe('unknown');
  });

  it('counts an IPv6 client by its /64, so rotating addresses inside it does not help', () => {
    expect(clientIp('2001:db8:1:2:aaaa::1', null, 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('2001:db8:1:2:ffff:1:2:3', null, 0)).toBe('2001:db8:1:2::/64');
    expect(clientIp('10.0.0.2', '2001:db8:1:2:aaaa::1', 1)).toBe('2001:db8:1:2::/64');
    expect(clientIp('not an address', null, 0)).toBe('unknown');
  });
});

// The outbound URL policy on its own: which addresses and names are refused in every spelling, what the allow list
// and the operator's exempt origins let through, the lookup sockets use, and the excerpt kept of a network's answer.
import type dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { answerExcerpt } from '../src/security/outbound/excerpt.js';
import { createOutboundPolicy, parseOutboundAllow, type OutboundPolicy } from '../src/security/outbound/policy.js';

/** A resolver answering from a table, so names can "resolve" to private addresses without a DNS server. */
function fakeDns(table: Record<string, string[]>): typeof dns.lookup {
  return ((hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => {
    const found = table[hostname];
    if (!found) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as unknown as typeof dns.lookup;
}

const strict = createOutboundPolicy({ allow: [], exempt: [] });
const refusal = (policy: OutboundPolicy, url: string) => policy.refuseUrl(new URL(url));

function lookup(policy: OutboundPolicy, hostname: string, all: boolean): Promise<{ error: Error | null; result: unknown }> {
  return new Promise((resolve) => {
    policy.lookup(hostname, { all }, (error: Error | null, address: unknown, family?: unknown) => resolve({ error, result: all ? address : { address, family } }));
  });
}

describe('addresses refused in every spelling', () => {
  const cases: [string, string][] = [
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://100.127.255.254/', 'carrierGradeNat'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://127.1/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://192.0.2.10/', 'reserved'],
    ['http://[::1]/', 'loopback'],
    ['http://[::]/', 'unspecified'],
    ['http://[fd00::1]/', 'uniqueLocal'],
    ['http://[fc00::5]/', 'uniqueLocal'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://[::ffff:169.254.169.254]/', 'linkLocal'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:10.0.0.1]/', 'private'],
    ['http://[::ffff:0:10.0.0.1]/', 'private'],
    // The deprecated IPv4-compatible form is refused whatever it carries.
    ['http://[::127.0.0.1]/', 'ipv4Compatible'],
    ['http://[::8.8.8.8]/', 'ipv4Compatible'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'linkLocal'],
    ['http://[64:ff9b:1::1]/', 'rfc6052'],
    ['http://[2002:a9fe:a9fe::1]/', 'linkLocal'],
    ['http://[2001:db8::1]/', 'reserved'],
    ['http://[4000::1]/', 'reserved'],
  ];
  it.each(cases)('%s is refused (%s)', (url, range) => {
    const refused = refusal(strict, url);
    expect(refused?.reason).toBe(range);
    expect(refused?.message).toMatch(/an operator can allow it with POSTFLOW_OUTBOUND_ALLOW$/);
  });

  it('names the address an IPv6 form carries', () => {
    expect(refusal(strict, 'http://[::ffff:169.254.169.254]/')?.message).toBe(
      '[::ffff:a9fe:a9fe] is a link-local address (169.254.169.254); an operator can allow it with POSTFLOW_OUTBOUND_ALLOW',
    );
  });

  it('lets public addresses through, also NAT64 and 6to4 forms of them', () => {
    for (const url of ['http://93.184.216.34/', 'https://8.8.8.8:8443/', 'http://[2606:4700:4700::1111]/', 'http://[64:ff9b::808:808]/', 'http://[2002:808:808::1]/']) {
      expect(refusal(strict, url)).toBeNull();
    }
  });

  it('refuses metadata names, localhost and single-label names, however spelt', () => {
    for (const url of ['http://metadata.google.internal/', 'http://METADATA.google.internal./', 'http://metadata/', 'http://metadata.goog/', 'http://instance-data/']) {
      expect(refusal(strict, url)?.reason).toBe('name');
    }
    expect(refusal(strict, 'http://localhost:8080/')?.reason).toBe('loopback');
    expect(refusal(strict, 'http://admin.localhost/')?.reason).toBe('loopback');
    expect(refusal(strict, 'http://intranet/')?.message).toMatch(/local network name/);
    expect(refusal(strict, 'https://mastodon.social/')).toBeNull();
  });

  it('refuses other schemes and URLs with user info', () => {
    expect(refusal(strict, 'ftp://example.com/')?.reason).toBe('scheme');
    expect(refusal(strict, 'file:///etc/passwd')?.reason).toBe('scheme');
    expect(refusal(strict, 'http://user:pass@example.com/')?.reason).toBe('userinfo');
    expect(refusal(strict, 'http://user@example.com/')?.reason).toBe('userinfo');
  });
});

describe('the allow list and the exempt origins', () => {
  it('allows CIDR ranges, single addresses (also in their IPv4-mapped form) and host names', () => {
    const policy = createOutboundPolicy({ allow: ['10.0.0.0/8', '127.0.0.1', '::1', 'nas.lan', '*.home.arpa'], exempt: [] });
    expect(refusal(policy, 'http://10.200.1.1/')).toBeNull();
    expect(refusal(policy, 'http://172.16.0.1/')?.reason).toBe('private');
    expect(refusal(policy, 'http://127.0.0.1:9000/')).toBeNull();
    expect(refusal(policy, 'http://127.0.0.2/')?.reason).toBe('loopback');
    expect(refusal(policy, 'http://[::ffff:127.0.0.1]/')).toBeNull();
    expect(refusal(policy, 'http://[::1]/')).toBeNull();
    expect(refusal(policy, 'http://nas.lan/')).toBeNull();
    expect(refusal(policy, 'http://printer.home.arpa/')).toBeNull();
    expect(refusal(policy, 'http://other.lan/')).toBeNull();
  });

  it('exempts the exact origins of the operator’s base URLs, nothing else on that host', () => {
    const policy = createOutboundPolicy({ allow: [], exempt: ['http://10.0.0.7:8081/telegram'] });
    expect(policy.exempts(new URL('http://10.0.0.7:8081/bot123/sendMessage'))).toBe(true);
    expect(refusal(policy, 'http://10.0.0.7:8081/anything')).toBeNull();
    expect(refusal(policy, 'http://10.0.0.7:8082/')?.reason).toBe('private');
    expect(refusal(policy, 'https://10.0.0.7:8081/')?.reason).toBe('private');
  });

  it('parses POSTFLOW_OUTBOUND_ALLOW and names each bad entry', () => {
    expect(parseOutboundAllow(' 127.0.0.1/32, ::1 ,NAS.lan,, fd00::/8,*.lan ')).toEqual({
      entries: ['127.0.0.1/32', '::1', 'nas.lan', 'fd00::/8', '*.lan'],
      problems: [],
    });
    const { problems } = parseOutboundAllow('10.1/8,300.1.1.1,http://nas.lan,not a host,127.1');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^"10\.1\/8" is not a host name/);
  });

  it('refuses to start with a bad entry, naming the setting', () => {
    let error: unknown;
    try {
      loadConfig({ POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,bad entry' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^POSTFLOW_OUTBOUND_ALLOW: "bad entry" is not a host name/)]);
    expect(loadConfig({}).providers.outboundAllow).toEqual([]);
    expect(loadConfig({ POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,::1,localhost' }).providers.outboundAllow).toEqual(['127.0.0.1/32', '::1', 'localhost']);
  });
});

describe('the lookup sockets connect through', () => {
  const dnsTable = {
    'internal.example': ['10.0.0.5'],
    'mixed.example': ['93.184.216.34', '10.0.0.5'],
    'mapped.example': ['::ffff:169.254.169.254'],
    'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
    'nas.lan': ['192.168.1.20'],
  };
  const policy = createOutboundPolicy({ allow: ['nas.lan'], exempt: [], dnsLookup: fakeDns(dnsTable) });

  it('refuses a name when any address it resolves to is refused', async () => {
    const internal = await lookup(policy, 'internal.example', false);
    expect(internal.error?.name).toBe('OutboundRefused');
    expect(internal.error?.message).toBe('internal.example resolves to a private address 10.0.0.5; an operator can allow it with POSTFLOW_OUTBOUND_ALLOW');
    expect((await lookup(policy, 'mixed.example', true)).error?.message).toMatch(/resolves to a private address 10\.0\.0\.5/);
    expect((await lookup(policy, 'mapped.example', true)).error?.message).toMatch(/link-local address ::ffff:a9fe:a9fe/);
  });

  it('answers in the shape the socket asked for', async () => {
    expect(await lookup(policy, 'public.example', false)).toEqual({ error: null, result: { address: '93.184.216.34', family: 4 } });
    expect(await lookup(policy, 'public.example', true)).toEqual({
      error: null,
      result: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    });
  });

  it('lets an allowed name resolve to a private address, and passes DNS failures on', async () => {
    expect(await lookup(policy, 'nas.lan', false)).toEqual({ error: null, result: { address: '192.168.1.20', family: 4 } });
    expect((await lookup(policy, 'missing.example', false)).error).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('check() resolves a user’s URL before anything connects', async () => {
    expect((await policy.check('https://internal.example/hook'))?.message).toMatch(/^internal\.example resolves to a private address 10\.0\.0\.5/);
    expect(await policy.check('https://public.example/hook')).toBeNull();
    expect(await policy.check('https://missing.example/hook')).toBeNull();
    expect((await policy.check('http://0x7f000001/'))?.reason).toBe('loopback');
    expect((await policy.check('not a url'))?.reason).toBe('url');
  });
});

describe('answerExcerpt', () => {
  it('strips control and formatting characters and bounds the length', () => {
    expect(answerExcerpt('bad\u0000 input\r\n\u001b[31mred\u202e\u200b here')).toBe('bad input [31mred here');
    const long = answerExcerpt('word '.repeat(10_000));
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long.endsWith('…')).toBe(true);
    expect(answerExcerpt('x'.repeat(299) + '\ud83d\ude00')).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(answerExcerpt('lone \ud800 surrogate')).toBe('lone  surrogate');
  });

  it('redacts whatever looks like a credential', () => {
    const text = [
      'Authorization: Bearer abcDEF123456789xyz',
      'access_token=ya29.a0AfH6SMBx&state=1',
      '{"refresh_token":"1//0gAbCdEf","client_secret":"shh-very-secret"}',
      'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0',
      '/api/webhooks/1234/Xy9kLmN0pQrStUvWxYz0123456789AbCdEfGhIjKlMn',
      'api_key: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ].join(' | ');
    const excerpt = answerExcerpt(text, 1000);
    for (const secret of ['abcDEF123456789xyz', 'ya29', '1//0gAbCdEf', 'shh-very-secret', 'eyJhbGci', 'AAHdqTcvCH1', 'Xy9kLmN0pQ', '9f86d081']) {
      expect(excerpt).not.toContain(secret);
    }
    expect(excerpt).toMatch(/^Authorization: \[redacted\]/);
    expect(excerpt).toContain('&state=1');
    expect(answerExcerpt('token expired, Bearer abcDEF123456789xyz refused')).toBe('token expired, Bearer [redacted] refused');
    expect(answerExcerpt('The status is over 500 characters long')).toBe('The status is over 500 characters long');
  });
});

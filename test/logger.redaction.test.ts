// The logger keeps secrets out of every line it writes, at every level: secret fields at any depth, and secret-shaped
// values wherever they sit in the text. What is not a secret stays readable.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, redact, REDACTED } from '../src/logger.js';

const API_KEY = 'pf_AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const JWS = 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiIxMjMifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const SECRETS = [
  'hunter2hunter2',
  'sk-live-123456',
  'refresh-abcdef',
  'verifier-xyz',
  'cookie-value',
  API_KEY,
  JWS,
  'AAAA1234bearer',
  'dbpass',
  '123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
];

function written(log: (logger: ReturnType<typeof createLogger>) => void): string {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  log(createLogger('debug'));
  vi.restoreAllMocks();
  return out.join('');
}
afterEach(() => vi.restoreAllMocks());

describe('the logger', () => {
  it('redacts secret fields at any depth, whatever their spelling, at every level', () => {
    const fields = {
      deliveryId: 'd-1',
      user: { email: 'a@example.com', password: 'hunter2hunter2', profile: { apiKey: 'sk-live-123456', tokens: [{ refresh_token: 'refresh-abcdef' }] } },
      oauth: { code_verifier: 'verifier-xyz', clientSecret: 'sk-live-123456', accessToken: 'sk-live-123456' },
      headers: { Authorization: 'Bearer AAAA1234bearer', Cookie: 'cookie-value', 'x-api-key': API_KEY },
      credentials: { botToken: 'whatever' },
    };
    const text = written((log) => {
      log.debug('d', fields);
      log.info('i', fields);
      log.warn('w', fields);
      log.error('e', fields);
    });
    expect(text.split('\n').filter(Boolean)).toHaveLength(4);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain('"deliveryId":"d-1"');
    expect(text).toContain('"email":"a@example.com"');
    expect(text).toContain(`"password":"${REDACTED}"`);
  });

  it('redacts secret-shaped values inside messages and field text', () => {
    const text = written((log) => {
      log.info(`request with ${API_KEY} and Bearer ${JWS}, session ${JWS}`);
      log.info('connect to postgresql://postgres:dbpass@127.0.0.1:5432/postflow failed');
      log.warn('GET https://graph.example.com/me?fields=id&access_token=sk-live-123456&x=1 answered 500');
      log.debug('printed query: mutation { login(email: "a@b.c", password: "hunter2hunter2") { token } }');
      log.debug('a body: {"client_secret":"sk-live-123456","refreshToken":"refresh-abcdef"}');
      log.debug(`POST https://api.telegram.org/bot${SECRETS.at(-1)}/sendMessage timed out`);
      log.debug("STATEMENT:  ALTER ROLE postgres PASSWORD 'hunter2hunter2'");
      log.error('failed', { error: new Error(`refused ${API_KEY}`) });
    });
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain('127.0.0.1:5432/postflow');
    expect(text).toContain('fields=id&access_token=');
    expect(text).toContain('Error: refused pf_');
  });

  it('leaves what is not a secret alone: prose about tokens, the 10-character key prefix shown to users, ids', () => {
    const text = written((log) => log.info('the token has expired; key pf_AbCdEfG revoked', { prefix: 'pf_AbCdEfG', channelId: '4f0c', count: 3 }));
    expect(text).toContain('the token has expired; key pf_AbCdEfG revoked');
    expect(text).toContain('{"prefix":"pf_AbCdEfG","channelId":"4f0c","count":3}');
  });

  it('writes one line per event, whatever the message holds, and survives cycles', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    const text = written((log) => log.warn('first\n2026-01-01T00:00:00.000Z ERROR [postflow] forged', { loop }));
    expect(text.split('\n').filter(Boolean)).toHaveLength(1);
    expect(text).toContain('first\\n2026-01-01');
    expect(redact(loop)).toEqual({ name: 'loop', self: '[Circular]' });
  });
});

// Session tokens (compact JWS, HS256) and API keys, both sent as "Authorization: Bearer ...", an API key told apart
// by its prefix. A token names its session row (sid), which is what makes it revocable; only a SHA-256 hash of an
// API key is stored, so the key is shown once. Parsing is strict: one canonical form of each is accepted, anything
// else (a trailing ".extra", padding, non-canonical base64url, a second credential) is refused before any lookup.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'pf_';

export interface SessionClaims {
  sessionId: string;
  userId: string;
  workspaceId: string;
}

/** The one header this server issues: a token with any other header was not made here. */
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const B64URL = /^[A-Za-z0-9_-]+$/;
const API_KEY = /^pf_[A-Za-z0-9_-]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type Credential = { kind: 'apiKey'; key: string } | { kind: 'session'; token: string };

/**
 * "Bearer <credential>": the scheme (any case, RFC 9110), exactly one space, one credential. Null when the header
 * is not of that form at all.
 */
export function parseAuthorization(header: string): Credential | null {
  const match = /^Bearer ([^\s]+)$/i.exec(header);
  if (!match) return null;
  const credential = match[1];
  if (credential.startsWith(API_KEY_PREFIX)) return API_KEY.test(credential) ? { kind: 'apiKey', key: credential } : { kind: 'apiKey', key: '' };
  return { kind: 'session', token: credential };
}

export const isWellFormedApiKey = (key: string) => API_KEY.test(key);

export function issueSessionToken(claims: SessionClaims, key: Buffer, expiresAt: Date): string {
  const payload = b64(
    JSON.stringify({ sid: claims.sessionId, sub: claims.userId, wid: claims.workspaceId, iat: Math.floor(Date.now() / 1000), exp: Math.floor(expiresAt.getTime() / 1000) }),
  );
  return `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`, key)}`;
}

/** The claims of a token this server signed and that has not expired, or null. The session row is checked after. */
export function verifySessionToken(token: string, key: Buffer): SessionClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts;
  if (header !== HEADER || !isCanonicalBase64url(payload) || !isCanonicalBase64url(signature)) return null;
  const expected = Buffer.from(sign(`${header}.${payload}`, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return null;
    if (![claims.sid, claims.sub, claims.wid].every((id) => typeof id === 'string' && UUID.test(id))) return null;
    return { sessionId: claims.sid, userId: claims.sub, workspaceId: claims.wid };
  } catch {
    return null;
  }
}

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Decodes to bytes that encode back to the same text: no padding, no stray bits in the last character. */
function isCanonicalBase64url(text: string): boolean {
  return B64URL.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
const sign = (data: string, key: Buffer) => createHmac('sha256', key).update(data).digest('base64url');

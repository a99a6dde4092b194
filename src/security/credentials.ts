// Session tokens (compact JWS, HS256) and API keys. Both are sent as "Authorization: Bearer ..."; an API key is
// told apart by its prefix. Only a SHA-256 hash of an API key is stored, so the key is shown once.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'pf_';

export interface SessionClaims {
  userId: string;
  workspaceId: string;
}

export function issueSessionToken(claims: SessionClaims, key: Buffer, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64(JSON.stringify({ sub: claims.userId, wid: claims.workspaceId, iat: now, exp: now + ttlSeconds }));
  return `${header}.${payload}.${sign(`${header}.${payload}`, key)}`;
}

export function verifySessionToken(token: string, key: Buffer): SessionClaims | null {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const expected = Buffer.from(sign(`${header}.${payload}`, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims.exp !== 'number' || claims.exp < Date.now() / 1000) return null;
    if (typeof claims.sub !== 'string' || typeof claims.wid !== 'string') return null;
    return { userId: claims.sub, workspaceId: claims.wid };
  } catch {
    return null;
  }
}

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 10), hash: hashApiKey(key) };
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const sign = (data: string, key: Buffer) => createHmac('sha256', key).update(data).digest('base64url');

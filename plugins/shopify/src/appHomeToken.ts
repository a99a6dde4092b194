// The app page's token. Shopify's signed launch query proves the shop, but it is a GET anyone with the URL may repeat
// for 90 seconds, so it must not be what a write relies on: a valid launch issues this token instead (one hour, the
// shop and its source signed with a server key), carried in the page's forms and in the URL a write redirects to.
// Only the server can make one; a token names one source, and is refused once expired.
import { timingSafeEqual } from 'node:crypto';

export const PAGE_TOKEN_SECONDS = 3600;
/** What a page token is passed as in a URL's query and in a form. */
export const PAGE_TOKEN_PARAM = 'page_token';

export interface PageGrant {
  shop: string;
  sourceId: string;
  expiresAt: Date;
}

export type PageTokenCheck = { ok: true; grant: PageGrant } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

type Mac = (message: string) => string;

// A distinct prefix: no other message the same key signs can pass for a page token.
const signed = (body: string) => `shopify-app-page:v1:${body}`;

export function issuePageToken(mac: Mac, shop: string, sourceId: string, now = new Date()): { token: string; expiresAt: Date } {
  const expires = Math.floor(now.getTime() / 1000) + PAGE_TOKEN_SECONDS;
  // Space-separated: neither a myshopify.com name, nor a uuid, nor a number has one.
  const body = Buffer.from(`${shop} ${sourceId} ${expires}`, 'utf8').toString('base64url');
  return { token: `${body}.${mac(signed(body))}`, expiresAt: new Date(expires * 1000) };
}

export function checkPageToken(mac: Mac, token: string | null | undefined, now = new Date()): PageTokenCheck {
  if (!token || token.length > 400 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'malformed' };
  const [body, signature] = token.split('.') as [string, string];
  const expected = Buffer.from(mac(signed(body)));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  const [shop, sourceId, expires, ...rest] = Buffer.from(body, 'base64url').toString('utf8').split(' ');
  const seconds = Number(expires);
  if (!shop || !sourceId || rest.length || !Number.isSafeInteger(seconds)) return { ok: false, reason: 'malformed' };
  if (seconds * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, grant: { shop, sourceId, expiresAt: new Date(seconds * 1000) } };
}

// The console's session in a cookie: the same session token as "Authorization: Bearer", kept where the page's
// scripts cannot read it (HttpOnly) and never sent along a request another site starts (SameSite=Strict). The HTTP
// path (graphqlRoutes.ts), the CSRF rule (crossOrigin.ts) and the graphql-ws upgrade all read it through here.
import { parse, serialize, type SerializeOptions } from 'cookie';
import type { Plugin } from 'graphql-yoga';
import { API_KEY_PREFIX } from '../security/credentials.js';
import type { SessionCookieJar } from '../schema/context.js';

/** The cookie's name over http (development, loopback). */
export const SESSION_COOKIE = 'postflow_session';
/**
 * Its name when Secure (an https public URL). A browser accepts a __Host- cookie only from this very host, Secure,
 * with Path=/ and no Domain, so a page of a sibling subdomain cannot plant one beside ours (session fixation).
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

/** What a session token is made of (a compact JWS): anything else in the cookie is refused before any lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type CookieCredential = { kind: 'none' } | { kind: 'token'; token: string } | { kind: 'malformed' };

/**
 * The session cookie of a Cookie header. An API key is never accepted from a cookie: only login puts one there.
 * The cookie sent more than once is malformed: the browser holds a second one with another Path or Domain, which
 * only another page can have set, and cookie.parse would silently pick whichever comes first.
 */
export function sessionCookieOf(cookieHeader: string | null | undefined, secure: boolean): CookieCredential {
  if (!cookieHeader) return { kind: 'none' };
  const name = sessionCookieName(secure);
  const sent = cookieHeader.split(';').filter((pair) => pair.split('=')[0]!.trim() === name).length;
  if (sent === 0) return { kind: 'none' };
  const value = parse(cookieHeader)[name];
  if (sent > 1 || value === undefined) return { kind: 'malformed' };
  return TOKEN_SHAPE.test(value) && !value.startsWith(API_KEY_PREFIX) ? { kind: 'token', token: value } : { kind: 'malformed' };
}

const attributes = (secure: boolean): SerializeOptions => ({ httpOnly: true, sameSite: 'strict', path: '/', secure });

export function serializeSessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return serialize(sessionCookieName(secure), token, { ...attributes(secure), maxAge: Math.max(0, Math.floor(maxAgeSeconds)) });
}

/** The same attributes as the cookie it replaces: a browser only drops a cookie whose Path (and Secure) match. */
export function clearedSessionCookie(secure: boolean): string {
  return serialize(sessionCookieName(secure), '', { ...attributes(secure), maxAge: 0 });
}

/** One HTTP request's answer-to-be: the Set-Cookie lines resolvers ask for, and whether a refused cookie came in. */
export class ResponseSessionCookie implements SessionCookieJar {
  private value: string | null = null;
  /** Set by the context when the request's cookie was refused (ended, expired, malformed). */
  refused = false;
  private opened = false;

  constructor(private readonly secure: boolean) {}

  /** Whether a session was already put into this answer's cookie: a browser keeps one, so a second would be lost. */
  get holdsNewSession(): boolean {
    return this.opened;
  }

  set(token: string, maxAgeSeconds: number): void {
    this.opened = true;
    this.value = serializeSessionCookie(token, maxAgeSeconds, this.secure);
  }

  clear(): void {
    this.value = clearedSessionCookie(this.secure);
  }

  /** What the answer carries: a resolver's choice wins; else a refused cookie is dropped from the browser. */
  header(): string | null {
    return this.value ?? (this.refused ? clearedSessionCookie(this.secure) : null);
  }
}

/** Adds each request's Set-Cookie to yoga's answer (SSE included: its headers go out after the context is built). */
export function useSessionCookies(jarOf: (request: Request) => ResponseSessionCookie | undefined): Plugin {
  return {
    onResponse({ request, response }) {
      const header = jarOf(request)?.header();
      if (header) response.headers.append('set-cookie', header);
    },
  };
}

// What another site's page may do with /graphql. A browser sends cookies along with cross-site requests, so once the
// console signs in with a cookie, any page could otherwise act as its user:
// - CORS: only the server's own origin and POSTFLOW_CORS_ORIGINS are answered; an unknown Origin gets no
//   Access-Control-Allow-Origin at all (never reflected), and `*` is answered without credentials.
// - CSRF: a request a page can send without a preflight (GET, a form or multipart POST, text/plain) must carry
//   CSRF_HEADER, which such a page cannot set; a JSON POST needs a preflight, which CORS above refuses. A request
//   signed in by the session cookie (sessionCookie.ts) must carry it whatever its type.
// - WebSocket upgrades are not covered by CORS: an upgrade from a page of a foreign origin is refused here, and one
//   from any origin (POSTFLOW_CORS_ORIGINS=*) is answered without credentials, as its HTTP requests are: its cookie is
//   not read (graphql-ws runs mutations too, and a socket carries no CSRF header).
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { sessionCookieName, sessionCookieOf } from './sessionCookie.js';

/** graphql-yoga's own name for it, which yoga's clients and docs already know. Any value does. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', CSRF_HEADER].join(', ');

export interface CrossOrigin {
  plugins: Plugin[];
  /** False for an upgrade whose Origin (sent by every browser) is neither ours nor configured. */
  allowsUpgrade(request: IncomingMessage): boolean;
  /** Whether an allowed upgrade may be signed in by its session cookie: sent without an Origin (not a browser's), or from ours or a listed one. */
  upgradeMayUseCookie(request: IncomingMessage): boolean;
}

/**
 * @param publicUrl the server's own address (its origin is always allowed, as is the Host a request came in on:
 *   the console is served by this server at /admin/).
 * @param origins POSTFLOW_CORS_ORIGINS: more origins, with credentials, or ['*']: any origin, without.
 */
export function crossOrigin(publicUrl: string, origins: string[]): CrossOrigin {
  const own = new URL(publicUrl).origin;
  const anyOrigin = origins.includes('*');
  const listed = new Set(origins.filter((o) => o !== '*'));
  const secure = new URL(publicUrl).protocol === 'https:';

  // 'own' and 'listed' may send credentials; 'any' only with POSTFLOW_CORS_ORIGINS=*.
  const standing = (origin: string, host: string | null): 'own' | 'listed' | 'any' | null => {
    if (origin === own || (host !== null && hostOf(origin) === host)) return 'own';
    if (listed.has(origin)) return 'listed';
    return anyOrigin ? 'any' : null;
  };

  const corsHeaders = (request: Request): Record<string, string> => {
    const origin = request.headers.get('origin');
    const who = origin ? standing(origin, new URL(request.url).host) : null;
    if (!origin || !who) return { Vary: 'Origin' };
    return {
      'Access-Control-Allow-Origin': who === 'any' ? '*' : origin,
      ...(who !== 'any' && { 'Access-Control-Allow-Credentials': 'true' }),
      'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    };
  };

  const cors: Plugin = {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method.toUpperCase() !== 'OPTIONS') return;
      // Safari waits for a body on a 204 without Content-Length.
      endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'Content-Length': '0', ...corsHeaders(request) } }));
    },
    onResponse({ request, response }) {
      if (request.method.toUpperCase() === 'OPTIONS') return;
      for (const [name, value] of Object.entries(corsHeaders(request))) response.headers.set(name, value);
    },
  };

  const csrf: Plugin = {
    onRequestParse({ request }) {
      if (request.headers.has(CSRF_HEADER)) return;
      // Signed in by the cookie, a request needs the header whatever its type: SameSite=Strict is the first defence,
      // this the second (a browser with a lax SameSite, a sibling subdomain's page).
      const byCookie = !request.headers.has('authorization') && sessionCookieOf(request.headers.get('cookie'), secure).kind !== 'none';
      if (!byCookie && isJsonPost(request)) return;
      const message = byCookie
        ? `A request signed in by the ${sessionCookieName(secure)} cookie must carry the header "${CSRF_HEADER}" (any value): a page of another site cannot set it`
        : `Send a JSON POST, or add the header "${CSRF_HEADER}" (any value): a page of another site cannot set it`;
      throw new GraphQLError(message, { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } });
    },
  };

  return {
    plugins: [cors, csrf],
    allowsUpgrade(request) {
      const origin = request.headers.origin;
      return origin === undefined || standing(origin, request.headers.host ?? null) !== null;
    },
    upgradeMayUseCookie(request) {
      const origin = request.headers.origin;
      if (origin === undefined) return true;
      const who = standing(origin, request.headers.host ?? null);
      return who === 'own' || who === 'listed';
    },
  };
}

function isJsonPost(request: Request): boolean {
  const type = request.headers.get('content-type')?.split(';')[0].trim().toLowerCase();
  return request.method.toUpperCase() === 'POST' && type === 'application/json';
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

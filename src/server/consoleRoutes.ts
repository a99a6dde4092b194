// The operator console (admin/, a react-admin app) served from its build, admin/dist, at /admin/; `/` leads there.
// sirv serves the files: only those found in the build when it was read (no path outside it, no dotfile, so no
// traversal), the precompressed .gz beside each when the client takes gzip, index.html for unknown app paths.
// The console is same-origin with /graphql, so the page's policy can be strict: nothing but this server, plus
// images from anywhere on https (post media are users' URLs) and the inline styles MUI emits.
import { existsSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { projectRoot } from '../projectRoot.js';
import { pathnameOf, type Route } from './routes.js';
import { INVITATIONS_PATH } from '../domain/invitations.js';

export const CONSOLE_PATH = '/admin';
/** Where scripts/console/build.mjs writes the build, from the project root. */
export const CONSOLE_DIST = path.join('admin', 'dist');
/** The file the build writes last: its change means a new build was swapped in. */
const STAMP = '.build-stamp';
/** Vite puts content-hashed files (their name changes with their content) in assets/. */
const HASHED = /^\/assets\//;

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface ConsoleRoutesOptions {
  /** The built console; admin/dist under the project root unless a test says otherwise. */
  distDir?: string;
}

export function consoleRoutes(options: ConsoleRoutesOptions = {}): Route[] {
  const distDir = options.distDir ?? path.join(projectRoot(import.meta.url), CONSOLE_DIST);
  const files = buildFiles(distDir);
  return [
    { path: '/', methods: ['GET'], handle: (_request, response) => redirect(response, `${CONSOLE_PATH}/`) },
    // The link an invitation mail or the Team page gives out (src/domain/invitations.ts): the console's page that
    // accepts it. The token goes on in the fragment, which browsers never send to a server or in a Referer.
    {
      path: `${INVITATIONS_PATH}/*`,
      methods: ['GET'],
      handle: (request, response) => {
        const token = pathnameOf(request).slice(INVITATIONS_PATH.length + 1);
        if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return notFound(response);
        redirect(response, `${CONSOLE_PATH}/#/invitation/${token}`);
      },
    },
    {
      path: `${CONSOLE_PATH}/*`,
      methods: ['GET'],
      handle: (request, response) => {
        const pathname = pathnameOf(request);
        if (pathname === CONSOLE_PATH) return redirect(response, `${CONSOLE_PATH}/${queryOf(request)}`);
        const inside = pathname.slice(CONSOLE_PATH.length);
        setSecurityHeaders(request, response);
        if (refused(inside)) return notFound(response);
        const serve = files();
        if (!serve) return notBuilt(response);
        if (!staysInside(distDir, inside)) return notFound(response);
        // sirv reads the path from request.url: hand it the part below /admin. A hashed asset that is not there is a
        // 404, never the app's index.html (which would then be cached as immutable for a year).
        request.url = `${inside}${queryOf(request)}`;
        (HASHED.test(inside) ? serve.assets : serve.app)(request, response, () => notFound(response));
      },
    },
  ];
}

interface BuildHandlers {
  /** assets/: content-hashed files only, cached for good; no fallback. */
  assets: ReturnType<typeof sirv>;
  /** Everything else, index.html for unknown app paths; revalidated each time. */
  app: ReturnType<typeof sirv>;
}

/**
 * sirv's handlers over the build, read again when a new build was swapped in (its stamp changed), so a server that
 * outlives a rebuild serves the new files rather than 404 for their new names. Null while there is no build (the
 * stamp may vanish between two looks while the build swaps folders: that is "no build" too, not an error).
 */
function buildFiles(distDir: string): () => BuildHandlers | null {
  let current: { stamp: number; serve: BuildHandlers } | null = null;
  // Every file gets a Cache-Control from maxAge (sirv only lets setHeaders replace one it set itself).
  const served = (cacheControl: string, single: boolean) =>
    sirv(distDir, { single, gzip: true, etag: true, maxAge: 0, setHeaders: (response) => response.setHeader('Cache-Control', cacheControl) });
  return () => {
    const stamp = statSync(path.join(distDir, STAMP), { throwIfNoEntry: false });
    if (!stamp || !existsSync(path.join(distDir, 'index.html'))) return (current = null);
    if (current?.stamp !== stamp.mtimeMs) current = { stamp: stamp.mtimeMs, serve: { assets: served(IMMUTABLE, false), app: served('no-cache', true) } };
    return current.serve;
  };
}

/**
 * sirv follows symbolic links: a link inside the build must not serve a file from elsewhere. The file asked for (and
 * the .gz sirv may send instead) must resolve inside the build; a path that names no file is sirv's to answer.
 */
function staysInside(distDir: string, inside: string): boolean {
  let root: string;
  try {
    root = realpathSync(distDir);
  } catch {
    return false;
  }
  const asked = path.join(distDir, decodeURIComponent(inside));
  for (const candidate of [asked, `${asked}.gz`]) {
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue; // not there
    }
    if (real !== root && !real.startsWith(root + path.sep)) return false;
  }
  return true;
}

/** A `..` or dotfile segment, raw or percent-encoded, a NUL or a backslash: never a file of the build. */
function refused(inside: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(inside);
  } catch {
    return true;
  }
  return /[\0\\]/.test(decoded) || decoded.split('/').some((segment) => segment.startsWith('.'));
}

function setSecurityHeaders(request: IncomingMessage, response: ServerResponse): void {
  // The WebSocket of /graphql on the host the page came from (named outright: older engines' 'self' skips ws:).
  const host = request.headers.host;
  const sockets = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
  // img-src http: too: the composer shows thumbnails of the media URLs people give, which PostFlow accepts as http(s).
  response.setHeader(
    'Content-Security-Policy',
    `default-src 'self'; connect-src 'self'${sockets}; img-src 'self' data: http: https:; style-src 'self' 'unsafe-inline'; ` +
      "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'same-origin');
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location, 'content-length': '0', 'cache-control': 'no-cache' });
  response.end();
}

function queryOf(request: IncomingMessage): string {
  const url = request.url ?? '';
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
}

function notFound(response: ServerResponse): void {
  send(response, 404, 'Not found', '<p>There is no such file in the console.</p>');
}

function notBuilt(response: ServerResponse): void {
  send(
    response,
    503,
    'Console not built',
    '<p>The console has not been built on this server. Run <code>npm run build</code> (or <code>npm start</code>, which builds it when missing).</p>',
  );
}

function send(response: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store' });
  response.end(html);
}

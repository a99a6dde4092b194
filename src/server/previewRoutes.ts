// GET /preview/<token>: the page a preview link opens in a browser, until the console exists. The same read as
// the sharedPost query (src/services/previewLinks.ts: throttled per address, NOT_FOUND when revoked, expired or
// mistyped), rendered as a minimal page with every text escaped. The token is in the URL, so the page sends no
// Referer (its images load from other servers) and asks not to be cached or indexed; it runs no script at all.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../domain/errors.js';
import { clientIp } from '../security/clientIp.js';
import { openSharedPost, PREVIEW_PATH, type SharedPostView } from '../services/previewLinks.js';
import type { ServiceDeps } from '../services/deps.js';
import { pathnameOf, type Route } from './routes.js';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; img-src http: https:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

export function createPreviewRoutes(services: ServiceDeps): Route[] {
  return [{ path: `${PREVIEW_PATH}/*`, methods: ['GET'], handle: (request, response) => servePreview(services, request, response) }];
}

async function servePreview(services: ServiceDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const token = safeDecode(pathnameOf(request).slice(PREVIEW_PATH.length + 1));
  const forwarded = request.headers['x-forwarded-for'];
  const address = clientIp(request.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded, services.config.throttle.trustProxyHops);
  try {
    send(response, 200, page(await openSharedPost(services, token, address)));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const retry: Record<string, string> = error.code === 'RATE_LIMITED' ? { 'retry-after': String(error.details.retryAfterSeconds) } : {};
    send(response, error.code === 'RATE_LIMITED' ? 429 : 404, shell('Preview', `<p>${escapeHtml(error.message)}</p>`), retry);
  }
}

/** A malformed escape is a token that opens nothing, like any other wrong one (and counts the same). */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

function send(response: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...HEADERS, 'content-length': Buffer.byteLength(html), ...extra });
  response.end(html);
}

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const when = (at: Date | null) => (at ? escapeHtml(at.toISOString().replace('T', ' ').slice(0, 16) + ' UTC') : 'not scheduled yet');

function page(post: SharedPostView): string {
  const media = post.mediaUrls.map((url) => `<img src="${escapeHtml(url)}" alt="" loading="lazy">`).join('');
  const targets = post.targets
    .map(
      (t) =>
        `<li><strong>${escapeHtml(t.channelName)}</strong> (${escapeHtml(t.platform)}): ${escapeHtml(t.status)}, ${when(t.publishedAt ?? t.scheduledAt)}` +
        (t.content === post.content ? '' : `<blockquote>${escapeHtml(t.content)}</blockquote>`) +
        '</li>',
    )
    .join('');
  const comments = post.comments.map((c) => `<li><strong>${escapeHtml(c.name)}</strong>, ${when(c.createdAt)}: ${escapeHtml(c.text)}</li>`).join('');
  return shell(
    'Post preview',
    `<blockquote>${escapeHtml(post.content)}</blockquote>${media}<h2>Where and when</h2><ul>${targets}</ul>` +
      (comments ? `<h2>Comments</h2><ul>${comments}</ul>` : '') +
      `<p><small>This preview works until ${when(post.expiresAt)}.${post.allowComments ? ' Comment through the API: commentOnSharedPost.' : ''}</small></p>`,
  );
}

const shell = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>` +
  `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}blockquote{white-space:pre-wrap;border-left:3px solid #ccc;margin:1rem 0;padding-left:1rem}img{max-width:100%}</style>` +
  `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;

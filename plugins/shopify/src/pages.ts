// The few pages a merchant's browser sees: server-rendered, every text escaped, no script (the CSP says so), not
// cached, and no Referer sent on (some URLs here carry an install ticket or Shopify's signed query).
import type { ServerResponse } from 'node:http';

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/** A page of a title and paragraphs (each escaped here). */
export function sendPage(response: ServerResponse, status: number, title: string, paragraphs: string[], headers: Record<string, string | string[]> = {}): void {
  sendHtml(response, status, title, paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join(''), headers);
}

/** A page of a title and a body the caller built (every text in it escaped by the caller, with escapeHtml). */
export function sendHtml(response: ServerResponse, status: number, title: string, bodyHtml: string, headers: Record<string, string | string[]> = {}): void {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}` +
    `label{display:block;margin:.5rem 0}input[type=email],input[type=password],input[type=text]{display:block;width:100%;padding:.3rem}` +
    `.problem{color:#a00}</style></head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`;
  response.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html), ...headers });
  response.end(html);
}

/** A redirect of the merchant's browser (303: the next request is a GET, whatever this one was). */
export function sendRedirect(response: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  response.writeHead(303, { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-length': 0, ...headers });
  response.end();
}

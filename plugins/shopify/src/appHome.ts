// The store owner's page, GET /shopify/app for a connected shop, and its three writes. Opened from the Shopify admin,
// Shopify's signed launch (install.ts's appPage) proves the shop; this page then works with its own token
// (appHomeToken.ts): every POST carries it and comes from PostFlow's page or Shopify's admin (the Origin header), a
// write answers 303 back to the page with the token in the query, and everything acts through the host's services
// as the workspace's system actor. The page may be embedded in the Shopify admin (frame-ancestors); no cookie is used.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ValidationError } from '../../../src/domain/errors.js';
import { readCappedBody } from '../../../src/security/requestBody.js';
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import type { ShopifyAppHost } from './host.js';
import type { AppHomeView, PostPreview } from './appHomeHost.js';
import { FIELD, issuesByField, rulesFromForm, valuesOfForm, valuesOfRules, type FormValues } from './appHomeForm.js';
import { fitSentence, renderAppHome, type AppHomePage } from './appHomeRender.js';
import { APP_HOME_SCRIPT } from './appHomeScript.js';
import { PAGE_TOKEN_PARAM, checkPageToken, issuePageToken, type PageGrant } from './appHomeToken.js';
import { PAGE_HEADERS, sendPage, sendRedirect } from './pages.js';

/** Templates of every network at their 5,000 characters, form-encoded, fit well within this. */
export const MAX_FORM_BYTES = 256 * 1024;
/** Shopify embeds an app's pages in its admin: forms sent from there are the owner's too. */
export const SHOPIFY_ADMIN_ORIGIN = 'https://admin.shopify.com';

const NOTICES: Record<string, string> = {
  saved: 'Saved: the rules apply from the next product event on.',
  import: 'The catalog import has started: its progress shows below (reload the page to follow it).',
};

function headersFor(shop: string): Record<string, string> {
  return {
    ...PAGE_HEADERS,
    'content-security-policy':
      `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; ` +
      `frame-ancestors ${SHOPIFY_ADMIN_ORIGIN} https://${shop}`,
    // Not no-referrer: with it, browsers send `Origin: null` on a form's POST, which the Origin check must refuse.
    // same-origin sends nothing to other sites (the URL carries the page token) and the origin to PostFlow.
    'referrer-policy': 'same-origin',
  };
}

function sendHtml(response: ServerResponse, status: number, shop: string, html: string): void {
  response.writeHead(status, { ...headersFor(shop), 'content-length': Buffer.byteLength(html) });
  response.end(html);
}

const wantsJson = (request: IncomingMessage) => /application\/json/.test(String(request.headers.accept ?? ''));

function refuse(request: IncomingMessage, response: ServerResponse, status: number, message: string): void {
  if (wantsJson(request)) {
    const body = JSON.stringify({ error: message });
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    response.end(body);
    return;
  }
  sendPage(response, status, status === 401 ? 'Open PostFlow from your Shopify admin' : 'Refused', [message]);
}

/** The token's source, if it is still the shop's live, active one. */
async function grantOf(host: ShopifyAppHost, token: string | null): Promise<PageGrant | string> {
  const check = checkPageToken(host.appHome.mac, token);
  if (!check.ok) {
    return check.reason === 'expired'
      ? 'This page was opened more than an hour ago: open PostFlow again from your Shopify admin.'
      : "This page's token is not PostFlow's: open PostFlow from your Shopify admin.";
  }
  const source = await host.sources.findByStore('SHOPIFY', check.grant.shop);
  if (!source || source.id !== check.grant.sourceId || source.status !== 'ACTIVE') {
    return 'This shop is not connected to PostFlow any more: open the app from your Shopify admin to connect it again.';
  }
  return check.grant;
}

interface Shown {
  previews: PostPreview[] | null;
  note: string | null;
  issues: Record<string, string[]>;
  item: string | null;
}

/** The preview of `item` (or the latest one) under the stored rules, or under a draft; its problems as the page shows them. */
async function previewOf(host: ShopifyAppHost, view: AppHomeView, item: string | null, draft?: Record<string, unknown>): Promise<Shown> {
  const itemId = item && view.items.some((i) => i.externalId === item) ? item : (view.items[0]?.externalId ?? null);
  if (!itemId) return { previews: null, note: 'No product has arrived yet: the preview shows once one has (or after a catalog import).', issues: {}, item: null };
  try {
    const previews = await host.appHome.preview(view.source.id, itemId, draft);
    return { previews, note: previews.length ? null : 'Choose a channel to see its post.', issues: {}, item: itemId };
  } catch (error) {
    if (error instanceof ValidationError) return { previews: null, note: 'Correct the templates to see the preview.', issues: issuesByField(error.issues), item: itemId };
    if (error instanceof AppError) return { previews: null, note: error.message, issues: {}, item: itemId };
    throw error;
  }
}

async function sendAppHome(
  response: ServerResponse,
  status: number,
  grant: { shop: string; token: string },
  view: AppHomeView,
  values: FormValues,
  shown: Shown,
  notice: string | null,
): Promise<void> {
  const page: AppHomePage = {
    shop: grant.shop,
    token: grant.token,
    view,
    values,
    issues: shown.issues,
    previews: shown.previews,
    previewItem: shown.item,
    previewNote: shown.note,
    notice,
  };
  sendHtml(response, status, grant.shop, renderAppHome(page));
}

async function showStored(host: ShopifyAppHost, response: ServerResponse, grant: { shop: string; token: string; sourceId: string }, notice: string | null) {
  const view = await host.appHome.view(grant.sourceId);
  if (!view) return sendPage(response, 404, 'Not connected', ['This shop is not connected to PostFlow any more.']);
  return sendAppHome(response, 200, grant, view, valuesOfRules(view.source.rules), await previewOf(host, view, null), notice);
}

/** appPage's, after a valid launch of a connected shop: a page token is issued for this page's forms. */
export async function showAppHome(host: ShopifyAppHost, response: ServerResponse, shop: string, sourceId: string): Promise<void> {
  const { token } = issuePageToken(host.appHome.mac, shop, sourceId);
  return showStored(host, response, { shop, sourceId, token }, null);
}

export const hasPageToken = (request: IncomingMessage) => new URL(request.url ?? '/', 'http://postflow.invalid').searchParams.has(PAGE_TOKEN_PARAM);

/** GET /shopify/app?page_token=…: where a write sends the browser back (no Shopify signature needed again). */
export async function appHomeByToken(host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const query = new URL(request.url ?? '/', 'http://postflow.invalid').searchParams;
  const token = query.get(PAGE_TOKEN_PARAM);
  const grant = await grantOf(host, token);
  if (typeof grant === 'string') return refuse(request, response, 401, grant);
  return showStored(host, response, { ...grant, token: token! }, NOTICES[query.get('done') ?? ''] ?? null);
}

function pageUrl(client: ShopifyClient, token: string, done: keyof typeof NOTICES): string {
  const url = new URL(`${client.publicUrl}${SHOPIFY_PATHS.app}`);
  url.searchParams.set(PAGE_TOKEN_PARAM, token);
  url.searchParams.set('done', done);
  return url.href;
}

interface PostedForm {
  grant: PageGrant & { token: string };
  form: URLSearchParams;
  view: AppHomeView;
}

/** A POST's checks, in order: its Origin, its body, its page token, the source. Answers null once it has refused. */
async function readForm(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<PostedForm | null> {
  const origin = request.headers.origin;
  if (origin !== new URL(client.publicUrl).origin && origin !== SHOPIFY_ADMIN_ORIGIN) {
    host.logger.warn('refused a Shopify app page form from another origin', { origin: String(origin ?? 'none').slice(0, 200) });
    refuse(request, response, 403, "This form was not sent from PostFlow's page: open PostFlow from your Shopify admin.");
    return null;
  }
  if (!/^application\/x-www-form-urlencoded\b/i.test(String(request.headers['content-type'] ?? ''))) {
    refuse(request, response, 415, 'The page sends its forms as application/x-www-form-urlencoded.');
    return null;
  }
  const body = await readCappedBody(request, MAX_FORM_BYTES);
  if (!body) {
    refuse(request, response, 413, `A form of this page is at most ${MAX_FORM_BYTES} bytes.`);
    return null;
  }
  const form = new URLSearchParams(body.toString('utf8'));
  const token = form.get(PAGE_TOKEN_PARAM);
  const grant = await grantOf(host, token);
  if (typeof grant === 'string') {
    refuse(request, response, 401, grant);
    return null;
  }
  const view = await host.appHome.view(grant.sourceId);
  if (!view) {
    refuse(request, response, 401, 'This shop is not connected to PostFlow any more.');
    return null;
  }
  return { grant: { ...grant, token: token! }, form, view };
}

/** POST /shopify/app/settings: the rules saved through updateSource, or the form again with each problem at its field. */
export async function saveSettings(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { grant, form, view } = posted;
  try {
    await host.appHome.saveRules(grant.sourceId, rulesFromForm(view.source.rules, form));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const issues = error instanceof ValidationError ? issuesByField(error.issues) : { '': [error.message] };
    const shown: Shown = { previews: null, note: 'Correct the rules to see the preview.', issues, item: form.get(FIELD.item) };
    return sendAppHome(response, error instanceof ValidationError ? 422 : 409, grant, view, valuesOfForm(view.source.rules, form), shown, null);
  }
  return sendRedirect(response, pageUrl(client, grant.token, 'saved'));
}

/** POST /shopify/app/preview: the draft previewed, unsaved; JSON for the page's script, the page again without it. */
export async function previewSettings(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { grant, form, view } = posted;
  const shown = await previewOf(host, view, form.get(FIELD.item), rulesFromForm(view.source.rules, form));
  const status = Object.keys(shown.issues).length ? 422 : 200;
  if (wantsJson(request)) {
    const previews = (shown.previews ?? []).map((p) => ({ channelName: p.channelName, platform: p.platform, text: p.text, fits: p.fits, fit: fitSentence(p) }));
    const body = JSON.stringify({ previews, note: shown.note, issues: shown.issues });
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    response.end(body);
    return;
  }
  return sendAppHome(response, status, grant, view, valuesOfForm(view.source.rules, form), shown, null);
}

/** POST /shopify/app/import: importCatalog, then back to the page, which shows its progress. */
export async function startImport(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { grant, view } = posted;
  try {
    await host.appHome.startImport(grant.sourceId);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const shown = await previewOf(host, view, null);
    return sendAppHome(response, 409, grant, view, valuesOfRules(view.source.rules), { ...shown, issues: { '': [error.message] } }, null);
  }
  return sendRedirect(response, pageUrl(client, grant.token, 'import'));
}

/** GET /shopify/app/app.js: the page's one script (appHomeScript.ts). */
export function serveAppScript(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
    'content-length': Buffer.byteLength(APP_HOME_SCRIPT),
  });
  response.end(APP_HOME_SCRIPT);
}

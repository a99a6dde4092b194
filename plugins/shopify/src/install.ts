// The install over HTTP. Started from PostFlow: connectShopifyStart's URL opens GET /shopify/auth with the shop and
// a ticket, which is checked, kept in a cookie only the callback receives, and the owner is sent to Shopify's
// authorize page (with the ticket's scopes) and the library's state cookie. Started from Shopify: GET /shopify/app
// with Shopify's signed query begins OAuth at once (or, for a shop already connected whose grant still works and has
// the scopes its rules need, shows its page). The callback
// checks HMAC and state (completeInstall); then, with a good ticket, it installs or reconnects the source in the
// ticket's workspace, the held posts released in the same transaction. Without one (started from Shopify) Shopify's OAuth still proves the shop approved: a shop
// PostFlow has (active or uninstalled) is reconnected in its workspace, and a new one waits for its owner to sign in
// here and pick a workspace (claim.ts). Either way the webhooks are subscribed and the owner sees a page saying so.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemActor, type Actor } from '../../../src/domain/audit.js';
import { AppError, ValidationError } from '../../../src/domain/errors.js';
import type { ConnectedSource } from '../../../src/sources/types.js';
import { adminGraphql, registerWebhooks } from './admin.js';
import { showAppHome } from './appHome.js';
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import { createShopifyConnector, credentialsOf } from './connector.js';
import { ShopifyApiError, ShopifyNeedsReconnect, ShopifyRefused } from './errors.js';
import type { ShopifyAppHost } from './host.js';
import { beginInstall, completeInstall, validateAppLaunch, type InstalledShop } from './oauth.js';
import { sendPage, sendRedirect } from './pages.js';
import { CLAIM_PATHS, CLAIM_SECONDS, claimCookie } from './claimPages.js';
import { apiTopicsFor } from './webhooks.js';

export const AUTH_PATH = '/shopify/auth';
export const CONNECTED_PATH = '/shopify/connected';
export const TICKET_COOKIE = 'postflow_shopify_ticket';
const TICKET_SECONDS = 600;

const queryOf = (request: IncomingMessage) => new URL(request.url ?? '/', 'http://postflow.invalid').searchParams;
const userAgentOf = (request: IncomingMessage) => (typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined);

export function cookieOf(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=') || null;
  }
  return null;
}

/** The ticket's cookie: sent back only to the callback, never to scripts, and along Shopify's top-level redirect (Lax). */
function ticketCookie(client: ShopifyClient, value: string, maxAge: number): string {
  const secure = client.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${TICKET_COOKIE}=${value}; Path=${SHOPIFY_PATHS.authCallback}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

const START_AGAIN = 'Start again from PostFlow: open your workspace and connect the shop there (the link is good for 10 minutes, once).';

/** GET /shopify/auth?shop=…&ticket=…: connectShopifyStart's link, opened by the owner's browser. */
export async function startAuth(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const query = queryOf(request);
  let shop: string;
  try {
    shop = client.shopName(query.get('shop') ?? '');
  } catch {
    return sendPage(response, 400, 'Not a Shopify shop', ['The link names no shop of the form your-store.myshopify.com.', START_AGAIN]);
  }
  const ticket = query.get('ticket') ?? '';
  const found = /^[A-Za-z0-9_-]{20,100}$/.test(ticket) ? await host.checkTicket(ticket, shop) : null;
  if (!found) {
    return sendPage(response, 400, 'This link has expired', [`This link to connect ${shop} was used already, has expired, or is not PostFlow's.`, START_AGAIN]);
  }
  return redirectToShopify(client, request, response, shop, found.scopes, [ticketCookie(client, ticket, TICKET_SECONDS)]);
}

async function redirectToShopify(
  client: ShopifyClient,
  request: IncomingMessage,
  response: ServerResponse,
  shop: string,
  scopes: readonly string[],
  cookies: string[],
): Promise<void> {
  try {
    const start = await beginInstall(client, { shop, userAgent: userAgentOf(request), scopes });
    return sendRedirect(response, start.authorizeUrl, { 'set-cookie': [...start.setCookies, ...cookies] });
  } catch (error) {
    if (error instanceof ShopifyRefused) return sendPage(response, 403, 'Open this page in a browser', [error.message]);
    throw error;
  }
}

/** GET /shopify/app: the app URL Shopify opens from the merchant's admin, with its signed query. */
export async function appPage(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let shop: string;
  try {
    ({ shop } = await validateAppLaunch(client, queryOf(request)));
  } catch (error) {
    if (error instanceof ShopifyRefused) return sendPage(response, 401, 'Open PostFlow from your Shopify admin', [`This page needs Shopify's signed address: ${error.message}.`]);
    throw error;
  }
  const source = await host.sources.findByStore('SHOPIFY', shop);
  const grant = source?.status === 'ACTIVE' ? await host.grant(source.id) : null;
  // Not connected (or uninstalled): Shopify expects the app URL to begin OAuth at once.
  if (!source || !grant) return redirectToShopify(client, request, response, shop, await host.installScopes(shop), []);
  // Rules wanting access the grant lacks: authorizing again with the scopes added is Shopify's way to change them.
  if (grant.missingScopes.length) return redirectToShopify(client, request, response, shop, [...(await host.installScopes(shop)), ...grant.missingScopes], []);
  // A reinstall Shopify answered without OAuth (its app/uninstalled still on its way) leaves the source active with a
  // revoked token: OAuth now gives it a new one, and the late uninstall then finds it connected after it was sent.
  if (!(await grantWorks(client, host, grant.source))) return redirectToShopify(client, request, response, shop, await host.installScopes(shop), []);
  return showAppHome(host, response, shop, source.id);
}

/** One cheap Admin call with the stored grant (renewed first if it expires soon): false when the shop refuses it. */
async function grantWorks(client: ShopifyClient, host: ShopifyAppHost, source: ConnectedSource): Promise<boolean> {
  const connector = createShopifyConnector(client, { renewUnderLock: (held, renew) => host.sources.renewCredentials(held.id, renew) });
  try {
    await adminGraphql(client, await connector.session(source), `{ shop { myshopifyDomain } }`, {}, { maxAttempts: 1 });
    return true;
  } catch (error) {
    if (error instanceof ShopifyNeedsReconnect) return false;
    // Shopify slow or failing: the page shows what PostFlow has (a page view waits for no retries); the next one checks again.
    host.logger.warn("could not check a shop's grant for its app page", { shop: source.externalId, error: error instanceof Error ? error.message : String(error) });
    return true;
  }
}

/** GET /shopify/auth/callback: where Shopify sends the owner back with the code. */
export async function authCallback(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const clear = { 'set-cookie': ticketCookie(client, '', 0) };
  let installed: InstalledShop;
  try {
    installed = await completeInstall(client, { url: request.url ?? '/', cookie: request.headers.cookie, userAgent: userAgentOf(request) });
  } catch (error) {
    if (error instanceof ShopifyRefused) {
      host.logger.warn('refused a Shopify install callback', { reason: error.reason });
      return sendPage(response, error.reason === 'hmac' ? 401 : 400, 'The install did not go through', [error.message, START_AGAIN], clear);
    }
    if (error instanceof ShopifyApiError) return sendPage(response, 502, 'Shopify did not answer', [`${error.message}. Try again in a minute.`], clear);
    throw error;
  }
  const ticket = cookieOf(request, TICKET_COOKIE);
  // A leftover ticket of another shop (its cookie lives 10 minutes) is not this install's: it stays, and this one goes on as started from Shopify.
  const bound = ticket ? await host.redeemTicket(ticket, installed.shop) : 'OTHER_SHOP';
  if (bound === 'OTHER_SHOP') return installFromShopify(client, host, response, installed);
  if (bound === 'EXPIRED') return sendPage(response, 400, 'This link has expired', [`The link to connect ${installed.shop} was used already or has expired.`, START_AGAIN], clear);
  return connectInto(client, host, response, installed, bound, clear);
}

/**
 * An install started from Shopify's admin (no ticket): Shopify's OAuth proved the shop approved. A shop PostFlow has,
 * active or uninstalled, is reconnected in its workspace (the system acting: no person of PostFlow is here). A new
 * one (or one a person disconnected) waits, its tokens sealed, for its owner to sign in and pick a workspace.
 */
async function installFromShopify(client: ShopifyClient, host: ShopifyAppHost, response: ServerResponse, installed: InstalledShop): Promise<void> {
  const known = await host.sources.findByStore('SHOPIFY', installed.shop);
  if (known && known.status !== 'DISCONNECTED') {
    return connectInto(client, host, response, installed, { workspaceId: known.workspaceId, actor: systemActor(known.workspaceId) }, {});
  }
  const { token } = await host.claims.open(installed.shop, { ...credentialsOf(installed) });
  return sendRedirect(response, `${client.publicUrl}${CLAIM_PATHS.page}`, { 'set-cookie': claimCookie(client, token, CLAIM_SECONDS) });
}

/** The source installed (or reconnected) in the workspace, what an uninstall held released, the webhooks subscribed. */
async function connectInto(
  client: ShopifyClient,
  host: ShopifyAppHost,
  response: ServerResponse,
  installed: InstalledShop,
  bound: { workspaceId: string; actor: Actor },
  headers: Record<string, string | string[]>,
): Promise<void> {
  let released: number;
  try {
    ({ released } = await host.connect({
      workspaceId: bound.workspaceId,
      kind: 'SHOPIFY',
      externalId: installed.shop,
      name: installed.shop,
      credentials: { ...credentialsOf(installed) },
      actor: bound.actor,
    }));
  } catch (error) {
    if (error instanceof AppError && !(error instanceof ValidationError))
      return sendPage(response, error.code === 'PLAN_LIMIT' ? 402 : 409, 'The shop was not connected', [error.message], headers);
    throw error;
  }
  const subscribed = await subscribe(client, host, installed);
  return sendRedirect(response, connectedUrl(client, installed.shop, released, subscribed), headers);
}

/** The "connected" page's address (its query only says what to show). */
export function connectedUrl(client: ShopifyClient, shop: string, released: number, subscribed: boolean): string {
  const target = new URL(`${client.publicUrl}${CONNECTED_PATH}`);
  target.searchParams.set('shop', shop);
  if (released) target.searchParams.set('released', String(released));
  if (!subscribed) target.searchParams.set('webhooks', 'failed');
  return target.href;
}

/** The webhook topics, idempotently; the source is connected either way, and a reinstall tries again. */
export async function subscribe(client: ShopifyClient, host: ShopifyAppHost, installed: Pick<InstalledShop, 'shop' | 'accessToken' | 'scopes'>): Promise<boolean> {
  try {
    await registerWebhooks(client, { shop: installed.shop, accessToken: installed.accessToken }, `${client.publicUrl}${SHOPIFY_PATHS.webhooks}`, apiTopicsFor(installed.scopes));
    return true;
  } catch (error) {
    host.logger.error('could not subscribe a shop to its webhooks', { shop: installed.shop, error: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

/** GET /shopify/connected: the page after an install (its query only says what to show; it grants nothing). */
export function connectedPage(client: ShopifyClient, request: IncomingMessage, response: ServerResponse): void {
  const query = queryOf(request);
  let shop: string;
  try {
    shop = client.shopName(query.get('shop') ?? '');
  } catch {
    return sendPage(response, 400, 'Not a Shopify shop', ['This page names no shop of the form your-store.myshopify.com.']);
  }
  const released = Number(query.get('released') ?? 0);
  return sendPage(response, 200, 'Shop connected', [
    `${shop} is connected to PostFlow.`,
    ...(Number.isSafeInteger(released) && released > 0 ? [`${released} held post deliveries were released.`] : []),
    ...(query.get('webhooks') === 'failed' ? ['Shopify did not take the webhook subscriptions just now: install the app again to retry.'] : []),
    'Pick channels and templates for it in PostFlow; new products then become posts. You may close this page.',
  ]);
}

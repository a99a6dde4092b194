// The install over HTTP. Started from PostFlow: connectShopifyStart's URL opens GET /shopify/auth with the shop and
// a ticket, which is checked, kept in a cookie only the callback receives, and the owner is sent to Shopify's
// authorize page with the library's state cookie. Started from Shopify: GET /shopify/app with Shopify's signed query
// begins OAuth at once (or, for a shop already connected, shows its status). The callback checks HMAC and state
// (completeInstall), and with a good ticket installs or reconnects the source, subscribes the webhooks and sends
// the owner to a page saying so. Without a ticket the shop is not connected: the owner is told to connect it from
// PostFlow (choosing a workspace after signing in here is the next session's).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ValidationError } from '../../../src/domain/errors.js';
import { registerWebhooks } from './admin.js';
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import { credentialsOf } from './connector.js';
import { ShopifyApiError, ShopifyRefused } from './errors.js';
import type { ShopifyAppHost } from './host.js';
import { beginInstall, completeInstall, validateAppLaunch, type InstalledShop } from './oauth.js';
import { sendPage, sendRedirect } from './pages.js';
import { apiTopicsFor } from './webhooks.js';

export const AUTH_PATH = '/shopify/auth';
export const CONNECTED_PATH = '/shopify/connected';
export const TICKET_COOKIE = 'postflow_shopify_ticket';
const TICKET_SECONDS = 600;

const queryOf = (request: IncomingMessage) => new URL(request.url ?? '/', 'http://postflow.invalid').searchParams;
const userAgentOf = (request: IncomingMessage) => (typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : undefined);

function cookieOf(request: IncomingMessage, name: string): string | null {
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
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(ticket) || !(await host.checkTicket(ticket, shop))) {
    return sendPage(response, 400, 'This link has expired', [`This link to connect ${shop} was used already, has expired, or is not PostFlow's.`, START_AGAIN]);
  }
  return redirectToShopify(client, request, response, shop, [ticketCookie(client, ticket, TICKET_SECONDS)]);
}

async function redirectToShopify(client: ShopifyClient, request: IncomingMessage, response: ServerResponse, shop: string, cookies: string[]): Promise<void> {
  try {
    const start = await beginInstall(client, { shop, userAgent: userAgentOf(request) });
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
  const status = source?.status === 'ACTIVE' ? await host.status(source.id) : null;
  // Not connected (or uninstalled): Shopify expects the app URL to begin OAuth at once.
  if (!status) return redirectToShopify(client, request, response, shop, []);
  return sendPage(response, 200, `${status.name} on PostFlow`, [
    `${shop} is connected to PostFlow: ${status.status.toLowerCase()}.`,
    `Events received in the last 7 days: ${status.recentEvents}.${status.heldDeliveries ? ` Posts held: ${status.heldDeliveries}.` : ''}`,
    'Channels, templates and rules are set in PostFlow (the sources of your workspace).',
  ]);
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
  if (!ticket) {
    return sendPage(response, 200, 'Connect this shop from PostFlow', [
      `Shopify approved the app for ${installed.shop}, but PostFlow does not know which workspace it joins.`,
      'Open PostFlow, sign in (or create an account), and connect this shop from your workspace: you will come back here once.',
    ]);
  }
  const bound = await host.redeemTicket(ticket, installed.shop);
  if (!bound) return sendPage(response, 400, 'This link has expired', [`The link to connect ${installed.shop} was used already or has expired.`, START_AGAIN], clear);
  let sourceId: string;
  try {
    ({ sourceId } = await host.sources.install({
      workspaceId: bound.workspaceId,
      kind: 'SHOPIFY',
      externalId: installed.shop,
      name: installed.shop,
      credentials: { ...credentialsOf(installed) },
      actor: bound.actor,
    }));
  } catch (error) {
    if (error instanceof AppError && !(error instanceof ValidationError))
      return sendPage(response, error.code === 'PLAN_LIMIT' ? 402 : 409, 'The shop was not connected', [error.message], clear);
    throw error;
  }
  const released = await host.release(sourceId, bound.actor);
  const subscribed = await subscribe(client, host, installed);
  const target = new URL(`${client.publicUrl}${CONNECTED_PATH}`);
  target.searchParams.set('shop', installed.shop);
  if (released) target.searchParams.set('released', String(released));
  if (!subscribed) target.searchParams.set('webhooks', 'failed');
  return sendRedirect(response, target.href, clear);
}

/** The webhook topics, idempotently; the source is connected either way, and a reinstall tries again. */
async function subscribe(client: ShopifyClient, host: ShopifyAppHost, installed: InstalledShop): Promise<boolean> {
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

// Installing the app: the authorization-code grant through @shopify/shopify-api (its signed state cookie, its HMAC
// check of the callback), asking for an expiring offline token whose refresh token rotates; renewing it; and the
// check of the signed query Shopify adds when a merchant opens the app from their admin. Nothing here stores
// anything: the caller keeps the tokens (sealed), and stores each refreshed pair in one write, since the old
// refresh token stops working the moment the new one is issued.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BotActivityDetected, CookieNotFound, HttpResponseError, InvalidHmacError, InvalidOAuthError, InvalidShopError } from '@shopify/shopify-api';
import type { ShopifyClient } from './client.js';
import { SHOPIFY_PATHS } from './config.js';
import { ShopifyApiError, ShopifyNeedsReconnect, ShopifyRefused } from './errors.js';

/** Tokens are renewed this long before they expire, so no call meets an expired one (Shopify's live 60 minutes). */
export const REFRESH_AHEAD_MS = 5 * 60_000;

export interface ShopifyTokens {
  accessToken: string;
  /** null: a non-expiring token (apps created before 2026-04; Shopify stops accepting them in 2027-01). */
  accessTokenExpiresAt: Date | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: Date | null;
  scopes: string[];
}

export interface InstalledShop extends ShopifyTokens {
  shop: string;
}

export interface InstallStart {
  /** Where to send the merchant (SHOPIFY_SHOP_ORIGIN's authorize page). */
  authorizeUrl: string;
  /** The library's signed state cookie (Set-Cookie values, scoped to the callback path): send them with the redirect. */
  setCookies: string[];
}

/** The request the library reads, from what a route has at hand. */
function requestFor(url: string, headers: Record<string, string | undefined>): IncomingMessage {
  const present = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined));
  return { method: 'GET', url, headers: present } as unknown as IncomingMessage;
}

/** A response that only collects what the library would send: the route answers with it. */
function capturedResponse() {
  const headers = new Map<string, string | string[]>();
  const response = {
    statusCode: 200,
    statusMessage: '',
    getHeaders: () => ({}),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader(name: string, value: string | string[]) {
      headers.set(name.toLowerCase(), value);
      return response;
    },
    write: () => true,
    end: () => response,
  };
  return { raw: response as unknown as ServerResponse, headers, status: () => response.statusCode };
}

/**
 * Starts an install for `shop` (a merchant's browser, whose User-Agent the library checks for bots). `scopes`: what
 * to ask for instead of SHOPIFY_SCOPES (the library asks for its configured ones; read_inventory is asked per install).
 */
export async function beginInstall(client: ShopifyClient, input: { shop: string; userAgent?: string; scopes?: readonly string[] }): Promise<InstallStart> {
  const shop = client.shopName(input.shop);
  const response = capturedResponse();
  await client.api.auth.begin({
    shop,
    callbackPath: SHOPIFY_PATHS.authCallback,
    isOnline: false,
    rawRequest: requestFor('/shopify/auth', { 'user-agent': input.userAgent }),
    rawResponse: response.raw,
  });
  if (response.status() === 410) throw new ShopifyRefused('bot', 'the install was started by what looks like a bot, not a browser');
  const location = new URL(String(response.headers.get('location')));
  if (input.scopes?.length) location.searchParams.set('scope', [...new Set(input.scopes)].join(','));
  const cookies = response.headers.get('set-cookie') ?? [];
  return {
    authorizeUrl: `${client.shopUrl(location.hostname)}${location.pathname}${location.search}`,
    // The library leaves them readable by scripts; nothing but the callback's server side needs them.
    setCookies: (Array.isArray(cookies) ? cookies : [cookies]).map((cookie) => (/;\s*httponly/i.test(cookie) ? cookie : `${cookie}; HttpOnly`)),
  };
}

/**
 * Finishes an install from the callback's request: `url` is its path and query, `cookie` its Cookie header (the
 * state cookie beginInstall set). Throws ShopifyRefused when the HMAC, the state or the shop does not check out.
 */
export async function completeInstall(client: ShopifyClient, input: { url: string; cookie?: string; userAgent?: string }): Promise<InstalledShop> {
  const query = Object.fromEntries(new URL(input.url, client.publicUrl).searchParams);
  try {
    client.shopName(query.shop ?? '');
  } catch {
    throw new ShopifyRefused('shop', 'the callback names no myshopify.com shop');
  }
  try {
    const { session } = await client.api.auth.callback({
      expiring: true,
      rawRequest: requestFor(input.url, { cookie: input.cookie, 'user-agent': input.userAgent, host: new URL(client.publicUrl).host }),
      rawResponse: capturedResponse().raw,
    });
    return { shop: session.shop, ...tokensOf(session) };
  } catch (error) {
    throw await callbackRefusal(client, query, error);
  }
}

async function callbackRefusal(client: ShopifyClient, query: Record<string, string>, error: unknown): Promise<unknown> {
  if (error instanceof BotActivityDetected) return new ShopifyRefused('bot', 'the callback came from what looks like a bot');
  if (error instanceof CookieNotFound) return new ShopifyRefused('state', 'the state cookie is missing or not signed by PostFlow (another browser, or more than a minute later)');
  if (error instanceof InvalidShopError) return new ShopifyRefused('shop', 'the callback names no myshopify.com shop');
  if (error instanceof InvalidHmacError) return hmacRefusal(error);
  if (error instanceof InvalidOAuthError) {
    const signed = await client.api.utils.validateHmac(query).catch(() => false);
    return signed ? new ShopifyRefused('state', "the callback's state is not the one this browser was given") : new ShopifyRefused('hmac', "the callback's HMAC is not Shopify's");
  }
  if (error instanceof HttpResponseError && error.response.code < 500) return new ShopifyRefused('grant', `Shopify refused the authorization code (HTTP ${error.response.code})`);
  return apiFailure('exchanging the authorization code', error);
}

function hmacRefusal(error: InvalidHmacError): ShopifyRefused {
  return /timestamp/i.test(error.message)
    ? new ShopifyRefused('timestamp', 'the signed query is older (or newer) than 90 seconds')
    : new ShopifyRefused('hmac', 'the query carries no HMAC');
}

function apiFailure(what: string, error: unknown): ShopifyApiError {
  const status = error instanceof HttpResponseError ? error.response.code : null;
  return new ShopifyApiError(status ? 'server' : 'network', `${what} failed: ${status ? `HTTP ${status}` : error instanceof Error ? error.name : 'unknown error'}`, true, {
    cause: error,
  });
}

function tokensOf(session: { accessToken?: string; expires?: Date; refreshToken?: string; refreshTokenExpires?: Date; scope?: string }): ShopifyTokens {
  if (!session.accessToken) throw new ShopifyApiError('server', 'Shopify answered the token request without an access token', true);
  return {
    accessToken: session.accessToken,
    accessTokenExpiresAt: session.expires ?? null,
    refreshToken: session.refreshToken ?? null,
    refreshTokenExpiresAt: session.refreshTokenExpires ?? null,
    scopes: (session.scope ?? '')
      .split(',')
      .map((scope) => scope.trim())
      .filter(Boolean),
  };
}

/**
 * A new token pair from the refresh token. The old refresh token is spent by this call: store both new tokens in one
 * write before using either. A refused refresh token (revoked, expired, spent) is ShopifyNeedsReconnect.
 */
export async function refreshAccess(client: ShopifyClient, shop: string, refreshToken: string): Promise<ShopifyTokens> {
  const name = client.shopName(shop);
  try {
    const { session } = await client.api.auth.refreshToken({ shop: name, refreshToken });
    return tokensOf(session);
  } catch (error) {
    if (error instanceof HttpResponseError && error.response.code < 500 && error.response.code !== 429) {
      throw new ShopifyNeedsReconnect(name, `${name} refused the refresh token (HTTP ${error.response.code}): the app must be installed again`);
    }
    throw apiFailure('renewing the access token', error);
  }
}

/** Whether a token expiring at `expiresAt` is to be renewed at `now` (within REFRESH_AHEAD_MS of its expiry). */
export function needsRefresh(expiresAt: Date | null, now: Date, aheadMs = REFRESH_AHEAD_MS): boolean {
  return expiresAt !== null && expiresAt.getTime() - now.getTime() <= aheadMs;
}

export interface AppLaunch {
  shop: string;
  /** Shopify's base64 admin host, kept for links back into the admin. */
  host: string;
  embedded: boolean;
}

/** The signed query (shop, host, hmac, timestamp) Shopify adds when a merchant installs or opens the app from Shopify. */
export async function validateAppLaunch(client: ShopifyClient, params: URLSearchParams | Record<string, string>): Promise<AppLaunch> {
  const query = params instanceof URLSearchParams ? Object.fromEntries(params) : { ...params };
  let shop: string;
  try {
    shop = client.shopName(query.shop ?? '');
  } catch {
    throw new ShopifyRefused('shop', 'the query names no myshopify.com shop');
  }
  let signed: boolean;
  try {
    signed = await client.api.utils.validateHmac(query);
  } catch (error) {
    if (error instanceof InvalidHmacError) throw hmacRefusal(error);
    throw error;
  }
  if (!signed) throw new ShopifyRefused('hmac', "the query's HMAC is not Shopify's");
  const host = client.api.utils.sanitizeHost(query.host ?? '');
  if (!host) throw new ShopifyRefused('host', "the query's host is not a Shopify admin");
  return { shop, host, embedded: query.embedded === '1' };
}

// Installing the Shopify app (plugins/shopify/src/oauth.ts) against the loopback Shopify: the authorize URL on
// SHOPIFY_SHOP_ORIGIN with the library's state cookie, the callback's HMAC and state, an expiring offline token and
// its rotating refresh token, and the signed query of an app opened from Shopify's admin.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyFake } from '../../fakes/shopifyFake.js';
import type { ShopifyClient } from '../../../plugins/shopify/src/client.js';
import { ShopifyNeedsReconnect, ShopifyRefused } from '../../../plugins/shopify/src/errors.js';
import { beginInstall, completeInstall, needsRefresh, refreshAccess, validateAppLaunch, REFRESH_AHEAD_MS } from '../../../plugins/shopify/src/oauth.js';
import { ValidationError } from '../../../src/domain/errors.js';
import { BROWSER, approve, cookieHeader, install, startShopify } from './setup.js';

const SHOP = 'linen-house.myshopify.com';
let fake: ShopifyFake;
let client: ShopifyClient;

beforeAll(async () => {
  ({ fake, client } = await startShopify());
});
afterAll(async () => {
  client?.close();
  await fake?.stop();
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => (error instanceof ShopifyRefused ? error.reason : error),
  );

describe('beginInstall', () => {
  it("points the merchant at the configured shop origin's authorize page and sets the state cookie for the callback", async () => {
    const begun = await beginInstall(client, { shop: SHOP, userAgent: BROWSER });
    const authorize = new URL(begun.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.shopOrigin.replace('{shop}', SHOP)}/admin/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe(fake.apiKey);
    expect(authorize.searchParams.get('scope')).toBe('read_products');
    expect(authorize.searchParams.get('redirect_uri')).toBe('https://postflow.test/shopify/auth/callback');
    const state = begun.setCookies.find((c) => c.startsWith('shopify_app_state='))!;
    expect(state).toMatch(/path=\/shopify\/auth\/callback/i);
    expect(state).toMatch(/httponly/i);
    expect(state.split(';')[0]).toBe(`shopify_app_state=${authorize.searchParams.get('state')}`);
    expect(begun.setCookies.some((c) => c.startsWith('shopify_app_state.sig='))).toBe(true);
  });

  it('refuses a shop that is not a myshopify.com name, and a bot', async () => {
    for (const shop of ['evil.example.com', 'linen-house.myshopify.com.evil.example', 'https://linen-house.myshopify.com/admin', '']) {
      await expect(beginInstall(client, { shop, userAgent: BROWSER })).rejects.toBeInstanceOf(ValidationError);
    }
    expect(await refusal(beginInstall(client, { shop: SHOP, userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' }))).toBe('bot');
  });
});

describe('completeInstall', () => {
  it('gets an expiring offline token with a refresh token, which rotates on renewal', async () => {
    const before = fake.tokenRequests.length;
    const installed = await install(client, SHOP);
    expect(fake.tokenRequests.slice(before)).toEqual([{ shop: SHOP, grant: 'authorization_code', expiring: true }]);
    expect(installed).toMatchObject({ shop: SHOP, scopes: ['read_products'] });
    expect(installed.accessToken).toMatch(/^shpat_/);
    expect(installed.refreshToken).toMatch(/^shprt_/);
    expect(installed.accessTokenExpiresAt!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(installed.refreshTokenExpiresAt!.getTime()).toBeGreaterThan(installed.accessTokenExpiresAt!.getTime());

    const renewed = await refreshAccess(client, SHOP, installed.refreshToken!);
    expect(renewed.accessToken).not.toBe(installed.accessToken);
    expect(renewed.refreshToken).toMatch(/^shprt_/);
    expect(renewed.refreshToken).not.toBe(installed.refreshToken);
    // The spent refresh token is refused: only a new install helps then.
    await expect(refreshAccess(client, SHOP, installed.refreshToken!)).rejects.toBeInstanceOf(ShopifyNeedsReconnect);
    // The new one works once.
    expect((await refreshAccess(client, SHOP, renewed.refreshToken!)).accessToken).toMatch(/^shpat_/);
  });

  it('refuses a forged callback HMAC without asking for a token', async () => {
    const begun = await beginInstall(client, { shop: SHOP, userAgent: BROWSER });
    const url = new URL(await approve(begun.authorizeUrl), 'https://postflow.test');
    url.searchParams.set('hmac', createHmac('sha256', 'not-the-secret').update('x').digest('hex'));
    const before = fake.tokenRequests.length;
    expect(await refusal(completeInstall(client, { url: `${url.pathname}${url.search}`, cookie: cookieHeader(begun.setCookies), userAgent: BROWSER }))).toBe('hmac');
    // A query changed after Shopify signed it (another shop's name) is refused the same way.
    const other = new URL(url);
    other.searchParams.set('shop', 'other-shop.myshopify.com');
    expect(await refusal(completeInstall(client, { url: `${other.pathname}${other.search}`, cookie: cookieHeader(begun.setCookies), userAgent: BROWSER }))).toBe('hmac');
    expect(fake.tokenRequests.length).toBe(before);
  });

  it("refuses a callback without this browser's state cookie, or with another install's", async () => {
    const first = await beginInstall(client, { shop: SHOP, userAgent: BROWSER });
    const second = await beginInstall(client, { shop: SHOP, userAgent: BROWSER });
    const url = await approve(first.authorizeUrl);
    const before = fake.tokenRequests.length;
    expect(await refusal(completeInstall(client, { url, userAgent: BROWSER }))).toBe('state');
    expect(await refusal(completeInstall(client, { url, cookie: cookieHeader(second.setCookies), userAgent: BROWSER }))).toBe('state');
    // A cookie not signed with the app's secret is no state cookie at all.
    const unsigned = `shopify_app_state=${new URL(first.authorizeUrl).searchParams.get('state')}`;
    expect(await refusal(completeInstall(client, { url, cookie: unsigned, userAgent: BROWSER }))).toBe('state');
    expect(fake.tokenRequests.length).toBe(before);
    // The right cookie still completes it.
    await expect(completeInstall(client, { url, cookie: cookieHeader(first.setCookies), userAgent: BROWSER })).resolves.toMatchObject({ shop: SHOP });
  });
});

describe('needsRefresh', () => {
  it('renews ahead of expiry, and never a non-expiring token', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const at = (ms: number) => new Date(now.getTime() + ms);
    expect(needsRefresh(at(60 * 60_000), now)).toBe(false);
    expect(needsRefresh(at(REFRESH_AHEAD_MS + 1_000), now)).toBe(false);
    expect(needsRefresh(at(REFRESH_AHEAD_MS), now)).toBe(true);
    expect(needsRefresh(at(-1_000), now)).toBe(true);
    expect(needsRefresh(null, now)).toBe(false);
  });
});

describe('validateAppLaunch', () => {
  it('accepts the query Shopify signs when a merchant opens the app, and refuses it changed, unsigned or stale', async () => {
    const launch = fake.appLaunchQuery(SHOP);
    await expect(validateAppLaunch(client, launch)).resolves.toEqual({ shop: SHOP, host: launch.get('host'), embedded: true });

    const otherShop = new URLSearchParams(launch);
    otherShop.set('shop', 'other-shop.myshopify.com');
    expect(await refusal(validateAppLaunch(client, otherShop))).toBe('hmac');
    const unsigned = new URLSearchParams(launch);
    unsigned.delete('hmac');
    expect(await refusal(validateAppLaunch(client, unsigned))).toBe('hmac');
    const notShopify = new URLSearchParams(launch);
    notShopify.set('shop', 'evil.example.com');
    expect(await refusal(validateAppLaunch(client, notShopify))).toBe('shop');

    // Signed correctly, but two minutes old: the library allows 90 seconds of clock difference.
    const stale = new URLSearchParams([...launch].filter(([key]) => key !== 'hmac'));
    stale.set('timestamp', String(Math.floor(Date.now() / 1000) - 120));
    const sorted = new URLSearchParams([...stale].sort(([a], [b]) => a.localeCompare(b)));
    sorted.set('hmac', createHmac('sha256', fake.apiSecret).update(sorted.toString()).digest('hex'));
    expect(await refusal(validateAppLaunch(client, sorted))).toBe('timestamp');
  });
});

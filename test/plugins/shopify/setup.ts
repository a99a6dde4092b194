// The Shopify plugin against the loopback Shopify (test/fakes/shopifyFake.ts): one fake and one client per test
// file (the library's fetch is process-wide: each file closes its client when done), and an install that
// follows a merchant's browser from beginInstall through the fake's approval to completeInstall.
import { startShopifyFake, type ShopifyFake } from '../../fakes/shopifyFake.js';
import { createShopifyClient, type ShopifyClient } from '../../../plugins/shopify/src/client.js';
import { beginInstall, completeInstall, type InstalledShop } from '../../../plugins/shopify/src/oauth.js';

export const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

export async function startShopify(scopes: string[] = ['read_products']): Promise<{ fake: ShopifyFake; client: ShopifyClient }> {
  const fake = await startShopifyFake();
  const client = createShopifyClient({
    settings: { apiKey: fake.apiKey, apiSecret: fake.apiSecret, scopes, shopOrigin: fake.shopOrigin, apiVersion: '2026-07' },
    publicUrl: 'https://postflow.test',
    outboundAllow: [],
    requestTimeoutMs: 5_000,
  });
  return { fake, client };
}

/** The cookie header a browser sends back: the name=value part of each Set-Cookie. */
export const cookieHeader = (setCookies: string[]) => setCookies.map((cookie) => cookie.split(';')[0]).join('; ');

/** The merchant approves on the fake: the callback URL (path and query) Shopify redirects the browser to. */
export async function approve(authorizeUrl: string): Promise<string> {
  const answer = await fetch(authorizeUrl, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
  const callback = new URL(answer.headers.get('location')!);
  return `${callback.pathname}${callback.search}`;
}

export async function install(client: ShopifyClient, shop: string): Promise<InstalledShop> {
  const begun = await beginInstall(client, { shop, userAgent: BROWSER });
  const url = await approve(begun.authorizeUrl);
  return completeInstall(client, { url, cookie: cookieHeader(begun.setCookies), userAgent: BROWSER });
}

// The loopback Shopify against the library PostFlow uses (@shopify/shopify-api 13): if the library accepts what the
// fake answers, the fake speaks Shopify's contract. OAuth with an expiring offline token and its rotating refresh
// token, the Admin GraphQL API with its cost extension and throttling, the JSONL of a bulk operation, and signed
// webhooks the library's own check accepts (and refuses when forged).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import '@shopify/shopify-api/adapters/node';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import { ApiVersion, shopifyApi, type Shopify } from '@shopify/shopify-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from '../fakes/shopifyFake.js';

const SHOP = 'linen-house.myshopify.com';
let fake: ShopifyFake;
let shopify: Shopify;

beforeAll(async () => {
  fake = await startShopifyFake();
  // What PostFlow's SHOPIFY_SHOP_ORIGIN does: the library's https://<shop> requests go to the fake.
  const realFetch = globalThis.fetch;
  setAbstractFetchFunc((input, init) => {
    const url = new URL(String(input));
    const rewritten = url.hostname.endsWith('.myshopify.com') ? `${fake.shopOrigin.replace('{shop}', url.hostname)}${url.pathname}${url.search}` : String(input);
    return realFetch(rewritten, init);
  });
  shopify = shopifyApi({
    apiKey: fake.apiKey,
    apiSecretKey: fake.apiSecret,
    scopes: ['read_products'],
    hostName: 'postflow.test',
    hostScheme: 'https',
    apiVersion: ApiVersion.July26,
    isEmbeddedApp: false,
    logger: { level: 0, log: async () => {} },
  });
});
afterAll(async () => {
  await fake?.stop();
});

/** Runs the library's begin() and follows the merchant through the fake's approval to the callback's query. */
async function install(): Promise<{ accessToken: string; refreshToken: string | undefined; expires: Date | undefined }> {
  const begun = await new Promise<{ location: string; cookies: string[] }>((resolve, reject) => {
    const server = createServer((req, res) => {
      shopify.auth.begin({ shop: SHOP, callbackPath: '/shopify/auth/callback', isOnline: false, rawRequest: req, rawResponse: res }).catch(reject);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      realFetchNoRedirect(`http://127.0.0.1:${port}/shopify/auth`).then((r) => {
        server.close();
        resolve({ location: r.headers.get('location')!, cookies: r.headers.getSetCookie() });
      }, reject);
    });
  });
  expect(begun.location).toMatch(new RegExp(`^https://${SHOP}/admin/oauth/authorize\\?`));
  const authorizeUrl = new URL(begun.location);
  expect(authorizeUrl.searchParams.get('scope')).toBe('read_products');
  const approved = await realFetchNoRedirect(`${fake.shopOrigin.replace('{shop}', SHOP)}/admin/oauth/authorize${authorizeUrl.search}`);
  const callback = new URL(approved.headers.get('location')!);
  expect(callback.pathname).toBe('/shopify/auth/callback');
  const cookieHeader = begun.cookies.map((c) => c.split(';')[0]).join('; ');
  const { session } = await shopify.auth.callback({
    expiring: true,
    rawRequest: {
      method: 'GET',
      url: `${callback.pathname}${callback.search}`,
      headers: { cookie: cookieHeader, host: 'postflow.test', 'user-agent': BROWSER },
    } as unknown as IncomingMessage,
    rawResponse: { setHeader() {}, getHeader() {} } as never,
  });
  return { accessToken: session.accessToken!, refreshToken: session.refreshToken, expires: session.expires };
}

// A merchant's browser: the library answers 410 to what looks like a bot.
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const realFetchNoRedirect = (url: string) => fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });

describe('the Shopify fake, through @shopify/shopify-api', () => {
  it('installs with an expiring offline token whose refresh token rotates', async () => {
    const installed = await install();
    expect(installed.accessToken).toMatch(/^shpat_/);
    expect(installed.refreshToken).toMatch(/^shprt_/);
    expect(installed.expires!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    const { session } = await shopify.auth.refreshToken({ shop: SHOP, refreshToken: installed.refreshToken! });
    expect(session.accessToken).not.toBe(installed.accessToken);
    await expect(shopify.auth.refreshToken({ shop: SHOP, refreshToken: installed.refreshToken! })).rejects.toMatchObject({
      response: { code: 400, body: { error: 'invalid_grant' } },
    });
    expect(fake.tokenRequests.map((r) => r.grant)).toEqual(['authorization_code', 'refresh_token']);
  });

  it("signs the app URL's query when a merchant opens the app from Shopify", async () => {
    const launch = Object.fromEntries(fake.appLaunchQuery(SHOP));
    expect(await shopify.utils.validateHmac(launch)).toBe(true);
    await expect(shopify.utils.validateHmac({ ...launch, shop: 'someone-else.myshopify.com' })).resolves.toBe(false);
  });

  it('answers Admin GraphQL with the cost extension, throttles, and refuses an expired token', async () => {
    const { accessToken } = await install();
    await fake.createProduct(
      SHOP,
      { title: 'Linen shirt', tags: ['summer'], images: [{ url: 'https://cdn.example/s.jpg', altText: null, width: 800, height: 800 }] },
      { webhook: false },
    );
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = accessToken;
    const client = new shopify.clients.Graphql({ session });
    const answer = await client.request(`{ products(first: 10) { nodes { id title tags onlineStoreUrl images(first: 1) { nodes { url } } } } }`);
    expect(answer.data?.products.nodes).toEqual([expect.objectContaining({ title: 'Linen shirt', tags: ['summer'], onlineStoreUrl: `https://${SHOP}/products/linen-shirt` })]);
    expect(answer.extensions?.cost).toMatchObject({ requestedQueryCost: 2 + 10 * (1 + 2 + 1), throttleStatus: { maximumAvailable: 2000 } });

    fake.setBucket(5, 1);
    const throttled = await client.request(`{ products(first: 10) { nodes { id } } }`, { retries: 0 }).catch((error: unknown) => error);
    expect(JSON.stringify(throttled)).toMatch(/THROTTLED|Throttled/);
    fake.setBucket(2000, 100);

    fake.expireAccessTokens(SHOP);
    await expect(client.request(`{ shop { name } }`)).rejects.toThrow(/401|Invalid API key or access token/);
  });

  it('runs a bulk operation whose JSONL joins children to products through __parentId', async () => {
    const { accessToken } = await install();
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = accessToken;
    const client = new shopify.clients.Graphql({ session });
    const started = await client.request(
      `mutation { bulkOperationRunQuery(query: "{ products { edges { node { id title } } } }") { bulkOperation { id status } userErrors { message } } }`,
    );
    const id = started.data.bulkOperationRunQuery.bulkOperation.id as string;
    let operation: { status: string; url: string | null } = { status: 'RUNNING', url: null };
    while (operation.status !== 'COMPLETED') {
      await new Promise((resolve) => setTimeout(resolve, 20));
      operation = (await client.request(`query($id: ID!) { node(id: $id) { ... on BulkOperation { status url objectCount } } }`, { variables: { id } })).data.node;
    }
    const lines = (await (await fetch(operation.url!)).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id?: string; __parentId?: string });
    const products = lines.filter((l) => !l.__parentId);
    expect(products.length).toBe(fake.products(SHOP).length);
    for (const child of lines.filter((l) => l.__parentId)) expect(products.map((p) => p.id)).toContain(child.__parentId);
  });

  it('signs webhooks that the library accepts, and a forged one it refuses', async () => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const to = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/shopify/webhooks`;
    await fake.sendWebhook(SHOP, 'products/update', { id: 1, title: 'Linen shirt' }, { to });
    await fake.sendWebhook(SHOP, 'products/update', { id: 1, title: 'Linen shirt' }, { to, hmacSecret: 'not-the-secret' });
    receiver.close();
    const check = (r: (typeof received)[number]) =>
      shopify.webhooks.validate({
        rawBody: r.body,
        rawRequest: { headers: r.headers, method: 'POST', url: '/shopify/webhooks' } as unknown as IncomingMessage,
        rawResponse: {} as never,
      });
    const [good, forged] = await Promise.all(received.map(check));
    expect(good).toMatchObject({ valid: true, topic: 'PRODUCTS_UPDATE', domain: SHOP });
    expect(forged).toMatchObject({ valid: false, reason: 'invalid_hmac' });
    expect(received[0]!.headers['x-shopify-event-id']).toBeTruthy();
    expect(received[0]!.headers['x-shopify-triggered-at']).toBeTruthy();
  });
});

// A loopback Shopify, written from shopify.dev: every shop lives under /shops/<shop>.myshopify.com, which is what
// SHOPIFY_SHOP_ORIGIN=<url>/shops/{shop} points PostFlow at. It implements the OAuth authorization-code grant (the
// merchant approves at once; expiring offline tokens with rotating refresh tokens, or non-expiring ones on request),
// the Admin GraphQL API for the parts PostFlow uses (shop, products, webhook subscriptions, bulk operations) with
// cost-based throttling and scripted 5xx answers, the JSONL result of a bulk operation, and a sender of signed
// webhooks with Shopify's headers that retries a failed delivery as Shopify does.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildSchema, graphql, parse, type GraphQLSchema } from 'graphql';
import { sendJson, sendText, startHttpServer, type FakeServer } from './httpFake.js';
import { queryCost } from './shopifyCost.js';
import { SHOPIFY_SDL } from './shopifySchema.js';
import { connection, gid, idOf, productNode, productPayload, type ShopifyFakeProduct } from './shopifyProducts.js';
import { inventoryItemField, inventoryLevelPayload, setLevel } from './shopifyInventory.js';
import { CONFIRM_PATH, createFakeBilling, type FakeBilling } from './shopifyBilling.js';

export type { ShopifyFakeProduct } from './shopifyProducts.js';

interface Token {
  shop: string;
  scope: string;
  expiresAt: number | null;
}

interface Subscription {
  id: string;
  topic: string;
  uri: string;
}

interface BulkOperation {
  id: string;
  shop: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  objectCount: number;
  url: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface WebhookDelivery {
  topic: string;
  shop: string;
  status: number;
  attempt: number;
  webhookId: string;
}

export interface ShopifyFake extends FakeServer {
  apiKey: string;
  apiSecret: string;
  /** What SHOPIFY_SHOP_ORIGIN should be for PostFlow. */
  shopOrigin: string;
  /** The shops that installed, with their products. */
  products(shop: string): ShopifyFakeProduct[];
  createProduct(shop: string, product: Partial<ShopifyFakeProduct> & { title: string }, options?: { webhook?: boolean }): Promise<ShopifyFakeProduct>;
  updateProduct(shop: string, id: number, patch: Partial<ShopifyFakeProduct>, options?: { webhook?: boolean }): Promise<ShopifyFakeProduct>;
  deleteProduct(shop: string, id: number, options?: { webhook?: boolean }): Promise<void>;
  /** A variant's stock at the shop's location set to `available` (the first variant unless named), with inventory_levels/update. */
  setInventory(
    shop: string,
    productId: number,
    available: number,
    options?: { variantId?: number; webhook?: boolean; eventId?: string; triggeredAt?: string },
  ): Promise<WebhookDelivery[]>;
  /** The Billing API's charges (test/fakes/shopifyBilling.ts). */
  billing: FakeBilling;
  /** The query string Shopify adds to the app URL when a merchant opens (or installs) the app from their admin. */
  appLaunchQuery(shop: string): URLSearchParams;
  /** Sends one webhook to every subscription of the topic (and to `also`, the toml-declared compliance address). */
  sendWebhook(
    shop: string,
    topic: string,
    payload: unknown,
    options?: { to?: string; webhookId?: string; eventId?: string; triggeredAt?: string; hmacSecret?: string },
  ): Promise<WebhookDelivery[]>;
  subscriptions(shop: string): Subscription[];
  deliveries: WebhookDelivery[];
  /** Token requests seen (grant type), to check renewal. */
  tokenRequests: { shop: string; grant: 'authorization_code' | 'refresh_token'; expiring: boolean }[];
  /** GraphQL documents received, per shop. */
  graphqlRequests: { shop: string; query: string; variables: unknown }[];
  /** A non-expiring access token of the shop, as an install long ago would have left (the app page's tests connect shops so). */
  grantToken(shop: string, scope?: string): { accessToken: string; scopes: string[] };
  /** Every live access token of a shop expires now (the next Admin call answers 401). */
  expireAccessTokens(shop: string): void;
  /** The next `count` Admin GraphQL calls answer `status` (a 502 or 503 outage). */
  failNext(status: number, count?: number): void;
  /** The throttle bucket: a low maximum makes the next calls THROTTLED. */
  setBucket(maximumAvailable: number, restoreRate?: number): void;
  /** Webhook retry schedule in ms (Shopify's is 8 retries over 4 hours; tests compress it). */
  retryDelaysMs: number[];
}

const API_VERSION_PATH = /^\/shops\/([a-z0-9-]+\.myshopify\.com)\/admin\/api\/(\d{4}-\d{2})\/graphql\.json$/;
const SHOP_PATH = /^\/shops\/([a-z0-9-]+\.myshopify\.com)(\/.*)$/;
const ACCESS_TOKEN_SECONDS = 3_600;
const REFRESH_TOKEN_SECONDS = 90 * 86_400;

export async function startShopifyFake(options: { apiKey?: string; apiSecret?: string } = {}): Promise<ShopifyFake> {
  const apiKey = options.apiKey ?? `key-${randomBytes(4).toString('hex')}`;
  const apiSecret = options.apiSecret ?? randomBytes(16).toString('hex');
  const schema: GraphQLSchema = buildSchema(SHOPIFY_SDL);
  const codes = new Map<string, { shop: string; scope: string; redirectUri: string }>();
  const accessTokens = new Map<string, Token>();
  const refreshTokens = new Map<string, { shop: string; scope: string; expiresAt: number }>();
  const catalog = new Map<string, ShopifyFakeProduct[]>();
  const subscriptionsByShop = new Map<string, Subscription[]>();
  const bulkOperations = new Map<string, BulkOperation>();
  const bulkResults = new Map<string, string>();
  let nextId = 1_000;
  let failures: { status: number; count: number } | null = null;
  const bucket = { maximumAvailable: 2_000, currentlyAvailable: 2_000, restoreRate: 100, at: Date.now() };

  const productsOf = (shop: string) => catalog.get(shop) ?? (catalog.set(shop, []), catalog.get(shop)!);
  const subscriptionsOf = (shop: string) => subscriptionsByShop.get(shop) ?? (subscriptionsByShop.set(shop, []), subscriptionsByShop.get(shop)!);
  const sign = (body: string, secret = apiSecret) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');

  /** The admin HMAC Shopify puts on redirects and app launches: hex, over the sorted query without hmac. */
  function signQuery(params: URLSearchParams): URLSearchParams {
    const sorted = new URLSearchParams([...params.entries()].filter(([k]) => k !== 'hmac' && k !== 'signature').sort(([a], [b]) => a.localeCompare(b)));
    const hmac = createHmac('sha256', apiSecret).update(sorted.toString()).digest('hex');
    sorted.set('hmac', hmac);
    return sorted;
  }

  const host = (shop: string) => Buffer.from(`admin.shopify.com/store/${shop.replace('.myshopify.com', '')}`).toString('base64url');

  function authorize(shop: string, url: URL, res: ServerResponse) {
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    if (url.searchParams.get('client_id') !== apiKey) return sendText(res, 400, 'Oauth error invalid_request: The client_id is not valid');
    if (!/^https?:\/\//.test(redirectUri)) return sendText(res, 400, 'Oauth error invalid_request: The redirect_uri is missing or not whitelisted');
    const code = randomBytes(16).toString('hex');
    codes.set(code, { shop, scope: url.searchParams.get('scope') ?? '', redirectUri });
    const query = signQuery(new URLSearchParams({ code, host: host(shop), shop, state: url.searchParams.get('state') ?? '', timestamp: String(Math.floor(Date.now() / 1000)) }));
    res.writeHead(302, { Location: `${redirectUri}?${query.toString()}` });
    res.end();
  }

  function issue(shop: string, scope: string, expiring: boolean) {
    const accessToken = `shpat_${randomBytes(16).toString('hex')}`;
    accessTokens.set(accessToken, { shop, scope, expiresAt: expiring ? Date.now() + ACCESS_TOKEN_SECONDS * 1000 : null });
    if (!expiring) return { access_token: accessToken, scope };
    const refreshToken = `shprt_${randomBytes(16).toString('hex')}`;
    refreshTokens.set(refreshToken, { shop, scope, expiresAt: Date.now() + REFRESH_TOKEN_SECONDS * 1000 });
    return { access_token: accessToken, scope, expires_in: ACCESS_TOKEN_SECONDS, refresh_token: refreshToken, refresh_token_expires_in: REFRESH_TOKEN_SECONDS };
  }

  function token(shop: string, raw: Buffer, res: ServerResponse) {
    let body: Record<string, string>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, string>;
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'The request body is not JSON' });
    }
    if (body.client_id !== apiKey || body.client_secret !== apiSecret) return sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    if (body.grant_type === 'refresh_token') {
      const held = refreshTokens.get(body.refresh_token ?? '');
      if (!held || held.shop !== shop || held.expiresAt < Date.now())
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired' });
      refreshTokens.delete(body.refresh_token!); // rotating: each refresh token is good once
      fake.tokenRequests.push({ shop, grant: 'refresh_token', expiring: true });
      return sendJson(res, 200, issue(shop, held.scope, true));
    }
    const grant = codes.get(body.code ?? '');
    if (!grant || grant.shop !== shop) return sendJson(res, 400, { error: 'invalid_request', error_description: 'The authorization code was not found or was already used' });
    codes.delete(body.code!);
    const expiring = body.expiring === '1';
    fake.tokenRequests.push({ shop, grant: 'authorization_code', expiring });
    sendJson(res, 200, issue(shop, grant.scope, expiring));
  }

  function refill() {
    const now = Date.now();
    bucket.currentlyAvailable = Math.min(bucket.maximumAvailable, bucket.currentlyAvailable + ((now - bucket.at) / 1000) * bucket.restoreRate);
    bucket.at = now;
  }

  async function admin(shop: string, req: IncomingMessage, raw: Buffer, res: ServerResponse) {
    const held = accessTokens.get(String(req.headers['x-shopify-access-token'] ?? ''));
    if (!held || held.shop !== shop || (held.expiresAt !== null && held.expiresAt < Date.now())) {
      return sendJson(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    if (failures && failures.count > 0) {
      failures.count -= 1;
      return sendJson(res, failures.status, { errors: 'Internal error. Looks like something went wrong on our end.' });
    }
    const { query, variables } = JSON.parse(raw.toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    fake.graphqlRequests.push({ shop, query, variables });
    const requested = queryCost(schema, parse(query), variables ?? {});
    refill();
    const throttleStatus = () => ({ maximumAvailable: bucket.maximumAvailable, currentlyAvailable: Math.floor(bucket.currentlyAvailable), restoreRate: bucket.restoreRate });
    if (requested > bucket.currentlyAvailable) {
      return sendJson(res, 200, {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() } },
      });
    }
    bucket.currentlyAvailable -= requested;
    const result = await graphql({ schema, source: query, variableValues: variables ?? {}, rootValue: root(shop, held.scope) });
    sendJson(res, 200, { ...result, extensions: { cost: { requestedQueryCost: requested, actualQueryCost: requested, throttleStatus: throttleStatus() } } });
  }

  function root(shop: string, scope: string) {
    return {
      ...billing.fields(shop),
      inventoryItem: inventoryItemField(shop, productsOf(shop), scope),
      shop: () => ({ name: shop.replace('.myshopify.com', ''), myshopifyDomain: shop, currencyCode: 'EUR', primaryDomain: { url: `https://${shop}` } }),
      product: ({ id }: { id: string }) => {
        const p = productsOf(shop).find((x) => x.id === idOf(id));
        return p ? productNode(shop, p) : null;
      },
      products: ({ first, after }: { first: number; after?: string }) => {
        const all = productsOf(shop);
        const start = after ? all.findIndex((p) => String(p.id) === Buffer.from(after, 'base64').toString()) + 1 : 0;
        const page = all.slice(start, start + first);
        return connection(
          page.map((p) => productNode(shop, p)),
          (n) => n.legacyResourceId,
          start + first < all.length,
        );
      },
      webhookSubscriptions: ({ first }: { first: number }) => connection(subscriptionsOf(shop).slice(0, first).map(subscriptionNode), (s) => s.id),
      webhookSubscriptionCreate: ({ topic, webhookSubscription }: { topic: string; webhookSubscription: { uri?: string; callbackUrl?: string } }) => {
        const uri = webhookSubscription.uri ?? webhookSubscription.callbackUrl ?? '';
        if (!/^https?:\/\//.test(uri)) return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address is invalid' }] };
        if (subscriptionsOf(shop).some((s) => s.topic === topic && s.uri === uri)) {
          return { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }] };
        }
        const created = { id: gid('WebhookSubscription', nextId++), topic, uri };
        subscriptionsOf(shop).push(created);
        return { webhookSubscription: subscriptionNode(created), userErrors: [] };
      },
      bulkOperationRunQuery: ({ query }: { query: string }) => {
        if (!/products/.test(query)) return { bulkOperation: null, userErrors: [{ field: ['query'], message: 'Invalid bulk query: only products are supported by this fake' }] };
        const running = [...bulkOperations.values()].find((b) => b.shop === shop && (b.status === 'CREATED' || b.status === 'RUNNING'));
        if (running) return { bulkOperation: null, userErrors: [{ field: null, message: `A bulk query operation for this app and shop is already in progress: ${running.id}.` }] };
        const operation: BulkOperation = {
          id: gid('BulkOperation', nextId++),
          shop,
          status: 'RUNNING',
          objectCount: 0,
          url: null,
          createdAt: new Date().toISOString(),
          completedAt: null,
        };
        bulkOperations.set(operation.id, operation);
        setTimeout(() => void completeBulk(operation), 50);
        return { bulkOperation: bulkNode(operation), userErrors: [] };
      },
      currentBulkOperation: () => {
        const mine = [...bulkOperations.values()].filter((b) => b.shop === shop);
        return mine.length ? bulkNode(mine.at(-1)!) : null;
      },
      node: ({ id }: { id: string }) => {
        const operation = bulkOperations.get(id);
        return operation && operation.shop === shop ? { __typename: 'BulkOperation', ...bulkNode(operation) } : billing.node(shop, id);
      },
    };
  }

  const subscriptionNode = (s: Subscription) => ({ id: s.id, topic: s.topic, uri: s.uri, endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: s.uri } });
  const bulkNode = (b: BulkOperation) => ({ ...b, errorCode: null, partialDataUrl: null, fileSize: b.url ? String(bulkResults.get(b.id)?.length ?? 0) : null });

  /** The JSONL Shopify writes: each product, then its variants and images as lines pointing back with __parentId. */
  async function completeBulk(operation: BulkOperation) {
    const lines: string[] = [];
    for (const p of productsOf(operation.shop)) {
      const node = productNode(operation.shop, p);
      const { images: _images, variants: _variants, featuredImage: _featured, ...fields } = node;
      lines.push(JSON.stringify(fields));
      for (const v of p.variants) lines.push(JSON.stringify({ id: gid('ProductVariant', v.id), price: v.price, compareAtPrice: v.compareAtPrice, __parentId: node.id }));
      for (const image of p.images) lines.push(JSON.stringify({ url: image.url, altText: image.altText, __parentId: node.id }));
    }
    bulkResults.set(operation.id, lines.length ? `${lines.join('\n')}\n` : '');
    operation.status = 'COMPLETED';
    operation.objectCount = lines.length;
    operation.url = `${server.url}/bulk/${encodeURIComponent(operation.id)}.jsonl`;
    operation.completedAt = new Date().toISOString();
    await fake.sendWebhook(operation.shop, 'bulk_operations/finish', {
      admin_graphql_api_id: operation.id,
      completed_at: operation.completedAt,
      created_at: operation.createdAt,
      error_code: null,
      status: 'completed',
      type: 'query',
    });
  }

  async function deliver(target: string, topic: string, shop: string, body: string, headers: Record<string, string>, webhookId: string): Promise<WebhookDelivery> {
    let delivery: WebhookDelivery = { topic, shop, status: 0, attempt: 0, webhookId };
    for (let attempt = 1; attempt <= fake.retryDelaysMs.length + 1; attempt++) {
      // Timed out or refused (0): Shopify counts it as a failure and retries.
      const status = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) }).then(
        async (answer) => (await answer.arrayBuffer(), answer.status),
        () => 0,
      );
      delivery = { topic, shop, status, attempt, webhookId };
      fake.deliveries.push(delivery);
      if (status >= 200 && status < 300) return delivery;
      // A 401 (the receiver refused the HMAC) is retried too; the tests of forged webhooks send once with `to`.
      const wait = fake.retryDelaysMs[attempt - 1];
      if (wait === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return delivery;
  }

  const server = await startHttpServer(async (req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const bulk = /^\/bulk\/(.+)\.jsonl$/.exec(url.pathname);
    if (bulk && req.method === 'GET') {
      const body = bulkResults.get(decodeURIComponent(bulk[1]!));
      return body === undefined ? sendText(res, 404, 'NoSuchKey', {}, 'application/xml') : sendText(res, 200, body, {}, 'application/jsonl');
    }
    const charge = CONFIRM_PATH.exec(url.pathname);
    if (charge && req.method === 'GET') return billing.confirm(charge[1]!, Number(charge[2]), url, res);
    const apiCall = API_VERSION_PATH.exec(url.pathname);
    if (apiCall && req.method === 'POST') return admin(apiCall[1]!, req, raw, res);
    const shopPath = SHOP_PATH.exec(url.pathname);
    if (shopPath?.[2] === '/admin/oauth/authorize' && req.method === 'GET') return authorize(shopPath[1]!, url, res);
    if (shopPath?.[2] === '/admin/oauth/access_token' && req.method === 'POST') return token(shopPath[1]!, raw, res);
    sendJson(res, 404, { errors: 'Not Found' });
  });

  const now = () => new Date().toISOString();
  const billing = createFakeBilling({ baseUrl: () => server.url, nextId: () => nextId++, notify: (shop, payload) => fake.sendWebhook(shop, 'app_subscriptions/update', payload) });
  const fake: ShopifyFake = {
    billing,
    ...server,
    apiKey,
    apiSecret,
    shopOrigin: `${server.url}/shops/{shop}`,
    retryDelaysMs: [100, 200, 400],
    deliveries: [],
    tokenRequests: [],
    graphqlRequests: [],
    products: (shop) => productsOf(shop),
    subscriptions: (shop) => subscriptionsOf(shop),
    grantToken: (shop, scope = 'read_products') => ({ accessToken: issue(shop, scope, false).access_token, scopes: scope.split(',') }),
    appLaunchQuery: (shop) => signQuery(new URLSearchParams({ embedded: '1', host: host(shop), shop, timestamp: String(Math.floor(Date.now() / 1000)) })),
    async createProduct(shop, input, options = {}) {
      const id = nextId++;
      const product: ShopifyFakeProduct = {
        id,
        handle: input.title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, ''),
        descriptionHtml: '',
        vendor: 'Fake Vendor',
        productType: '',
        tags: [],
        status: 'ACTIVE',
        publishedAt: now(),
        images: [],
        variants: [{ id: id * 10, price: '10.00', compareAtPrice: null, inventoryQuantity: 5 }],
        createdAt: now(),
        updatedAt: now(),
        ...input,
      };
      productsOf(shop).push(product);
      if (options.webhook !== false) await fake.sendWebhook(shop, 'products/create', productPayload(shop, product));
      return product;
    },
    async updateProduct(shop, id, patch, options = {}) {
      const product = productsOf(shop).find((p) => p.id === id);
      if (!product) throw new Error(`no product ${id} in ${shop}`);
      Object.assign(product, patch, { updatedAt: now() });
      if (options.webhook !== false) await fake.sendWebhook(shop, 'products/update', productPayload(shop, product));
      return product;
    },
    async deleteProduct(shop, id, options = {}) {
      const products = productsOf(shop);
      products.splice(
        products.findIndex((p) => p.id === id),
        1,
      );
      if (options.webhook !== false) await fake.sendWebhook(shop, 'products/delete', { id });
    },
    async setInventory(shop, productId, available, { webhook, variantId, ...headers } = {}) {
      const { variant, product } = setLevel(productsOf(shop), productId, available, variantId);
      return webhook === false ? [] : fake.sendWebhook(shop, 'inventory_levels/update', inventoryLevelPayload(variant, product.updatedAt), headers);
    },
    async sendWebhook(shop, topic, payload, options = {}) {
      const body = JSON.stringify(payload);
      const webhookId = options.webhookId ?? randomUUID();
      const headers = {
        'Content-Type': 'application/json',
        'X-Shopify-Topic': topic,
        'X-Shopify-Hmac-Sha256': sign(body, options.hmacSecret),
        'X-Shopify-Shop-Domain': shop,
        'X-Shopify-API-Version': '2026-07',
        'X-Shopify-Webhook-Id': webhookId,
        'X-Shopify-Event-Id': options.eventId ?? randomUUID(),
        'X-Shopify-Triggered-At': options.triggeredAt ?? now(),
      };
      const targets = options.to
        ? [options.to]
        : subscriptionsOf(shop)
            .filter((s) => s.topic === topic.toUpperCase().replace('/', '_'))
            .map((s) => s.uri);
      return Promise.all(targets.map((target) => deliver(target, topic, shop, body, headers, webhookId)));
    },
    expireAccessTokens(shop) {
      for (const held of accessTokens.values()) if (held.shop === shop) held.expiresAt = Date.now() - 1;
    },
    failNext(status, count = 1) {
      failures = { status, count };
    },
    setBucket(maximumAvailable, restoreRate = bucket.restoreRate) {
      Object.assign(bucket, { maximumAvailable, currentlyAvailable: maximumAvailable, restoreRate, at: Date.now() });
    },
  };
  return fake;
}

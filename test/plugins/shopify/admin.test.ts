// The Admin GraphQL client (plugins/shopify/src/admin.ts) against the loopback Shopify: a product fetched and made a
// SourceItem, the cost bucket waited out, 5xx retried, 401 typed, webhook subscriptions made once; and the connector
// renewing an access token ahead of expiry before it fetches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyFake } from '../../fakes/shopifyFake.js';
import type { ShopifyClient } from '../../../plugins/shopify/src/client.js';
import { fetchProduct, registerWebhooks, throttleWaitMs, type AdminSession } from '../../../plugins/shopify/src/admin.js';
import { createShopifyConnector, credentialsOf, type ShopifyCredentials } from '../../../plugins/shopify/src/connector.js';
import type { SourceCredentials } from '../../../src/sources/types.js';
import { ShopifyApiError, ShopifyNeedsReconnect } from '../../../plugins/shopify/src/errors.js';
import { apiTopicsFor } from '../../../plugins/shopify/src/webhooks.js';
import { install, startShopify } from './setup.js';

const SHOP = 'linen-house.myshopify.com';
let fake: ShopifyFake;
let client: ShopifyClient;
let session: AdminSession;

/** The waits asked for; answered at once, or really waited (the fake's bucket refills with real time). */
function recordingSleep(options: { real?: boolean } = {}) {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    if (options.real) await new Promise((resolve) => setTimeout(resolve, ms));
  };
  return { waits, sleep };
}

beforeAll(async () => {
  ({ fake, client } = await startShopify());
  const installed = await install(client, SHOP);
  session = { shop: SHOP, accessToken: installed.accessToken };
});
afterAll(async () => {
  client?.close();
  await fake?.stop();
});

describe('fetchProduct', () => {
  it('reads a product as a SourceItem with its state', async () => {
    const shirt = await fake.createProduct(
      SHOP,
      {
        title: 'Linen shirt',
        descriptionHtml: '<p>Soft <strong>linen</strong> &amp; cool.</p><ul><li>Stone&nbsp;washed</li><li>Made in Portugal</li></ul><script>alert(1)</script>',
        vendor: 'Linen House',
        productType: 'Shirts',
        tags: ['summer', 'linen'],
        images: [
          { url: 'https://cdn.example/shirt-front.jpg', altText: 'Front', width: 1200, height: 1600 },
          { url: 'https://cdn.example/shirt-back.jpg', altText: null, width: 1200, height: 1600 },
        ],
        variants: [
          { id: 1, price: '59.00', compareAtPrice: null, inventoryQuantity: 0 },
          { id: 2, price: '49.00', compareAtPrice: '69.00', inventoryQuantity: 3 },
        ],
      },
      { webhook: false },
    );
    const fetched = await fetchProduct(client, session, shirt.id);
    expect(fetched).toEqual({
      item: {
        kind: 'PRODUCT',
        id: `gid://shopify/Product/${shirt.id}`,
        title: 'Linen shirt',
        url: `https://${SHOP}/products/linen-shirt`,
        description: 'Soft linen & cool.\nStone washed\nMade in Portugal',
        images: [
          { url: 'https://cdn.example/shirt-front.jpg', alt: 'Front', width: 1200, height: 1600 },
          { url: 'https://cdn.example/shirt-back.jpg', width: 1200, height: 1600 },
        ],
        tags: ['summer', 'linen'],
        price: { amount: '49.00', currency: 'EUR' },
        compareAtPrice: { amount: '69.00', currency: 'EUR' },
        vendor: 'Linen House',
        productType: 'Shirts',
      },
      state: { published: true, inStock: true, onSale: true },
      publishedAt: new Date(shirt.publishedAt!),
    });
  });

  it('tells a draft, an unpublished and a sold-out product apart, and answers null for a deleted one', async () => {
    const base = { variants: [{ id: 7, price: '20.00', compareAtPrice: '20.00', inventoryQuantity: 0 }] };
    const draft = await fake.createProduct(SHOP, { title: 'Draft scarf', status: 'DRAFT', ...base }, { webhook: false });
    const hidden = await fake.createProduct(SHOP, { title: 'Hidden scarf', publishedAt: null, ...base }, { webhook: false });
    const soldOut = await fake.createProduct(SHOP, { title: 'Sold-out scarf', ...base }, { webhook: false });
    expect((await fetchProduct(client, session, draft.id))!.state).toEqual({ published: false, inStock: false, onSale: false });
    expect((await fetchProduct(client, session, hidden.id))!.item.url).toBeNull();
    expect((await fetchProduct(client, session, hidden.id))!.state.published).toBe(false);
    const sold = (await fetchProduct(client, session, `gid://shopify/Product/${soldOut.id}`))!;
    expect(sold.state).toEqual({ published: true, inStock: false, onSale: false });
    expect(sold.item.compareAtPrice).toBeUndefined(); // equal to the price: no sale
    await fake.deleteProduct(SHOP, soldOut.id, { webhook: false });
    expect(await fetchProduct(client, session, soldOut.id)).toBeNull();
  });
});

describe('the cost bucket', () => {
  it('waits out a THROTTLED answer for the time the bucket needs, then succeeds', async () => {
    const product = await fake.createProduct(SHOP, { title: 'Throttled tee' }, { webhook: false });
    // Room for one fetch (67 points: the scalars, images(first: 10), variants(first: 50)) and a half, refilling 100 a
    // second: the second fetch right after finds 33 and must wait about a third of a second.
    fake.setBucket(100, 100);
    const { waits, sleep } = recordingSleep({ real: true });
    const counted = fake.graphqlRequests.length;
    await fetchProduct(client, session, product.id, { sleep });
    expect(waits).toEqual([]);
    const second = await fetchProduct(client, session, product.id, { sleep });
    expect(second!.item.title).toBe('Throttled tee');
    // Sent, throttled, waited for, sent again (the fake counts every request it saw).
    expect(fake.graphqlRequests.length - counted).toBeGreaterThanOrEqual(3);
    expect(waits.length).toBeGreaterThanOrEqual(1);
    // What the missing points take at 100 a second (at most a whole bucket's: 1 s and the margin), not a blind delay.
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(throttleWaitMs(100, { maximumAvailable: 100, currentlyAvailable: 0, restoreRate: 100 }));
    expect(waits[0]).toBeGreaterThan(50);
    fake.setBucket(2_000, 100);
  });

  it('computes the wait from the missing points and the restore rate', () => {
    expect(throttleWaitMs(120, { maximumAvailable: 1_000, currentlyAvailable: 20, restoreRate: 50 })).toBe(2_000 + 50);
    expect(throttleWaitMs(10, { maximumAvailable: 1_000, currentlyAvailable: 500, restoreRate: 50 })).toBe(50);
  });

  it('refuses at once a query that costs more than the bucket can ever hold', async () => {
    fake.setBucket(10, 1_000);
    const { waits, sleep } = recordingSleep();
    const error = await fetchProduct(client, session, 1, { sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyApiError);
    expect(error).toMatchObject({ kind: 'throttled', retryable: false });
    expect(waits).toEqual([]);
    fake.setBucket(2_000, 100);
  });
});

describe('failures', () => {
  it('retries a 502 with backoff, and gives up with a retryable error after a few attempts', async () => {
    const product = await fake.createProduct(SHOP, { title: 'Outage hat' }, { webhook: false });
    const retried = recordingSleep();
    fake.failNext(502, 2);
    expect((await fetchProduct(client, session, product.id, { sleep: retried.sleep }))!.item.title).toBe('Outage hat');
    expect(retried.waits).toEqual([500, 1_000]);

    const gaveUp = recordingSleep();
    fake.failNext(503, 10);
    const error = await fetchProduct(client, session, product.id, { sleep: gaveUp.sleep, maxAttempts: 3 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ShopifyApiError', kind: 'server', retryable: true });
    expect(gaveUp.waits).toEqual([500, 1_000]);
    fake.failNext(503, 0);
  });

  it('types a refused access token as needing a reconnect, without retrying it', async () => {
    const other = 'other-shop.myshopify.com';
    const installed = await install(client, other);
    fake.expireAccessTokens(other);
    const { waits, sleep } = recordingSleep();
    const error = await fetchProduct(client, { shop: other, accessToken: installed.accessToken }, 1, { sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyNeedsReconnect);
    expect(error).toMatchObject({ shop: other });
    expect(waits).toEqual([]);
  });
});

describe('registerWebhooks', () => {
  it('subscribes each topic once: a second call finds them all and creates nothing', async () => {
    const address = 'https://postflow.test/shopify/webhooks';
    const topics = apiTopicsFor(['read_products']);
    expect(topics).toEqual(['products/create', 'products/update', 'products/delete', 'app/uninstalled', 'bulk_operations/finish', 'app_subscriptions/update']);
    const first = await registerWebhooks(client, session, address, topics);
    expect(first).toEqual({ created: topics, existing: [] });
    const second = await registerWebhooks(client, session, address, topics);
    expect(second).toEqual({ created: [], existing: topics });
    expect(
      fake
        .subscriptions(SHOP)
        .map((s) => [s.topic, s.uri])
        .sort(),
    ).toEqual(topics.map((t) => [t.toUpperCase().replace('/', '_'), address]).sort());
    expect(apiTopicsFor(['read_products', 'read_inventory'])).toContain('inventory_levels/update');
  });
});

describe('the connector', () => {
  /** A source's stored credentials behind a lock, as SourceHost.renewCredentials keeps them in PostgreSQL. */
  function lockedStore(initial: SourceCredentials) {
    let stored = initial;
    let queue: Promise<unknown> = Promise.resolve();
    const saved: ShopifyCredentials[] = [];
    const renewUnderLock = (_source: unknown, renew: (current: SourceCredentials) => Promise<SourceCredentials | null>) => {
      const turn = queue.then(async () => {
        const renewed = await renew(stored);
        if (renewed) saved.push((stored = renewed) as unknown as ShopifyCredentials);
        return stored;
      });
      queue = turn.catch(() => {});
      return turn;
    };
    return { renewUnderLock, saved, set: (credentials: SourceCredentials) => void (stored = credentials) };
  }

  it('renews an access token about to expire under the lock, stores the new pair, then fetches with it', async () => {
    const shop = 'renewing-shop.myshopify.com';
    const installed = await install(client, shop);
    const product = await fake.createProduct(shop, { title: 'Renewed bag' }, { webhook: false });
    // Four minutes before the token's expiry: inside the five minutes ahead it is renewed.
    const now = () => new Date(installed.accessTokenExpiresAt!.getTime() - 4 * 60_000);
    const store = lockedStore({ ...credentialsOf(installed) });
    const saved = store.saved;
    const connector = createShopifyConnector(client, { renewUnderLock: store.renewUnderLock, now });
    const source = { id: 'source-1', externalId: shop, credentials: { ...credentialsOf(installed) } };
    const before = fake.tokenRequests.length;
    const [a, b] = await Promise.all([connector.fetchItem(source, String(product.id)), connector.fetchItem(source, String(product.id))]);
    expect(a!.item.title).toBe('Renewed bag');
    expect(b!.item.title).toBe('Renewed bag');
    // One renewal for both fetches: the rotating refresh token is spent once.
    expect(fake.tokenRequests.slice(before)).toEqual([{ shop, grant: 'refresh_token', expiring: true }]);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.accessToken).not.toBe(installed.accessToken);
    expect(saved[0]!.refreshToken).not.toBe(installed.refreshToken);
    const last = fake.graphqlRequests.filter((r) => r.shop === shop);
    expect(last.length).toBe(2);

    // A token far from expiry is used as it is.
    const fresh = createShopifyConnector(client, { renewUnderLock: store.renewUnderLock, now: () => new Date() });
    await fresh.fetchItem({ ...source, credentials: { ...saved[0]! } }, String(product.id));
    expect(saved).toHaveLength(1);
  });

  it('does not renew again when another process renewed while it waited for the lock: the stored pair is used', async () => {
    const shop = 'twice-shop.myshopify.com';
    const installed = await install(client, shop);
    const product = await fake.createProduct(shop, { title: 'Shared tote' }, { webhook: false });
    // What this process read: a pair about to expire. What the store holds now: the pair another process renewed.
    const stale = { ...credentialsOf(installed), accessTokenExpiresAt: new Date(Date.now() + 60_000).toISOString(), refreshToken: 'shprt_spent-by-the-other' };
    const store = lockedStore({ ...credentialsOf(installed) });
    const connector = createShopifyConnector(client, { renewUnderLock: store.renewUnderLock });
    const before = fake.tokenRequests.length;
    const fetched = await connector.fetchItem({ id: 'source-2', externalId: shop, credentials: stale }, String(product.id));
    expect(fetched!.item.title).toBe('Shared tote');
    expect(fake.tokenRequests.slice(before)).toEqual([]); // the spent refresh token was not tried
    expect(store.saved).toEqual([]);
  });
});

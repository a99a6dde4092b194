// Back-in-stock posts from Shopify's inventory_levels/update (issue 13: '"back in stock" uses inventory_levels/update'):
// PostFlow with SHOPIFY_* pointed at the loopback Shopify, Mastodon fakes as the networks. The webhook names an
// inventory item, not a product: the source_event job asks the Admin API whose product it is, fetches it, and the
// engine posts on the transition from out of stock to in stock, once per restock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { inventoryItemIdOf } from './fakes/shopifyInventory.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules, waitForEvents } from './helpers/fakeSource.js';
import { browser } from './helpers/shopifyBrowser.js';
import { freePort } from './helpers/ports.js';

const TEMPLATE = 'Back in stock: {{ title }} {{ url }}';

let shopify: ShopifyFake;
let roomy: MastodonFake;
let other: MastodonFake;
let t: TestApp;
let token: string;
let channelIds: string[];
let nextVariant = 900_000;

beforeAll(async () => {
  shopify = await startShopifyFake();
  // Each webhook is sent once: the tests send repeats themselves, with the same event id.
  shopify.retryDelaysMs = [];
  [roomy, other] = await Promise.all([startMastodonFake(), startMastodonFake()]);
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    env: { PORT: String(port), POSTFLOW_PUBLIC_URL: publicUrl, SHOPIFY_API_KEY: shopify.apiKey, SHOPIFY_API_SECRET: shopify.apiSecret, SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin },
  });
  token = await signUp(t);
  const a = await createChannel(t, token, 'MASTODON', { instanceUrl: roomy.url, accessToken: roomy.accessToken }, 'Shop news');
  const b = await createChannel(t, token, 'MASTODON', { instanceUrl: other.url, accessToken: other.accessToken }, 'Outlet');
  channelIds = [a.id, b.id];
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await Promise.all([roomy?.stop(), other?.stop()]);
  await shopify?.stop();
});

/** connectShopifyStart (asking for read_inventory or not), then the owner's browser through Shopify's approval. */
async function install(shop: string, backInStock: boolean): Promise<string> {
  const { connectShopifyStart } = await t.ok(
    `mutation($shop: String!, $b: Boolean) { connectShopifyStart(shop: $shop, backInStock: $b) { url } }`,
    { shop, b: backInStock },
    token,
  );
  const owner = browser();
  const started = await owner.get(connectShopifyStart.url);
  const approved = await owner.get(started.headers.get('location')!);
  const back = await owner.get(approved.headers.get('location')!);
  expect(back.status).toBe(303);
  const source = await t.app.database.prisma.source.findFirstOrThrow({ where: { externalId: shop, deletedAt: null } });
  return source.id;
}

const rules = (events: string[]) => ({ events, channelIds, templates: { byNetwork: { MASTODON: TEMPLATE }, byChannel: {} }, timing: { mode: 'DELAY', delayMinutes: 600 } });
const postsOf = (sourceId: string) => t.app.database.prisma.post.findMany({ where: { sourceId }, include: { deliveries: true }, orderBy: { createdAt: 'asc' } });
const eventRows = (sourceId: string, eventId: string) =>
  t.app.database.pool
    .query<{ outcome: string; item_external_id: string; reason: string }>(`SELECT outcome, item_external_id, reason FROM source_events WHERE source_id = $1 AND event_id = $2`, [
      sourceId,
      eventId,
    ])
    .then((r) => r.rows);

/** A product out of stock, created in the shop (its products/create handled: the item is known, out of stock). */
async function soldOut(shop: string, sourceId: string, title: string) {
  const before = (await waitForEvents(t, token, sourceId, 0)).length;
  const variantId = nextVariant++;
  const product = await shopify.createProduct(shop, { title, variants: [{ id: variantId, price: '25.00', compareAtPrice: null, inventoryQuantity: 0 }] });
  await waitForEvents(t, token, sourceId, before + 1, `${title} created`);
  return product;
}

/** A level change sent, and waited for until its event has an outcome. */
async function stock(shop: string, sourceId: string, productId: number, available: number, eventId: string) {
  await shopify.setInventory(shop, productId, available, { eventId });
  return eventually(async () => (await eventRows(sourceId, eventId)).find((e) => e.outcome !== 'ERROR'), 20_000, `${eventId} handled`);
}

describe('back in stock from inventory_levels/update', () => {
  let sourceId: string;
  const SHOP = 'linen-stock.myshopify.com';

  it('subscribes to inventory_levels/update only with read_inventory, and says when a rule needs it', async () => {
    sourceId = await install(SHOP, true);
    expect(shopify.subscriptions(SHOP).map((s) => s.topic)).toContain('INVENTORY_LEVELS_UPDATE');
    const bare = 'linen-bare.myshopify.com';
    const bareId = await install(bare, false);
    expect(shopify.subscriptions(bare).map((s) => s.topic)).not.toContain('INVENTORY_LEVELS_UPDATE');
    await setRules(t, token, sourceId, rules(['BACK_IN_STOCK']));
    await setRules(t, token, bareId, rules(['BACK_IN_STOCK']));
    const missing = async (id: string) => (await t.ok(`query($id: ID!) { source(id: $id) { missingScopes } }`, { id }, token)).source.missingScopes;
    expect(await missing(sourceId)).toEqual([]);
    expect(await missing(bareId)).toEqual(['read_inventory']);
    await setRules(t, token, bareId, rules(['PUBLISHED']));
    expect(await missing(bareId)).toEqual([]);
  }, 30_000);

  it('makes one post with a delivery per channel for a restock, however often the webhook comes', async () => {
    const product = await soldOut(SHOP, sourceId, 'Linen duvet cover');
    expect(await postsOf(sourceId)).toEqual([]);
    for (let i = 0; i < 3; i++) await shopify.setInventory(SHOP, product.id, 5, { eventId: 'restock-duvet' });
    expect(shopify.deliveries.filter((d) => d.topic === 'inventory_levels/update').map((d) => d.status)).toEqual([200, 200, 200]);
    const rows = await eventually(async () => {
      const found = await eventRows(sourceId, 'restock-duvet');
      return found.filter((e) => e.outcome !== 'ERROR').length === 3 && found;
    });
    expect(rows.map((e) => e.outcome).sort()).toEqual(['DUPLICATE', 'DUPLICATE', 'POST_CREATED']);
    // Recorded under the product the inventory item belongs to, looked up through the Admin API.
    expect(new Set(rows.map((e) => e.item_external_id))).toEqual(new Set([`gid://shopify/Product/${product.id}`]));
    const lookups = shopify.graphqlRequests.filter((r) => r.query.includes('inventoryItem('));
    expect(lookups.map((r) => r.variables)).toContainEqual({ id: `gid://shopify/InventoryItem/${inventoryItemIdOf(product.variants[0]!.id)}` });
    const posts = await postsOf(sourceId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.content).toMatch(/^Back in stock: Linen duvet cover https:\/\/linen-stock\.myshopify\.com\/products\/linen-duvet-cover\?utm_source=mastodon/);
    expect(posts[0]!.deliveries.map((d) => d.channelId).sort()).toEqual([...channelIds].sort());
  }, 40_000);

  it('counts each restock as its own occurrence: 0 -> 5 -> 0 -> 3 makes two posts', async () => {
    const product = await soldOut(SHOP, sourceId, 'Linen pillowcase');
    const outcomes = [];
    outcomes.push((await stock(SHOP, sourceId, product.id, 5, 'pillow-1')).outcome);
    outcomes.push((await stock(SHOP, sourceId, product.id, 0, 'pillow-2')).outcome);
    outcomes.push((await stock(SHOP, sourceId, product.id, 3, 'pillow-3')).outcome);
    expect(outcomes).toEqual(['POST_CREATED', 'IGNORED', 'POST_CREATED']);
    const occurrences = await t.app.database.pool.query(
      `SELECT o.kind, o.occurrence FROM source_occurrences o JOIN source_items i ON i.id = o.item_id WHERE i.source_id = $1 AND i.external_id = $2 ORDER BY o.occurrence`,
      [sourceId, `gid://shopify/Product/${product.id}`],
    );
    expect(occurrences.rows).toEqual([
      { kind: 'BACK_IN_STOCK', occurrence: 1 },
      { kind: 'BACK_IN_STOCK', occurrence: 2 },
    ]);
    expect((await postsOf(sourceId)).filter((p) => p.content.includes('Linen pillowcase'))).toHaveLength(2);
  }, 40_000);

  it('makes one post when two different events of one restock (two variants) arrive together', async () => {
    const before = (await waitForEvents(t, token, sourceId, 0)).length;
    const [first, second] = [nextVariant++, nextVariant++];
    const variant = (id: number) => ({ id, price: '25.00', compareAtPrice: null, inventoryQuantity: 0 });
    const product = await shopify.createProduct(SHOP, { title: 'Linen napkin set', variants: [variant(first), variant(second)] });
    await waitForEvents(t, token, sourceId, before + 1, 'Linen napkin set created');
    // Both levels change before either job fetches the product: each job sees it in stock, the item lock lets one post.
    await Promise.all([
      shopify.setInventory(SHOP, product.id, 4, { variantId: first, eventId: 'napkin-variant-1' }),
      shopify.setInventory(SHOP, product.id, 6, { variantId: second, eventId: 'napkin-variant-2' }),
    ]);
    const outcomes = await eventually(async () => {
      const rows = [...(await eventRows(sourceId, 'napkin-variant-1')), ...(await eventRows(sourceId, 'napkin-variant-2'))];
      return rows.length === 2 && rows.every((e) => e.outcome !== 'ERROR') && rows.map((e) => e.outcome).sort();
    }, 20_000);
    // The second to take the item lock makes no post: IGNORED (nothing new) or, when its triggered-at is the earlier
    // of the two (they are sent at once), STALE.
    expect(outcomes).toContain('POST_CREATED');
    expect((outcomes as string[]).filter((o) => o !== 'POST_CREATED')).toEqual([expect.stringMatching(/^(IGNORED|STALE)$/)]);
    expect((await postsOf(sourceId)).filter((p) => p.content.includes('Linen napkin set'))).toHaveLength(1);
  }, 40_000);

  it('posts nothing for a shop whose rules do not ask for back-in-stock posts', async () => {
    const shop = 'linen-quiet.myshopify.com';
    const quietId = await install(shop, true);
    await setRules(t, token, quietId, rules(['ON_SALE']));
    const product = await soldOut(shop, quietId, 'Linen robe');
    const restock = await stock(shop, quietId, product.id, 4, 'robe-1');
    expect(restock).toMatchObject({ outcome: 'IGNORED' });
    expect(restock.reason).toContain('back in stock: not a rule event');
    expect(await postsOf(quietId)).toEqual([]);
  }, 40_000);
});

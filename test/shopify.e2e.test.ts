// The Shopify app end to end (issue 13, section 2): PostFlow with SHOPIFY_* pointed at the loopback Shopify, a
// Mastodon fake as the network. The owner's browser is played by fetch (manual redirects, cookies carried, a browser
// User-Agent) from connectShopifyStart's link through Shopify's approval to the callback; then the fake's signed
// webhooks drive the sources engine through the real worker.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { productPayload } from './fakes/shopifyProducts.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules, waitForEvents } from './helpers/fakeSource.js';

const SHOP = 'linen-house.myshopify.com';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const TEMPLATE = 'New in store: {{ title }} {{ url }}';

let shopify: ShopifyFake;
let mastodon: MastodonFake;
let t: TestApp;
let publicUrl: string;
let token: string;
let channelId: string;
let sourceId: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  shopify = await startShopifyFake();
  // Each webhook is sent once: the tests send repeats themselves, with the same event id.
  shopify.retryDelaysMs = [];
  mastodon = await startMastodonFake();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    env: {
      PORT: String(port),
      POSTFLOW_PUBLIC_URL: publicUrl,
      SHOPIFY_API_KEY: shopify.apiKey,
      SHOPIFY_API_SECRET: shopify.apiSecret,
      SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin,
    },
  });
  token = await signUp(t);
  channelId = (await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Shop news')).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
  await shopify?.stop();
});

/** A browser: cookies kept per path (Max-Age=0 forgets one), no redirect followed on its own. */
function browser() {
  const jar = new Map<string, { value: string; path: string }>();
  return {
    jar,
    async get(url: string): Promise<Response> {
      const { pathname } = new URL(url);
      const cookie = [...jar]
        .filter(([, c]) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
        .map(([name, c]) => `${name}=${c.value}`)
        .join('; ');
      const response = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER, ...(cookie && { cookie }) } });
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(';').map((s) => s.trim());
        const [name, ...value] = pair!.split('=');
        const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
        if (attributes.some((a) => /^max-age=0$/i.test(a)) || !value.join('=')) jar.delete(name!);
        else jar.set(name!, { value: value.join('='), path });
      }
      return response;
    },
  };
}

/** connectShopifyStart, then the owner's browser through /shopify/auth, Shopify's approval and the callback. */
async function install(): Promise<{ link: string; page: string; cookies: string[] }> {
  const { connectShopifyStart } = await t.ok<{ connectShopifyStart: { url: string } }>(
    `mutation($shop: String!) { connectShopifyStart(shop: $shop) { url expiresAt } }`,
    { shop: SHOP },
    token,
  );
  expect(connectShopifyStart.url.startsWith(`${publicUrl}/shopify/auth?shop=${SHOP}&ticket=`)).toBe(true);
  const owner = browser();
  const started = await owner.get(connectShopifyStart.url);
  expect(started.status).toBe(303);
  const authorize = started.headers.get('location')!;
  expect(authorize.startsWith(`${shopify.shopOrigin.replace('{shop}', SHOP)}/admin/oauth/authorize?`)).toBe(true);
  expect(started.headers.getSetCookie().find((c) => c.startsWith('postflow_shopify_ticket='))).toMatch(/Path=\/shopify\/auth\/callback.*HttpOnly.*SameSite=Lax/);
  const approved = await owner.get(authorize);
  const callback = approved.headers.get('location')!;
  expect(callback.startsWith(`${publicUrl}/shopify/auth/callback?`)).toBe(true);
  const back = await owner.get(callback);
  expect(back.status).toBe(303);
  expect(owner.jar.has('postflow_shopify_ticket')).toBe(false);
  const done = await owner.get(back.headers.get('location')!);
  return { link: connectShopifyStart.url, page: await done.text(), cookies: [...owner.jar.keys()] };
}

const webhookUrl = () => `${publicUrl}/shopify/webhooks`;
const postsOf = (id: string) => t.app.database.prisma.post.findMany({ where: { sourceId: id }, include: { deliveries: true }, orderBy: { createdAt: 'asc' } });
const eventCount = async () => (await t.app.database.pool.query(`SELECT count(*)::int AS n FROM source_events`)).rows[0].n as number;

describe('the Shopify app', () => {
  it('installs from PostFlow: the source is the workspace’s, the webhooks are subscribed, the link is good once', async () => {
    const { link, page } = await install();
    expect(page).toContain(`${SHOP} is connected to PostFlow.`);
    const source = await t.app.database.prisma.source.findFirstOrThrow({ where: { externalId: SHOP, deletedAt: null } });
    sourceId = source.id;
    expect(source).toMatchObject({ kind: 'SHOPIFY', status: 'ACTIVE' });
    const { sources } = await t.ok<{ sources: { id: string }[] }>(`{ sources { id } }`, {}, token);
    expect(sources.map((s) => s.id)).toEqual([source.id]);
    expect(
      shopify
        .subscriptions(SHOP)
        .map((s) => [s.topic, s.uri])
        .sort(),
    ).toEqual(
      ['APP_SUBSCRIPTIONS_UPDATE', 'APP_UNINSTALLED', 'BULK_OPERATIONS_FINISH', 'PRODUCTS_CREATE', 'PRODUCTS_DELETE', 'PRODUCTS_UPDATE'].map((topic) => [topic, webhookUrl()]),
    );
    expect(shopify.tokenRequests.filter((r) => r.grant === 'authorization_code').every((r) => r.expiring)).toBe(true);
    // The credentials are sealed: no token in the row as text.
    expect(source.credentialsSealed).not.toMatch(/shpat_|shprt_/);

    const again = await browser().get(link);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('was used already, has expired');
  }, 30_000);

  it('turns a new product into one post per channel with the network’s template, published to Mastodon', async () => {
    await setRules(t, token, sourceId, { channelIds: [channelId], templates: { byNetwork: { MASTODON: TEMPLATE }, byChannel: {} }, timing: { mode: 'IMMEDIATE' } });
    const product = await shopify.createProduct(SHOP, { title: 'Washed linen shirt' });
    expect(shopify.deliveries.filter((d) => d.topic === 'products/create').map((d) => d.status)).toEqual([200]);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ outcome: 'POST_CREATED' });
    const [post, ...others] = await postsOf(sourceId);
    expect(others).toEqual([]);
    expect(post!.deliveries).toHaveLength(1);
    expect(post!.content).toMatch(new RegExp(`^New in store: Washed linen shirt https://${SHOP.replace(/\./g, '\\.')}/products/${product.handle}\\?utm_source=mastodon`));
    await eventually(async () => mastodon.statuses.find((s) => s.text === post!.content), 15_000, 'the post on Mastodon');
    expect(mastodon.statuses.filter((s) => s.text.includes('Washed linen shirt'))).toHaveLength(1);
  }, 30_000);

  it('makes one post of the same webhook delivered three times', async () => {
    await setRules(t, token, sourceId, { channelIds: [channelId], templates: { byNetwork: { MASTODON: TEMPLATE }, byChannel: {} }, timing: { mode: 'DELAY', delayMinutes: 600 } });
    const product = await shopify.createProduct(SHOP, { title: 'Linen apron' }, { webhook: false });
    for (let i = 0; i < 3; i++) await shopify.sendWebhook(SHOP, 'products/create', productPayload(SHOP, product), { eventId: 'evt-apron' });
    const events = (await waitForEvents(t, token, sourceId, 4)).filter((e) => e.eventId === 'evt-apron');
    expect(events.map((e) => e.outcome).sort()).toEqual(['DUPLICATE', 'DUPLICATE', 'POST_CREATED']);
    const posts = (await postsOf(sourceId)).filter((p) => p.content.includes('Linen apron'));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.deliveries.map((d) => d.status)).toEqual(['SCHEDULED']);
  }, 30_000);

  it('refuses a forged HMAC with 401 and writes nothing; a shop without a source is answered and ignored', async () => {
    const before = await eventCount();
    const [forged] = await shopify.sendWebhook(
      SHOP,
      'products/create',
      { id: 1, admin_graphql_api_id: 'gid://shopify/Product/1' },
      { to: webhookUrl(), hmacSecret: 'not-the-secret' },
    );
    expect(forged!.status).toBe(401);
    const [stranger] = await shopify.sendWebhook('nobody-here.myshopify.com', 'products/create', { id: 2 }, { to: webhookUrl() });
    expect(stranger!.status).toBe(200);
    const [customers] = await shopify.sendWebhook(SHOP, 'customers/redact', { shop_domain: SHOP, customer: { id: 1 } }, { to: webhookUrl() });
    expect(customers!.status).toBe(200);
    // The earlier tests' events are all recorded: any source_event job now would be one of these.
    const jobs = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'source_event'`);
    expect(jobs.rows[0].n).toBe(0);
    expect(await eventCount()).toBe(before);
  }, 30_000);

  it('cancels the pending posts of a deleted product', async () => {
    const product = shopify.products(SHOP).find((p) => p.title === 'Linen apron')!;
    await shopify.deleteProduct(SHOP, product.id);
    const post = await eventually(
      async () => {
        const found = (await postsOf(sourceId)).find((p) => p.content.includes('Linen apron'));
        return found?.deliveries.every((d) => d.status === 'CANCELLED') && found;
      },
      15_000,
      'the apron post cancelled',
    );
    expect(post.deliveries[0]!.scheduleReason).toBeTruthy();
  }, 30_000);

  it('holds the scheduled posts when the app is uninstalled, and a reinstall releases them', async () => {
    await shopify.createProduct(SHOP, { title: 'Linen napkins' });
    const held = await eventually(async () => (await postsOf(sourceId)).find((p) => p.content.includes('Linen napkins')), 15_000, 'the napkins post');
    const [delivery] = held.deliveries;
    expect(delivery!.status).toBe('SCHEDULED');
    const jobKey = `publish:${delivery!.id}`;
    const hasJob = async () => (await t.app.database.pool.query(`SELECT 1 FROM graphile_worker.jobs WHERE key = $1`, [jobKey])).rowCount === 1;
    expect(await hasJob()).toBe(true);

    const [uninstalled] = await shopify.sendWebhook(SHOP, 'app/uninstalled', { id: 1, domain: SHOP });
    expect(uninstalled!.status).toBe(200);
    const stopped = await t.app.database.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    expect(stopped).toMatchObject({ status: 'UNINSTALLED', credentialsSealed: null });
    const during = await t.app.database.prisma.delivery.findUniqueOrThrow({ where: { id: delivery!.id } });
    expect(during).toMatchObject({ status: 'DRAFT', scheduledAt: delivery!.scheduledAt });
    expect(during.scheduleReason).toMatch(/uninstalled/);
    expect(await hasJob()).toBe(false);
    // Nothing is taken from a stopped source.
    const before = await eventCount();
    const [ignored] = await shopify.sendWebhook(SHOP, 'products/update', { id: 99, admin_graphql_api_id: 'gid://shopify/Product/99' }, { to: webhookUrl() });
    expect(ignored!.status).toBe(200);
    expect(await eventCount()).toBe(before);

    const { page } = await install();
    expect(page).toContain('1 held post deliveries were released');
    expect(await t.app.database.prisma.source.findUniqueOrThrow({ where: { id: sourceId } })).toMatchObject({ status: 'ACTIVE' });
    expect(await t.app.database.prisma.source.count({ where: { externalId: SHOP } })).toBe(1);
    const after = await t.app.database.prisma.delivery.findUniqueOrThrow({ where: { id: delivery!.id } });
    expect(after).toMatchObject({ status: 'SCHEDULED', scheduledAt: delivery!.scheduledAt });
    expect(await hasJob()).toBe(true);
    const audit = await t.app.database.pool.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY at`, [sourceId]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['source.uninstalled', 'source.reconnected', 'source.posts_released']));
  }, 30_000);

  it('shows a connected shop its status when opened from the Shopify admin, and begins OAuth for an unknown one', async () => {
    const opened = await browser().get(`${publicUrl}/shopify/app?${shopify.appLaunchQuery(SHOP).toString()}`);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain(`${SHOP} is connected to PostFlow: active.`);
    const other = await browser().get(`${publicUrl}/shopify/app?${shopify.appLaunchQuery('new-shop.myshopify.com').toString()}`);
    expect(other.status).toBe(303);
    expect(other.headers.get('location')).toContain('/new-shop.myshopify.com/admin/oauth/authorize?');
    const forged = shopify.appLaunchQuery(SHOP);
    forged.set('shop', 'new-shop.myshopify.com');
    expect((await browser().get(`${publicUrl}/shopify/app?${forged.toString()}`)).status).toBe(401);
  }, 30_000);

  it('erases the shop on shop/redact: its source, items and events; the audit keeps its id', async () => {
    const [redact] = await shopify.sendWebhook(SHOP, 'shop/redact', { shop_id: 1, shop_domain: SHOP }, { to: webhookUrl() });
    expect(redact!.status).toBe(200);
    const left = await t.app.database.pool.query(
      `SELECT (SELECT count(*) FROM sources WHERE id = $1)::int AS sources, (SELECT count(*) FROM source_items WHERE source_id = $1)::int AS items,
              (SELECT count(*) FROM source_events WHERE source_id = $1)::int AS events`,
      [sourceId],
    );
    expect(left.rows[0]).toEqual({ sources: 0, items: 0, events: 0 });
    const erased = await t.app.database.pool.query(`SELECT details FROM audit_events WHERE target_id = $1 AND action = 'source.erased'`, [sourceId]);
    expect(erased.rows).toHaveLength(1);
    // Nothing the audit trail kept of this workspace names the shop any more.
    const trail = await t.app.database.pool.query<{ action: string; details: unknown }>(
      `SELECT action, details FROM audit_events WHERE workspace_id = (SELECT workspace_id FROM audit_events WHERE target_id = $1 AND action = 'source.erased')`,
      [sourceId],
    );
    expect(trail.rows.length).toBeGreaterThan(3);
    expect(trail.rows.filter((row) => JSON.stringify(row.details).includes(SHOP))).toEqual([]);
  }, 30_000);
});

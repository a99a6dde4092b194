// An event whose handling ended in ERROR is not "handled": the store delivering it again (Shopify sends some twice, and
// delivers again whatever was not answered 200) has it handled again, so a fixed template lets the next delivery make
// the post; once an event has a final outcome, a delivery more is a DUPLICATE. Driven through the real route: signed
// webhooks from the loopback Shopify to POST /shopify/webhooks, the source_event job, the engine.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, setRules, type FakeSource } from './helpers/fakeSource.js';

let shopify: ShopifyFake;
let tiny: MastodonFake;
let t: TestApp;
let fake: FakeSource;
let webhookUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  shopify = await startShopifyFake();
  shopify.retryDelaysMs = [];
  // 30 characters: a template of two links fits it in no way, one link does.
  tiny = await startMastodonFake({ maxCharacters: 30 });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  webhookUrl = `${publicUrl}/shopify/webhooks`;
  t = await startTestApp({
    env: { PORT: String(port), POSTFLOW_PUBLIC_URL: publicUrl, SHOPIFY_API_KEY: shopify.apiKey, SHOPIFY_API_SECRET: shopify.apiSecret, SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin },
  });
  // The products are the test's (the real connector's Admin API fetch is test/shopify.e2e.test.ts's).
  fake = installFakeSource(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await tiny?.stop();
  await shopify?.stop();
});

const BROKEN = { default: '{{ url }} {{ url }}' };
const FIXED = { default: '{{ url }}' };

async function shop() {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: tiny.url, accessToken: tiny.accessToken }, 'Tiny');
  const { sourceId, shop: name } = await connectFakeSource(t, token);
  const rules = (templates: Record<string, string>) => setRules(t, token, sourceId, { channelIds: [channel.id], templates, timing: { mode: 'DELAY', delayMinutes: 600 } });
  await rules(BROKEN);
  return { token, sourceId, shop: name, rules };
}

let products = 0;

/** A product the store has (fetched by the job), and its products/create or /update payload. */
function newProduct() {
  const id = 7_000 + ++products;
  const gid = `gid://shopify/Product/${id}`;
  fake.set(gid, product(gid));
  return { gid, payload: { id, admin_graphql_api_id: gid, title: 'Linen shirt' } };
}

/** One signed delivery, answered 200 (queued), then handled by the worker: answers when no source_event job is left. */
async function deliver(shopName: string, topic: string, payload: unknown, headers: { eventId: string; triggeredAt: string }) {
  const [delivery] = await shopify.sendWebhook(shopName, topic, payload, { to: webhookUrl, ...headers });
  expect(delivery!.status).toBe(200);
  await eventually(
    async () => (await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'source_event'`)).rows[0].n === 0,
    15_000,
    'the event handled',
  );
}

const rowsOf = async (sourceId: string, eventId: string) =>
  (
    await t.app.database.pool.query<{ outcome: string; reason: string; postIds: string[] }>(
      `SELECT outcome, reason, post_ids AS "postIds" FROM source_events WHERE source_id = $1 AND event_id = $2 ORDER BY received_at, id`,
      [sourceId, eventId],
    )
  ).rows;
const postsOf = (sourceId: string) => t.app.database.prisma.post.findMany({ where: { sourceId } });

describe('an event that ended in ERROR', () => {
  it('is handled again when the same event id is delivered again: the fixed template makes its one post, a delivery more is a DUPLICATE', async () => {
    const s = await shop();
    const { payload } = newProduct();
    const headers = { eventId: 'evt-redelivered', triggeredAt: new Date(Date.now() - 60_000).toISOString() };
    const unfit = 'MASTODON channel "Tiny": the post does not fit even with only its link; shorten the template';

    await deliver(s.shop, 'products/create', payload, headers);
    expect(await rowsOf(s.sourceId, headers.eventId)).toEqual([{ outcome: 'ERROR', reason: unfit, postIds: [] }]);
    // Delivered again with nothing fixed: tried again, the same ERROR, still the event's one row (no DUPLICATE).
    await deliver(s.shop, 'products/create', payload, headers);
    expect(await rowsOf(s.sourceId, headers.eventId)).toEqual([{ outcome: 'ERROR', reason: unfit, postIds: [] }]);
    expect(await postsOf(s.sourceId)).toEqual([]);

    await s.rules(FIXED);
    await deliver(s.shop, 'products/create', payload, headers);
    const posts = await postsOf(s.sourceId);
    expect(posts).toHaveLength(1);
    // The ERROR is replaced by the outcome of the try that worked.
    expect(await rowsOf(s.sourceId, headers.eventId)).toEqual([{ outcome: 'POST_CREATED', reason: expect.stringContaining('first publication #1'), postIds: [posts[0]!.id] }]);

    await deliver(s.shop, 'products/create', payload, headers);
    expect(await rowsOf(s.sourceId, headers.eventId)).toEqual([
      { outcome: 'POST_CREATED', reason: expect.any(String), postIds: [posts[0]!.id] },
      { outcome: 'DUPLICATE', reason: `event ${headers.eventId} was handled already (POST_CREATED)`, postIds: [posts[0]!.id] },
    ]);
    expect(await postsOf(s.sourceId)).toHaveLength(1);
  });

  it('leaves the item as it was, so the item’s next change (a new event id) makes the post', async () => {
    const s = await shop();
    const { gid, payload } = newProduct();
    const first = new Date(Date.now() - 120_000);
    await deliver(s.shop, 'products/create', payload, { eventId: 'evt-create', triggeredAt: first.toISOString() });
    expect((await rowsOf(s.sourceId, 'evt-create')).map((r) => r.outcome)).toEqual(['ERROR']);
    const item = await t.app.database.pool.query(`SELECT published, first_published_at, last_changed_at FROM source_items WHERE source_id = $1 AND external_id = $2`, [
      s.sourceId,
      gid,
    ]);
    expect(item.rows).toEqual([{ published: false, first_published_at: null, last_changed_at: new Date(0) }]);

    await s.rules(FIXED);
    await deliver(s.shop, 'products/update', payload, { eventId: 'evt-update', triggeredAt: new Date(first.getTime() + 60_000).toISOString() });
    const [post, ...others] = await postsOf(s.sourceId);
    expect(others).toEqual([]);
    expect(await rowsOf(s.sourceId, 'evt-update')).toEqual([{ outcome: 'POST_CREATED', reason: expect.stringContaining('first publication #1'), postIds: [post!.id] }]);
    // The create delivered again now is handled again, and is older than the change applied since: STALE, no second post.
    await deliver(s.shop, 'products/create', payload, { eventId: 'evt-create', triggeredAt: first.toISOString() });
    expect((await rowsOf(s.sourceId, 'evt-create')).map((r) => r.outcome)).toEqual(['STALE']);
    expect(await postsOf(s.sourceId)).toHaveLength(1);
  });
});

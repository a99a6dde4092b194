// The Shopify catalog import (issue 13: importCatalog): 300 products in the loopback Shopify (and drafts) imported
// through the API and the real worker: Shopify's bulk operation, its JSONL streamed, every product through the
// source's rules, one post per product with one delivery per channel, spread by the smart scheduler within each
// channel's posting rules; progress over graphql-ws; a second import while one runs refused; a re-run makes no post.
import { createServer } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { collect, eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules } from './helpers/fakeSource.js';
import { runSourceImport } from '../src/services/sourceImports.js';
import { insertSourceImport } from '../src/store/sourceImports.js';
import { createSourceRegistry } from '../src/sources/registry.js';
import type { SourceConnector } from '../src/sources/types.js';

const SHOP = 'catalog-house.myshopify.com';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const PRODUCTS = 300;
const DRAFTS = 7;
const MIN_INTERVAL_MINUTES = 30;
/** The channels' posting rules: 06:00 to 22:00 every day, 30 minutes apart. */
const POLICY = {
  windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '06:00', end: '22:00' }] })),
  minIntervalMinutes: MIN_INTERVAL_MINUTES,
  reservedShare: 0,
  queueHours: [],
  queueSpacingMinutes: 0,
};
const IMPORT_FIELDS = 'id status seen processed postsCreated skipped errors lastError finishedAt';

interface ImportRow {
  id: string;
  status: string;
  seen: number;
  processed: number;
  postsCreated: number;
  skipped: number;
  errors: number;
  lastError: string | null;
}

let shopify: ShopifyFake;
let mastodon: MastodonFake;
let t: TestApp;
let publicUrl: string;
let token: string;
let channelIds: string[];
let sourceId: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The owner's browser from connectShopifyStart's link through Shopify's approval and the callback. */
async function install(): Promise<void> {
  const { connectShopifyStart } = await t.ok<{ connectShopifyStart: { url: string } }>(
    `mutation($shop: String!) { connectShopifyStart(shop: $shop) { url } }`,
    { shop: SHOP },
    token,
  );
  const cookies = new Map<string, string>();
  const get = async (url: string) => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER, ...(cookie && { cookie }) } });
    for (const line of response.headers.getSetCookie()) {
      const [name, ...value] = line.split(';')[0]!.split('=');
      cookies.set(name!, value.join('='));
    }
    return response;
  };
  let response = await get(connectShopifyStart.url);
  for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 5; hops++) response = await get(response.headers.get('location')!);
  expect(await response.text()).toContain(`${SHOP} is connected to PostFlow.`);
}

const startImport = () => t.gql<{ importCatalog: ImportRow }>(`mutation($id: ID!) { importCatalog(sourceId: $id) { ${IMPORT_FIELDS} } }`, { id: sourceId }, token);
const importOf = async (id: string) =>
  (await t.ok<{ sourceImports: ImportRow[] }>(`query($id: ID!) { sourceImports(sourceId: $id) { ${IMPORT_FIELDS} } }`, { id: sourceId }, token)).sourceImports.find(
    (i) => i.id === id,
  );
const postCount = () => t.app.database.prisma.post.count({ where: { sourceId } });

beforeAll(async () => {
  shopify = await startShopifyFake();
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
      SMART_SCHEDULE_HORIZON_DAYS: '14',
    },
  });
  token = await signUp(t);
  channelIds = [];
  for (const name of ['Shop news', 'Shop deals']) {
    channelIds.push((await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, name, POLICY)).id);
  }
  await install();
  sourceId = (await t.app.database.prisma.source.findFirstOrThrow({ where: { externalId: SHOP, deletedAt: null } })).id;
  await setRules(t, token, sourceId, { channelIds, templates: { byNetwork: { MASTODON: 'New: {{ title }} {{ url }}' }, byChannel: {} } });
  for (let i = 1; i <= PRODUCTS; i++) await shopify.createProduct(SHOP, { title: `Linen piece ${i}` }, { webhook: false });
  for (let i = 1; i <= DRAFTS; i++) await shopify.createProduct(SHOP, { title: `Unfinished ${i}`, status: 'DRAFT', publishedAt: null }, { webhook: false });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
  await shopify?.stop();
});

describe('the Shopify catalog import', () => {
  it('imports 300 products as one post each, spread over days by the smart scheduler within the posting rules', async () => {
    const updates = collect<{ sourceImportUpdated: ImportRow }>(t.ws(token), `subscription($id: ID!) { sourceImportUpdated(sourceId: $id) { ${IMPORT_FIELDS} } }`, {
      id: sourceId,
    });
    await updates.ready;
    const started = await startImport();
    expect(started.errors).toBeUndefined();
    const { id, status } = started.data!.importCatalog;
    expect(status).toBe('RUNNING');

    const second = await startImport();
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const seen = await updates.until((items) => items.some((u) => u.sourceImportUpdated.id === id && u.sourceImportUpdated.status === 'COMPLETED'), 120_000);
    const finished = (await importOf(id))!;
    expect(finished).toMatchObject({ status: 'COMPLETED', seen: PRODUCTS + DRAFTS, processed: PRODUCTS + DRAFTS, postsCreated: PRODUCTS, skipped: DRAFTS, errors: 0 });
    // Progress while it ran: a batch's counts, before the end.
    const progress = seen.map((u) => u.sourceImportUpdated).filter((u) => u.status === 'RUNNING' && u.processed > 0);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]!.processed).toBeLessThan(PRODUCTS + DRAFTS);
    updates.dispose();

    const posts = await t.app.database.prisma.post.findMany({ where: { sourceId }, include: { deliveries: true } });
    expect(posts).toHaveLength(PRODUCTS);
    expect(posts.every((p) => p.deliveries.length === 2 && new Set(p.deliveries.map((d) => d.channelId)).size === 2)).toBe(true);
    expect(posts.some((p) => p.content.includes('Unfinished'))).toBe(false);

    // Every delivery placed by the smart scheduler (none left pending), none breaking the channel's rules.
    const deliveries = await eventually(
      async () => {
        const all = await t.app.database.prisma.delivery.findMany({ where: { post: { sourceId } }, include: { channel: true } });
        return all.every((d) => d.scheduledAt && d.status !== 'PENDING') && all;
      },
      60_000,
      'every delivery placed',
    );
    expect(deliveries).toHaveLength(PRODUCTS * 2);
    for (const channelId of channelIds) {
      const mine = deliveries.filter((d) => d.channelId === channelId);
      expect(mine.every((d) => d.scheduleReason?.startsWith('Placed by the smart scheduler'))).toBe(true);
      const times = mine.map((d) => d.scheduledAt!.getTime()).sort((a, b) => a - b);
      const gaps = times.slice(1).map((at, i) => at - times[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_INTERVAL_MINUTES * 60_000);
      const zone = mine[0]!.channel.timezone;
      for (const at of times) {
        const local = DateTime.fromMillis(at, { zone });
        expect(local.hour * 60 + local.minute).toBeGreaterThanOrEqual(6 * 60);
        expect(local.hour * 60 + local.minute).toBeLessThan(22 * 60);
      }
      const days = new Set(times.map((at) => DateTime.fromMillis(at, { zone }).toISODate()));
      expect(days.size).toBeGreaterThanOrEqual(5);
      expect(times.at(-1)! - times[0]!).toBeGreaterThan(4 * 86_400_000);
    }
    const audit = await t.app.database.pool.query(`SELECT details FROM audit_events WHERE action = 'import.finished' AND target_id = $1`, [sourceId]);
    expect(audit.rows.map((r) => r.details)).toEqual([expect.objectContaining({ importId: id, status: 'COMPLETED', created: PRODUCTS })]);
    // import.finished tells whoever started it.
    const { notifications } = await eventually(
      async () => {
        const found = await t.ok<{ notifications: { edges: { node: { kind: string; text: string } }[] } }>(
          `{ notifications(first: 10) { edges { node { kind text } } } }`,
          {},
          token,
        );
        return found.notifications.edges.some((e) => e.node.kind === 'IMPORT_FINISHED') && found;
      },
      15_000,
      'the import.finished notification',
    );
    expect(notifications.edges.find((e) => e.node.kind === 'IMPORT_FINISHED')!.node.text).toContain(`${PRODUCTS} posts`);
  }, 240_000);

  it('makes no post the second time: every product was posted already', async () => {
    const started = await t.ok<{ importCatalog: ImportRow }>(`mutation($id: ID!) { importCatalog(sourceId: $id) { ${IMPORT_FIELDS} } }`, { id: sourceId }, token);
    const done = await eventually(
      async () => {
        const row = await importOf(started.importCatalog.id);
        return row?.status !== 'RUNNING' && row;
      },
      120_000,
      'the second import finished',
    );
    expect(done).toMatchObject({ status: 'COMPLETED', seen: PRODUCTS + DRAFTS, postsCreated: 0, skipped: PRODUCTS + DRAFTS, errors: 0 });
    expect(await postCount()).toBe(PRODUCTS);
  }, 180_000);

  it('continues after a crash: the retried try finds its earlier work done and ends COMPLETED with every count', async () => {
    const NEW = 50;
    for (let i = 1; i <= NEW; i++) await shopify.createProduct(SHOP, { title: `Late linen ${i}` }, { webhook: false });
    const shopifyConnector = t.app.services.sources.get('SHOPIFY');
    const CRASH_AFTER = PRODUCTS + DRAFTS + 23;
    // The first try's process dies while reading the export: the connector's stream breaks after CRASH_AFTER items.
    const crashing: SourceConnector = {
      ...shopifyConnector,
      async *importItems(source, options) {
        let n = 0;
        for await (const item of shopifyConnector.importItems!(source, options)) {
          if (++n > CRASH_AFTER) throw new Error('the worker went away');
          yield item;
        }
      },
    };
    const { workspaceId } = await t.app.database.prisma.source.findUniqueOrThrow({ where: { id: sourceId } });
    const importId = (await insertSourceImport(t.app.database.pool, { sourceId, workspaceId, startedBy: null, startedVia: 'SYSTEM' }))!;
    const deps = { ...t.app.services, sources: createSourceRegistry([crashing]) };
    await expect(runSourceImport(deps, importId, { number: 1, of: 3 }, { batchSize: 10 })).rejects.toThrow('the worker went away');
    const halfway = (await importOf(importId))!;
    expect(halfway).toMatchObject({ status: 'RUNNING', processed: CRASH_AFTER, postsCreated: 23 });
    expect(halfway.lastError).toMatch(/try 1 of 3 failed: the worker went away/);
    expect(await postCount()).toBe(PRODUCTS + 23);

    const counts = await runSourceImport(t.app.services, importId, { number: 2, of: 3 }, { batchSize: 10 });
    expect(counts).toEqual({ seen: PRODUCTS + DRAFTS + NEW, processed: PRODUCTS + DRAFTS + NEW, postsCreated: NEW, skipped: PRODUCTS + DRAFTS, errors: 0 });
    expect(await importOf(importId)).toMatchObject({ status: 'COMPLETED', postsCreated: NEW });
    expect(await postCount()).toBe(PRODUCTS + NEW);
    const duplicates = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM source_events WHERE event_id LIKE $1 AND outcome = 'DUPLICATE'`, [`import:${importId}:%`]);
    expect(duplicates.rows[0].n).toBe(CRASH_AFTER);
  }, 180_000);
});

// The Shopify catalog import at size: 5,000 products in the loopback Shopify imported into a throw-away Postgres by
// the import job's own code (runSourceImport: the bulk operation, the JSONL streamed, each product through the
// source's rules into a post). Prints the time and the process's peak RSS and heap, sampled every 20 ms, next to
// the figures before the import (the fake Shopify lives in this process: its catalog and JSONL are in the baseline).
// `npm run bench:shopify-import [count]`.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { decodeKey, loadConfig } from '../src/config.js';
import { createProviderRegistry } from '../src/integrations/registry.js';
import { createOutboundPolicy } from '../src/security/outbound/policy.js';
import { createSecrets } from '../src/security/secrets.js';
import { createSourceRegistry } from '../src/sources/registry.js';
import { DEFAULT_RULES } from '../src/domain/sourceRules.js';
import { insertSource } from '../src/store/sources.js';
import { insertSourceImport } from '../src/store/sourceImports.js';
import { runSourceImport } from '../src/services/sourceImports.js';
import { createShopifyClient } from '../plugins/shopify/src/client.js';
import { createShopifyConnector } from '../plugins/shopify/src/connector.js';
import { startShopifyFake } from '../test/fakes/shopifyFake.js';
import { createWebhookChannel, seedWorkspace, startBenchDatabase } from './harness.js';

const COUNT = Number(process.argv[2] ?? 5000);
const SHOP = 'bench-catalog.myshopify.com';
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A non-expiring access token from the fake's own OAuth endpoints (authorize, then the code exchanged). */
async function accessToken(origin: string, apiKey: string, apiSecret: string): Promise<string> {
  const authorize = new URL(`${origin}/admin/oauth/authorize`);
  authorize.search = new URLSearchParams({ client_id: apiKey, scope: 'read_products', redirect_uri: 'http://127.0.0.1/callback', state: 'bench' }).toString();
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location')!).searchParams.get('code');
  const answer = await fetch(`${origin}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: apiKey, client_secret: apiSecret, code }),
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

async function main() {
  const db = await startBenchDatabase();
  const shopify = await startShopifyFake();
  shopify.retryDelaysMs = [];
  try {
    const config = loadConfig({
      DATABASE_URL: db.url,
      POSTFLOW_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'postflow-bench-import-')),
      POSTFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
      POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,::1,localhost',
      SHOPIFY_API_KEY: shopify.apiKey,
      SHOPIFY_API_SECRET: shopify.apiSecret,
      SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin,
    });
    const secrets = createSecrets(decodeKey(config.secretKey!)!);
    const providers = createProviderRegistry({ ...config.providers, outbound: createOutboundPolicy({ allow: config.providers.outboundAllow, exempt: [] }) });
    const client = createShopifyClient({ settings: config.shopify!, publicUrl: 'http://127.0.0.1', outboundAllow: config.providers.outboundAllow, requestTimeoutMs: 10_000 });
    const sources = createSourceRegistry([
      createShopifyConnector(client, {
        // The bench's token does not expire: nothing is ever renewed.
        renewUnderLock: () => Promise.reject(new Error('the bench token does not expire')),
        bulkWaits: { firstPollMs: 100 },
      }),
    ]);

    const seed = await seedWorkspace(db.pool);
    const channelId = await createWebhookChannel(db.pool, seed, secrets, 'http://127.0.0.1:9', 'bench-shop');
    const origin = shopify.shopOrigin.replace('{shop}', SHOP);
    const credentials = { shop: SHOP, accessToken: await accessToken(origin, shopify.apiKey, shopify.apiSecret), scopes: ['read_products'] };
    const sourceId = await insertSource(db.pool, {
      workspaceId: seed.workspaceId,
      kind: 'SHOPIFY',
      name: 'Bench shop',
      externalId: SHOP,
      credentialsSealed: secrets.seal(JSON.stringify(credentials)),
      rules: { ...DEFAULT_RULES, channelIds: [channelId] },
    });
    for (let i = 1; i <= COUNT; i++) {
      await shopify.createProduct(
        SHOP,
        {
          title: `Bench product ${i}`,
          descriptionHtml: `<p>Washed linen, piece ${i} of the catalog, cut and sewn by hand.</p>`,
          tags: ['linen', `batch-${i % 50}`],
          images: [{ url: `https://cdn.example.com/p/${i}.jpg`, altText: null, width: 800, height: 800 }],
        },
        { webhook: false },
      );
    }
    const importId = (await insertSourceImport(db.pool, { sourceId, workspaceId: seed.workspaceId, startedBy: seed.userId, startedVia: 'SESSION' }))!;

    global.gc?.();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapUsed: before.heapUsed };
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peak.rss = Math.max(peak.rss, now.rss);
      peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
    }, 20);
    const started = performance.now();
    const counts = await runSourceImport({ pool: db.pool, providers, secrets, sources }, importId, { number: 1, of: 1 });
    const ms = performance.now() - started;
    clearInterval(sampler);

    const { rows } = await db.pool.query(`SELECT status, last_error FROM source_imports WHERE id = $1`, [importId]);
    const posts = await db.pool.query(`SELECT count(*)::int AS n FROM posts WHERE source_id = $1`, [sourceId]);
    console.log(`shopify import: ${COUNT} products -> ${rows[0].status}${rows[0].last_error ? ` (${rows[0].last_error})` : ''}`);
    console.log(`  counts        ${JSON.stringify(counts)}; ${posts.rows[0].n} posts in the database`);
    console.log(`  time          ${(ms / 1000).toFixed(1)} s (${((COUNT / ms) * 1000).toFixed(0)} products/s)`);
    console.log(`  before        rss ${mb(before.rss)}, heap ${mb(before.heapUsed)} (the fake's catalog included)`);
    console.log(`  peak          rss ${mb(peak.rss)} (+${mb(peak.rss - before.rss)}), heap ${mb(peak.heapUsed)} (+${mb(peak.heapUsed - before.heapUsed)})`);
  } finally {
    await shopify.stop();
    await db.stop();
  }
}

await main();

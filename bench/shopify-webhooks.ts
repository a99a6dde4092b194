// The answer time of POST /shopify/webhooks (issue 13: "answered within a second, the work goes to a job"): PostFlow
// as its own process (POSTFLOW_ROLE=all: the source_event jobs run beside the route, as on a one-process install),
// its Shopify app pointed at the loopback Shopify, one connected shop with a catalog. The bench sends signed
// products/update webhooks (Shopify's headers, an HMAC of the raw body with the app's secret, a new event id each)
// over keep-alive connections, `count` at each concurrency, and prints the answer times (first byte to the whole
// answer read) and how long the worker took to handle what was queued. Prints figures; asserts nothing.
// `npm run bench:shopify-webhooks [-- --count 2000 --concurrency 1,8,32]`.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeKey } from '../src/config.js';
import { DEFAULT_RULES } from '../src/domain/sourceRules.js';
import { createSecrets } from '../src/security/secrets.js';
import { insertSource } from '../src/store/sources.js';
import { startShopifyFake, type ShopifyFakeProduct } from '../test/fakes/shopifyFake.js';
import { productPayload } from '../test/fakes/shopifyProducts.js';
import { freePort } from '../test/helpers/ports.js';
import * as h from './harness.js';

const { values: flags } = parseArgs({
  options: { count: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '1,8,32' }, products: { type: 'string', default: '200' } },
});
const COUNT = Number(flags.count);
const CONCURRENCY = flags.concurrency.split(',').map(Number);
const PRODUCTS = Number(flags.products);
const WARMUP = 200;
const SHOP = 'bench-webhooks.myshopify.com';

/** A non-expiring access token from the fake's own OAuth endpoints (as bench/shopify-import.ts gets one). */
async function accessToken(origin: string, apiKey: string, apiSecret: string): Promise<string> {
  const authorize = new URL(`${origin}/admin/oauth/authorize`);
  authorize.search = new URLSearchParams({ client_id: apiKey, scope: 'read_products', redirect_uri: 'http://127.0.0.1/callback', state: 'bench' }).toString();
  const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code');
  const answer = await fetch(`${origin}/admin/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: apiKey, client_secret: apiSecret, code }),
  });
  return ((await answer.json()) as { access_token: string }).access_token;
}

interface Sent {
  ms: number;
  status: number;
}

/** One signed webhook, as Shopify sends it; answers its status and the time until the whole answer was read. */
function send(agent: http.Agent, url: URL, secret: string, payload: unknown): Promise<Sent> {
  const body = JSON.stringify(payload);
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-shopify-topic': 'products/update',
    'x-shopify-hmac-sha256': createHmac('sha256', secret).update(body, 'utf8').digest('base64'),
    'x-shopify-shop-domain': SHOP,
    'x-shopify-api-version': '2026-07',
    'x-shopify-webhook-id': randomUUID(),
    'x-shopify-event-id': randomUUID(),
    'x-shopify-triggered-at': new Date().toISOString(),
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? 0 }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** `count` webhooks, `concurrency` in flight at a time, each about a product of the catalog. */
async function run(url: URL, secret: string, products: ShopifyFakeProduct[], count: number, concurrency: number): Promise<{ sent: Sent[]; wallMs: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const sent: Sent[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const product = products[next++ % products.length]!;
        sent.push(await send(agent, url, secret, productPayload(SHOP, product)));
      }
    }),
  );
  agent.destroy();
  return { sent, wallMs: performance.now() - started };
}

async function jobsLeft(db: h.BenchDatabase): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'source_event'`);
  return rows[0]!.n;
}

/** From the last answer until the worker has handled every queued event. */
async function drain(db: h.BenchDatabase): Promise<number> {
  const started = performance.now();
  while ((await jobsLeft(db)) > 0) await h.sleep(50);
  return performance.now() - started;
}

async function main() {
  const db = await h.startBenchDatabase();
  const shopify = await startShopifyFake();
  shopify.retryDelaysMs = [];
  // Shopify's real bucket (a few products a second for a standard shop) would make the drain measure the fake's
  // throttle; the bench is about PostFlow, so the bucket is out of the way (the throttling has its own tests).
  shopify.setBucket(10_000_000, 10_000_000);
  const key = randomBytes(32).toString('base64');
  let app: h.Child | null = null;
  try {
    const secrets = createSecrets(decodeKey(key)!);
    const seed = await h.seedWorkspace(db.pool);
    const origin = shopify.shopOrigin.replace('{shop}', SHOP);
    const credentials = { shop: SHOP, accessToken: await accessToken(origin, shopify.apiKey, shopify.apiSecret), scopes: ['read_products'] };
    // Rules naming no channel: each event is fetched and judged (IGNORED, no post), which keeps the worker's share of
    // the CPU that of a real shop's updates without publishing anything.
    await insertSource(db.pool, {
      workspaceId: seed.workspaceId,
      kind: 'SHOPIFY',
      name: 'Bench shop',
      externalId: SHOP,
      credentialsSealed: secrets.seal(JSON.stringify(credentials)),
      rules: DEFAULT_RULES,
    });
    const products: ShopifyFakeProduct[] = [];
    for (let i = 1; i <= PRODUCTS; i++) products.push(await shopify.createProduct(SHOP, { title: `Bench product ${i}` }, { webhook: false }));

    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    app = h.spawnChild('postflow', 'src/main.ts', {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      POSTFLOW_PUBLIC_URL: publicUrl,
      POSTFLOW_SECRET_KEY: key,
      POSTFLOW_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'postflow-bench-webhooks-')),
      LOG_LEVEL: 'warn',
      POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,::1,localhost',
      SHOPIFY_API_KEY: shopify.apiKey,
      SHOPIFY_API_SECRET: shopify.apiSecret,
      SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin,
    });
    const deadline = Date.now() + 90_000;
    while (
      (await fetch(`${publicUrl}/readyz`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (app.child.exitCode !== null || Date.now() > deadline) throw new Error(`PostFlow did not start:\n${app.output()}`);
      await h.sleep(200);
    }
    const url = new URL(`${publicUrl}/shopify/webhooks`);
    // Warm-up (not counted): connections opened, the route's and the job's paths compiled.
    await run(url, shopify.apiSecret, products, WARMUP, 8);
    await drain(db);

    const rows: string[][] = [];
    for (const concurrency of CONCURRENCY) {
      const { sent, wallMs } = await run(url, shopify.apiSecret, products, COUNT, concurrency);
      const drainMs = await drain(db);
      console.error(`  ${concurrency} in flight: done`);
      const f = h.figures(sent.map((s) => s.ms));
      const refused = sent.filter((s) => s.status !== 200).length;
      rows.push([
        String(concurrency),
        String(f.n),
        ...[f.p50, f.p95, f.p99, f.max].map((ms) => ms!.toFixed(1)),
        ((f.n / wallMs) * 1000).toFixed(0),
        String(refused),
        (drainMs / 1000).toFixed(1),
      ]);
    }
    const { rows: outcomes } = await db.pool.query<{ outcome: string; n: number }>(`SELECT outcome, count(*)::int AS n FROM source_events GROUP BY 1 ORDER BY 1`);
    const memory = await h.memoryOf(app.child.pid!);
    const header = ['in flight', 'webhooks', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'per s', 'not 200', 'queue drained after s'];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
    console.log(`POST /shopify/webhooks: signed products/update, ${COUNT} per row, PostFlow (role all) in its own process, ${PRODUCTS} products`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    console.log(`events recorded: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}; PostFlow peak RSS ${memory.peakMb.toFixed(0)} MB`);
  } finally {
    if (app) await h.stopChild(app);
    await shopify.stop();
    await db.stop();
  }
}

await main();

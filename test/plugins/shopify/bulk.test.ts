// The catalog import's building blocks (plugins/shopify/src/admin.ts's bulk operation, bulk.ts's stream) against
// the loopback Shopify: each product joined with its variants and images through __parentId, handed out while the
// file is still being read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyFake, ShopifyFakeProduct } from '../../fakes/shopifyFake.js';
import type { ShopifyClient } from '../../../plugins/shopify/src/client.js';
import { bulkStatus, startBulkProducts, type AdminSession, type BulkOperation } from '../../../plugins/shopify/src/admin.js';
import { bulkProducts, type BulkProduct } from '../../../plugins/shopify/src/bulk.js';
import { install, startShopify } from './setup.js';

let fake: ShopifyFake;
let client: ShopifyClient;

beforeAll(async () => {
  ({ fake, client } = await startShopify());
});
afterAll(async () => {
  client?.close();
  await fake?.stop();
});

async function catalog(shop: string, count: number): Promise<AdminSession> {
  const installed = await install(client, shop);
  for (let i = 0; i < count; i++) {
    await fake.createProduct(
      shop,
      {
        title: `Product ${i}`,
        tags: [`batch-${i % 7}`],
        status: i % 10 === 9 ? 'DRAFT' : 'ACTIVE',
        images: Array.from({ length: i % 3 }, (_, k) => ({ url: `https://cdn.example/${i}-${k}.jpg`, altText: null, width: 800, height: 800 })),
        variants: Array.from({ length: 1 + (i % 4) }, (_, k) => ({
          id: i * 10 + k,
          price: `${10 + k}.00`,
          compareAtPrice: i % 5 === 0 && k === 0 ? '99.00' : null,
          inventoryQuantity: 1,
        })),
      },
      { webhook: false },
    );
  }
  return { shop, accessToken: installed.accessToken };
}

async function finished(session: AdminSession, id: string): Promise<BulkOperation> {
  for (;;) {
    const operation = (await bulkStatus(client, session, id))!;
    if (operation.status !== 'CREATED' && operation.status !== 'RUNNING') return operation;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectJoined(got: BulkProduct[], products: ShopifyFakeProduct[]) {
  expect(got.map((p) => p.item.id)).toEqual(products.map((p) => `gid://shopify/Product/${p.id}`));
  for (const [i, p] of products.entries()) {
    const { item, state, product } = got[i]!;
    expect(item.title).toBe(p.title);
    expect(item.tags).toEqual(p.tags);
    expect(product.variants.map((v) => v.price)).toEqual(p.variants.map((v) => v.price));
    expect(item.images.map((image) => image.url)).toEqual(p.images.map((image) => image.url));
    expect(item.price).toEqual({ amount: '10.00', currency: 'EUR' });
    expect(state.onSale).toBe(p.variants.some((v) => v.compareAtPrice !== null));
    expect(item.compareAtPrice?.amount).toBe(p.variants[0]!.compareAtPrice ?? undefined);
    expect(state.published).toBe(p.status === 'ACTIVE');
    expect(state.inStock).toBe(true);
  }
}

describe('the catalog import', () => {
  it('runs a bulk operation over 300 products and streams them joined with their children', async () => {
    const shop = 'three-hundred.myshopify.com';
    const session = await catalog(shop, 300);
    const started = await startBulkProducts(client, session);
    expect(started.status).toBe('RUNNING');
    // One bulk query per shop at a time: a second is refused, retryably.
    await expect(startBulkProducts(client, session)).rejects.toMatchObject({ name: 'ShopifyApiError', kind: 'userErrors', retryable: true });
    const done = await finished(session, started.id);
    expect(done).toMatchObject({ status: 'COMPLETED', errorCode: null });
    const products = fake.products(shop);
    const lines = products.reduce((sum, p) => sum + 1 + p.variants.length + p.images.length, 0);
    expect(done.objectCount).toBe(lines);

    const got: BulkProduct[] = [];
    for await (const product of bulkProducts(client, done.url!)) got.push(product);
    expect(got).toHaveLength(300);
    expectJoined(got, products);
  });

  it('hands out a 5,000-product catalog one product at a time, long before the file is read', async () => {
    const shop = 'five-thousand.myshopify.com';
    const session = await catalog(shop, 5_000);
    const done = await finished(session, (await startBulkProducts(client, session)).id);
    const total = (await (await fetch(done.url!)).arrayBuffer()).byteLength;
    expect(total).toBeGreaterThan(2_000_000);

    const got: BulkProduct[] = [];
    const readWhenHandedOut: number[] = [];
    for await (const product of bulkProducts(client, done.url!)) {
      readWhenHandedOut.push(product.bytesRead);
      // Only what the caller keeps stays alive: this test keeps ids and prices, not the products.
      got.push({ ...product, product: { ...product.product, descriptionHtml: '' } });
    }
    expectJoined(got, fake.products(shop));
    // The first product came out with a small part of the file read: a stream, not a parse of the whole body.
    expect(readWhenHandedOut[0]).toBeLessThan(total / 10);
    // And the reading went along with the products: halfway through the products, well short of the end of the file.
    expect(readWhenHandedOut[2_500]).toBeLessThan(total * 0.75);
    expect(readWhenHandedOut.at(-1)).toBe(total);
  }, 60_000);

  it('refuses a result that cannot be downloaded', async () => {
    const url = `${fake.url}/bulk/${encodeURIComponent('gid://shopify/BulkOperation/404')}.jsonl`;
    const consume = async () => {
      for await (const _product of bulkProducts(client, url)) return;
    };
    await expect(consume()).rejects.toMatchObject({ name: 'ShopifyApiError', kind: 'download', retryable: false });
  });
});

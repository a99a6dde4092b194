// Webhook deliveries (plugins/shopify/src/webhooks.ts) as the loopback Shopify signs and sends them: checked with
// the library from the raw body and headers, refused when forged, and each topic read for what PostFlow does.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopifyFake } from '../../fakes/shopifyFake.js';
import type { ShopifyClient } from '../../../plugins/shopify/src/client.js';
import { verifyWebhook, webhookAction, type VerifiedWebhook } from '../../../plugins/shopify/src/webhooks.js';
import { startShopify } from './setup.js';

const SHOP = 'linen-house.myshopify.com';
let fake: ShopifyFake;
let client: ShopifyClient;
let received: { headers: IncomingHttpHeaders; body: Buffer }[];
let to: string;
let stopReceiver: () => void;

beforeAll(async () => {
  ({ fake, client } = await startShopify());
  received = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  to = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/shopify/webhooks`;
  stopReceiver = () => receiver.close();
});
afterAll(async () => {
  stopReceiver?.();
  client?.close();
  await fake?.stop();
});

async function deliver(topic: string, payload: unknown, options: { eventId?: string; triggeredAt?: string; hmacSecret?: string } = {}) {
  received.length = 0;
  await fake.sendWebhook(SHOP, topic, payload, { to, ...options });
  return received[0]!;
}

const verified = (webhook: Partial<VerifiedWebhook>): VerifiedWebhook => ({
  topic: 'products/update',
  shop: SHOP,
  eventId: 'e',
  webhookId: 'w',
  triggeredAt: null,
  apiVersion: '2026-07',
  payload: {},
  ...webhook,
});

describe('verifyWebhook', () => {
  it("accepts a signed delivery and reads Shopify's headers", async () => {
    const payload = { id: 42, admin_graphql_api_id: 'gid://shopify/Product/42', title: 'Linen shirt – été' };
    const delivery = await deliver('products/update', payload, { eventId: 'event-1', triggeredAt: '2026-12-01T10:00:00.000Z' });
    const verdict = await verifyWebhook(client, { rawBody: delivery.body, headers: delivery.headers });
    expect(verdict).toEqual({
      ok: true,
      webhook: {
        topic: 'products/update',
        shop: SHOP,
        eventId: 'event-1',
        webhookId: delivery.headers['x-shopify-webhook-id'],
        triggeredAt: new Date('2026-12-01T10:00:00.000Z'),
        apiVersion: '2026-07',
        payload,
      },
    });
  });

  it('answers 401 to a forged signature or a body changed after signing, and 400 to a signed one missing headers', async () => {
    const forged = await deliver('products/update', { id: 42 }, { hmacSecret: 'not-the-secret' });
    expect(await verifyWebhook(client, { rawBody: forged.body, headers: forged.headers })).toEqual({ ok: false, status: 401, reason: 'invalid_hmac' });

    const genuine = await deliver('products/update', { id: 42, title: 'A' });
    const tampered = Buffer.from(genuine.body.toString('utf8').replace('"A"', '"B"'));
    expect(await verifyWebhook(client, { rawBody: tampered, headers: genuine.headers })).toMatchObject({ ok: false, status: 401, reason: 'invalid_hmac' });
    const { 'x-shopify-hmac-sha256': _hmac, ...unsigned } = genuine.headers;
    expect(await verifyWebhook(client, { rawBody: genuine.body, headers: unsigned })).toMatchObject({ ok: false, status: 401, reason: 'missing_hmac' });
    expect(await verifyWebhook(client, { rawBody: '', headers: genuine.headers })).toMatchObject({ ok: false, status: 401 });

    const { 'x-shopify-topic': _topic, ...noTopic } = genuine.headers;
    expect(await verifyWebhook(client, { rawBody: genuine.body, headers: noTopic })).toMatchObject({ ok: false, status: 400 });
  });

  it('falls back to X-Shopify-Webhook-Id when there is no X-Shopify-Event-Id', async () => {
    const delivery = await deliver('products/delete', { id: 42 });
    const { 'x-shopify-event-id': _event, ...headers } = delivery.headers;
    const verdict = await verifyWebhook(client, { rawBody: delivery.body, headers });
    expect(verdict.ok && verdict.webhook.eventId).toBe(delivery.headers['x-shopify-webhook-id']);
  });
});

describe('webhookAction', () => {
  const at = new Date('2026-12-01T10:00:00Z');

  it('makes products/* item changes keyed by the product GraphQL id', () => {
    expect(webhookAction(verified({ topic: 'products/create', triggeredAt: at, payload: { id: 42, admin_graphql_api_id: 'gid://shopify/Product/42' } }))).toEqual({
      kind: 'ITEM_CHANGE',
      change: { kind: 'UPSERTED', externalId: 'gid://shopify/Product/42', changedAt: at },
    });
    expect(webhookAction(verified({ topic: 'products/update', payload: { id: 42, updated_at: '2026-12-01T09:00:00Z' } }))).toMatchObject({
      change: { kind: 'UPSERTED', externalId: 'gid://shopify/Product/42', changedAt: new Date('2026-12-01T09:00:00Z') },
    });
    expect(webhookAction(verified({ topic: 'products/delete', triggeredAt: at, payload: { id: 42 } }))).toEqual({
      kind: 'ITEM_CHANGE',
      change: { kind: 'DELETED', externalId: 'gid://shopify/Product/42', changedAt: at },
    });
    expect(webhookAction(verified({ topic: 'products/update', payload: { title: 'no id' } }))).toMatchObject({ kind: 'IGNORED' });
  });

  it('reads inventory, uninstall, bulk completion and the compliance topics', () => {
    expect(webhookAction(verified({ topic: 'inventory_levels/update', triggeredAt: at, payload: { inventory_item_id: 777, location_id: 1, available: 4 } }))).toEqual({
      kind: 'INVENTORY_CHANGE',
      inventoryItemId: 'gid://shopify/InventoryItem/777',
      available: 4,
      changedAt: at,
    });
    expect(webhookAction(verified({ topic: 'app/uninstalled', triggeredAt: at, payload: { id: 1, myshopify_domain: SHOP, domain: 'shop.example' } }))).toEqual({
      kind: 'APP_UNINSTALLED',
      changedAt: at,
    });
    expect(
      webhookAction(verified({ topic: 'bulk_operations/finish', payload: { admin_graphql_api_id: 'gid://shopify/BulkOperation/9', status: 'completed', error_code: null } })),
    ).toEqual({
      kind: 'BULK_FINISHED',
      operationId: 'gid://shopify/BulkOperation/9',
      status: 'COMPLETED',
      errorCode: null,
    });
    for (const topic of ['customers/data_request', 'customers/redact']) expect(webhookAction(verified({ topic }))).toEqual({ kind: 'COMPLIANCE', topic });
    expect(webhookAction(verified({ topic: 'shop/redact', payload: { shop_id: 1, shop_domain: SHOP } }))).toEqual({ kind: 'COMPLIANCE', topic: 'shop/redact' });
  });

  it('ignores an uninstall or a redaction whose signed body names another shop than its headers (a replayed body)', () => {
    const other = 'someone-else.myshopify.com';
    expect(webhookAction(verified({ topic: 'app/uninstalled', payload: { id: 2, myshopify_domain: other, domain: other } }))).toMatchObject({ kind: 'IGNORED' });
    expect(webhookAction(verified({ topic: 'app/uninstalled', payload: {} }))).toMatchObject({ kind: 'IGNORED' });
    expect(webhookAction(verified({ topic: 'shop/redact', payload: { shop_id: 2, shop_domain: other } }))).toMatchObject({ kind: 'IGNORED' });
    expect(webhookAction(verified({ topic: 'orders/create' }))).toMatchObject({ kind: 'IGNORED' });
  });

  it('reads what the fake really sends for a product', async () => {
    const product = await fake.createProduct(SHOP, { title: 'Sent hat' }, { webhook: false });
    const delivery = await deliver(
      'products/create',
      { id: product.id, admin_graphql_api_id: `gid://shopify/Product/${product.id}`, title: 'Sent hat' },
      { triggeredAt: at.toISOString() },
    );
    const verdict = await verifyWebhook(client, { rawBody: delivery.body, headers: delivery.headers });
    if (!verdict.ok) throw new Error(verdict.reason);
    expect(webhookAction(verdict.webhook)).toEqual({ kind: 'ITEM_CHANGE', change: { kind: 'UPSERTED', externalId: `gid://shopify/Product/${product.id}`, changedAt: at } });
  });
});

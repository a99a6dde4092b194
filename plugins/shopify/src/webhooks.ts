// Shopify's webhooks: the topics PostFlow subscribes to, the check of one delivery (the library's webhooks.validate:
// HMAC-SHA256 of the raw body with the app's secret, then Shopify's headers), and what each topic means to PostFlow.
// The compliance topics (customers/data_request, customers/redact, shop/redact) cannot be subscribed through the
// Admin API: shopify.app.toml (or the Dev Dashboard) declares them, at the same /shopify/webhooks address.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ItemChange } from '../../../src/sources/types.js';
import type { ShopifyClient } from './client.js';
import { productGid } from './products.js';

/** Subscribed at install through the Admin API (registerWebhooks), for apps not deployed with the Shopify CLI. */
export const API_WEBHOOK_TOPICS = ['products/create', 'products/update', 'products/delete', 'app/uninstalled', 'bulk_operations/finish', 'app_subscriptions/update'] as const;
/** Back-in-stock posts need it, and the read_inventory scope. */
export const INVENTORY_TOPIC = 'inventory_levels/update';
export type ApiWebhookTopic = (typeof API_WEBHOOK_TOPICS)[number] | typeof INVENTORY_TOPIC;
export const COMPLIANCE_TOPICS = ['customers/data_request', 'customers/redact', 'shop/redact'] as const;
export type ComplianceTopic = (typeof COMPLIANCE_TOPICS)[number];

/** The topics to register for an install with these scopes. */
export function apiTopicsFor(scopes: readonly string[]): ApiWebhookTopic[] {
  return scopes.includes('read_inventory') ? [...API_WEBHOOK_TOPICS, INVENTORY_TOPIC] : [...API_WEBHOOK_TOPICS];
}

/** products/create -> PRODUCTS_CREATE, the Admin API's WebhookSubscriptionTopic. */
export const topicEnum = (topic: string) => topic.toUpperCase().replace(/\//g, '_');

export interface VerifiedWebhook {
  /** As Shopify names it in X-Shopify-Topic: products/update. */
  topic: string;
  shop: string;
  /** X-Shopify-Event-Id (the same for every delivery of one event), else X-Shopify-Webhook-Id: the dedupe key. */
  eventId: string;
  webhookId: string;
  /** X-Shopify-Triggered-At: when the event happened; a retry keeps the original's. */
  triggeredAt: Date | null;
  apiVersion: string;
  payload: unknown;
}

export type WebhookVerdict =
  | { ok: true; webhook: VerifiedWebhook }
  /** 401: not signed with the app's secret (Shopify requires 401 for a bad HMAC); 400: signed but unusable. */
  | { ok: false; status: 401 | 400; reason: string };

type Headers = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(found) ? found[0] : found;
};

/** Checks one delivery from its raw body (exactly the bytes received) and headers. Nothing is trusted before this. */
export async function verifyWebhook(client: ShopifyClient, input: { rawBody: string | Buffer; headers: Headers }): Promise<WebhookVerdict> {
  const rawBody = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const lowered = Object.fromEntries(Object.entries(input.headers).map(([key, value]) => [key.toLowerCase(), value]));
  const result = await client.api.webhooks.validate({
    rawBody,
    rawRequest: { method: 'POST', url: '/shopify/webhooks', headers: lowered } as unknown as IncomingMessage,
    rawResponse: {} as ServerResponse,
  });
  if (!result.valid) {
    if (result.reason === 'missing_headers') return { ok: false, status: 400, reason: `missing headers: ${(result as { missingHeaders?: string[] }).missingHeaders?.join(', ')}` };
    return { ok: false, status: 401, reason: result.reason };
  }
  let shop: string;
  try {
    shop = client.shopName(result.domain);
  } catch {
    return { ok: false, status: 400, reason: 'X-Shopify-Shop-Domain is not a myshopify.com shop' };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  const triggered = header(input.headers, 'x-shopify-triggered-at');
  const triggeredAt = triggered && !Number.isNaN(Date.parse(triggered)) ? new Date(triggered) : null;
  return {
    ok: true,
    webhook: {
      topic: (header(input.headers, 'x-shopify-topic') ?? '').toLowerCase(),
      shop,
      eventId: header(input.headers, 'x-shopify-event-id') || result.webhookId,
      webhookId: result.webhookId,
      triggeredAt,
      apiVersion: result.apiVersion,
      payload,
    },
  };
}

/** What a verified webhook asks of PostFlow. */
export type WebhookAction =
  | { kind: 'ITEM_CHANGE'; change: ItemChange }
  /**
   * inventory_levels/update names an inventory item and a location, not a product: the product is looked up with
   * `inventoryItem(id) { variant { product { id } } }` (read_inventory) by the source_event job (the connector's
   * resolveChange), then handled as an UPSERTED change of it, whose fetched state says whether it is back in stock.
   */
  | { kind: 'INVENTORY_CHANGE'; inventoryItemId: string; available: number | null; changedAt: Date }
  /** Stop the source and hold its scheduled posts (not delete them); a reinstall releases them. */
  | { kind: 'APP_UNINSTALLED'; changedAt: Date }
  /** A charge of the app (Shopify's Billing API) changed: PostFlow reads the shop's subscriptions again. */
  | { kind: 'APP_SUBSCRIPTION'; subscriptionId: string | null; status: string | null }
  | { kind: 'BULK_FINISHED'; operationId: string; status: string; errorCode: string | null }
  /** customers/*: PostFlow stores no customer data, so there is nothing to report or erase; shop/redact erases the shop. */
  | { kind: 'COMPLIANCE'; topic: ComplianceTopic }
  | { kind: 'IGNORED'; reason: string };

type Payload = Record<string, unknown>;

export function webhookAction(webhook: VerifiedWebhook, now: Date = new Date()): WebhookAction {
  const payload = (webhook.payload && typeof webhook.payload === 'object' ? webhook.payload : {}) as Payload;
  const changedAt = webhook.triggeredAt ?? dateOf(payload.updated_at) ?? now;
  switch (webhook.topic) {
    case 'products/create':
    case 'products/update':
    case 'products/delete': {
      const id = typeof payload.admin_graphql_api_id === 'string' ? payload.admin_graphql_api_id : payload.id;
      if (typeof id !== 'string' && typeof id !== 'number') return { kind: 'IGNORED', reason: `${webhook.topic} without a product id` };
      return { kind: 'ITEM_CHANGE', change: { kind: webhook.topic === 'products/delete' ? 'DELETED' : 'UPSERTED', externalId: productGid(id), changedAt } };
    }
    case INVENTORY_TOPIC: {
      const item = payload.inventory_item_id;
      if (typeof item !== 'string' && typeof item !== 'number') return { kind: 'IGNORED', reason: `${webhook.topic} without an inventory item` };
      const available = typeof payload.available === 'number' ? payload.available : null;
      return { kind: 'INVENTORY_CHANGE', inventoryItemId: String(item).startsWith('gid://') ? String(item) : `gid://shopify/InventoryItem/${item}`, available, changedAt };
    }
    case 'app/uninstalled':
      // The HMAC covers the body, not the headers: the shop a destructive topic acts on must be the one its body names.
      if (!bodyNames(payload, ['myshopify_domain', 'domain'], webhook.shop)) return { kind: 'IGNORED', reason: `${webhook.topic} whose body names another shop` };
      return { kind: 'APP_UNINSTALLED', changedAt };
    case 'app_subscriptions/update': {
      // Only a hint: the subscriptions are read again from the Admin API, whatever order the updates arrive in.
      const subscription = (payload.app_subscription && typeof payload.app_subscription === 'object' ? payload.app_subscription : {}) as Payload;
      const id = subscription.admin_graphql_api_id;
      return {
        kind: 'APP_SUBSCRIPTION',
        subscriptionId: typeof id === 'string' ? id : null,
        status: typeof subscription.status === 'string' ? subscription.status.toUpperCase() : null,
      };
    }
    case 'bulk_operations/finish':
      return {
        kind: 'BULK_FINISHED',
        operationId: String(payload.admin_graphql_api_id ?? ''),
        status: String(payload.status ?? '').toUpperCase(),
        errorCode: typeof payload.error_code === 'string' ? payload.error_code : null,
      };
    case 'shop/redact':
      if (!bodyNames(payload, ['shop_domain'], webhook.shop)) return { kind: 'IGNORED', reason: `${webhook.topic} whose body names another shop` };
      return { kind: 'COMPLIANCE', topic: webhook.topic };
    case 'customers/data_request':
    case 'customers/redact':
      return { kind: 'COMPLIANCE', topic: webhook.topic };
    default:
      return { kind: 'IGNORED', reason: `PostFlow does not use ${webhook.topic || 'a webhook without a topic'}` };
  }
}

/** Whether one of the body's `fields` is the shop the headers name (a signed body replayed under another shop's headers is not). */
function bodyNames(payload: Payload, fields: string[], shop: string): boolean {
  return fields.some((field) => typeof payload[field] === 'string' && (payload[field] as string).toLowerCase() === shop.toLowerCase());
}

function dateOf(value: unknown): Date | null {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : null;
}

// POST /shopify/webhooks: every topic Shopify sends, the compliance ones included. The raw body is read as bytes
// (capped), checked by the library's HMAC before anything else (401, nothing written), and answered at once: a
// product's change is only queued here (the source_event job fetches the product and decides), so the answer
// comes well within Shopify's 5 seconds. A failure to queue answers 500, and Shopify delivers the event again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ShopifyClient } from './client.js';
import type { ShopifyAppHost } from './host.js';
import { bulkFinished } from './import.js';
import { verifyWebhook, webhookAction, type VerifiedWebhook } from './webhooks.js';
import { readCappedBody } from '../../../src/security/requestBody.js';

/** A product with hundreds of variants and images stays well below this. */
export const MAX_WEBHOOK_BYTES = 2 * 1024 * 1024;

function answer(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

export async function receiveWebhook(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const rawBody = await readCappedBody(request, MAX_WEBHOOK_BYTES);
  if (!rawBody) return answer(response, 413, `a webhook is at most ${MAX_WEBHOOK_BYTES} bytes here`, { connection: 'close' });
  const verdict = await verifyWebhook(client, { rawBody, headers: request.headers });
  if (!verdict.ok) {
    host.logger.warn('refused a Shopify webhook', { status: verdict.status, reason: verdict.reason });
    return answer(response, verdict.status, verdict.status === 401 ? 'the HMAC does not verify' : verdict.reason);
  }
  try {
    const outcome = await handle(client, host, verdict.webhook);
    return answer(response, 200, outcome);
  } catch (error) {
    host.logger.error('could not take a Shopify webhook', {
      topic: verdict.webhook.topic,
      shop: verdict.webhook.shop,
      error: error instanceof Error ? error.message : String(error),
    });
    return answer(response, 500, 'not taken now; Shopify will send it again');
  }
}

/** What the webhook asks, done (or queued); answers a word for the log and the response. */
async function handle(client: ShopifyClient, host: ShopifyAppHost, webhook: VerifiedWebhook): Promise<string> {
  const action = webhookAction(webhook);
  const ignore = (reason: string) => {
    host.logger.info('Shopify webhook ignored', { topic: webhook.topic, shop: webhook.shop, reason });
    return `ignored: ${reason}`;
  };
  if (action.kind === 'COMPLIANCE' && action.topic !== 'shop/redact') {
    // customers/data_request and customers/redact: PostFlow keeps no customer data (products only), so there is
    // nothing to report or erase.
    return 'no customer data kept';
  }
  if (action.kind === 'IGNORED') return ignore(action.reason);
  if (action.kind === 'BULK_FINISHED') {
    // The import job polls its operation anyway (its process may be another one): this only cuts a wait short here.
    const woken = bulkFinished(client, action.operationId);
    return woken ? 'the waiting import goes on' : 'noted: no import in this process waits on it';
  }
  // shop/redact: installs never finished name the shop too, with or without a source.
  if (action.kind === 'COMPLIANCE') await host.redactShop(webhook.shop);
  const source = await host.sources.findByStore('SHOPIFY', webhook.shop);
  if (!source) return ignore('no PostFlow source has this shop');
  switch (action.kind) {
    case 'COMPLIANCE':
      await host.sources.erase(source.id);
      return 'erased';
    case 'APP_UNINSTALLED': {
      // Shopify retries for hours: a late retry must not stop a source reinstalled since (X-Shopify-Triggered-At).
      const outcome = await host.uninstall(source.id, webhook.triggeredAt);
      // Shopify cancels an uninstalled app's charges (and sends no update after): the plan the shop paid for ends in
      // the queued sync. On every delivery, before the stopped check: a source a person had disconnected first, or a
      // retry after this queueing failed, is not stopped again but its plan must still end (the sync is idempotent, and
      // reads Shopify again for a source reinstalled since).
      await host.billing?.queueSync(source.id, { via: 'uninstall', eventId: webhook.eventId });
      if (!outcome.stopped) return ignore(outcome.reason);
      host.logger.info('Shopify app uninstalled: source stopped, posts held', { sourceId: source.id, heldDeliveries: outcome.heldDeliveries });
      return `uninstalled, ${outcome.heldDeliveries} held`;
    }
    case 'ITEM_CHANGE':
      if (source.status !== 'ACTIVE') return ignore(`the source is ${source.status.toLowerCase()}`);
      await host.sources.receive({ sourceId: source.id, eventId: webhook.eventId, change: action.change });
      return 'queued';
    case 'INVENTORY_CHANGE':
      if (source.status !== 'ACTIVE') return ignore(`the source is ${source.status.toLowerCase()}`);
      // Queued under the inventory item: the job looks its product up (an Admin API call, not made while Shopify
      // waits for this answer), then the product's fetched state says whether it came back in stock.
      await host.sources.receive({
        sourceId: source.id,
        eventId: webhook.eventId,
        change: { kind: 'UPSERTED', externalId: action.inventoryItemId, changedAt: action.changedAt },
      });
      return 'queued';
    case 'APP_SUBSCRIPTION': {
      if (!host.billing) return ignore('this server does not charge through Shopify (SHOPIFY_BILLING is off)');
      // Queued (the shopify_billing_sync job reads Shopify again, as Stripe's webhooks do): Shopify waits at most 5
      // seconds for this answer, and a failure to queue answers 500 so that Shopify sends it again.
      await host.billing.queueSync(source.id, { via: 'webhook', eventId: webhook.eventId });
      return 'queued';
    }
  }
}

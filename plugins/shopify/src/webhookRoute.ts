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
  if (action.kind === 'INVENTORY_CHANGE') return ignore('back-in-stock posts are not wired to inventory updates yet');
  const source = await host.sources.findByStore('SHOPIFY', webhook.shop);
  if (!source) return ignore('no PostFlow source has this shop');
  switch (action.kind) {
    case 'COMPLIANCE':
      await host.sources.erase(source.id);
      return 'erased';
    case 'APP_UNINSTALLED': {
      const held = await host.uninstall(source.id);
      host.logger.info('Shopify app uninstalled: source stopped, posts held', { sourceId: source.id, heldDeliveries: held });
      return `uninstalled, ${held} held`;
    }
    case 'ITEM_CHANGE':
      if (source.status !== 'ACTIVE') return ignore(`the source is ${source.status.toLowerCase()}`);
      await host.sources.receive({ sourceId: source.id, eventId: webhook.eventId, change: action.change });
      return 'queued';
  }
}

// The shopify_billing_sync task: a shop's Shopify subscriptions read again and its workspace's plan set, queued by
// the app_subscriptions/update and app/uninstalled webhooks (one job key per shop, so a burst of updates is one read).
// Out of the webhook's request: reading Shopify may wait out its cost bucket and retry its 5xx, while Shopify waits
// at most 5 seconds for the webhook's answer. A failed read throws, and graphile-worker tries again later.
import type { Task } from 'graphile-worker';
import { syncShopifySubscription } from '../services/shopifyBilling.js';
import type { ServiceDeps } from '../services/deps.js';

export function createShopifyBillingSyncTask(services: ServiceDeps): Task {
  return async (payload, helpers) => {
    const job = payload as { sourceId?: unknown; eventId?: unknown; via?: unknown } | null;
    if (typeof job?.sourceId !== 'string') {
      services.logger.warn('shopify_billing_sync job without a source: dropped', { jobId: helpers.job.id });
      return;
    }
    await syncShopifySubscription(services, job.sourceId, {
      via: job.via === 'uninstall' ? 'uninstall' : 'webhook',
      ...(typeof job.eventId === 'string' && { eventId: job.eventId }),
    });
  };
}

// Settling an UNCONFIRMED delivery by looking at the network: where the provider can list the account's own recent
// posts (Provider.findPublished), a lookup a few seconds after the unknown outcome finds the post (PUBLISHED, with
// its id and link) or says it did not (left to a person, who can force a retry). A lookup only reads.
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { findUnconfirmed, noteLookup, settlePublished } from '../store/deliveries.js';
import { enqueueSettleJobs } from '../store/jobs.js';
import type { Sql } from '../store/sql.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { PlatformName } from '../integrations/types.js';
import type { Secrets } from '../security/secrets.js';
import type { Logger } from '../logger.js';

/** A network may take a moment to list a post it has just created. */
const SETTLE_DELAY_MS = 5000;

/** Queues the lookup when the delivery's network offers one (call in the transaction that made it UNCONFIRMED). */
export async function settleLater(sql: Sql, providers: ProviderRegistry, platform: PlatformName, deliveryId: string): Promise<void> {
  if (providers.get(platform).findPublished) await enqueueSettleJobs(sql, [deliveryId], new Date(Date.now() + SETTLE_DELAY_MS));
}

export function createSettleTask(deps: { pool: pg.Pool; providers: ProviderRegistry; secrets: Secrets; logger: Logger }): Task {
  return async (payload) => {
    const deliveryId = (payload as { deliveryId?: unknown })?.deliveryId;
    if (typeof deliveryId !== 'string') throw new Error(`settle_unconfirmed needs a deliveryId, got ${JSON.stringify(payload)}`);
    const delivery = await findUnconfirmed(deps.pool, deliveryId);
    if (!delivery) return; // settled by a person meanwhile, or retried
    const provider = deps.providers.get(delivery.platform as PlatformName);
    if (!provider.findPublished) return;
    const credentials: unknown = JSON.parse(deps.secrets.open(delivery.credentials_encrypted));
    // A failure to look (the network unreachable) throws: graphile-worker tries again with backoff, a few times.
    const found = await provider.findPublished({ text: delivery.text, since: delivery.since }, { credentials, settings: delivery.settings });
    const at = new Date().toISOString();
    if (found) {
      await settlePublished(deps.pool, deliveryId, found, `Found on ${delivery.platform} by a lookup at ${at}, after its answer was lost`);
      deps.logger.info('settled an unconfirmed delivery: found on the network', { deliveryId, externalId: found.externalId });
    } else {
      await noteLookup(deps.pool, deliveryId, `A lookup on ${delivery.platform} at ${at} did not find it: if it is not there, retryDelivery with force: true.`);
      deps.logger.info('an unconfirmed delivery was not found on the network', { deliveryId });
    }
  };
}

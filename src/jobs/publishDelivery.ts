// The publish task: claim one delivery, call its network once, record what happened.
//   1. claim (one transaction): SCHEDULED -> PUBLISHING, and an IN_PROGRESS attempt row naming this worker;
//      the row lock plus the status check mean only one worker can ever claim a delivery.
//   2. call the provider with the delivery's stable idempotency key, outside any transaction.
//   3. record (one transaction): the attempt's outcome, and PUBLISHED, a retry, or FAILED.
// If the worker dies between 1 and 3, the attempt stays IN_PROGRESS and src/jobs/recovery.ts takes it over.
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { withTransaction, executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from './queue.js';
import { decideAfterFailure, type RetryPolicy } from './retryPolicy.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ClassifiedFailure, PlatformName, PublishResult } from '../integrations/types.js';
import type { Secrets } from '../security/secrets.js';
import type { Logger } from '../logger.js';

export interface PublishDeps {
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  retryPolicy: RetryPolicy;
  workerLockKey: number;
  logger: Logger;
}

interface ClaimedDelivery {
  id: string;
  post_id: string;
  attempts: number;
  scheduled_at: Date;
  platform: PlatformName;
  credentials_encrypted: string;
  settings: Record<string, unknown>;
  text: string;
  media_urls: string[];
  attempt_id: string;
  idempotency_key: string;
}

export const deliveryIdempotencyKey = (deliveryId: string) => `postflow-${deliveryId}`;

export function createPublishTask(deps: PublishDeps): Task {
  return async (payload) => {
    const deliveryId = (payload as { deliveryId?: unknown })?.deliveryId;
    if (typeof deliveryId !== 'string') throw new Error(`publish_delivery needs a deliveryId, got ${JSON.stringify(payload)}`);
    await publishDelivery(deps, deliveryId);
  };
}

export async function publishDelivery(deps: PublishDeps, deliveryId: string): Promise<'published' | 'retry' | 'failed' | 'skipped'> {
  const claimed = await claim(deps, deliveryId);
  if (!claimed) return 'skipped';
  const provider = deps.providers.get(claimed.platform);
  let result: PublishResult | null = null;
  let failure: ClassifiedFailure | null = null;
  try {
    const credentials = JSON.parse(deps.secrets.open(claimed.credentials_encrypted));
    result = await provider.publish(
      { deliveryId, postId: claimed.post_id, text: claimed.text, mediaUrls: claimed.media_urls, idempotencyKey: claimed.idempotency_key, scheduledAt: claimed.scheduled_at },
      { credentials, settings: claimed.settings },
    );
  } catch (error) {
    failure = provider.classifyFailure(error);
  }
  if (result) {
    await recordSuccess(deps.pool, claimed, result);
    return 'published';
  }
  return recordFailure(deps, claimed, failure!);
}

async function claim(deps: PublishDeps, deliveryId: string): Promise<ClaimedDelivery | null> {
  return withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<ClaimedDelivery>(
      `UPDATE deliveries d SET status = 'PUBLISHING', attempts = d.attempts + 1, updated_at = now()
         FROM channels ch, posts p
        WHERE d.id = $1 AND d.status = 'SCHEDULED' AND d.scheduled_at <= now() + interval '1 second'
          AND ch.id = d.channel_id AND p.id = d.post_id
          AND NOT ch.paused AND NOT ch.needs_reconnect AND ch.deleted_at IS NULL
      RETURNING d.id, d.post_id, d.attempts, d.scheduled_at, ch.platform, ch.credentials_encrypted, ch.settings,
                coalesce(d.content_override, p.content) AS text, p.media_urls`,
      [deliveryId],
    );
    const delivery = rows[0];
    // Not claimable: already taken, cancelled, rescheduled later, or its channel is paused / awaiting reconnection
    // (those stay SCHEDULED, held, and are queued again when the channel is resumed or reconnected).
    if (!delivery) return null;
    const key = deliveryIdempotencyKey(deliveryId);
    const attempt = await client.query<{ id: string }>(
      `INSERT INTO delivery_attempts (delivery_id, number, idempotency_key, worker_lock_key)
       VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM delivery_attempts WHERE delivery_id = $1), $2, $3)
       RETURNING id`,
      [deliveryId, key, deps.workerLockKey],
    );
    return { ...delivery, attempt_id: attempt.rows[0].id, idempotency_key: key };
  });
}

async function recordSuccess(pool: pg.Pool, claimed: ClaimedDelivery, result: PublishResult): Promise<void> {
  await pool.query(
    `WITH attempt AS (
       UPDATE delivery_attempts SET outcome = 'SUCCEEDED', finished_at = now(), response_code = $3 WHERE id = $2)
     UPDATE deliveries SET status = 'PUBLISHED', external_id = $4, external_url = $5, published_at = now(), last_error = NULL, updated_at = now()
      WHERE id = $1 AND status = 'PUBLISHING'`,
    [claimed.id, claimed.attempt_id, result.responseCode, result.externalId, result.externalUrl],
  );
}

async function recordFailure(deps: PublishDeps, claimed: ClaimedDelivery, failure: ClassifiedFailure): Promise<'retry' | 'failed'> {
  const decision = decideAfterFailure(failure, claimed.attempts, deps.retryPolicy, new Date());
  deps.logger.info('publish attempt failed', { deliveryId: claimed.id, kind: failure.kind, errorClass: failure.errorClass, decision: decision.action });
  await withTransaction(deps.pool, async (client) => {
    await client.query(
      `UPDATE delivery_attempts SET outcome = $2, finished_at = now(), error_class = $3, response_code = $4, response_message = $5 WHERE id = $1`,
      [claimed.attempt_id, failure.kind, failure.errorClass, failure.responseCode, failure.message],
    );
    if (decision.action === 'retry') {
      await client.query(`UPDATE deliveries SET status = 'SCHEDULED', scheduled_at = $2, last_error = $3, updated_at = now() WHERE id = $1`, [
        claimed.id,
        decision.runAt,
        decision.lastError,
      ]);
      await enqueuePublishJobs(executorFor(client), [{ deliveryId: claimed.id, runAt: decision.runAt }]);
    } else {
      await client.query(`UPDATE deliveries SET status = 'FAILED', last_error = $2, updated_at = now() WHERE id = $1`, [claimed.id, decision.lastError]);
      if (decision.needsReconnect) {
        await client.query(`UPDATE channels SET needs_reconnect = true, updated_at = now() WHERE id = (SELECT channel_id FROM deliveries WHERE id = $1)`, [claimed.id]);
      }
    }
  });
  return decision.action === 'retry' ? 'retry' : 'failed';
}

// The publish task: claim one delivery, call its network once, record what happened.
//   1. claim (one statement, committed): SCHEDULED -> PUBLISHING, and an IN_PROGRESS attempt row naming this worker;
//      the row lock plus the status check mean only one worker can ever claim a delivery.
//   2. call the provider with the delivery's stable idempotency key, outside any transaction.
//   3. record (one statement on success, one transaction otherwise): the attempt's outcome, and PUBLISHED, a retry,
//      FAILED or UNCONFIRMED; retried through database outages (durableWrites.ts) so a known outcome is never lost.
// If the worker dies between 1 and 3, the attempt stays IN_PROGRESS and src/jobs/recovery.ts takes it over.
// Jobs that claim or record at the same moment share one statement (batcher.ts): a burst costs Postgres a few
// statements per batch instead of several per delivery. Row by row, nothing changes, triggers included.
import type pg from 'pg';
import type { Task } from 'graphile-worker';
import { transaction } from '../store/sql.js';
import {
  claimDelivery,
  claimDeliveries,
  recordFailedAttempt,
  recordPublished,
  recordPublishedBatch,
  saveProgress,
  type ClaimedDelivery,
  type NextAfterFailure,
  type Success,
} from '../store/publishing.js';
import { markNeedsReconnect } from '../store/channels.js';
import { recordRateLimits, waitForRateLimit, type RateLimitedChannel } from '../store/rateLimits.js';
import { createBatcher } from './batcher.js';
import { DUE_DELIVERIES, gateFor, lockAndCheck, moveDelivery, type DueDelivery } from './publishPolicy.js';
import { decideAfterFailure, type RetryPolicy } from './retryPolicy.js';
import type { DurableWrites } from './durableWrites.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ClassifiedFailure, PublishRequest, PublishResult } from '../integrations/types.js';
import { renewChannelCredentials } from './credentialRenewal.js';
import { settleLater } from './settleUnconfirmed.js';
import type { Secrets } from '../security/secrets.js';
import type { Logger } from '../logger.js';

export interface PublishDeps {
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  retryPolicy: RetryPolicy;
  workerLockKey: number;
  /** Where outcomes are written: retried through database outages, never dropped while the worker lives. */
  writes: DurableWrites;
  /** The attempts this process is making, until their outcome is written: the recovery sweep leaves these alone. */
  inFlight: Set<string>;
  logger: Logger;
}

export type PublishOutcome = 'published' | 'retry' | 'failed' | 'held' | 'unconfirmed' | 'skipped' | 'moved';

export function createPublishTask(deps: PublishDeps): Task {
  const publish = createPublisher(deps);
  return async (payload) => {
    const deliveryId = (payload as { deliveryId?: unknown })?.deliveryId;
    if (typeof deliveryId !== 'string') throw new Error(`publish_delivery needs a deliveryId, got ${JSON.stringify(payload)}`);
    await publish(deliveryId);
  };
}

/** Publishes one delivery. Claims and records made at the same moment by concurrent jobs share a statement. */
export function createPublisher(deps: PublishDeps): (deliveryId: string) => Promise<PublishOutcome> {
  const claimTogether = createBatcher((ids: string[]) => claimDeliveries(deps.pool, ids, deps.workerLockKey));
  const dueTogether = createBatcher(async (ids: string[]) => {
    const { rows } = await deps.pool.query<DueDelivery>(DUE_DELIVERIES, [[...new Set(ids)]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  });
  const recordTogether = createBatcher((items: Success[]) => recordPublishedBatch(deps.pool, items));

  return async (deliveryId) => {
    // The posting policy first (publishPolicy.ts): a delivery it refuses now moves instead of going out.
    const due = await dueTogether(deliveryId);
    const gate = gateFor(due, Date.now());
    // A move is guarded by what the gate read: 'skipped' when a person's change committed in between (it queued its
    // own job, which looks at the delivery again).
    if (gate.kind === 'wait') {
      const seen = { scheduledAt: due!.scheduled_at, publishNow: due!.publish_now };
      return (await waitForRateLimit(deps.pool, deliveryId, gate.until, gate.reason, seen)) ? 'moved' : 'skipped';
    }
    if (gate.kind === 'move') {
      return (await transaction(deps.pool, (client) => moveDelivery(client, due!, gate.policy, gate.hits, Date.now()))) ? 'moved' : 'skipped';
    }
    let claimed: ClaimedDelivery | null;
    if (gate.kind === 'locked') {
      const checked = await transaction(deps.pool, async (client) => {
        const hits = await lockAndCheck(client, deliveryId, due!.channel_id, gate.policy, Date.now());
        if (!hits.length) return claimDelivery(client, deliveryId, deps.workerLockKey);
        return (await moveDelivery(client, due!, gate.policy, hits, Date.now())) ? ('moved' as const) : ('skipped' as const);
      });
      if (checked === 'moved' || checked === 'skipped') return checked;
      claimed = checked;
    } else {
      // The batch leaves out what it could not take without waiting; claimDelivery decides those, waiting for the row lock.
      claimed = (await claimTogether(deliveryId)) ?? (await claimDelivery(deps.pool, deliveryId, deps.workerLockKey));
    }
    if (!claimed) return 'skipped';
    deps.inFlight.add(claimed.attempt_id);
    const done = () => deps.inFlight.delete(claimed.attempt_id);
    try {
      return await publishClaimed(deps, claimed, recordTogether, done);
    } catch (error) {
      done();
      throw error;
    }
  };
}

/** Calls the network for a claimed delivery and records what it said; `done` runs once that is written. */
async function publishClaimed(deps: PublishDeps, claimed: ClaimedDelivery, recordTogether: (s: Success) => Promise<boolean>, done: () => void): Promise<PublishOutcome> {
  const { result, failure } = await callProvider(deps, claimed);
  // From here the network has answered: what it said must reach the database, whatever happens to the connection.
  if (result) {
    const success: Success = {
      deliveryId: claimed.id,
      attemptId: claimed.attempt_id,
      responseCode: result.responseCode,
      externalId: result.externalId,
      externalUrl: result.externalUrl,
    };
    await deps.writes.write(
      `record publish of ${claimed.id}`,
      async () => {
        if (!(await recordTogether(success))) await recordPublished(deps.pool, success);
      },
      done,
    );
    if (result.rateLimits?.length) await deps.writes.write(`rate limits after ${claimed.id}`, () => recordRateLimits(deps.pool, limitedChannel(claimed), result.rateLimits!));
    return 'published';
  }
  return recordFailure(deps, claimed, failure!, done);
}

async function recordFailure(deps: PublishDeps, claimed: ClaimedDelivery, failure: ClassifiedFailure, done: () => void): Promise<'retry' | 'failed' | 'held' | 'unconfirmed'> {
  const decision = decideAfterFailure(failure, claimed.attempts, deps.retryPolicy, new Date());
  deps.logger.info('publish attempt failed', { deliveryId: claimed.id, kind: failure.kind, errorClass: failure.errorClass, decision: decision.action });
  const next: NextAfterFailure =
    decision.action === 'retry'
      ? { status: 'SCHEDULED', runAt: decision.runAt, lastError: decision.lastError }
      : // Held, not failed: SCHEDULED on a channel that needs reconnecting is never claimed, and reconnecting queues it.
        decision.action === 'hold'
        ? { status: 'SCHEDULED', runAt: null, lastError: decision.lastError }
        : { status: decision.action === 'unconfirm' ? 'UNCONFIRMED' : 'FAILED', lastError: decision.lastError };
  const attempt = { attemptId: claimed.attempt_id, outcome: failure.kind, errorClass: failure.errorClass, responseCode: failure.responseCode, message: failure.message };
  await deps.writes.write(
    `record failure of ${claimed.id}`,
    () =>
      transaction(deps.pool, async (client) => {
        if (failure.kind === 'RATE_LIMITED' && failure.retryAfterMs !== null) {
          await recordRateLimits(client, limitedChannel(claimed), [{ scope: failure.rateLimitScope ?? 'ACCOUNT', until: new Date(Date.now() + failure.retryAfterMs) }]);
        }
        const moved = await recordFailedAttempt(client, claimed.id, attempt, next);
        if (moved && next.status === 'UNCONFIRMED') await settleLater(client, deps.providers, claimed.platform, claimed.id);
        if (decision.action === 'hold') await markNeedsReconnect(client, claimed.channel_id, failure.message, claimed.post_id);
      }),
    done,
  );
  return ({ retry: 'retry', hold: 'held', fail: 'failed', unconfirm: 'unconfirmed' } as const)[decision.action];
}

const limitedChannel = (c: ClaimedDelivery): RateLimitedChannel => ({ channelId: c.channel_id, platform: c.platform, appKey: c.app_key });

/**
 * Calls the network once; when it refuses the credentials and they can be renewed, renews them (once, shared with
 * any other worker doing the same) and calls again. A 401 means nothing was published, so calling again is safe.
 */
async function callProvider(deps: PublishDeps, claimed: ClaimedDelivery): Promise<{ result: PublishResult | null; failure: ClassifiedFailure | null }> {
  const provider = deps.providers.get(claimed.platform);
  const request: PublishRequest = {
    deliveryId: claimed.id,
    postId: claimed.post_id,
    text: claimed.text,
    mediaUrls: claimed.media_urls,
    linkCard: claimed.link_card,
    idempotencyKey: claimed.idempotency_key,
    scheduledAt: claimed.scheduled_at,
    progress: claimed.publish_progress,
    checkpoint: async (progress) => {
      request.progress = progress;
      // A step already taken on the network must be remembered before the next one: retried through an outage.
      await deps.writes.write(`checkpoint of ${claimed.id}`, () => saveProgress(deps.pool, claimed.id, progress));
    },
  };
  const attempt = async (credentials: unknown) => {
    try {
      return { result: await provider.publish(request, { credentials, settings: claimed.settings }), failure: null };
    } catch (error) {
      return { result: null, failure: provider.classifyFailure(error) };
    }
  };
  let credentials: unknown;
  try {
    credentials = JSON.parse(deps.secrets.open(claimed.credentials_encrypted));
  } catch (error) {
    return {
      result: null,
      failure: {
        kind: 'AUTH',
        errorClass: 'CREDENTIALS_UNREADABLE',
        message: `The stored credentials cannot be read (${(error as Error).message})`,
        responseCode: null,
        retryAfterMs: null,
      },
    };
  }
  const first = await attempt(credentials);
  if (first.failure?.kind !== 'AUTH' || !provider.refresh) return first;
  const renewal = await renewChannelCredentials(deps, claimed.channel_id, claimed.credentials_encrypted);
  if (renewal.ok) return attempt(renewal.credentials);
  const { failure } = renewal;
  return {
    result: null,
    failure: {
      ...first.failure,
      // Unreachable token endpoint: try the publish again later; refused: hold for the reconnect.
      kind: failure.kind === 'AUTH' ? 'AUTH' : 'RETRYABLE',
      message: `${first.failure.message} Renewing access failed: ${failure.message}`,
    },
  };
}

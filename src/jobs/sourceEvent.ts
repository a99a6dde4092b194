// The source_event task: one event a content source sent (queued by its connector's webhook route with
// enqueueSourceEvent), handed to the service that fetches the item and decides (src/services/sourcePosts.ts).
import type { Task } from 'graphile-worker';
import { ITEM_CHANGE_KINDS, type FetchedItem, type ItemChange } from '../sources/types.js';
import { handleSourceEvent, type SourceEventDeps } from '../services/sourcePosts.js';
import type { Logger } from '../logger.js';

export function createSourceEventTask(deps: SourceEventDeps & { logger: Logger }): Task {
  return async (payload, helpers) => {
    const event = parsePayload(payload);
    if (!event) {
      deps.logger.warn('source_event job without a usable event: dropped', { jobId: helpers.job.id });
      return;
    }
    const result = await handleSourceEvent(deps, event, { number: helpers.job.attempts, of: helpers.job.max_attempts });
    if (result) deps.logger.debug('source event handled', { sourceId: event.sourceId, eventId: event.eventId, outcome: result.outcome });
  };
}

function parsePayload(payload: unknown): { sourceId: string; eventId: string; change: ItemChange } | null {
  const p = payload as {
    sourceId?: unknown;
    eventId?: unknown;
    change?: { kind?: unknown; externalId?: unknown; changedAt?: unknown; item?: unknown; occurrence?: unknown; edit?: unknown };
  } | null;
  const change = p?.change;
  if (typeof p?.sourceId !== 'string' || typeof p.eventId !== 'string' || !change) return null;
  if (!(ITEM_CHANGE_KINDS as readonly unknown[]).includes(change.kind) || typeof change.externalId !== 'string' || typeof change.changedAt !== 'string') return null;
  const changedAt = new Date(change.changedAt);
  if (Number.isNaN(changedAt.getTime())) return null;
  const item = carriedItem(change.item);
  if (item === null) return null;
  return {
    sourceId: p.sourceId,
    eventId: p.eventId,
    change: {
      kind: change.kind as ItemChange['kind'],
      externalId: change.externalId,
      changedAt,
      ...(item && { item }),
      ...(Number.isInteger(change.occurrence) && { occurrence: change.occurrence as number }),
      ...(change.edit === true && { edit: true }),
    },
  };
}

/** The item an event carried (its connector wrote it; JSON made its date a string): undefined if none, null if unusable. */
function carriedItem(value: unknown): FetchedItem | undefined | null {
  if (value === undefined) return undefined;
  const fetched = value as { item?: unknown; state?: unknown; publishedAt?: unknown } | null;
  if (typeof fetched?.item !== 'object' || fetched.item === null || typeof fetched.state !== 'object' || fetched.state === null) return null;
  const publishedAt = typeof fetched.publishedAt === 'string' ? new Date(fetched.publishedAt) : null;
  return { ...(fetched as FetchedItem), publishedAt: publishedAt && !Number.isNaN(publishedAt.getTime()) ? publishedAt : null };
}

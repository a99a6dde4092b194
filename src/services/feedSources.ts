// RSS / Atom feeds as content sources (issue 14, section 2), for sites that cannot install a plugin. createSource
// makes one (no secrets); the feed_poll cron task (src/jobs/feedPoll.ts) polls the feeds due with a conditional
// GET through the outbound URL guard. The first poll takes what the feed lists as old news (stored, no post: a
// feed's last twenty entries are not twenty new articles); later polls hand each entry not seen before (by guid / id)
// to the sources engine, whose PUBLISHED occurrence makes its one post, at most MAX_NEW_ENTRIES_PER_POLL a poll. A
// feed that cannot be read is recorded as the source's ERROR event and polled again later (backing off).
import { createHash } from 'node:crypto';
import { conflict } from '../domain/errors.js';
import type { Actor } from '../domain/audit.js';
import { DEFAULT_RULES } from '../domain/sourceRules.js';
import { FeedFailure, fetchFeed, type FeedAnswer, type FeedEntry } from '../sources/feed.js';
import { transaction, type Sql } from '../store/sql.js';
import { findLiveSourceInWorkspace, findSource, insertSource, lockItem, reconnectSourceRow, recordSourceEvent, updateItemRow } from '../store/sources.js';
import { claimFeed, findFeedsToPoll, findKnownItemIds, insertFeedState, recordFeedFailure, recordFeedPolled, releaseFeed, resetFeedState } from '../store/feedSources.js';
import { recordAudit } from '../store/audit.js';
import { refuseOverPlan } from './plans.js';
import { ingestItemChange, type IngestDeps } from './sourcePosts.js';
import { checkSourceInput, type CreateSourceInput } from './wordpressSources.js';
import type { ServiceDeps } from './deps.js';

/** A new FEED source (within the plan's `sources`), or the workspace's disconnected one for the same URL again. */
export async function createFeedSource(deps: Pick<ServiceDeps, 'pool' | 'secrets' | 'providers'>, auth: Actor, input: CreateSourceInput): Promise<{ sourceId: string }> {
  const { name, url } = await checkSourceInput(deps, input);
  const externalId = url.href;
  // No secrets: the sealed empty object only says "connected" to the engine, as a store's credentials do.
  const sealed = deps.secrets.seal('{}');
  try {
    const sourceId = await transaction(deps.pool, async (client) => {
      // Within the caller's workspace only: another workspace following the same feed is none of its business.
      const existing = await findLiveSourceInWorkspace(client, auth.workspaceId, 'FEED', externalId, { lock: true });
      if (existing?.status === 'ACTIVE') throw conflict(`${externalId} is followed already`, { sourceId: existing.id });
      await refuseOverPlan(client, auth.workspaceId, 'sources', 1);
      let id: string;
      if (existing) {
        await reconnectSourceRow(client, existing.id, sealed);
        await insertFeedState(client, existing.id);
        await resetFeedState(client, existing.id);
        id = existing.id;
      } else {
        id = await insertSource(client, { workspaceId: auth.workspaceId, kind: 'FEED', name, externalId, credentialsSealed: sealed, rules: DEFAULT_RULES });
        await insertFeedState(client, id);
      }
      await recordAudit(client, { actor: auth, action: existing ? 'source.reconnected' : 'source.connected', target: { type: 'source', id }, details: { kind: 'FEED' } });
      return id;
    });
    return { sourceId };
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw conflict(`${externalId} was added meanwhile: try again`, { kind: 'FEED' });
    throw error;
  }
}

export type FeedPollDeps = IngestDeps & Pick<ServiceDeps, 'logger'> & { config: Pick<ServiceDeps['config'], 'publicUrl' | 'providers' | 'feeds'> };

export type FeedPollResult =
  | { outcome: 'BUSY' | 'GONE' | 'NOT_MODIFIED' }
  | { outcome: 'PRIMED'; known: number }
  | { outcome: 'READ'; fresh: number; skipped: number }
  | { outcome: 'FAILED'; reason: string };

/** At most this many entries of one poll become posts (the newest); more new at once is a feed's glitch or a backlog. */
export const MAX_NEW_ENTRIES_PER_POLL = 10;

/**
 * The feeds due, oldest-polled first, a few at once, until the run's time budget (half the poll interval) is spent:
 * the feeds not reached are the oldest-polled of the next run. A feed's failure stops no other.
 */
export async function pollFeeds(deps: FeedPollDeps, options: { concurrency?: number } = {}): Promise<Map<string, FeedPollResult>> {
  const results = new Map<string, FeedPollResult>();
  const due = (await findFeedsToPoll(deps.pool, deps.config.feeds.pollMinutes)).map((f) => f.sourceId);
  const deadline = Date.now() + (deps.config.feeds.pollMinutes * 60_000) / 2;
  const lane = async () => {
    for (let sourceId = due.shift(); sourceId && Date.now() < deadline; sourceId = due.shift()) {
      try {
        results.set(sourceId, await pollFeed(deps, sourceId));
      } catch (error) {
        // The database, not the feed: logged, and the feed is polled again next time (its claim lapses).
        deps.logger.error('a feed poll failed', { sourceId, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, lane));
  return results;
}

/**
 * One poll of one feed. The feed is claimed (a second poller skips it: BUSY) and fetched with no transaction or
 * connection held; what it read is then written in short transactions: the first poll's old news in one, each new
 * entry through the engine in its own, so one entry's failure keeps the rest.
 */
export async function pollFeed(deps: FeedPollDeps, sourceId: string): Promise<FeedPollResult> {
  const timeoutMs = deps.config.providers.requestTimeoutMs;
  // Long enough for the fetch and the writes after it; a poller that dies leaves a claim that lapses.
  const state = await claimFeed(deps.pool, sourceId, Math.ceil(timeoutMs / 1000) * 2 + 60);
  if (!state) return { outcome: 'BUSY' };
  const source = await findSource(deps.pool, sourceId);
  if (!source || source.kind !== 'FEED' || source.status !== 'ACTIVE') {
    await releaseFeed(deps.pool, sourceId);
    return { outcome: 'GONE' };
  }
  const polledAt = new Date();
  let answer: FeedAnswer;
  try {
    answer = await fetchFeed(source.externalId, state, { outbound: deps.providers.outbound, timeoutMs, userAgent: `PostFlow feed reader (+${deps.config.publicUrl})` });
  } catch (error) {
    if (!(error instanceof FeedFailure)) {
      await releaseFeed(deps.pool, sourceId);
      throw error;
    }
    await transaction(deps.pool, async (client) => {
      await recordFeedFailure(client, sourceId, error.message);
      await recordSourceEvent(client, {
        sourceId,
        eventId: `poll:${polledAt.toISOString()}`,
        itemExternalId: null,
        change: 'POLL',
        changedAt: polledAt,
        outcome: 'ERROR',
        reason: `${error.message.slice(0, 500)}; polled again in a later round`,
        postIds: [],
      });
    });
    return { outcome: 'FAILED', reason: error.message };
  }
  if (!answer.changed) {
    await recordFeedPolled(deps.pool, sourceId, null);
    return { outcome: 'NOT_MODIFIED' };
  }
  const entries = answer.entries;
  const known = await findKnownItemIds(
    deps.pool,
    sourceId,
    entries.map((e) => e.externalId),
  );
  // Feeds list the newest first.
  const unseen = entries.filter((e) => !known.has(e.externalId));
  // The first poll (even of an empty feed, which counts as read: its next entries are news) takes all as old news;
  // a later one posts the newest few and takes the rest as old news, saying why.
  const fresh = state.primedAt === null ? [] : unseen.slice(0, MAX_NEW_ENTRIES_PER_POLL).reverse();
  const old = state.primedAt === null ? unseen : unseen.slice(MAX_NEW_ENTRIES_PER_POLL);
  const why =
    state.primedAt === null
      ? 'in the feed when it was first read: old news, no post'
      : `one of ${unseen.length} new entries in one poll: only the newest ${MAX_NEW_ENTRIES_PER_POLL} are posted, the rest taken as old news`;
  await transaction(deps.pool, async (client) => {
    for (const entry of old) await recordOldNews(client, sourceId, entry, polledAt, why);
  });
  for (const entry of fresh) {
    await ingestItemChange(deps, sourceId, {
      eventId: eventIdOf(entry.externalId),
      change: { kind: 'UPSERTED', externalId: entry.externalId, changedAt: polledAt },
      // New in the feed is new: the entry's own date (often back-dated, or missing) does not make it old news.
      fetched: { ...entry.fetched, publishedAt: null },
    });
  }
  await recordFeedPolled(deps.pool, sourceId, answer.validators);
  return state.primedAt === null ? { outcome: 'PRIMED', known: old.length } : { outcome: 'READ', fresh: fresh.length, skipped: old.length };
}

/** An entry the first poll found: stored as known (for previews and evergreen), with its event saying why no post. */
async function recordOldNews(client: Sql, sourceId: string, entry: FeedEntry, polledAt: Date, reason: string): Promise<void> {
  const item = await lockItem(client, sourceId, entry.externalId, { create: true, snapshot: entry.fetched.item });
  if (!item) return;
  const since = entry.fetched.publishedAt && entry.fetched.publishedAt < polledAt ? entry.fetched.publishedAt : polledAt;
  await updateItemRow(client, item.id, {
    snapshot: entry.fetched.item,
    published: true,
    inStock: true,
    onSale: false,
    firstPublishedAt: since,
    restocks: 0,
    sales: 0,
    lastChangedAt: polledAt,
    deleted: false,
  });
  await recordSourceEvent(client, {
    sourceId,
    eventId: eventIdOf(entry.externalId),
    itemExternalId: entry.externalId,
    change: 'UPSERTED',
    changedAt: polledAt,
    outcome: 'IGNORED',
    reason,
    postIds: [],
  });
}

/** One event id per entry, bounded whatever the guid's length: its second sight is the engine's DUPLICATE. */
function eventIdOf(externalId: string): string {
  return `feed:${createHash('sha256').update(externalId).digest('hex').slice(0, 40)}`;
}

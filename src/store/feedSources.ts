// FEED sources' polling state (src/services/feedSources.ts): the validators of the last answer, whether the first
// poll is done, and the failures in a row. A poll claims its feed (claimed_until) rather than holding a row lock
// across the fetch, so two workers never poll one feed at once (the other skips it) and no connection waits on HTTP.
import { rows, type Sql } from './sql.js';

export async function insertFeedState(sql: Sql, sourceId: string): Promise<void> {
  await sql.query(`INSERT INTO source_feeds (source_id) VALUES ($1) ON CONFLICT (source_id) DO NOTHING`, [sourceId]);
}

export interface FeedStateRow {
  sourceId: string;
  etag: string | null;
  lastModified: string | null;
  primedAt: Date | null;
  failures: number;
}

/**
 * The active FEED sources due a poll, least recently polled first. A feed failing in a row waits longer each time:
 * 2^failures poll intervals after its last poll, a day at most (a dead feed is not fetched every few minutes forever).
 */
export async function findFeedsToPoll(sql: Sql, pollMinutes: number): Promise<{ sourceId: string }[]> {
  return rows(
    sql,
    `SELECT f.source_id AS "sourceId" FROM source_feeds f JOIN sources s ON s.id = f.source_id
      WHERE s.kind = 'FEED' AND s.status = 'ACTIVE' AND s.deleted_at IS NULL
        AND (f.failures = 0 OR f.polled_at IS NULL
             OR f.polled_at + least(power(2, least(f.failures, 20)) * $1 * interval '1 minute', interval '1 day') <= now())
      ORDER BY f.polled_at NULLS FIRST, f.source_id`,
    [pollMinutes],
  );
}

/**
 * Claims the feed for one poll until `seconds` from now and answers its state; null when another poll holds a claim
 * that has not lapsed (or the feed is gone). recordFeedPolled / recordFeedFailure end the claim.
 */
export async function claimFeed(sql: Sql, sourceId: string, seconds: number): Promise<FeedStateRow | null> {
  const found = await rows<FeedStateRow>(
    sql,
    `UPDATE source_feeds SET claimed_until = now() + $2 * interval '1 second'
      WHERE source_id = $1 AND (claimed_until IS NULL OR claimed_until < now())
      RETURNING source_id AS "sourceId", etag, last_modified AS "lastModified", primed_at AS "primedAt", failures`,
    [sourceId, seconds],
  );
  return found[0] ?? null;
}

/** A claim given back without a poll (the source is gone or stopped). */
export async function releaseFeed(sql: Sql, sourceId: string): Promise<void> {
  await sql.query(`UPDATE source_feeds SET claimed_until = NULL WHERE source_id = $1`, [sourceId]);
}

/**
 * Which of `externalIds` the source knows already (de-duplication by guid / id): seen published, or taken as old news
 * by the first poll. An entry whose event ended in ERROR is not known yet, so the next poll tries it again.
 */
export async function findKnownItemIds(sql: Sql, sourceId: string, externalIds: string[]): Promise<Set<string>> {
  if (!externalIds.length) return new Set();
  const found = await rows<{ externalId: string }>(
    sql,
    `SELECT external_id AS "externalId" FROM source_items WHERE source_id = $1 AND external_id = ANY($2::text[]) AND first_published_at IS NOT NULL`,
    [sourceId, externalIds],
  );
  return new Set(found.map((row) => row.externalId));
}

/** A feed connected again after a disconnect: its first poll takes what is in the feed then as old news again. */
export async function resetFeedState(sql: Sql, sourceId: string): Promise<void> {
  await sql.query(`UPDATE source_feeds SET etag = NULL, last_modified = NULL, primed_at = NULL, failures = 0, last_error = NULL, claimed_until = NULL WHERE source_id = $1`, [
    sourceId,
  ]);
}

/** A poll that read the feed (or was told 304): its validators kept, the first poll marked done, failures cleared. */
export async function recordFeedPolled(sql: Sql, sourceId: string, validators: { etag: string | null; lastModified: string | null } | null): Promise<void> {
  await sql.query(
    `UPDATE source_feeds SET etag = CASE WHEN $2 THEN $3 ELSE etag END, last_modified = CASE WHEN $2 THEN $4 ELSE last_modified END,
            primed_at = coalesce(primed_at, now()), polled_at = now(), failures = 0, last_error = NULL, claimed_until = NULL
      WHERE source_id = $1`,
    [sourceId, validators !== null, validators?.etag ?? null, validators?.lastModified ?? null],
  );
}

export async function recordFeedFailure(sql: Sql, sourceId: string, message: string): Promise<void> {
  await sql.query(`UPDATE source_feeds SET polled_at = now(), failures = failures + 1, last_error = $2, claimed_until = NULL WHERE source_id = $1`, [sourceId, message]);
}

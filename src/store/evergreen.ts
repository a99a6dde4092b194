// The evergreen job's rows (src/services/evergreen.ts): the sources with evergreen on, their items due for a re-share
// (public, not excluded by tag, last shared long enough ago, longest-unshared first), today's count, the share marked.
// An item never re-shared counts its first publication as its last share.
import { rows, type Sql } from './sql.js';

const LAST_SHARED = `coalesce(last_shared_at, first_published_at)`;

/** The live, active sources whose rules turn evergreen on (the service reads the rest of the rules). */
export async function findEvergreenSourceIds(sql: Sql): Promise<string[]> {
  const found = await rows<{ id: string }>(
    sql,
    `SELECT id FROM sources WHERE status = 'ACTIVE' AND deleted_at IS NULL AND rules -> 'evergreen' ->> 'enabled' = 'true' ORDER BY created_at, id`,
  );
  return found.map((r) => r.id);
}

/** How many evergreen re-shares the source made since `since` (the start of the day). */
export async function countEvergreenSharesSince(sql: Sql, sourceId: string, since: Date): Promise<number> {
  const [row] = await rows<{ count: number }>(sql, `SELECT count(*)::int AS count FROM source_occurrences WHERE source_id = $1 AND kind = 'EVERGREEN' AND created_at >= $2`, [
    sourceId,
    since,
  ]);
  return row?.count ?? 0;
}

export interface EvergreenCandidate {
  id: string;
  externalId: string;
  snapshot: unknown;
  evergreenShares: number;
  lastSharedAt: Date;
}

/**
 * Up to `limit` of the source's public items last shared at or before `sharedBefore`, none of whose tags is in
 * `excludedTags` (compared in lower case), longest-unshared first (then the first published); locked for the caller's transaction. Items locked by
 * someone else (an event being ingested) are skipped, not waited for: the next run has them.
 */
export async function lockEvergreenCandidates(sql: Sql, request: { sourceId: string; sharedBefore: Date; excludedTags: string[]; limit: number }): Promise<EvergreenCandidate[]> {
  return rows<EvergreenCandidate>(
    sql,
    `SELECT id, external_id AS "externalId", snapshot, evergreen_shares AS "evergreenShares", ${LAST_SHARED} AS "lastSharedAt"
       FROM source_items
      WHERE source_id = $1 AND published AND deleted_at IS NULL AND ${LAST_SHARED} <= $2
        AND NOT EXISTS (
              SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(snapshot -> 'tags') = 'array' THEN snapshot -> 'tags' ELSE '[]'::jsonb END) AS tag
               WHERE lower(tag) = ANY($3::text[]))
      ORDER BY ${LAST_SHARED}, first_published_at, id
      LIMIT $4
        FOR UPDATE SKIP LOCKED`,
    [request.sourceId, request.sharedBefore, request.excludedTags.map((t) => t.toLowerCase()), request.limit],
  );
}

/** The item was re-shared now, for the `shares`-th time. */
export async function markItemShared(sql: Sql, itemId: string, sharedAt: Date, shares: number): Promise<void> {
  await sql.query(`UPDATE source_items SET last_shared_at = $2, evergreen_shares = $3, updated_at = now() WHERE id = $1`, [itemId, sharedAt, shares]);
}

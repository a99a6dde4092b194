// Evergreen re-shares (as Revive Social does for WordPress): per source with evergreen on, at most `maxPerDay` items a
// day (UTC) that are public, not excluded by tag and last shared `everyDays` or more ago, longest-unshared first, each
// get one new post: occurrence EVERGREEN n+1 of the item, placed by the smart scheduler whatever the rules' timing.
// One transaction per source, under its row lock, so two runs at once neither pass the day's count nor share an item
// twice; the occurrence's key (and the post's idempotency key) would refuse a second post of one cycle anyway. Each
// re-share is recorded as the source's event (its outcome visible in sourceEvents); one that fails (a template limit,
// a post no network accepts, the plan's posts spent) is recorded as ERROR, rolled back alone, and tried next run.
import { AppError, conflict } from '../domain/errors.js';
import type { SourceItem } from '../domain/sourceItems.js';
import { storedSourceRules, type SourceRules } from '../domain/sourceRules.js';
import { TemplateRenderError } from '../templates/engine.js';
import { transaction, type Sql } from '../store/sql.js';
import { findSource, insertOccurrence, recordSourceEvent, type SourceRow } from '../store/sources.js';
import { countEvergreenSharesSince, findEvergreenSourceIds, lockEvergreenCandidates, markItemShared, type EvergreenCandidate } from '../store/evergreen.js';
import { makePost, type IngestDeps, type Occurrence } from './sourcePosts.js';

const DAY_MS = 86_400_000;

/** What the evergreen job did for one source. */
export interface EvergreenRun {
  sourceId: string;
  postIds: string[];
  errors: number;
}

export async function runEvergreen(deps: IngestDeps, now: Date = new Date()): Promise<EvergreenRun[]> {
  const runs: EvergreenRun[] = [];
  for (const sourceId of await findEvergreenSourceIds(deps.pool)) runs.push(await reshareSource(deps, sourceId, now));
  return runs;
}

async function reshareSource(deps: IngestDeps, sourceId: string, now: Date): Promise<EvergreenRun> {
  return transaction(deps.pool, async (client) => {
    const run: EvergreenRun = { sourceId, postIds: [], errors: 0 };
    const source = await findSource(client, sourceId, { lock: true });
    if (!source || source.status !== 'ACTIVE') return run;
    const rules = storedSourceRules(source.rules);
    const { evergreen } = rules;
    if (!evergreen.enabled || !rules.channelIds.length) return run;
    const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
    const room = evergreen.maxPerDay - (await countEvergreenSharesSince(client, sourceId, dayStart));
    if (room <= 0) return run;
    const candidates = await lockEvergreenCandidates(client, {
      sourceId,
      sharedBefore: new Date(now.getTime() - evergreen.everyDays * DAY_MS),
      excludedTags: evergreen.excludedTags,
      limit: room,
    });
    // The rules' timing is for news; a re-share is never urgent.
    const smart: SourceRules = { ...rules, timing: { mode: 'SMART' } };
    for (const item of candidates) {
      const postId = await reshareItem(deps, client, source, smart, item, now);
      if (postId) run.postIds.push(postId);
      else run.errors++;
    }
    return run;
  });
}

/** The item's post for its next cycle, or null when it failed (recorded as the cycle's ERROR event). */
async function reshareItem(deps: IngestDeps, client: Sql, source: SourceRow, rules: SourceRules, item: EvergreenCandidate, now: Date): Promise<string | null> {
  const occurrence: Occurrence = { kind: 'EVERGREEN', number: item.evergreenShares + 1 };
  const event = {
    sourceId: source.id,
    // One event per cycle: a failed try's ERROR row is replaced by the cycle's later outcome.
    eventId: `evergreen:${item.id}:${occurrence.number}`,
    itemExternalId: item.externalId,
    change: 'EVERGREEN',
    changedAt: now,
  };
  await client.query('SAVEPOINT evergreen');
  try {
    const postId = await makePost(deps, client, source, rules, item.id, item.snapshot as SourceItem, occurrence);
    if (!(await insertOccurrence(client, { sourceId: source.id, itemId: item.id, kind: 'EVERGREEN', occurrence: occurrence.number, postId }))) {
      throw conflict(`evergreen re-share #${occurrence.number} has its post already`);
    }
    await markItemShared(client, item.id, now, occurrence.number);
    await client.query('RELEASE SAVEPOINT evergreen');
    const since = `last shared ${item.lastSharedAt.toISOString()}`;
    await recordSourceEvent(client, {
      ...event,
      outcome: 'POST_CREATED',
      reason: `evergreen re-share #${occurrence.number} (${since}): a post to ${rules.channelIds.length} channels`,
      postIds: [postId],
    });
    return postId;
  } catch (error) {
    if (!(error instanceof AppError || error instanceof TemplateRenderError)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT evergreen');
    await recordSourceEvent(client, { ...event, outcome: 'ERROR', reason: `evergreen re-share #${occurrence.number}: ${error.message}`, postIds: [] });
    return null;
  }
}

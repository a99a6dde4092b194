// An event from a content source -> at most one post per occurrence, and a record of what became of the event.
// ingestItemChange runs in one transaction under the item row's lock: the event is judged against the item's stored
// state (stale, a transition, nothing new), the posts are made through the same pieces as createPost (validation,
// placement, approval holds, the store's one insert path), and the event's outcome is written with them. A problem
// of the event itself (a template that fails to render, a post no network accepts, the plan's posts spent) is an
// ERROR outcome with its message, and the item's state stays as it was, so a redelivery tries again.
import { randomUUID } from 'node:crypto';
import type { Channel } from '../generated/prisma/client.js';
import type { SourceEventOutcome, SourceOccurrenceKind } from '../generated/prisma/enums.js';
import { AppError, conflict } from '../domain/errors.js';
import { systemActor } from '../domain/audit.js';
import type { SourceItem } from '../domain/sourceItems.js';
import { storedSourceRules, type SourceRules } from '../domain/sourceRules.js';
import { TemplateRenderError } from '../templates/engine.js';
import type { FetchedItem, ItemChange } from '../sources/types.js';
import { transaction, type Sql } from '../store/sql.js';
import {
  findChannelsForSource,
  findHandledEvent,
  findOpenDeliveriesOfItem,
  findSource,
  insertOccurrence,
  lockItem,
  recordSourceEvent,
  updateItemRow,
  type ItemRow,
  type SourceRow,
} from '../store/sources.js';
import { insertPosts } from '../store/posts.js';
import { cancelDeliveries } from '../store/deliveries.js';
import { recordAudit } from '../store/audit.js';
import { validatePostInput, type CreatePostInput } from './postInput.js';
import { placeOrRefuse } from './placement.js';
import { newRows, placementRequests, type PostRow } from './newPosts.js';
import { held, heldPostIds, holdsPostsOf, recordSubmitted } from './approval.js';
import { refuseOverPlan } from './plans.js';
import { composeForChannels } from './sourceCompose.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';

export type IngestDeps = Pick<ServiceDeps, 'pool' | 'providers'>;

export interface IngestRequest {
  /** The store's id of the event: a second delivery of it is a DUPLICATE. */
  eventId: string;
  change: ItemChange;
  /** What the connector fetched: the item as it is now, or null when it is gone. */
  fetched: FetchedItem | null;
  /** A catalog import: items already public before the source was connected are posted too (that is its purpose). */
  backfill?: boolean;
}

export interface IngestResult {
  outcome: SourceEventOutcome;
  reason: string;
  postIds: string[];
}

export interface Occurrence {
  kind: SourceOccurrenceKind;
  number: number;
}

const OCCURRENCE_WORDS: Record<SourceOccurrenceKind, string> = {
  PUBLISHED: 'first publication',
  BACK_IN_STOCK: 'back in stock',
  ON_SALE: 'on sale',
  EVERGREEN: 'evergreen re-share',
};

export async function ingestItemChange(deps: IngestDeps, sourceId: string, request: IngestRequest): Promise<IngestResult> {
  const { eventId, change, fetched } = request;
  return transaction(deps.pool, async (client) => {
    const source = await findSource(client, sourceId, { share: true });
    if (!source) throw conflict(`Source ${sourceId} no longer exists`, { sourceId });
    const record = async (outcome: SourceEventOutcome, reason: string, postIds: string[] = []): Promise<IngestResult> => {
      const event = { sourceId, eventId, itemExternalId: change.externalId, change: change.kind, changedAt: change.changedAt, reason, postIds };
      if (await recordSourceEvent(client, { ...event, outcome })) return { outcome, reason, postIds };
      // Another try of the same event committed first (the item was unknown, so no row lock kept them apart).
      const duplicate = `event ${eventId} was handled already`;
      await recordSourceEvent(client, { ...event, outcome: 'DUPLICATE', reason: duplicate, postIds: [] });
      return { outcome: 'DUPLICATE', reason: duplicate, postIds: [] };
    };
    const current = change.kind === 'DELETED' ? null : fetched;
    const gone = current === null;
    const item = await lockItem(client, sourceId, change.externalId, { create: !gone, snapshot: fetched?.item });
    const handled = await findHandledEvent(client, sourceId, eventId);
    if (handled) return record('DUPLICATE', `event ${eventId} was handled already (${handled.outcome})`, handled.postIds);
    if (source.status !== 'ACTIVE') return record('IGNORED', `the source is ${source.status.toLowerCase()}: it takes no events`);
    if (!item) return record('IGNORED', 'the store removed an item PostFlow never saw');
    if (change.changedAt.getTime() < item.lastChangedAt.getTime()) {
      return record('STALE', `changed at ${change.changedAt.toISOString()}, before the change already applied (${item.lastChangedAt.toISOString()})`);
    }
    await client.query('SAVEPOINT ingest');
    try {
      const result = current?.state.published
        ? await apply(deps, client, source, item, change, current, request.backfill ?? false)
        : await withdraw(client, source, item, change, current);
      await client.query('RELEASE SAVEPOINT ingest');
      return record(result.outcome, result.reason, result.postIds);
    } catch (error) {
      if (!(error instanceof AppError || error instanceof TemplateRenderError)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT ingest');
      return record('ERROR', error.message);
    }
  });
}

/** Deleted, or no longer public: what it has not published yet is cancelled, saying why. */
async function withdraw(client: Sql, source: SourceRow, item: ItemRow, change: ItemChange, fetched: FetchedItem | null): Promise<IngestResult> {
  const deleted = fetched === null;
  await updateItemRow(client, item.id, {
    snapshot: fetched?.item ?? item.snapshot,
    published: false,
    inStock: fetched?.state.inStock ?? item.inStock,
    onSale: fetched?.state.onSale ?? item.onSale,
    firstPublishedAt: item.firstPublishedAt,
    restocks: item.restocks,
    sales: item.sales,
    lastChangedAt: change.changedAt,
    deleted,
  });
  if (!deleted && !item.published) return { outcome: 'IGNORED', reason: 'the item is not published', postIds: [] };
  const why = deleted ? 'the item was deleted from the store' : 'the item was unpublished in the store';
  const open = await findOpenDeliveriesOfItem(client, item.id);
  if (!open.length) return { outcome: 'IGNORED', reason: `${why}; none of its posts was waiting`, postIds: [] };
  const cancelled = await cancelDeliveries(
    client,
    open.map((d) => d.deliveryId),
    `Cancelled: ${why} (source "${source.name}")`,
  );
  const postIds = [...new Set(open.filter((d) => cancelled.includes(d.deliveryId)).map((d) => d.postId))];
  for (const postId of postIds) {
    await recordAudit(client, {
      actor: systemActor(source.workspaceId),
      action: 'post.cancelled',
      target: { type: 'post', id: postId },
      details: { sourceId: source.id, reason: why },
    });
  }
  return { outcome: 'CANCELLED', reason: `${why}: ${cancelled.length} deliveries of ${postIds.length} posts not yet out cancelled`, postIds };
}

/** Still public: the transitions since the stored state are occurrences, and those the rules enable get their post. */
async function apply(deps: IngestDeps, client: Sql, source: SourceRow, item: ItemRow, change: ItemChange, fetched: FetchedItem, backfill: boolean): Promise<IngestResult> {
  const next = fetched.state;
  const occurrences: Occurrence[] = [];
  let { restocks, sales } = item;
  // First heard of, but public since before the source was connected: known from now on, and no "new" post.
  const oldNews = item.firstPublishedAt === null && !backfill && fetched.publishedAt != null && fetched.publishedAt < source.createdAt;
  if (item.firstPublishedAt === null && !oldNews) occurrences.push({ kind: 'PUBLISHED', number: 1 });
  else if (item.published) {
    // Stock and price are compared only while the item stays public: coming back after being hidden is no news.
    if (!item.inStock && next.inStock) occurrences.push({ kind: 'BACK_IN_STOCK', number: ++restocks });
    if (!item.onSale && next.onSale) occurrences.push({ kind: 'ON_SALE', number: ++sales });
  }
  await updateItemRow(client, item.id, {
    snapshot: fetched.item,
    ...next,
    firstPublishedAt: item.firstPublishedAt ?? (oldNews ? fetched.publishedAt! : change.changedAt),
    restocks,
    sales,
    lastChangedAt: change.changedAt,
    deleted: false,
  });
  if (oldNews) {
    const when = fetched.publishedAt!.toISOString();
    return { outcome: 'IGNORED', reason: `published on ${when}, before the source was connected: not new (importCatalog posts older items)`, postIds: [] };
  }
  if (!occurrences.length) return { outcome: 'IGNORED', reason: 'no rule event: nothing the rules post about changed', postIds: [] };
  const rules = storedSourceRules(source.rules);
  const enabled = occurrences.filter((o) => (rules.events as readonly string[]).includes(o.kind));
  const words = occurrences.map((o) => OCCURRENCE_WORDS[o.kind]).join(' and ');
  if (!enabled.length) return { outcome: 'IGNORED', reason: `${words}: not a rule event of this source`, postIds: [] };
  if (!rules.channelIds.length) return { outcome: 'IGNORED', reason: `${words}: the rules name no channel to post to`, postIds: [] };
  const postIds: string[] = [];
  for (const occurrence of enabled) {
    const postId = await makePost(deps, client, source, rules, item.id, fetched.item, occurrence);
    if (!(await insertOccurrence(client, { sourceId: source.id, itemId: item.id, kind: occurrence.kind, occurrence: occurrence.number, postId }))) {
      throw conflict(`${OCCURRENCE_WORDS[occurrence.kind]} #${occurrence.number} has its post already`);
    }
    postIds.push(postId);
  }
  const made = enabled.map((o) => `${OCCURRENCE_WORDS[o.kind]} #${o.number}`).join(', ');
  return { outcome: 'POST_CREATED', reason: `${made}: ${postIds.length === 1 ? 'a post' : `${postIds.length} posts`} to ${rules.channelIds.length} channels`, postIds };
}

/**
 * One post, one delivery per target channel, through createPost's own pieces, in the caller's transaction (the
 * ingestion's, or the evergreen job's). Each delivery carries its channel's link card.
 */
export async function makePost(deps: IngestDeps, client: Sql, source: SourceRow, rules: SourceRules, itemId: string, item: SourceItem, occurrence: Occurrence): Promise<string> {
  const live = new Map((await findChannelsForSource(client, source.workspaceId, rules.channelIds)).map((c) => [c.id, c]));
  const channels = rules.channelIds.filter((id) => live.has(id)).map((id) => live.get(id)!);
  if (!channels.length) throw conflict('none of the channels the rules name exists any more: pick channels in the rules');
  const composed = composeForChannels(deps.providers, rules, source.name, item, channels);
  const unfit = composed.channels.find((c) => !c.fits);
  if (unfit) throw conflict(`${unfit.channel.platform} channel "${unfit.channel.name}": the post does not fit even with only its link; shorten the template`);
  const [first, ...rest] = composed.channels;
  const input: CreatePostInput = {
    content: first!.text,
    mediaUrls: composed.mediaUrls,
    channelIds: channels.map((c) => c.id),
    contentOverrides: rest.filter((c) => c.text !== first!.text).map((c) => ({ channelId: c.channel.id, content: c.text })),
    priority: rules.priority,
    source: item.kind === 'ARTICLE' ? 'ARTICLE' : 'PRODUCT',
    sourceId: source.id,
    // The occurrence's own key: even a second path to the same occurrence could not make a second post.
    idempotencyKey: `source:${source.id}:${itemId}:${occurrence.kind}:${occurrence.number}`,
    ...timing(rules),
  };
  const issues = new Issues();
  const valid = validatePostInput(deps.providers, issues, ['post'], input, new Map<string, Channel>(channels.map((c) => [c.id, c])));
  issues.throwIfAny();
  const row: PostRow = { index: 0, input, valid, postId: randomUUID() };
  await refuseOverPlan(client, source.workspaceId, 'postsPerMonth', 1);
  const placed = await placeOrRefuse(client, placementRequests([row]), ['post', 'scheduledAt']);
  const cards = new Map(composed.channels.map((c) => [c.channel.id, c.card]));
  const { posts, deliveries: rows } = newRows([row], new Map(placed.map((p) => [p.key, p])), input.source!);
  const made = rows.map((d) => ({ ...d, linkCard: cards.get(d.channelId) ?? null }));
  // Held like an editor's posts: by the source's own rule, or by the workspace's setting for all posts.
  const deliveries = rules.requiresApproval || (await holdsPostsOf(client, source.workspaceId, undefined)) ? held(made) : made;
  await insertPosts(client, { workspaceId: source.workspaceId, authorId: null }, posts, deliveries);
  const actor = systemActor(source.workspaceId);
  await recordAudit(client, {
    actor,
    action: 'post.created',
    target: { type: 'post', id: row.postId },
    details: { channelIds: input.channelIds, sourceId: source.id, occurrence: `${occurrence.kind} ${occurrence.number}` },
  });
  await recordSubmitted(client, actor, heldPostIds(deliveries), 'CREATED');
  return row.postId;
}

function timing(rules: SourceRules): Pick<CreatePostInput, 'autoSchedule' | 'publishNow' | 'scheduledAt'> {
  if (rules.timing.mode === 'IMMEDIATE') return { publishNow: true };
  if (rules.timing.mode === 'DELAY') return { scheduledAt: new Date(Date.now() + rules.timing.delayMinutes! * 60_000) };
  return { autoSchedule: true };
}

export type SourceEventDeps = IngestDeps & Pick<ServiceDeps, 'secrets' | 'sources'>;

export interface SourceEventPayload {
  sourceId: string;
  eventId: string;
  change: ItemChange;
}

/**
 * The source_event job's work: the connector fetches the item as it is now, then ingestItemChange decides. A failure
 * (the store unreachable, the database gone) is recorded as the event's ERROR and thrown, so the job is tried again;
 * a later success replaces that ERROR.
 */
export async function handleSourceEvent(deps: SourceEventDeps, payload: SourceEventPayload, attempt: { number: number; of: number }): Promise<IngestResult | null> {
  const { sourceId, eventId, change } = payload;
  const source = await findSource(deps.pool, sourceId);
  if (!source) return null; // deleted since (shop/redact): nothing of it is kept, this event neither
  try {
    let fetched: FetchedItem | null = null;
    if (change.kind !== 'DELETED' && source.status === 'ACTIVE' && source.credentialsSealed) {
      const credentials = JSON.parse(deps.secrets.open(source.credentialsSealed)) as Record<string, unknown>;
      fetched = await deps.sources.get(source.kind).fetchItem({ id: source.id, externalId: source.externalId, credentials }, change.externalId);
    }
    return await ingestItemChange(deps, sourceId, { eventId, change, fetched });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    await recordSourceEvent(deps.pool, {
      sourceId,
      eventId,
      itemExternalId: change.externalId,
      change: change.kind,
      changedAt: change.changedAt,
      outcome: 'ERROR',
      reason: `try ${attempt.number} of ${attempt.of} failed: ${message}`,
      postIds: [],
    }).catch(() => {});
    throw error;
  }
}

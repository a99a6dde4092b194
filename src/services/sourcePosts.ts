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
import type { FetchedItem, ItemChange, ItemPostChoices } from '../sources/types.js';
import { transaction, type Sql } from '../store/sql.js';
import {
  findChannelsForSource,
  findHandledEvent,
  findOpenDeliveriesOfItem,
  findSource,
  hasOccurrence,
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
  /** The store's id of the event: a delivery of it once handled is a DUPLICATE (one whose tries all ended in ERROR is handled again). */
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
  SHARED: 'share',
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
    let applied = { change, current };
    if (change.changedAt.getTime() < item.lastChangedAt.getTime()) {
      const overtaken = await overtakenChange(client, sourceId, item, change, current);
      if (!overtaken) return record('STALE', `changed at ${change.changedAt.toISOString()}, before the change already applied (${item.lastChangedAt.toISOString()})`);
      applied = overtaken;
    }
    await client.query('SAVEPOINT ingest');
    try {
      const result = applied.current?.state.published
        ? await apply(deps, client, source, item, applied.change, applied.current, request.backfill ?? false)
        : await withdraw(client, source, item, applied.change, applied.current);
      await client.query('RELEASE SAVEPOINT ingest');
      return record(result.outcome, result.reason, result.postIds);
    } catch (error) {
      if (!(error instanceof AppError || error instanceof TemplateRenderError)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT ingest');
      return record('ERROR', error.message);
    }
  });
}

/**
 * An older event that still has its work to do: a publication overtaken by an edit (the store retries the one while
 * the other goes straight through) of an item that has no first-publication post yet, or a share request overtaken
 * by an edit. Either is applied to what is stored (the newer snapshot and state, its change time kept), so nothing
 * moves backwards; the event's own choices (channels, words, timing) go with it. Null: STALE, as any other.
 */
async function overtakenChange(
  client: Sql,
  sourceId: string,
  item: ItemRow,
  change: ItemChange,
  current: FetchedItem | null,
): Promise<{ change: ItemChange; current: FetchedItem } | null> {
  if (!current || item.deletedAt || !item.published) return null;
  const publication = change.kind === 'UPSERTED' && change.edit !== true && current.state.published;
  if (change.kind !== 'SHARED' && !publication) return null;
  // Its first publication seen (firstPublishedAt) or posted: a late one is old news, STALE.
  if (publication && (item.firstPublishedAt !== null || (await hasOccurrence(client, { sourceId, itemId: item.id, kind: 'PUBLISHED', occurrence: 1 })))) return null;
  const state = { published: item.published, inStock: item.inStock, onSale: item.onSale };
  return { change: { ...change, changedAt: item.lastChangedAt }, current: { ...current, item: item.snapshot as SourceItem, state } };
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
  const shared = change.kind === 'SHARED';
  // First heard of, but public since before the source was connected: known from now on, and no "new" post.
  const oldNews = item.firstPublishedAt === null && !shared && !backfill && fetched.publishedAt != null && fetched.publishedAt < source.createdAt;
  // First heard of through an edit or a share request: its first publication was not seen. A share makes it known;
  // after an edit, a publication that comes later (delivered late by the store) still makes its post.
  const knownOnly = item.firstPublishedAt === null && !oldNews && (change.edit === true || shared);
  // A share request is its own occurrence, numbered by the store, whatever was posted before.
  if (shared) occurrences.push({ kind: 'SHARED', number: change.occurrence ?? 1 });
  else if (item.firstPublishedAt === null && !oldNews && !knownOnly) occurrences.push({ kind: 'PUBLISHED', number: 1 });
  else if (item.published) {
    // Stock and price are compared only while the item stays public: coming back after being hidden is no news.
    if (!item.inStock && next.inStock) occurrences.push({ kind: 'BACK_IN_STOCK', number: ++restocks });
    if (!item.onSale && next.onSale) occurrences.push({ kind: 'ON_SALE', number: ++sales });
  }
  await updateItemRow(client, item.id, {
    snapshot: fetched.item,
    ...next,
    firstPublishedAt: item.firstPublishedAt ?? (oldNews ? fetched.publishedAt! : shared ? (fetched.publishedAt ?? change.changedAt) : knownOnly ? null : change.changedAt),
    restocks,
    sales,
    lastChangedAt: change.changedAt,
    deleted: false,
  });
  if (oldNews) {
    const when = fetched.publishedAt!.toISOString();
    return { outcome: 'IGNORED', reason: `published on ${when}, before the source was connected: not new (importCatalog posts older items)`, postIds: [] };
  }
  if (knownOnly && !shared) return { outcome: 'IGNORED', reason: 'an edit of an item whose publication was not seen: stored, no post', postIds: [] };
  if (!occurrences.length) return { outcome: 'IGNORED', reason: 'no rule event: nothing the rules post about changed', postIds: [] };
  const rules = storedSourceRules(source.rules);
  // A share request is asked for by a person: it needs no rule event.
  const enabled = occurrences.filter((o) => o.kind === 'SHARED' || (rules.events as readonly string[]).includes(o.kind));
  const words = occurrences.map((o) => OCCURRENCE_WORDS[o.kind]).join(' and ');
  if (!enabled.length) return { outcome: 'IGNORED', reason: `${words}: not a rule event of this source`, postIds: [] };
  const choices = fetched.choices;
  if (choices && !choices.share) return { outcome: 'IGNORED', reason: `${words}: sharing is turned off for this item in the store`, postIds: [] };
  const channelIds = choices?.channelIds.length ? choices.channelIds : rules.channelIds;
  if (!channelIds.length) return { outcome: 'IGNORED', reason: `${words}: the rules name no channel to post to`, postIds: [] };
  const postIds: string[] = [];
  for (const occurrence of enabled) {
    if (occurrence.kind === 'SHARED' && (await hasOccurrence(client, { sourceId: source.id, itemId: item.id, kind: occurrence.kind, occurrence: occurrence.number }))) {
      return { outcome: 'IGNORED', reason: `share #${occurrence.number} of this item has its post already`, postIds: [] };
    }
    const postId = await makePost(deps, client, source, rules, item.id, fetched.item, occurrence, choices);
    if (!(await insertOccurrence(client, { sourceId: source.id, itemId: item.id, kind: occurrence.kind, occurrence: occurrence.number, postId }))) {
      throw conflict(`${OCCURRENCE_WORDS[occurrence.kind]} #${occurrence.number} has its post already`);
    }
    postIds.push(postId);
  }
  const made = enabled.map((o) => `${OCCURRENCE_WORDS[o.kind]} #${o.number}`).join(', ');
  return { outcome: 'POST_CREATED', reason: `${made}: ${postIds.length === 1 ? 'a post' : `${postIds.length} posts`} to ${channelIds.length} channels`, postIds };
}

/**
 * One post, one delivery per target channel, through createPost's own pieces, in the caller's transaction (the
 * ingestion's, or the evergreen job's). Each delivery carries its channel's link card. `choices` (the item's author's,
 * from the store) pick the channels, the words per network and the timing instead of the rules.
 */
export async function makePost(
  deps: IngestDeps,
  client: Sql,
  source: SourceRow,
  rules: SourceRules,
  itemId: string,
  item: SourceItem,
  occurrence: Occurrence,
  choices?: ItemPostChoices,
): Promise<string> {
  const targets = choices?.channelIds.length ? choices.channelIds : rules.channelIds;
  const live = new Map((await findChannelsForSource(client, source.workspaceId, targets)).map((c) => [c.id, c]));
  const channels = targets.filter((id) => live.has(id)).map((id) => live.get(id)!);
  if (!channels.length) throw conflict('none of the channels the rules name exists any more: pick channels in the rules');
  const composed = composeForChannels(deps.providers, rules, source.name, item, channels, choices?.messages);
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
    ...timing(rules, choices),
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

function timing(rules: SourceRules, choices?: ItemPostChoices): Pick<CreatePostInput, 'autoSchedule' | 'publishNow' | 'scheduledAt'> {
  if (choices?.timing?.mode === 'IMMEDIATE') return { publishNow: true };
  if (choices?.timing?.mode === 'AT') {
    // An event delivered late (the store retries for hours) keeps its author's time only while it is still ahead.
    const at = new Date(choices.timing.at);
    return at.getTime() > Date.now() + 60_000 ? { scheduledAt: at } : { publishNow: true };
  }
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
  const { sourceId, eventId } = payload;
  let { change } = payload;
  const source = await findSource(deps.pool, sourceId);
  if (!source) return null; // deleted since (shop/redact): nothing of it is kept, this event neither
  try {
    let fetched: FetchedItem | null = null;
    if (change.kind !== 'DELETED' && source.status === 'ACTIVE' && source.credentialsSealed) {
      const credentials = JSON.parse(deps.secrets.open(source.credentialsSealed)) as Record<string, unknown>;
      const connector = deps.sources.get(source.kind);
      const connected = { id: source.id, externalId: source.externalId, credentials };
      // Queued under something else than its item (a Shopify inventory item): the store says whose it is.
      const resolved = connector.resolveChange ? await connector.resolveChange(connected, change) : change;
      if (resolved) {
        change = resolved;
        fetched = await connector.fetchItem(connected, change.externalId, change);
      }
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

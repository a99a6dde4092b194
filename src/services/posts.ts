// Posts and their deliveries: creation (checked against every target network before anything is saved), and
// the changes people make afterwards. Every status change is checked against the delivery state machine and made
// by the store's guarded statements, and the delivery rows and their publish jobs are written in one transaction.
import { randomUUID } from 'node:crypto';
import type { Post } from '../generated/prisma/client.js';
import { assertTransition, EDITABLE_STATUSES } from '../domain/deliveryStatus.js';
import { ValidationError, conflict, notFound } from '../domain/errors.js';
import { transaction } from '../store/sql.js';
import { insertPosts, isDuplicateIdempotencyKey, deletePostRow, setSchedulingMode, updatePostContent } from '../store/posts.js';
import { removePublishJobs } from '../store/jobs.js';
import { cancelDeliveries, confirmPublished, queueForSmartSchedule, scheduleDeliveries, type Placement } from '../store/deliveries.js';
import { checkContentForChannels } from './content.js';
import { Issues, isHttpUrl, isUuid } from './validation.js';
import { checkNotInPast, checkPostFields, validatePostInput, type CreatePostInput } from './postInput.js';
import type { ServiceDeps } from './deps.js';
import { modeForReschedule, placeOrRefuse, type Placed, type RequestMode } from './placement.js';
import { newRows, placementRequests, type PostRow } from './newPosts.js';
import { runSmartSchedule } from './smartSchedule.js';
import { refuseOverPlan } from './plans.js';
import { editNeedsApproval, held, heldPostIds, holdsPostsOf, recordSubmitted, refuseUnapproved, sendBackForApproval } from './approval.js';
import { findPost, withoutRelations } from './postLookup.js';
import type { Role } from '../domain/roles.js';
import { recordAudit } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';

export async function createPost(deps: ServiceDeps, auth: Actor & { role?: Role }, input: CreatePostInput): Promise<Post> {
  const { workspaceId } = auth;
  const byKey = () => deps.prisma.post.findUnique({ where: { workspaceId_idempotencyKey: { workspaceId, idempotencyKey: input.idempotencyKey! } } });
  if (input.idempotencyKey) {
    const existing = await byKey();
    if (existing) return existing;
  }
  const channelIds = input.channelIds ?? [];
  const known = await deps.prisma.channel.findMany({ where: { id: { in: channelIds.filter(isUuid) }, workspaceId, deletedAt: null } });
  const issues = new Issues();
  const valid = validatePostInput(deps.providers, issues, ['input'], input, new Map(known.map((c) => [c.id, c])));
  issues.throwIfAny();

  const row: PostRow = { index: 0, input, valid, postId: randomUUID() };
  try {
    await transaction(deps.pool, async (client) => {
      // First, so that a post over the plan takes no channel lock and places nothing.
      await refuseOverPlan(client, workspaceId, 'postsPerMonth', 1);
      const placed = await placeOrRefuse(client, placementRequests([row]), ['input', 'scheduledAt']);
      const { posts, deliveries: made } = newRows([row], new Map(placed.map((p) => [p.key, p])), 'MANUAL');
      const deliveries = (await holdsPostsOf(client, workspaceId, auth.role)) ? held(made) : made;
      await insertPosts(client, { workspaceId, authorId: auth.userId }, posts, deliveries);
      await recordAudit(client, { actor: auth, action: 'post.created', target: { type: 'post', id: row.postId }, details: { channelIds } });
      await recordSubmitted(client, auth, heldPostIds(deliveries), 'CREATED');
    });
  } catch (error) {
    // Two requests with one idempotency key raced: the loser returns the winner's post.
    if (input.idempotencyKey && isDuplicateIdempotencyKey(error)) return (await byKey())!;
    throw error;
  }
  return deps.prisma.post.findUniqueOrThrow({ where: { id: row.postId } });
}

export interface UpdatePostInput {
  content?: string | null;
  mediaUrls?: string[] | null;
  priority?: number | null;
}

/**
 * Edits a post's text, media or priority. A new text or media by someone whose posts need approval (and who is not an
 * approver) sends what was approved back to AWAITING_APPROVAL, in the same transaction (services/approval.ts).
 */
export async function updatePost(deps: ServiceDeps, auth: Actor & { role?: Role }, id: string, input: UpdatePostInput): Promise<Post> {
  const post = await findPost(deps, auth.workspaceId, id);
  const inFlight = post.deliveries.filter((d) => d.status === 'PUBLISHING' || d.status === 'PUBLISHED');
  if (inFlight.length === post.deliveries.length) throw conflict(`Post ${id} is already published everywhere: it can no longer be edited`, { postId: id });
  if (inFlight.some((d) => d.status === 'PUBLISHING')) throw conflict(`Post ${id} is being published right now: edit it once that is done`, { postId: id });
  const content = input.content ?? post.content;
  const mediaUrls = input.mediaUrls ?? post.mediaUrls;
  const issues = new Issues();
  checkPostFields(issues, ['input'], content, mediaUrls, input.priority);
  // A deleted channel's deliveries can never go out again, so its limits no longer bind the text.
  const open = post.deliveries.filter((d) => d.status !== 'PUBLISHED' && d.channel.deletedAt === null);
  // A stored override is not part of this input: only a change of mediaUrls can make it invalid (a caption limit).
  const overrides = new Map(open.filter((d) => d.contentOverride != null).map((d) => [d.channelId, { text: d.contentOverride!, path: ['input', 'mediaUrls'] }]));
  if (issues.list.length === 0)
    checkContentForChannels(
      deps.providers,
      issues,
      ['input'],
      open.map((d) => d.channel),
      content,
      mediaUrls,
      overrides,
    );
  issues.throwIfAny();
  const changed = (['content', 'mediaUrls', 'priority'] as const).filter((field) => input[field] != null);
  const editsWhatWasApproved = content !== post.content || mediaUrls.join('\n') !== post.mediaUrls.join('\n');
  await transaction(deps.pool, async (client) => {
    await updatePostContent(client, id, { content, mediaUrls, priority: input.priority ?? null });
    const reapproval = editsWhatWasApproved && (await editNeedsApproval(client, auth.workspaceId, auth.role)) ? await sendBackForApproval(client, auth, post) : 0;
    await recordAudit(client, {
      actor: auth,
      action: 'post.updated',
      target: { type: 'post', id },
      details: { fields: changed, ...(reapproval && { backToApproval: reapproval }) },
    });
  });
  return deps.prisma.post.findUniqueOrThrow({ where: { id } });
}

/**
 * Reschedules every delivery of the post that is not on the network yet (drafts included), under each channel's
 * policy: SHIFT or EXACT as the post was created (or as given), IMMEDIATE for publishNow.
 */
export async function reschedulePost(deps: ServiceDeps, auth: Actor & { role?: Role }, id: string, scheduledAt: Date, requested?: RequestMode | null): Promise<Post> {
  const { workspaceId } = auth;
  const issues = new Issues();
  if (requested !== 'IMMEDIATE') checkNotInPast(issues, ['scheduledAt'], scheduledAt);
  issues.throwIfAny();
  const post = await findPost(deps, workspaceId, id);
  const mode = requested ?? modeForReschedule(post.schedulingMode);
  // A deleted channel's deliveries stay cancelled: the worker never claims them, so scheduling one would hold it forever.
  const live = post.deliveries.filter((d) => d.channel.deletedAt === null);
  if (live.length === 0 && post.deliveries.length > 0) throw conflict(`Post ${id} has no channel left: all of its channels were deleted`, { postId: id });
  const movable = live.filter((d) => EDITABLE_STATUSES.includes(d.status));
  // Drafts and rejected posts go out only through an approval when the caller's posts need one.
  await refuseUnapproved(
    deps,
    workspaceId,
    auth.role,
    live.map((d) => d.status),
  );
  if (movable.length === 0) {
    if (live.some((d) => d.status === 'AWAITING_APPROVAL'))
      throw conflict(`Post ${id} is awaiting approval: an ADMIN approves it (approvePost) or sends it back (requestChanges)`, { postId: id });
    const unsettled = live.find((d) => d.status === 'UNCONFIRMED');
    if (unsettled) throw unconfirmed(unsettled.id);
    const busy = live.find((d) => d.status === 'PUBLISHING');
    if (busy) throw conflict(`Post ${id} is being published right now: look at it again once that is done`, { postId: id });
    assertTransition(live[0]?.id ?? id, live[0]?.status ?? 'PUBLISHED', 'SCHEDULED');
  }
  await transaction(deps.pool, async (client) => {
    const placed = await placeOrRefuse(
      client,
      movable.map((d) => ({ key: d.id, channel: d.channel, at: scheduledAt, mode, deliveryId: d.id })),
      ['scheduledAt'],
    );
    // publish_now is the one mark of "out at once" the publish-time check reads (src/jobs/publishPolicy.ts).
    await scheduleOrConflict(client, placed, { publishNow: mode === 'IMMEDIATE' });
    await setSchedulingMode(client, [id], mode);
    await recordAudit(client, { actor: auth, action: 'post.rescheduled', target: { type: 'post', id }, details: { scheduledAt, mode } });
  });
  return withoutRelations(post);
}

export const publishPostNow = (deps: ServiceDeps, auth: Actor & { role?: Role }, id: string) => reschedulePost(deps, auth, id, new Date(), 'IMMEDIATE');

export async function rescheduleDelivery(deps: ServiceDeps, auth: Actor & { role?: Role }, deliveryId: string, scheduledAt: Date, requested?: RequestMode | null) {
  const issues = new Issues();
  if (requested !== 'IMMEDIATE') checkNotInPast(issues, ['scheduledAt'], scheduledAt);
  issues.throwIfAny();
  const delivery = await findDelivery(deps, auth.workspaceId, deliveryId);
  if (delivery.channel.deletedAt) throw channelDeleted(deliveryId, delivery.channel);
  await refuseUnapproved(deps, auth.workspaceId, auth.role, [delivery.status]);
  assertTransition(deliveryId, delivery.status, 'SCHEDULED');
  if (delivery.status === 'UNCONFIRMED') throw unconfirmed(deliveryId);
  if (delivery.status === 'AWAITING_APPROVAL')
    throw conflict(`Delivery ${deliveryId} is awaiting approval: an ADMIN approves its post (approvePost) or sends it back`, { deliveryId });
  const mode = requested ?? modeForReschedule(delivery.post.schedulingMode);
  await transaction(deps.pool, async (client) => {
    const placed = await placeOrRefuse(client, [{ key: deliveryId, channel: delivery.channel, at: scheduledAt, mode, deliveryId }], ['scheduledAt']);
    // A failed delivery a person sends again starts with a fresh retry budget, as retryDelivery gives it.
    await scheduleOrConflict(client, placed, { publishNow: mode === 'IMMEDIATE', resetAttempts: delivery.status === 'FAILED' });
    await recordAudit(client, {
      actor: auth,
      action: 'delivery.rescheduled',
      target: { type: 'delivery', id: deliveryId },
      details: { postId: delivery.postId, scheduledAt, mode },
    });
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** One delivery of a post sent at once (publishNow for one channel): posting hours and intervals do not apply. */
export const publishDeliveryNow = (deps: ServiceDeps, auth: Actor & { role?: Role }, deliveryId: string) => rescheduleDelivery(deps, auth, deliveryId, new Date(), 'IMMEDIATE');

/** One delivery of a post cancelled (cancelPost for one channel); one already cancelled is answered as it is. */
export async function cancelDelivery(deps: ServiceDeps, auth: Actor, deliveryId: string) {
  const delivery = await findDelivery(deps, auth.workspaceId, deliveryId);
  if (delivery.status === 'CANCELLED') return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
  assertTransition(deliveryId, delivery.status, 'CANCELLED');
  await transaction(deps.pool, async (client) => {
    const cancelled = await cancelDeliveries(client, [deliveryId]);
    if (cancelled.length !== 1) {
      const now = (await deps.prisma.delivery.findUnique({ where: { id: deliveryId }, select: { status: true } }))?.status ?? 'DELETED';
      const what = now === 'PUBLISHING' ? 'started publishing' : `became ${now}`;
      throw conflict(`Delivery ${deliveryId} ${what} while it was being cancelled: look at it again`, { deliveryId, from: now, to: 'CANCELLED' });
    }
    await recordAudit(client, { actor: auth, action: 'delivery.cancelled', target: { type: 'delivery', id: deliveryId }, details: { postId: delivery.postId } });
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/**
 * A failed delivery goes out again now, with a fresh retry budget. An UNCONFIRMED one (it may be on the network
 * already) only with `force`, once the person has checked that it is not there.
 */
export async function retryDelivery(deps: ServiceDeps, workspaceId: string, deliveryId: string, force = false) {
  const delivery = await findDelivery(deps, workspaceId, deliveryId);
  assertTransition(deliveryId, delivery.status, 'SCHEDULED');
  if (delivery.status === 'UNCONFIRMED' && !force) throw unconfirmed(deliveryId);
  if (delivery.status !== 'FAILED' && delivery.status !== 'UNCONFIRMED') {
    throw conflict(`Delivery ${deliveryId} is ${delivery.status}: only a FAILED or UNCONFIRMED delivery can be retried`, { deliveryId });
  }
  const channel = delivery.channel;
  if (channel.deletedAt) throw channelDeleted(deliveryId, channel);
  if (channel.needsReconnect) {
    throw conflict(`Channel "${channel.name}" needs reconnecting: update its credentials with updateChannel, then retry`, { deliveryId, channelId: channel.id });
  }
  await transaction(deps.pool, async (client) => {
    const placed = await placeOrRefuse(client, [{ key: deliveryId, channel, at: new Date(), mode: 'SHIFT', deliveryId }], ['id']);
    await scheduleOrConflict(client, placed, { resetAttempts: true, unconfirmed: delivery.status === 'UNCONFIRMED' });
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** A person found an UNCONFIRMED delivery's post on the network: it is PUBLISHED, with the link they give. */
export async function confirmDeliveryPublished(deps: ServiceDeps, auth: Actor, deliveryId: string, externalUrl: string) {
  const issues = new Issues();
  issues.check(isHttpUrl(externalUrl) && externalUrl.length <= 2000, ['externalUrl'], 'url', 'externalUrl must be the http(s) link of the post on the network');
  issues.throwIfAny();
  const delivery = await findDelivery(deps, auth.workspaceId, deliveryId);
  if (delivery.status !== 'UNCONFIRMED') {
    throw conflict(`Delivery ${deliveryId} is ${delivery.status}: only an UNCONFIRMED delivery can be confirmed as published`, { deliveryId, from: delivery.status });
  }
  await transaction(deps.pool, async (client) => {
    if (!(await confirmPublished(client, deliveryId, externalUrl))) throw conflict(`Delivery ${deliveryId} changed meanwhile: look at it again`, { deliveryId });
    await recordAudit(client, { actor: auth, action: 'delivery.confirmed', target: { type: 'delivery', id: deliveryId }, details: { postId: delivery.postId, externalUrl } });
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** Hands posts to the smart scheduler: their deliveries not yet out become PENDING and are placed at once. */
export async function autoSchedulePosts(deps: ServiceDeps, workspaceId: string, postIds: string[], role?: Role): Promise<Post[]> {
  const posts: Awaited<ReturnType<typeof findPost>>[] = [];
  for (const [i, id] of postIds.entries()) {
    const post = isUuid(id) ? await deps.prisma.post.findFirst({ where: { id, workspaceId }, include: { deliveries: { include: { channel: true } } } }) : null;
    if (!post) throw ValidationError.single(['postIds', i], 'exists', `post ${id} does not exist in this workspace`);
    posts.push(post);
  }
  const movable = posts.flatMap((p) => p.deliveries).filter((d) => ['DRAFT', 'SCHEDULED', 'PENDING'].includes(d.status) && d.channel.deletedAt === null);
  await refuseUnapproved(
    deps,
    workspaceId,
    role,
    movable.map((d) => d.status),
  );
  await transaction(deps.pool, async (client) => {
    const changed = await queueForSmartSchedule(
      client,
      movable.map((d) => d.id),
    );
    if (changed.length !== movable.length) throw conflict('A delivery started publishing while it was being changed: look at it again and retry');
    await setSchedulingMode(
      client,
      posts.map((p) => p.id),
      'AUTO',
    );
  });
  await runSmartSchedule(deps.pool, { workspaceId, horizonMs: deps.config.scheduling.horizonDays * 86_400_000 });
  return posts.map(withoutRelations);
}

export async function cancelPost(deps: ServiceDeps, auth: Actor, id: string): Promise<Post> {
  const post = await findPost(deps, auth.workspaceId, id);
  const cancellable = post.deliveries.filter((d) => d.status !== 'CANCELLED' && d.status !== 'PUBLISHED' && d.status !== 'PUBLISHING');
  if (cancellable.length === 0) {
    const blocking = post.deliveries.find((d) => d.status === 'PUBLISHED' || d.status === 'PUBLISHING');
    if (blocking) assertTransition(blocking.id, blocking.status, 'CANCELLED');
    return withoutRelations(post);
  }
  // All or nothing: a delivery that started publishing meanwhile makes the whole cancel a conflict, nothing half-done.
  await transaction(deps.pool, async (client) => {
    const cancelled = await cancelDeliveries(
      client,
      cancellable.map((d) => d.id),
    );
    if (cancelled.length !== cancellable.length) throw conflict('A delivery started publishing while the post was being cancelled: look at it again', { postId: id });
    await recordAudit(client, { actor: auth, action: 'post.cancelled', target: { type: 'post', id }, details: { deliveries: cancelled.length } });
  });
  return withoutRelations(post);
}

export async function deletePost(deps: ServiceDeps, auth: Actor, id: string): Promise<string> {
  const post = await findPost(deps, auth.workspaceId, id);
  if (post.deliveries.some((d) => d.status === 'PUBLISHING')) throw conflict(`Post ${id} is being published right now: delete it once that is done`, { postId: id });
  await transaction(deps.pool, async (client) => {
    await removePublishJobs(
      client,
      post.deliveries.map((d) => d.id),
    );
    await deletePostRow(client, id);
    await recordAudit(client, { actor: auth, action: 'post.deleted', target: { type: 'post', id } });
  });
  return id;
}

async function scheduleOrConflict(client: Parameters<typeof scheduleDeliveries>[0], placed: Placed[], options: Parameters<typeof scheduleDeliveries>[2] = {}) {
  const placements: Placement[] = placed.map((p) => ({ deliveryId: p.deliveryId!, scheduledAt: p.scheduledAt, requestedAt: p.requestedAt, reason: p.reason }));
  // The status guard makes a concurrent claim by a worker win cleanly: a delivery that became PUBLISHING meanwhile is not touched.
  const changed = await scheduleDeliveries(client, placements, options);
  if (changed.length !== placements.length) {
    throw conflict('A delivery started publishing while it was being changed: look at it again and retry', {
      deliveryId: placements.find((p) => !changed.includes(p.deliveryId))?.deliveryId,
    });
  }
}

async function findDelivery(deps: ServiceDeps, workspaceId: string, id: string) {
  const delivery = isUuid(id) ? await deps.prisma.delivery.findFirst({ where: { id, workspaceId }, include: { channel: true, post: { select: { schedulingMode: true } } } }) : null;
  if (!delivery) throw notFound('Delivery', id);
  return delivery;
}

const channelDeleted = (deliveryId: string, channel: { id: string; name: string }) =>
  conflict(`Delivery ${deliveryId} belongs to channel "${channel.name}", which was deleted: it cannot be sent any more`, { deliveryId, channelId: channel.id });

const unconfirmed = (deliveryId: string) =>
  conflict(
    `Delivery ${deliveryId} is UNCONFIRMED: it may already be on the network. Check the channel first: if the post is there, confirmPublished(deliveryId, externalUrl); if it is not, retryDelivery(id, force: true)`,
    { deliveryId, from: 'UNCONFIRMED' },
  );

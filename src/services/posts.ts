// Posts and their deliveries: creation (checked against every target network before anything is saved), and
// the changes people make afterwards. Every status change goes through the delivery state machine, and the
// delivery rows and their publish jobs are written in one transaction.
import type { Post } from '../generated/prisma/client.js';
import { Prisma as PrismaNs } from '../generated/prisma/client.js';
import { assertTransition, EDITABLE_STATUSES} from '../domain/deliveryStatus.js';
import { ValidationError, conflict, notFound } from '../domain/errors.js';
import { enqueuePublishJobs, removePublishJobs } from '../jobs/queue.js';
import { checkContentForChannels } from './content.js';
import { Issues, isUuid } from './validation.js';
import { checkNotInPast, checkPostFields, validatePostInput, type CreatePostInput } from './postInput.js';
import { txExecutor, type ServiceDeps, type Tx } from './deps.js';
import { modeForReschedule, placeRequested, type Placed, type RequestMode } from './placement.js';
import { requestSmartSchedule, runSmartSchedule } from './smartSchedule.js';

export async function createPost(deps: ServiceDeps, auth: { workspaceId: string; userId: string | null }, input: CreatePostInput): Promise<Post> {
  const { workspaceId } = auth;
  if (input.idempotencyKey) {
    const existing = await deps.prisma.post.findUnique({ where: { workspaceId_idempotencyKey: { workspaceId, idempotencyKey: input.idempotencyKey } } });
    if (existing) return existing;
  }
  const channelIds = input.channelIds ?? [];
  const known = await deps.prisma.channel.findMany({ where: { id: { in: channelIds.filter(isUuid) }, workspaceId, deletedAt: null } });
  const issues = new Issues();
  const { channels, overrides, timing, mediaUrls } = validatePostInput(deps.providers, issues, ['input'], input, new Map(known.map((c) => [c.id, c])));
  issues.throwIfAny();

  try {
    return await deps.prisma.$transaction(async (tx) => {
      const placed =
        timing.status === 'SCHEDULED'
          ? new Map((await placeRequested(tx, channels.map((channel) => ({ channel })), timing.scheduledAt!, timing.mode as RequestMode, ['input', 'scheduledAt'])).map((p) => [p.channelId, p]))
          : new Map<string, Placed>();
      const post = await tx.post.create({
        data: {
          workspaceId,
          authorId: auth.userId,
          content: input.content,
          mediaUrls,
          priority: input.priority ?? 0,
          source: input.source ?? 'MANUAL',
          sourceId: input.sourceId ?? null,
          schedulingMode: timing.mode,
          idempotencyKey: input.idempotencyKey ?? null,
          deliveries: {
            create: channelIds.map((channelId) => ({
              channelId,
              workspaceId,
              status: timing.status,
              scheduledAt: placed.get(channelId)?.scheduledAt ?? timing.scheduledAt,
              requestedAt: placed.get(channelId)?.requestedAt ?? null,
              scheduleReason: placed.get(channelId)?.scheduleReason ?? (timing.status === 'PENDING' ? 'Waiting for the smart scheduler' : null),
              contentOverride: overrides.get(channelId)?.text ?? null,
            })),
          },
        },
        include: { deliveries: { select: { id: true, channelId: true } } },
      });
      if (timing.status === 'SCHEDULED') {
        await enqueuePublishJobs(txExecutor(tx), post.deliveries.map((d) => ({ deliveryId: d.id, runAt: placed.get(d.channelId)!.scheduledAt })));
      }
      if (timing.status === 'PENDING') await requestSmartSchedule(txExecutor(tx));
      return withoutRelations(post);
    });
  } catch (error) {
    // Two requests with one idempotency key raced: the loser returns the winner's post.
    if (input.idempotencyKey && error instanceof PrismaNs.PrismaClientKnownRequestError && error.code === 'P2002') {
      return deps.prisma.post.findUniqueOrThrow({ where: { workspaceId_idempotencyKey: { workspaceId, idempotencyKey: input.idempotencyKey } } });
    }
    throw error;
  }
}

export interface UpdatePostInput {
  content?: string | null;
  mediaUrls?: string[] | null;
  priority?: number | null;
}

export async function updatePost(deps: ServiceDeps, workspaceId: string, id: string, input: UpdatePostInput): Promise<Post> {
  const post = await findPost(deps, workspaceId, id);
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
  if (issues.list.length === 0) checkContentForChannels(deps.providers, issues, ['input'], open.map((d) => d.channel), content, mediaUrls, overrides);
  issues.throwIfAny();
  return deps.prisma.post.update({ where: { id }, data: { content, mediaUrls, ...(input.priority != null && { priority: input.priority }) } });
}

/**
 * Reschedules every delivery of the post that is not on the network yet (drafts included), under each channel's
 * policy: SHIFT or EXACT as the post was created (or as given), IMMEDIATE for publishNow.
 */
export async function reschedulePost(deps: ServiceDeps, workspaceId: string, id: string, scheduledAt: Date, requested?: RequestMode | null): Promise<Post> {
  const issues = new Issues();
  if (requested !== 'IMMEDIATE') checkNotInPast(issues, ['scheduledAt'], scheduledAt);
  issues.throwIfAny();
  const post = await findPost(deps, workspaceId, id);
  const mode = requested ?? modeForReschedule(post.schedulingMode);
  // A deleted channel's deliveries stay cancelled: the worker never claims them, so scheduling one would hold it forever.
  const live = post.deliveries.filter((d) => d.channel.deletedAt === null);
  if (live.length === 0 && post.deliveries.length > 0) throw conflict(`Post ${id} has no channel left: all of its channels were deleted`, { postId: id });
  const movable = live.filter((d) => d.status !== 'PUBLISHED' && d.status !== 'PUBLISHING');
  if (movable.length === 0) assertTransition(live[0]?.id ?? id, live[0]?.status ?? 'PUBLISHED', 'SCHEDULED');
  await deps.prisma.$transaction(async (tx) => {
    for (const d of movable) assertTransition(d.id, d.status, 'SCHEDULED');
    const placed = await placeRequested(tx, movable.map((d) => ({ channel: d.channel, deliveryId: d.id })), scheduledAt, mode, ['scheduledAt']);
    await scheduleDeliveries(tx, placed);
    await tx.post.update({ where: { id }, data: { schedulingMode: mode } });
  });
  return withoutRelations(post);
}

export const publishPostNow = (deps: ServiceDeps, workspaceId: string, id: string) => reschedulePost(deps, workspaceId, id, new Date(), 'IMMEDIATE');

export async function rescheduleDelivery(deps: ServiceDeps, workspaceId: string, deliveryId: string, scheduledAt: Date, requested?: RequestMode | null) {
  const issues = new Issues();
  checkNotInPast(issues, ['scheduledAt'], scheduledAt);
  issues.throwIfAny();
  const delivery = await findDelivery(deps, workspaceId, deliveryId);
  if (delivery.channel.deletedAt) throw channelDeleted(deliveryId, delivery.channel);
  assertTransition(deliveryId, delivery.status, 'SCHEDULED');
  await deps.prisma.$transaction(async (tx) => {
    const placed = await placeRequested(tx, [{ channel: delivery.channel, deliveryId }], scheduledAt, requested ?? modeForReschedule(delivery.post.schedulingMode), ['scheduledAt']);
    await scheduleDeliveries(tx, placed);
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** A failed delivery goes out again now, with a fresh retry budget. */
export async function retryDelivery(deps: ServiceDeps, workspaceId: string, deliveryId: string) {
  const delivery = await findDelivery(deps, workspaceId, deliveryId);
  assertTransition(deliveryId, delivery.status, 'SCHEDULED');
  if (delivery.status !== 'FAILED') throw conflict(`Delivery ${deliveryId} is ${delivery.status}: only a FAILED delivery can be retried`, { deliveryId });
  const channel = delivery.channel;
  if (channel.deletedAt) throw channelDeleted(deliveryId, channel);
  if (channel.needsReconnect) {
    throw conflict(`Channel "${channel.name}" needs reconnecting: update its credentials with updateChannel, then retry`, { deliveryId, channelId: channel.id });
  }
  await deps.prisma.$transaction(async (tx) => {
    const placed = await placeRequested(tx, [{ channel, deliveryId }], new Date(), 'SHIFT', ['id']);
    await scheduleDeliveries(tx, placed, { resetAttempts: true });
  });
  return deps.prisma.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
}

/** Hands posts to the smart scheduler: their deliveries not yet out become PENDING and are placed at once. */
export async function autoSchedulePosts(deps: ServiceDeps, workspaceId: string, postIds: string[]): Promise<Post[]> {
  const posts: Awaited<ReturnType<typeof findPost>>[] = [];
  for (const [i, id] of postIds.entries()) {
    const post = isUuid(id) ? await deps.prisma.post.findFirst({ where: { id, workspaceId }, include: { deliveries: { include: { channel: true } } } }) : null;
    if (!post) throw ValidationError.single(['postIds', i], 'exists', `post ${id} does not exist in this workspace`);
    posts.push(post);
  }
  const movable = posts.flatMap((p) => p.deliveries).filter((d) => ['DRAFT', 'SCHEDULED', 'PENDING'].includes(d.status) && d.channel.deletedAt === null);
  await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.delivery.updateMany({
      where: { id: { in: movable.map((d) => d.id) }, status: { in: ['DRAFT', 'SCHEDULED', 'PENDING'] } },
      data: { status: 'PENDING', scheduleReason: 'Waiting for the smart scheduler', requestedAt: null },
    });
    if (updated.count !== movable.length) throw conflict('A delivery started publishing while it was being changed: look at it again and retry');
    await removePublishJobs(txExecutor(tx), movable.map((d) => d.id));
    await tx.post.updateMany({ where: { id: { in: posts.map((p) => p.id) } }, data: { schedulingMode: 'AUTO' } });
  });
  await runSmartSchedule(deps.pool, { workspaceId, horizonMs: deps.config.scheduling.horizonDays * 86_400_000 });
  return posts.map(withoutRelations);
}

export async function cancelPost(deps: ServiceDeps, workspaceId: string, id: string): Promise<Post> {
  const post = await findPost(deps, workspaceId, id);
  const cancellable = post.deliveries.filter((d) => d.status !== 'CANCELLED' && d.status !== 'PUBLISHED' && d.status !== 'PUBLISHING');
  if (cancellable.length === 0) {
    const blocking = post.deliveries.find((d) => d.status === 'PUBLISHED' || d.status === 'PUBLISHING');
    if (blocking) assertTransition(blocking.id, blocking.status, 'CANCELLED');
    return withoutRelations(post);
  }
  await deps.prisma.$transaction(async (tx) => {
    await tx.delivery.updateMany({ where: { id: { in: cancellable.map((d) => d.id) } }, data: { status: 'CANCELLED' } });
    await removePublishJobs(txExecutor(tx), cancellable.map((d) => d.id));
  });
  return withoutRelations(post);
}

export async function deletePost(deps: ServiceDeps, workspaceId: string, id: string): Promise<string> {
  const post = await findPost(deps, workspaceId, id);
  if (post.deliveries.some((d) => d.status === 'PUBLISHING')) throw conflict(`Post ${id} is being published right now: delete it once that is done`, { postId: id });
  await deps.prisma.$transaction(async (tx) => {
    await removePublishJobs(txExecutor(tx), post.deliveries.map((d) => d.id));
    await tx.post.delete({ where: { id } });
  });
  return id;
}

async function scheduleDeliveries(tx: Tx, placed: Placed[], options: { resetAttempts?: boolean } = {}) {
  for (const p of placed) {
    // The status guard makes a concurrent claim by a worker win cleanly: a delivery that became PUBLISHING meanwhile is not touched.
    const updated = await tx.delivery.updateMany({
      where: { id: p.deliveryId!, status: { in: [...EDITABLE_STATUSES] } },
      data: { status: 'SCHEDULED', scheduledAt: p.scheduledAt, requestedAt: p.requestedAt, scheduleReason: p.scheduleReason, ...(options.resetAttempts && { attempts: 0 }) },
    });
    if (updated.count !== 1) throw conflict('A delivery started publishing while it was being changed: look at it again and retry', { deliveryId: p.deliveryId });
  }
  await enqueuePublishJobs(txExecutor(tx), placed.map((p) => ({ deliveryId: p.deliveryId!, runAt: p.scheduledAt })));
}




/** The GraphQL layer loads relations it is asked for; a stale, partial list here would be served as is. */
function withoutRelations<T extends { deliveries?: unknown }>(post: T): Omit<T, 'deliveries'> {
  const { deliveries: _loaded, ...rest } = post;
  return rest;
}

async function findPost(deps: ServiceDeps, workspaceId: string, id: string) {
  const post = isUuid(id)
    ? await deps.prisma.post.findFirst({ where: { id, workspaceId }, include: { deliveries: { include: { channel: true } } } })
    : null;
  if (!post) throw notFound('Post', id);
  return post;
}

async function findDelivery(deps: ServiceDeps, workspaceId: string, id: string) {
  const delivery = isUuid(id) ? await deps.prisma.delivery.findFirst({ where: { id, workspaceId }, include: { channel: true, post: { select: { schedulingMode: true } } } }) : null;
  if (!delivery) throw notFound('Delivery', id);
  return delivery;
}

const channelDeleted = (deliveryId: string, channel: { id: string; name: string }) =>
  conflict(`Delivery ${deliveryId} belongs to channel "${channel.name}", which was deleted: it cannot be sent any more`, { deliveryId, channelId: channel.id });

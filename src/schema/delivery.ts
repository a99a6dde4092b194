import { builder } from './builder.js';
import { AttemptOutcomeEnum, DeliveryStatusEnum, RequestModeEnum } from './enums.js';
import { requireAuth } from './context.js';
import { cancelDelivery, confirmDeliveryPublished, publishDeliveryNow, rescheduleDelivery, retryDelivery } from '../services/posts.js';
import { NEEDS_ATTENTION } from '../domain/deliveryStatus.js';
import { uuidOrNil } from '../services/validation.js';
import type { DeliverySnapshot } from '../events/deliveryEvents.js';

export const DeliveryObject = builder.prismaObject('Delivery', {
  description: 'One post on one channel.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: DeliveryStatusEnum }),
    scheduledAt: t.expose('scheduledAt', { type: 'DateTime', nullable: true, description: 'When it goes out (or its next attempt does).' }),
    requestedAt: t.expose('requestedAt', { type: 'DateTime', nullable: true, description: 'The instant asked for, when the posting policy moved it.' }),
    scheduleReason: t.exposeString('scheduleReason', { nullable: true, description: 'Why it is scheduled when it is, or why it is still PENDING.' }),
    attempts: t.exposeInt('attempts', { description: 'Attempts since it was last scheduled by a person.' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    externalUrl: t.exposeString('externalUrl', { nullable: true }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    contentOverride: t.exposeString('contentOverride', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    post: t.relation('post'),
    channel: t.relation('channel'),
    attemptLog: t.relation('attemptsLog', { description: 'Every publish attempt, oldest first.', query: { orderBy: { number: 'asc' } } }),
  }),
});

builder.prismaObject('DeliveryAttempt', {
  fields: (t) => ({
    id: t.exposeID('id'),
    number: t.exposeInt('number'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    outcome: t.expose('outcome', { type: AttemptOutcomeEnum }),
    errorClass: t.exposeString('errorClass', { nullable: true }),
    responseCode: t.exposeInt('responseCode', { nullable: true }),
    responseMessage: t.exposeString('responseMessage', { nullable: true }),
  }),
});

const DeliveryUpdate = builder.objectRef<DeliverySnapshot>('DeliveryUpdate').implement({
  description: 'A delivery as it was when its status, time or attempts changed.',
  fields: (t) => ({
    id: t.exposeID('id'),
    postId: t.exposeID('postId'),
    channelId: t.exposeID('channelId'),
    status: t.field({ type: DeliveryStatusEnum, resolve: (s) => s.status as never }),
    scheduledAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.scheduledAt }),
    scheduleReason: t.string({ nullable: true, resolve: (s) => s.scheduleReason ?? null }),
    attempts: t.exposeInt('attempts'),
    lastError: t.exposeString('lastError', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    externalUrl: t.exposeString('externalUrl', { nullable: true }),
    publishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.publishedAt }),
  }),
});

builder.queryFields((t) => ({
  // One delivery by its id (the console's delivery detail), like post(id): null when it is not this workspace's.
  delivery: t.prismaField({
    type: 'Delivery',
    nullable: true,
    description: 'One delivery of the workspace, with its attempt log; null when there is none with this id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.prisma.delivery.findFirst({ ...query, where: { id: uuidOrNil(String(args.id)), workspaceId: requireAuth(ctx).workspaceId } }),
  }),
  failedDeliveries: t.prismaConnection({
    type: 'Delivery',
    cursor: 'id',
    description:
      'The deliveries that need a person, newest first: FAILED ones (given up on; retryDelivery sends one again) and UNCONFIRMED ones (maybe published: check the network, then confirmPublished or retryDelivery with force).',
    args: { channelId: t.arg.id() },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.delivery.findMany({
        ...query,
        where: { workspaceId: requireAuth(ctx).workspaceId, status: { in: [...NEEDS_ATTENTION] }, ...(args.channelId && { channelId: uuidOrNil(String(args.channelId)) }) },
        orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
      }),
  }),
}));

builder.mutationFields((t) => ({
  rescheduleDelivery: t.prismaField({
    type: 'Delivery',
    args: { id: t.arg.id({ required: true }), scheduledAt: t.arg({ type: 'DateTime', required: true }), schedulingMode: t.arg({ type: RequestModeEnum }) },
    description:
      "Moves one delivery. EXACT (or a post created EXACT) refuses an instant the channel's posting rules forbid: VALIDATION_FAILED naming the rules, with the nearest allowed instant after it in extensions.nearestAllowedAt (null when none within 60 days).",
    resolve: (_q, _root, args, ctx) => rescheduleDelivery(ctx.services, requireAuth(ctx), String(args.id), args.scheduledAt, args.schedulingMode),
  }),
  publishDeliveryNow: t.prismaField({
    type: 'Delivery',
    description: 'Publishes one delivery of a post at once (publishNow for one channel): posting hours and intervals do not apply (pauses and caps do).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => publishDeliveryNow(ctx.services, requireAuth(ctx), String(args.id)),
  }),
  cancelDelivery: t.prismaField({
    type: 'Delivery',
    description: 'Cancels one delivery of a post (cancelPost for one channel). Refused once it is published or being published.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => cancelDelivery(ctx.services, requireAuth(ctx), String(args.id)),
  }),
  retryDelivery: t.prismaField({
    type: 'Delivery',
    description:
      'Sends a FAILED delivery again now, with a fresh retry budget. An UNCONFIRMED one may already be on the network: it is sent again only with force: true, once you checked that it is not there.',
    args: { id: t.arg.id({ required: true }), force: t.arg.boolean({ description: 'Retry an UNCONFIRMED delivery (it may post twice if it was published after all).' }) },
    resolve: (_q, _root, args, ctx) => retryDelivery(ctx.services, requireAuth(ctx).workspaceId, String(args.id), args.force ?? false),
  }),
  confirmPublished: t.prismaField({
    type: 'Delivery',
    description: 'Settles an UNCONFIRMED delivery you found on the network: it becomes PUBLISHED with that link.',
    args: { deliveryId: t.arg.id({ required: true }), externalUrl: t.arg.string({ required: true }) },
    resolve: (_q, _root, args, ctx) => confirmDeliveryPublished(ctx.services, requireAuth(ctx), String(args.deliveryId), args.externalUrl),
  }),
}));

builder.subscriptionFields((t) => ({
  deliveryUpdated: t.field({
    type: DeliveryUpdate,
    description: "Every change of a delivery's status, time or attempts in the workspace, optionally for one post or channel.",
    args: { postId: t.arg.id(), channelId: t.arg.id() },
    subscribe: (_root, args, ctx) =>
      ctx.events.subscribe({
        workspaceId: requireAuth(ctx).workspaceId,
        postId: args.postId ? String(args.postId) : null,
        channelId: args.channelId ? String(args.channelId) : null,
      }),
    resolve: (snapshot) => snapshot,
  }),
}));

import { builder } from './builder.js';
import { DeliveryStatusEnum, PostSourceEnum, RequestModeEnum, SchedulingModeEnum } from './enums.js';

import { requireAuth, type Auth } from './context.js';
import type { Post } from '../generated/prisma/client.js';
import type { ServiceDeps } from '../services/deps.js';
import { uuidOrNil } from '../services/validation.js';
import { cancelPost, createPost, deletePost, publishPostNow, reschedulePost, updatePost } from '../services/posts.js';

builder.prismaObject('Post', {
  fields: (t) => ({
    id: t.exposeID('id'),
    content: t.exposeString('content'),
    mediaUrls: t.exposeStringList('mediaUrls'),
    source: t.expose('source', { type: PostSourceEnum }),
    sourceId: t.exposeString('sourceId', { nullable: true }),
    priority: t.exposeInt('priority'),
    schedulingMode: t.expose('schedulingMode', { type: SchedulingModeEnum }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    // A post's deliveries share one createdAt: the id keeps their order stable when a row is updated.
    deliveries: t.relation('deliveries', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
  }),
});

const ContentOverrideInput = builder.inputType('ContentOverrideInput', {
  fields: (t) => ({ channelId: t.id({ required: true }), content: t.string({ required: true }) }),
});

export const CreatePostInput = builder.inputType('CreatePostInput', {
  fields: (t) => ({
    content: t.string({ required: true }),
    mediaUrls: t.stringList({ description: 'Public image URLs.' }),
    channelIds: t.idList({ required: true }),
    scheduledAt: t.field({ type: 'DateTime', description: 'Give exactly one of scheduledAt, publishNow, autoSchedule and draft.' }),
    schedulingMode: t.field({
      type: RequestModeEnum,
      description: "With scheduledAt: SHIFT (default) moves it to each channel's nearest allowed instant; EXACT refuses it if a rule forbids it.",
    }),
    publishNow: t.boolean({ description: 'Publish at once: posting hours and intervals do not apply (pauses and caps do).' }),
    autoSchedule: t.boolean({ description: 'Let the smart scheduler pick evenly spread free slots ("add to queue").' }),
    draft: t.boolean({ description: 'Save without scheduling; reschedulePost or publishNow sends it later.' }),
    source: t.field({ type: PostSourceEnum, description: 'Where the post comes from (default MANUAL); sources take turns in the smart scheduler.' }),
    sourceId: t.string({ description: "The source's own id (a product id, an article id)." }),
    idempotencyKey: t.string({ description: 'Sending the same key again returns the first post instead of creating another.' }),
    priority: t.int({ description: '0 to 100, higher first (default 0).' }),
    contentOverrides: t.field({ type: [ContentOverrideInput], description: 'A different text for some channels, e.g. a shorter one.' }),
  }),
});

const UpdatePostInput = builder.inputType('UpdatePostInput', {
  fields: (t) => ({ content: t.string(), mediaUrls: t.stringList(), priority: t.int() }),
});

const PostFilter = builder.inputType('PostFilter', {
  fields: (t) => ({
    status: t.field({ type: DeliveryStatusEnum, description: 'Posts with at least one delivery in this status.' }),
    channelId: t.id(),
    from: t.field({ type: 'DateTime', description: 'Deliveries scheduled at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Deliveries scheduled before this instant.' }),
  }),
});

builder.queryFields((t) => ({
  post: t.prismaField({
    type: 'Post',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.prisma.post.findFirst({ ...query, where: { id: uuidOrNil(String(args.id)), workspaceId: requireAuth(ctx).workspaceId } }),
  }),
  posts: t.prismaConnection({
    type: 'Post',
    cursor: 'id',
    description: 'Posts, newest first.',
    args: { filter: t.arg({ type: PostFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      const deliveryWhere = {
        ...(filter?.status && { status: filter.status }),
        ...(filter?.channelId && { channelId: uuidOrNil(String(filter.channelId)) }),
        ...((filter?.from || filter?.to) && { scheduledAt: { ...(filter.from && { gte: filter.from }), ...(filter.to && { lt: filter.to }) } }),
      };
      return ctx.prisma.post.findMany({
        ...query,
        where: { workspaceId: requireAuth(ctx).workspaceId, ...(Object.keys(deliveryWhere).length && { deliveries: { some: deliveryWhere } }) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  createPost: t.prismaField({
    type: 'Post',
    description: 'Checks the content against every target network, then saves the post and one delivery per channel.',
    args: { input: t.arg({ type: CreatePostInput, required: true }) },
    resolve: (_q, _root, { input }, ctx) => {
      const auth = requireAuth(ctx);
      return createPost(ctx.services, auth, postInputFromGraphQL(input));
    },
  }),
  updatePost: t.prismaField({
    type: 'Post',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdatePostInput, required: true }) },
    resolve: (_q, _root, args, ctx) => updatePost(ctx.services, requireAuth(ctx), String(args.id), args.input),
  }),
  reschedulePost: t.prismaField({
    type: 'Post',
    description: 'Moves every delivery not yet published to a new time (drafts are scheduled).',
    args: {
      id: t.arg.id({ required: true }),
      scheduledAt: t.arg({ type: 'DateTime', required: true }),
      schedulingMode: t.arg({ type: RequestModeEnum, description: "Default: the post's own mode (SHIFT unless it was created EXACT)." }),
    },
    resolve: (_q, _root, args, ctx) => reschedulePost(ctx.services, requireAuth(ctx), String(args.id), args.scheduledAt, args.schedulingMode),
  }),
  publishNow: postVerb(t, undefined, publishPostNow),
  cancelPost: postVerb(t, 'Cancels every delivery not yet published. Refused when all are already published.', cancelPost),
  deletePost: t.id({
    description: 'Deletes the post, its deliveries and their history; returns the id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deletePost(ctx.services, requireAuth(ctx), String(args.id)),
  }),
}));

type MutationFields = Parameters<Parameters<typeof builder.mutationFields>[0]>[0];

/** A mutation on one post by its id that answers the post (publishNow, cancelPost, submitForApproval, ...): one shape, one resolver. */
export const postVerb = (t: MutationFields, description: string | undefined, act: (services: ServiceDeps, auth: Auth, id: string) => Promise<Post>) =>
  t.prismaField({
    type: 'Post',
    description,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => act(ctx.services, requireAuth(ctx), String(args.id)),
  });

/** GraphQL IDs arrive as string | number: the services take strings. */
export const postInputFromGraphQL = (input: typeof CreatePostInput.$inferInput) => ({
  ...input,
  channelIds: input.channelIds.map(String),
  contentOverrides: input.contentOverrides?.map((o) => ({ channelId: String(o.channelId), content: o.content })),
});

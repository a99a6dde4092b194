// Shareable preview links of a post (issue 12, section 3): made, listed and revoked by the team; opened (and
// commented on, if the link allows) by whoever holds one, without an account. src/services/previewLinks.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { DeliveryStatusEnum, PlatformEnum } from './enums.js';
import { uuidOrNil } from '../services/validation.js';
import {
  commentOnSharedPost,
  createPreviewLink,
  DEFAULT_PREVIEW_DAYS,
  MAX_PREVIEW_DAYS,
  openSharedPost,
  revokePreviewLink,
  type SharedPostView,
} from '../services/previewLinks.js';

builder.prismaObject('PreviewLink', {
  description: 'A shareable read-only link to a post. Its token is shown once, when it is made; only a hash of it is kept.',
  fields: (t) => ({
    id: t.exposeID('id'),
    allowComments: t.exposeBoolean('allowComments', { description: 'Whether its holder may comment (commentOnSharedPost), as a guest.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    active: t.boolean({ description: 'Not revoked and not expired: the link opens the preview.', resolve: (l) => l.revokedAt === null && l.expiresAt.getTime() > Date.now() }),
  }),
});

const CreatedPreviewLink = builder.objectRef<{ link: string; previewLinkId: string }>('CreatedPreviewLink').implement({
  fields: (t) => ({
    link: t.exposeString('link', { description: 'The link to hand out. It is shown only this once: it cannot be read again, only revoked.' }),
    previewLink: t.prismaField({
      type: 'PreviewLink',
      resolve: (query, parent, _args, ctx) => ctx.prisma.previewLink.findUniqueOrThrow({ ...query, where: { id: parent.previewLinkId } }),
    }),
  }),
});

const SharedTarget = builder.objectRef<SharedPostView['targets'][number]>('SharedPostTarget').implement({
  description: 'Where the post goes: a channel as its audience sees it.',
  fields: (t) => ({
    platform: t.field({ type: PlatformEnum, resolve: (x) => x.platform }),
    channelName: t.exposeString('channelName'),
    content: t.exposeString('content', { description: 'The text this channel gets (a shorter one may be set for it).' }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (x) => x.status }),
    scheduledAt: t.field({ type: 'DateTime', nullable: true, resolve: (x) => x.scheduledAt }),
    publishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (x) => x.publishedAt }),
  }),
});

const SharedComment = builder.objectRef<SharedPostView['comments'][number]>('SharedPostComment').implement({
  description: "A guest's comment through a preview link.",
  fields: (t) => ({
    name: t.exposeString('name'),
    text: t.exposeString('text'),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
  }),
});

const SharedPost = builder.objectRef<SharedPostView>('SharedPost').implement({
  description: "A post as a preview link shows it: what goes out, where and when; nothing else of the workspace (no ids, no people's emails).",
  fields: (t) => ({
    content: t.exposeString('content'),
    mediaUrls: t.exposeStringList('mediaUrls'),
    targets: t.field({ type: [SharedTarget], resolve: (p) => p.targets }),
    comments: t.field({ type: [SharedComment], description: "Guests' comments, oldest first (the team's own stay inside the workspace).", resolve: (p) => p.comments }),
    allowComments: t.exposeBoolean('allowComments'),
    expiresAt: t.field({ type: 'DateTime', resolve: (p) => p.expiresAt }),
  }),
});

builder.queryFields((t) => ({
  previewLinks: t.prismaField({
    type: ['PreviewLink'],
    description: "A post's preview links, newest first (revoked and expired ones included).",
    args: { postId: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.previewLink.findMany({
        ...query,
        where: { postId: uuidOrNil(String(args.postId)), workspaceId: requireAuth(ctx).workspaceId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  sharedPost: t.field({
    type: SharedPost,
    description: 'The post a preview link shows (no account needed: the token is the credential). NOT_FOUND once revoked or expired.',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => openSharedPost(ctx.services, args.token, ctx.clientIp),
  }),
}));

builder.mutationFields((t) => ({
  createPreviewLink: t.field({
    type: CreatedPreviewLink,
    description: 'A read-only link to the post for someone without an account (a client who approves): unguessable, revocable, expiring.',
    args: {
      postId: t.arg.id({ required: true }),
      expiresInDays: t.arg.int({ description: `How long it works: 1 to ${MAX_PREVIEW_DAYS} days (default ${DEFAULT_PREVIEW_DAYS}).` }),
      allowComments: t.arg.boolean({ description: 'Whether its holder may comment as a guest (default true).' }),
    },
    resolve: (_root, args, ctx) => createPreviewLink(ctx.services, requireAuth(ctx), String(args.postId), args),
  }),
  revokePreviewLink: t.prismaField({
    type: 'PreviewLink',
    description: 'Ends a preview link at once.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await revokePreviewLink(ctx.services, requireAuth(ctx), String(args.id));
      return ctx.prisma.previewLink.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  commentOnSharedPost: t.field({
    type: SharedComment,
    description: "A guest's comment through a preview link that allows it (no account: the name given is shown with it). Throttled.",
    args: { token: t.arg.string({ required: true }), name: t.arg.string({ required: true }), text: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => commentOnSharedPost(ctx.services, args.token, args.name, args.text, ctx.clientIp),
  }),
}));

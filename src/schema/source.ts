// Content sources (issue 13): a connected store or site, its rules, the events it sent and what became of them, and a
// preview of the post an item makes. Sources are created by their connector's install, never here.
// src/services/sources.ts and src/services/sourcePosts.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { PlatformEnum, SourceKindEnum, SourceStatusEnum } from './enums.js';
import { storedSourceRules } from '../domain/sourceRules.js';
import { uuidOrNil } from '../services/validation.js';
import { disconnectSource, findSourceOf, previewSourcePost, updateSource, type SourcePostPreview } from '../services/sources.js';
import { importCatalog } from '../services/sourceImports.js';
import { missingScopesOf } from '../services/sourceScopes.js';
import { createWordPressSource, rotateSourceSecret } from '../services/wordpressSources.js';
import { createFeedSource } from '../services/feedSources.js';
import { ValidationError } from '../domain/errors.js';

const SourceEventOutcomeEnum = builder.enumType('SourceEventOutcome', {
  values: {
    POST_CREATED: { description: 'A rule event: its post (one per occurrence) was made.' },
    DUPLICATE: { description: 'The same event again (the store delivers some more than once): nothing was done.' },
    IGNORED: { description: 'Nothing to post: no rule event, the item not published, no channel... (the reason says which).' },
    STALE: { description: 'Older than a change already applied: the store sent it late.' },
    CANCELLED: { description: 'The item was deleted or unpublished: its posts not yet out were cancelled.' },
    ERROR: { description: 'It could not be handled (the reason says why); a redelivery of the event tries again.' },
  } as const,
});

builder.prismaObject('Source', {
  description: 'A connected store or site whose items become posts. Its credentials are never shown.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: SourceKindEnum, resolve: (s) => s.kind }),
    name: t.exposeString('name'),
    externalId: t.exposeString('externalId', { description: "The shop's myshopify.com domain, or the site's URL." }),
    status: t.field({ type: SourceStatusEnum, resolve: (s) => s.status }),
    rules: t.field({
      type: 'JSON',
      description: 'Which events make posts, to which channels, in which words, when (README: Content sources).',
      resolve: (s) => storedSourceRules(s.rules),
    }),
    missingScopes: t.stringList({
      description:
        'Access the store granted PostFlow lacks for what the rules ask (read_inventory for BACK_IN_STOCK on Shopify): install the app again (connectShopifyStart) to grant it. Empty when nothing is missing, or the source holds no grant (stopped).',
      resolve: (s, _args, ctx) => missingScopesOf(ctx.services, s),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('SourceEvent', {
  description: 'An event a source sent (a webhook, an import row) and what became of it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    eventId: t.exposeString('eventId', { description: "The store's own id of the event." }),
    itemExternalId: t.exposeString('itemExternalId', { nullable: true, description: "The store's id of the item." }),
    change: t.exposeString('change', {
      description: "UPSERTED, DELETED or SHARED (from the store), EVERGREEN (a re-share the evergreen job made), or POLL (a feed's read that failed).",
    }),
    changedAt: t.expose('changedAt', { type: 'DateTime', nullable: true, description: 'When the store says it happened.' }),
    outcome: t.field({ type: SourceEventOutcomeEnum, resolve: (e) => e.outcome }),
    reason: t.exposeString('reason'),
    postIds: t.exposeIDList('postIds', { description: 'The posts it made or cancelled.' }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
  }),
});

const SourceImportStatusEnum = builder.enumType('SourceImportStatus', {
  values: {
    RUNNING: { description: 'The store prepares its export, or its items are being handed to the rules.' },
    COMPLETED: { description: 'Every item of the catalog was handed to the rules.' },
    FAILED: { description: 'It stopped: lastError says why. The posts it made stay.' },
  } as const,
});

builder.prismaObject('SourceImport', {
  description: "A catalog import (importCatalog): every item of the store through the source's rules, its posts spread by the smart scheduler.",
  fields: (t) => ({
    id: t.exposeID('id'),
    sourceId: t.exposeID('sourceId'),
    status: t.field({ type: SourceImportStatusEnum, resolve: (i) => i.status }),
    exportedObjects: t.exposeInt('exportedObjects', { description: "Objects the store's export has written so far (products and their variants and images)." }),
    seen: t.exposeInt('seen', { description: 'Items read from the export so far.' }),
    processed: t.exposeInt('processed', { description: 'Items handed to the rules so far.' }),
    postsCreated: t.exposeInt('postsCreated'),
    skipped: t.exposeInt('skipped', { description: 'Items that made no post: posted already, not published, no rule event (their events say which).' }),
    errors: t.exposeInt('errors', { description: 'Items whose event ended in ERROR (sourceEvents has the reason).' }),
    lastError: t.exposeString('lastError', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const LinkCard = builder.objectRef<NonNullable<SourcePostPreview['card']>>('LinkCard').implement({
  description: "The card shown with the item's link where a network builds none from the URL itself (Bluesky, LinkedIn).",
  fields: (t) => ({
    url: t.exposeString('url'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    image: t.exposeString('image', { nullable: true }),
  }),
});

const SourcePostPreviewRef = builder.objectRef<SourcePostPreview>('SourcePostPreview').implement({
  description: 'The post one channel would get for an item, under the source rules as they are.',
  fields: (t) => ({
    channelId: t.exposeID('channelId'),
    channelName: t.exposeString('channelName'),
    platform: t.field({ type: PlatformEnum, resolve: (p) => p.platform as never }),
    text: t.exposeString('text'),
    fits: t.exposeBoolean('fits', { description: 'False when even the link alone does not fit the network: no post would be made.' }),
    droppedHashtags: t.exposeInt('droppedHashtags', { description: 'Hashtags left out to fit the network.' }),
    droppedWords: t.exposeInt('droppedWords', { description: 'Words cut from the end (an ellipsis marks the cut).' }),
    link: t.exposeString('link', { nullable: true, description: "The item's link as posted (with UTM parameters when they are on)." }),
    card: t.field({ type: LinkCard, nullable: true, resolve: (p) => p.card }),
    mediaUrls: t.exposeStringList('mediaUrls'),
  }),
});

const UpdateSourceInput = builder.inputType('UpdateSourceInput', {
  fields: (t) => ({
    name: t.string(),
    rules: t.field({ type: 'JSON', description: 'The whole rules (README: Content sources); checked before saving: templates with their line and column.' }),
  }),
});

const SourceEventFilter = builder.inputType('SourceEventFilter', {
  fields: (t) => ({ outcome: t.field({ type: SourceEventOutcomeEnum }) }),
});

builder.queryFields((t) => ({
  sources: t.prismaField({
    type: ['Source'],
    description: "The workspace's content sources, oldest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.source.findMany({ ...query, where: { workspaceId: requireAuth(ctx).workspaceId, deletedAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
  source: t.prismaField({
    type: 'Source',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx) => findSourceOf(ctx.services, requireAuth(ctx).workspaceId, String(args.id)),
  }),
  sourceEvents: t.prismaConnection({
    type: 'SourceEvent',
    cursor: 'id',
    description: 'The events a source sent, newest first, each with its outcome.',
    args: { sourceId: t.arg.id({ required: true }), filter: t.arg({ type: SourceEventFilter }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.sourceEvent.findMany({
        ...query,
        where: {
          sourceId: uuidOrNil(String(args.sourceId)),
          source: { workspaceId: requireAuth(ctx).workspaceId, deletedAt: null },
          ...(args.filter?.outcome && { outcome: args.filter.outcome }),
        },
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
  sourceImports: t.prismaField({
    type: ['SourceImport'],
    description: "A source's catalog imports, newest first.",
    args: { sourceId: t.arg.id({ required: true }), first: t.arg.int({ description: 'At most this many (default 20, at most 100).' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.sourceImport.findMany({
        ...query,
        where: { sourceId: uuidOrNil(String(args.sourceId)), workspaceId: requireAuth(ctx).workspaceId },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: Math.min(Math.max(args.first ?? 20, 1), 100),
      }),
  }),
  previewSourcePost: t.field({
    type: [SourcePostPreviewRef],
    description: "The post a stored item makes on each of the rules' channels (or on channelId), under the rules as they are now.",
    args: {
      sourceId: t.arg.id({ required: true }),
      itemId: t.arg.string({ required: true, description: "The store's id of the item." }),
      channelId: t.arg.id(),
    },
    resolve: (_root, args, ctx) => previewSourcePost(ctx.services, requireAuth(ctx), String(args.sourceId), args.itemId, args.channelId ? String(args.channelId) : null),
  }),
}));

builder.mutationFields((t) => ({
  updateSource: t.prismaField({
    type: 'Source',
    description: 'Renames a source or replaces its rules (checked whole: nothing is saved if any part is wrong).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateSourceInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await updateSource(ctx.services, requireAuth(ctx), String(args.id), { name: args.input.name, rules: args.input.rules });
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  importCatalog: t.prismaField({
    type: 'SourceImport',
    description: "Imports the store's whole catalog through the rules (one post per item's first publication, spread by the smart scheduler); CONFLICT while one runs.",
    args: { sourceId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await importCatalog(ctx.services, requireAuth(ctx), String(args.sourceId));
      return ctx.prisma.sourceImport.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  disconnectSource: t.prismaField({
    type: 'Source',
    description: 'Stops a source: it takes no more events and its credentials are erased. The posts it made stay, each cancellable.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await disconnectSource(ctx.services, requireAuth(ctx), String(args.id));
      return ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  sourceImportUpdated: t.prismaField({
    type: 'SourceImport',
    description: "A source's import as its progress is written (a batch at a time), until it has finished.",
    args: { sourceId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => ctx.events.subscribeSourceImports({ workspaceId: requireAuth(ctx).workspaceId, sourceId: String(args.sourceId) }),
    resolve: (query, signal: { id: string }, _args, ctx) =>
      ctx.prisma.sourceImport.findFirstOrThrow({ ...query, where: { id: signal.id, workspaceId: requireAuth(ctx).workspaceId } }),
  }),
}));

// --- sources created here (issue 14): a WordPress site (its plugin gets the key and secret answered once), a feed ---

const CreateSourceInput = builder.inputType('CreateSourceInput', {
  fields: (t) => ({
    kind: t.field({ type: SourceKindEnum, required: true, description: 'WORDPRESS or FEED (a Shopify store connects through the Shopify app).' }),
    name: t.string({ required: true }),
    url: t.string({ required: true, description: "The site's address (WORDPRESS) or the RSS/Atom feed's (FEED): a public http(s) URL." }),
  }),
});

interface SourceConnection {
  sourceId: string;
  siteKey: string | null;
  signingSecret: string | null;
}

const SourceConnectionRef = builder.objectRef<SourceConnection>('SourceConnection').implement({
  description: "A source just created, or its secrets just replaced: the site key and signing secret are shown this once (PostFlow keeps only the key's hash).",
  fields: (t) => ({
    source: t.prismaField({ type: 'Source', resolve: (query, c, _args, ctx) => ctx.prisma.source.findUniqueOrThrow({ ...query, where: { id: c.sourceId } }) }),
    siteKey: t.exposeString('siteKey', { nullable: true, description: 'WORDPRESS: what the plugin names the site by ("pfs_..."); null for a FEED.' }),
    signingSecret: t.exposeString('signingSecret', {
      nullable: true,
      description: 'WORDPRESS: the Standard Webhooks secret ("whsec_...") the plugin signs every request with; null for a FEED.',
    }),
  }),
});

builder.mutationFields((t) => ({
  createSource: t.field({
    type: SourceConnectionRef,
    description: 'Connects a WordPress site (answers its site key and signing secret, once) or an RSS/Atom feed (polled, no secrets), within the plan.',
    args: { input: t.arg({ type: CreateSourceInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const auth = requireAuth(ctx);
      const input = { kind: args.input.kind, name: args.input.name, url: args.input.url };
      if (input.kind === 'WORDPRESS') return createWordPressSource(ctx.services, auth, input);
      if (input.kind === 'FEED') return { ...(await createFeedSource(ctx.services, auth, input)), siteKey: null, signingSecret: null };
      throw ValidationError.single(['input', 'kind'], 'kind', 'a Shopify store connects through the Shopify app (connectShopifyStart), not createSource');
    },
  }),
  rotateSourceSecret: t.field({
    type: SourceConnectionRef,
    description: "A WordPress source's new site key and signing secret (shown this once); the old pair is refused from now on.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => rotateSourceSecret(ctx.services, requireAuth(ctx), String(args.id)),
  }),
}));

// What PostFlow knows of each network (how it connects, what it checks), and the content check on its own.
import { builder } from './builder.js';
import { PlatformEnum } from './enums.js';
import { requireAuth } from './context.js';
import { CONTENT_RULES, type ContentRules } from '../integrations/contentRules.js';
import { validatePost, type PostVerdict } from '../services/content.js';
import type { ContentViolation, PlatformName } from '../integrations/types.js';

interface Network {
  platform: PlatformName;
  oauth: boolean;
  needsInstanceUrl: boolean;
  appConfigured: boolean;
  rules: ContentRules;
}

const ContentRulesRef = builder.objectRef<ContentRules>('ContentRules').implement({
  description: "What a network accepts in a post, from the one rules table (a channel's server may lower or raise some, e.g. a Mastodon instance).",
  fields: (t) => ({
    counting: t.exposeString('counting', { description: 'How characters are counted: X_WEIGHTED, GRAPHEMES, UTF16, CODE_POINTS, MASTODON, THREADS.' }),
    maxLength: t.exposeInt('maxLength'),
    maxCaptionLength: t.exposeInt('maxCaptionLength', { nullable: true }),
    maxBytes: t.exposeInt('maxBytes', { nullable: true }),
    maxMedia: t.exposeInt('maxMedia'),
    requiresMedia: t.boolean({ resolve: (r) => r.requiresMedia ?? false }),
    maxHashtags: t.exposeInt('maxHashtags', { nullable: true }),
    maxMentions: t.exposeInt('maxMentions', { nullable: true }),
    maxLinks: t.exposeInt('maxLinks', { nullable: true }),
    threads: t.boolean({ description: 'A line of "---" splits the text into a thread.', resolve: (r) => r.threadSeparator ?? false }),
  }),
});

const NetworkRef = builder.objectRef<Network>('Network').implement({
  fields: (t) => ({
    platform: t.expose('platform', { type: PlatformEnum }),
    oauth: t.exposeBoolean('oauth', { description: 'Connected through connectChannelStart (otherwise createChannel with credentials).' }),
    needsInstanceUrl: t.exposeBoolean('needsInstanceUrl'),
    appConfigured: t.exposeBoolean('appConfigured', { description: 'This server has an app at the network; otherwise connectChannelStart needs input.app.' }),
    rules: t.field({ type: ContentRulesRef, resolve: (n) => n.rules }),
  }),
});

const ViolationRef = builder.objectRef<ContentViolation>('ContentViolation').implement({
  fields: (t) => ({
    field: t.exposeString('field'),
    rule: t.exposeString('rule'),
    message: t.exposeString('message'),
  }),
});

const VerdictRef = builder.objectRef<PostVerdict>('ContentVerdict').implement({
  description: "The content as one channel's network would judge it.",
  fields: (t) => ({
    channelId: t.exposeID('channelId'),
    platform: t.expose('platform', { type: PlatformEnum }),
    ok: t.exposeBoolean('ok'),
    counted: t.exposeInt('counted', { description: 'The length as this network counts it.' }),
    limit: t.exposeInt('limit'),
    violations: t.field({ type: [ViolationRef], resolve: (v) => v.violations }),
  }),
});

const ContentOverrideCheckInput = builder.inputType('ContentOverrideCheckInput', {
  fields: (t) => ({ channelId: t.id({ required: true }), content: t.string({ required: true }) }),
});

builder.queryFields((t) => ({
  networks: t.field({
    type: [NetworkRef],
    description: 'The networks this server publishes to, how each is connected and what each accepts.',
    resolve: (_root, _args, ctx) => {
      requireAuth(ctx);
      return ctx.services.providers.platforms().map((platform) => {
        const oauth = ctx.services.providers.get(platform).oauth;
        return {
          platform,
          oauth: Boolean(oauth),
          needsInstanceUrl: oauth?.needsInstanceUrl ?? false,
          appConfigured: Boolean(oauth?.configuredApp()),
          rules: CONTENT_RULES[platform],
        };
      });
    },
  }),
  validatePost: t.field({
    type: [VerdictRef],
    description: "Checks content against each channel's rules, as createPost will, without saving anything.",
    args: {
      content: t.arg.string({ required: true }),
      channelIds: t.arg.idList({ required: true }),
      mediaUrls: t.arg.stringList(),
      contentOverrides: t.arg({ type: [ContentOverrideCheckInput] }),
    },
    resolve: (_root, args, ctx) =>
      validatePost(ctx.services, requireAuth(ctx).workspaceId, {
        content: args.content,
        channelIds: args.channelIds.map(String),
        mediaUrls: args.mediaUrls ?? [],
        contentOverrides: (args.contentOverrides ?? []).map((o) => ({ channelId: String(o.channelId), content: o.content })),
      }),
  }),
}));

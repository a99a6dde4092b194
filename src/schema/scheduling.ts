// Posting policies, slots and the smart scheduler in GraphQL.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { findChannel, updateChannelPolicy } from '../services/channels.js';
import { nextSlots, policyOf } from '../services/scheduling.js';
import { runSmartSchedule } from '../services/smartSchedule.js';
import { autoSchedulePosts } from '../services/posts.js';
import { bulkCreatePosts, MAX_BULK_POSTS } from '../services/bulkPosts.js';
import { previewSchedule } from '../services/preview.js';
import { CreatePostInput, postInputFromGraphQL } from './post.js';
import { PostSourceEnum, RequestModeEnum, ScheduleLayerEnum } from './enums.js';
import { limitsFor } from '../integrations/limits.js';
import type { Blackout, PostingPolicy, TimeRange, Week } from '../scheduling/policy.js';

const TimeRangeType = builder.objectRef<TimeRange>('TimeRange').implement({
  fields: (t) => ({
    start: t.exposeString('start', { description: 'HH:MM, local to the channel.' }),
    end: t.exposeString('end', { description: 'HH:MM; 24:00 is the end of the day.' }),
  }),
});
const WeekdayWindows = builder.objectRef<{ weekday: number; ranges: TimeRange[] }>('WeekdayWindows').implement({
  fields: (t) => ({ weekday: t.exposeInt('weekday', { description: '1 = Monday ... 7 = Sunday.' }), ranges: t.field({ type: [TimeRangeType], resolve: (w) => w.ranges }) }),
});
const BlackoutType = builder.objectRef<Blackout>('Blackout').implement({
  fields: (t) => ({
    start: t.exposeString('start', { description: 'YYYY-MM-DD (whole day) or YYYY-MM-DDTHH:MM, local.' }),
    end: t.exposeString('end', { description: 'YYYY-MM-DD (to the end of that day) or YYYY-MM-DDTHH:MM, local.' }),
    label: t.exposeString('label', { nullable: true }),
  }),
});
const PlatformLimitsType = builder.objectRef<ReturnType<typeof limitsFor>>('PlatformLimits').implement({
  description: "The network's own limits: a channel's caps can be lowered below them, never raised above.",
  fields: (t) => ({
    dailyCap: t.exposeInt('dailyCap', { nullable: true }),
    rolling24hCap: t.exposeInt('rolling24hCap', { nullable: true }),
    defaultMinIntervalMinutes: t.exposeInt('minIntervalMinutes'),
  }),
});
const weekdays = (week: Week) =>
  Object.entries(week)
    .map(([weekday, ranges]) => ({ weekday: Number(weekday), ranges }))
    .filter((w) => w.ranges.length > 0);

const PostingPolicyType = builder.objectRef<PostingPolicy & { platform: string }>('PostingPolicy').implement({
  description:
    'Posting rules (windows, blackouts, minIntervalMinutes, caps) bind every post, even one with a time; none are set until the owner sets them. ' +
    'Queue hours only steer where the smart scheduler puts posts without a time.',
  fields: (t) => ({
    windows: t.field({
      type: [WeekdayWindows],
      description: 'Posting hours, a rule for every post. Empty: any hour (nobody restricted it); hoursRestricted tells it apart from a week with no hours.',
      resolve: (p) => weekdays(p.windows),
    }),
    hoursRestricted: t.boolean({ description: 'Whether posting hours are set at all.', resolve: (p) => Object.keys(p.windows).length > 0 }),
    blackouts: t.field({ type: [BlackoutType], resolve: (p) => p.blackouts }),
    minIntervalMinutes: t.exposeInt('minIntervalMinutes', { description: 'Minimum spacing between any two posts on the channel (0: none).' }),
    queueHours: t.field({
      type: [WeekdayWindows],
      description: 'Where the smart scheduler and autoSchedule place posts without a time (inside the posting hours). Empty: any hour the rules allow.',
      resolve: (p) => weekdays(p.queueHours),
    }),
    queueHoursRestricted: t.boolean({
      description: 'Whether queue hours are set at all (false: any hour the rules allow; true with no queueHours: the smart scheduler places nothing).',
      resolve: (p) => Object.keys(p.queueHours).length > 0,
    }),
    queueSpacingMinutes: t.exposeInt('queueSpacingMinutes', { description: 'Spacing between the posts the smart scheduler places.' }),
    dailyCap: t.exposeInt('dailyCap', { nullable: true, description: "Per calendar day in the channel's time zone." }),
    rolling24hCap: t.exposeInt('rolling24hCap', { nullable: true }),
    reservedShare: t.exposeFloat('reservedShare', { description: "Share of each day's slots the smart scheduler leaves for hand-scheduled posts." }),
    platformLimits: t.field({ type: PlatformLimitsType, resolve: (p) => limitsFor(p.platform) }),
  }),
});

const TimeRangeInput = builder.inputType('TimeRangeInput', { fields: (t) => ({ start: t.string({ required: true }), end: t.string({ required: true }) }) });
const WeekdayWindowsInput = builder.inputType('WeekdayWindowsInput', {
  fields: (t) => ({ weekday: t.int({ required: true }), ranges: t.field({ type: [TimeRangeInput], required: true }) }),
});
const BlackoutInput = builder.inputType('BlackoutInput', { fields: (t) => ({ start: t.string({ required: true }), end: t.string({ required: true }), label: t.string() }) });
export const PostingPolicyInput = builder.inputType('PostingPolicyInput', {
  description: 'Only the fields given change. windows and queueHours each replace the whole week: a weekday left out allows nothing, an empty list removes the restriction.',
  fields: (t) => ({
    windows: t.field({ type: [WeekdayWindowsInput], description: 'Posting hours: a rule for every post.' }),
    queueHours: t.field({ type: [WeekdayWindowsInput], description: 'Where the smart scheduler places posts without a time.' }),
    queueSpacingMinutes: t.int(),
    blackouts: t.field({ type: [BlackoutInput] }),
    minIntervalMinutes: t.int(),
    dailyCap: t.int({ description: 'null removes the cap, where the network has none.' }),
    rolling24hCap: t.int(),
    reservedShare: t.float(),
  }),
});

builder.prismaObjectField('Channel', 'policy', (t) =>
  t.field({ type: PostingPolicyType, select: { platform: true, policy: true }, resolve: (c) => ({ ...policyOf(c), platform: c.platform }) }),
);

const Slot = builder.objectRef<{ at: Date; reason: string | null }>('Slot').implement({
  fields: (t) => ({ at: t.expose('at', { type: 'DateTime' }), reason: t.exposeString('reason', { nullable: true, description: 'Why the previous instant was not free.' }) }),
});

const SmartScheduleSummary = builder.objectRef<{ placed: number; pending: number; channels: number }>('SmartScheduleSummary').implement({
  fields: (t) => ({ placed: t.exposeInt('placed'), pending: t.exposeInt('pending', { description: 'Still waiting for a free slot.' }), channels: t.exposeInt('channels') }),
});

const PreviewPostInput = builder.inputType('PreviewPostInput', {
  fields: (t) => ({
    channelIds: t.idList({ required: true }),
    scheduledAt: t.field({ type: 'DateTime', description: 'Without it, the post is placed as the smart scheduler would.' }),
    schedulingMode: t.field({ type: RequestModeEnum }),
    priority: t.int(),
    source: t.field({ type: PostSourceEnum }),
  }),
});

const PreviewedDelivery = builder
  .objectRef<{ postIndex: number; channelId: string; scheduledAt: Date | null; allowed: boolean; reason: string | null; layer: 'RULES' | 'QUEUE' }>('PreviewedDelivery')
  .implement({
    fields: (t) => ({
      postIndex: t.exposeInt('postIndex'),
      channelId: t.exposeID('channelId'),
      scheduledAt: t.expose('scheduledAt', { type: 'DateTime', nullable: true }),
      allowed: t.exposeBoolean('allowed', { description: 'false: EXACT would be refused, or it would wait as PENDING.' }),
      reason: t.exposeString('reason', { nullable: true }),
      layer: t.field({
        type: ScheduleLayerEnum,
        description: 'RULES: a post with a time, placed by the posting rules. QUEUE: placed by the smart scheduler.',
        resolve: (d) => d.layer,
      }),
    }),
  });

const BulkCreatePostsPayload = builder
  .objectRef<{ postIds: string[]; created: number; existing: number; scheduled: number; pending: number; drafts: number; awaitingApproval: number }>('BulkCreatePostsPayload')
  .implement({
    fields: (t) => ({
      postIds: t.exposeIDList('postIds', { description: 'One per input row, in order (an existing post for a known idempotencyKey).' }),
      created: t.exposeInt('created'),
      existing: t.exposeInt('existing'),
      scheduled: t.exposeInt('scheduled', { description: 'Deliveries scheduled.' }),
      pending: t.exposeInt('pending', { description: 'Deliveries waiting for the smart scheduler, which runs right after.' }),
      drafts: t.exposeInt('drafts'),
      awaitingApproval: t.exposeInt('awaitingApproval', { description: "Deliveries held for an ADMIN's approval (the workspace's approval setting)." }),
    }),
  });

builder.queryFields((t) => ({
  previewSchedule: t.field({
    type: [PreviewedDelivery],
    description: 'A dry run: where these posts would go on each channel and why. Nothing is saved.',
    args: { posts: t.arg({ type: [PreviewPostInput], required: true }) },
    resolve: (_root, args, ctx) =>
      previewSchedule(
        ctx.services,
        requireAuth(ctx).workspaceId,
        args.posts.map((p) => ({ ...p, channelIds: p.channelIds.map(String) })),
      ),
  }),
  nextSlots: t.field({
    type: [Slot],
    description:
      'The next free instants on a channel and what is already scheduled: under its posting rules (RULES, where a timed post may go) or where the smart scheduler would place (QUEUE).',
    args: {
      channelId: t.arg.id({ required: true }),
      count: t.arg.int({ defaultValue: 10 }),
      from: t.arg({ type: 'DateTime' }),
      kind: t.arg({ type: ScheduleLayerEnum, defaultValue: 'RULES' }),
    },
    resolve: async (_root, args, ctx) => {
      const channel = await findChannel(ctx.services, requireAuth(ctx).workspaceId, String(args.channelId));
      return nextSlots(ctx.services.pool, channel, Math.max(Date.now(), args.from?.getTime() ?? 0), Math.min(Math.max(args.count ?? 10, 1), 500), args.kind ?? 'RULES');
    },
  }),
}));

builder.mutationFields((t) => ({
  updateChannelPolicy: t.prismaField({
    type: 'Channel',
    args: { channelId: t.arg.id({ required: true }), policy: t.arg({ type: PostingPolicyInput, required: true }) },
    resolve: (_q, _root, args, ctx) => updateChannelPolicy(ctx.services, requireAuth(ctx), String(args.channelId), args.policy),
  }),
  bulkCreatePosts: t.field({
    type: BulkCreatePostsPayload,
    description: `Up to ${MAX_BULK_POSTS} posts in one call, each checked like createPost; one issue per problem, under ["posts", row, field], and nothing saved if any row is refused. autoSchedule: true hands rows without a time to the smart scheduler.`,
    args: { posts: t.arg({ type: [CreatePostInput], required: true }), autoSchedule: t.arg.boolean({ defaultValue: false }) },
    resolve: (_root, args, ctx) => bulkCreatePosts(ctx.services, requireAuth(ctx), args.posts.map(postInputFromGraphQL), !!args.autoSchedule),
  }),
  runSmartSchedule: t.field({
    type: SmartScheduleSummary,
    description: "Places this workspace's PENDING deliveries now (it also runs periodically and after bulk creation).",
    resolve: (_root, _args, ctx) =>
      runSmartSchedule(ctx.services.pool, { workspaceId: requireAuth(ctx).workspaceId, horizonMs: ctx.services.config.scheduling.horizonDays * 86_400_000 }),
  }),
  autoSchedule: t.prismaField({
    type: ['Post'],
    description: 'Hands these posts to the smart scheduler: every delivery not yet published is placed in an evenly spread free slot.',
    args: { postIds: t.arg.idList({ required: true }) },
    resolve: (_q, _root, args, ctx) => {
      const auth = requireAuth(ctx);
      return autoSchedulePosts(ctx.services, auth.workspaceId, args.postIds.map(String), auth.role);
    },
  }),
}));

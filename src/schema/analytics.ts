// analytics(from, to, channelIds, timeZone): the dashboard's delivery figures over a range.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { deliveryAnalytics, MAX_ANALYTICS_DAYS, type DeliveryAnalytics } from '../services/analytics.js';

type Day = DeliveryAnalytics['days'][number];
type PerChannel = DeliveryAnalytics['channels'][number];
type Reason = DeliveryAnalytics['failureReasons'][number];

const AnalyticsDay = builder.objectRef<Day>('AnalyticsDay').implement({
  fields: (t) => ({
    day: t.exposeString('day', { description: 'The local date, YYYY-MM-DD, in the time zone of the analytics.' }),
    published: t.exposeInt('published'),
    failed: t.exposeInt('failed'),
  }),
});

const ChannelAnalytics = builder.objectRef<PerChannel>('ChannelAnalytics').implement({
  fields: (t) => ({
    channel: t.prismaField({ type: 'Channel', resolve: (_query, c) => c.channel }),
    published: t.exposeInt('published'),
    failed: t.exposeInt('failed'),
    onTimeRate: t.float({ nullable: true, resolve: (c) => c.onTimeRate }),
  }),
});

const FailureReason = builder.objectRef<Reason>('FailureReason').implement({
  fields: (t) => ({
    reason: t.exposeString('reason', { description: "The last attempt's error class (e.g. AUTH, TIMEOUT), else the delivery's last error." }),
    count: t.exposeInt('count'),
  }),
});

const Analytics = builder.objectRef<DeliveryAnalytics>('DeliveryAnalytics').implement({
  description:
    'Published and failed deliveries whose time (publishedAt once published, else scheduledAt) is in [from, to). Lateness, never below 0, is ' +
    'when it went out (publishedAt; for one confirmed by a person or settled by a lookup, the start of its last attempt) less when it was due: ' +
    'the time a person or the scheduler last put it at. Automatic retries, rate-limit waits and moves by the posting rules at publish time count as lateness.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', resolve: (a) => a.from }),
    to: t.field({ type: 'DateTime', resolve: (a) => a.to }),
    timeZone: t.exposeString('timeZone', { description: 'The IANA zone the days are read in.' }),
    published: t.exposeInt('published'),
    failed: t.exposeInt('failed'),
    onTimeRate: t.float({
      nullable: true,
      description: 'Share (0 to 1) of the published ones that went out at most 60 s late; null when none was published.',
      resolve: (a) => a.onTimeRate,
    }),
    latenessP50Seconds: t.float({ nullable: true, description: 'Median lateness of the published ones (null when none).', resolve: (a) => a.latenessP50Seconds }),
    latenessP95Seconds: t.float({ nullable: true, description: '95th percentile (continuous) of their lateness.', resolve: (a) => a.latenessP95Seconds }),
    days: t.field({ type: [AnalyticsDay], description: 'Every local day that meets the range, in order, zeros included.', resolve: (a) => a.days }),
    channels: t.field({
      type: [ChannelAnalytics],
      description: 'The channels asked for (default: every channel), by name, and deleted ones that have deliveries in the range.',
      resolve: (a) => a.channels,
    }),
    failureReasons: t.field({ type: [FailureReason], description: 'The ten commonest reasons of the failures, commonest first.', resolve: (a) => a.failureReasons }),
  }),
});

builder.queryFields((t) => ({
  analytics: t.field({
    type: Analytics,
    description: `Delivery analytics over [from, to) (at most ${MAX_ANALYTICS_DAYS} days), days read in timeZone (default UTC).`,
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      channelIds: t.arg.idList(),
      timeZone: t.arg.string({ description: 'An IANA time zone, e.g. Europe/Berlin.' }),
    },
    resolve: (_root, args, ctx) =>
      deliveryAnalytics(ctx.services, requireAuth(ctx).workspaceId, { from: args.from, to: args.to, channelIds: args.channelIds?.map(String), timeZone: args.timeZone }),
  }),
}));

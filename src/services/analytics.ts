// analytics(from, to, channelIds, timeZone): what the dashboard charts. The range and the zone are checked, the zone's
// local days computed by the scheduling core's calendar (DST-correct), and the store counts everything in one
// statement; every day of the range is answered, those without deliveries as zeros.
import type { Channel } from '../generated/prisma/client.js';
import { ZoneCalendar } from '../scheduling/calendar.js';
import { countDeliveryOutcomes } from '../store/analytics.js';
import { checkRange } from './deliveryQueries.js';
import type { ServiceDeps } from './deps.js';
import { Issues, isValidTimezone, uuidOrNil } from './validation.js';

export const MAX_ANALYTICS_DAYS = 366;
const MAX_CHANNELS = 100;

export interface AnalyticsInput {
  from: Date;
  to: Date;
  channelIds?: string[] | null;
  timeZone?: string | null;
}

export interface DeliveryAnalytics {
  from: Date;
  to: Date;
  timeZone: string;
  published: number;
  failed: number;
  /** Share of the published deliveries that went out at most 60 s after they were due; null when none was published. */
  onTimeRate: number | null;
  latenessP50Seconds: number | null;
  latenessP95Seconds: number | null;
  days: { day: string; published: number; failed: number }[];
  channels: { channel: Channel; published: number; failed: number; onTimeRate: number | null }[];
  failureReasons: { reason: string; count: number }[];
}

/** Workspaces have no time zone of their own yet: the default is UTC. */
const DEFAULT_TIME_ZONE = 'UTC';

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);

export async function deliveryAnalytics(deps: ServiceDeps, workspaceId: string, input: AnalyticsInput): Promise<DeliveryAnalytics> {
  const issues = new Issues();
  const timeZone = input.timeZone ?? DEFAULT_TIME_ZONE;
  issues.check(isValidTimezone(timeZone), ['timeZone'], 'timezone', `"${timeZone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  checkRange(issues, [], input.from, input.to, MAX_ANALYTICS_DAYS);
  issues.check((input.channelIds?.length ?? 0) <= MAX_CHANNELS, ['channelIds'], 'maxItems', `channelIds may name at most ${MAX_CHANNELS} channels`);
  issues.throwIfAny();

  const days = localDays(timeZone, input.from.getTime(), input.to.getTime());
  const channelIds = input.channelIds ? input.channelIds.map(uuidOrNil) : null;
  const counted = await countDeliveryOutcomes(deps.pool, {
    workspaceId,
    from: input.from,
    to: input.to,
    channelIds,
    dayStarts: days.map((d) => new Date(d.start)),
  });
  const perDay = new Map(counted.days.map((d) => [d.day, d]));
  const perChannel = new Map(counted.channels.map((c) => [c.channelId, c]));
  // The channels asked for (or all the live ones), and any deleted one that still has deliveries in the range.
  const channels = await deps.prisma.channel.findMany({
    where: {
      workspaceId,
      ...(channelIds && { id: { in: channelIds } }),
      OR: [{ deletedAt: null }, { id: { in: [...perChannel.keys()] } }],
    },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
  });
  return {
    from: input.from,
    to: input.to,
    timeZone,
    published: counted.published,
    failed: counted.failed,
    onTimeRate: rate(counted.onTime, counted.published),
    latenessP50Seconds: counted.latenessP50,
    latenessP95Seconds: counted.latenessP95,
    days: days.map((d, i) => ({ day: d.key, published: perDay.get(i)?.published ?? 0, failed: perDay.get(i)?.failed ?? 0 })),
    channels: channels.map((channel) => {
      const c = perChannel.get(channel.id);
      return { channel, published: c?.published ?? 0, failed: c?.failed ?? 0, onTimeRate: rate(c?.onTime ?? 0, c?.published ?? 0) };
    }),
    failureReasons: counted.failureReasons,
  };
}

/** The zone's local days that meet [from, to), the first starting at `from` itself. */
function localDays(zone: string, from: number, to: number): { key: string; start: number }[] {
  const calendar = new ZoneCalendar(zone);
  const days: { key: string; start: number }[] = [];
  for (let day = calendar.dayAt(from); day.start < to; day = calendar.nextDay(day)) days.push({ key: day.key, start: Math.max(day.start, from) });
  return days;
}

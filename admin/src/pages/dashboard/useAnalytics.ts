// analytics(from, to, channelIds, timeZone) over the last N whole days, today included, read in the viewer's time
// zone (days start at their midnight, not UTC's).
import { useQuery } from '@tanstack/react-query';
import { DateTime } from 'luxon';
import { gql } from '../../graphql';

export const ANALYTICS_KEY = ['postflow', 'analytics'];
export const RANGES = [7, 30, 90] as const;
export type RangeDays = (typeof RANGES)[number];
export const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export interface Analytics {
  from: string;
  to: string;
  timeZone: string;
  published: number;
  failed: number;
  onTimeRate: number | null;
  latenessP50Seconds: number | null;
  latenessP95Seconds: number | null;
  days: { day: string; published: number; failed: number }[];
  channels: { channel: { id: string; name: string }; published: number; failed: number; onTimeRate: number | null }[];
  failureReasons: { reason: string; count: number }[];
}

const ANALYTICS = `query DashboardAnalytics($from: DateTime!, $to: DateTime!, $channelIds: [ID!], $timeZone: String) {
  analytics(from: $from, to: $to, channelIds: $channelIds, timeZone: $timeZone) {
    from to timeZone published failed onTimeRate latenessP50Seconds latenessP95Seconds
    days { day published failed }
    channels { channel { id name } published failed onTimeRate }
    failureReasons { reason count }
  }
}`;

export function rangeOf(days: RangeDays, zone: string, now = DateTime.now()) {
  const tomorrow = now.setZone(zone).startOf('day').plus({ days: 1 });
  return { from: tomorrow.minus({ days }).toUTC().toISO()!, to: tomorrow.toUTC().toISO()! };
}

export function useAnalytics(days: RangeDays, channelIds: string[], zone = VIEWER_ZONE) {
  return useQuery({
    queryKey: [...ANALYTICS_KEY, days, channelIds, zone],
    queryFn: async () => {
      const range = rangeOf(days, zone);
      const variables = { ...range, timeZone: zone, channelIds: channelIds.length ? channelIds : null };
      return (await gql<{ analytics: Analytics }>(ANALYTICS, variables)).analytics;
    },
    // The previous range's figures stay on screen while the next load.
    placeholderData: (previous) => previous,
  });
}

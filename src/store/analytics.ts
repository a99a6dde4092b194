// Delivery analytics for the dashboard: one statement over the workspace's published and failed deliveries in a
// range, counted per day (buckets the caller computed in its time zone), per channel and in total, with lateness
// percentiles and the failure reasons.
import { DELIVERY_TIME } from './deliveryQueries.js';
import { rows, type Sql } from './sql.js';

/** Published at most this late counts as on time. */
export const ON_TIME_SECONDS = 60;

export interface AnalyticsQuery {
  workspaceId: string;
  from: Date;
  to: Date;
  channelIds: string[] | null;
  /** Each day's first instant, ascending; the first is `from`. A delivery counts on the last day starting at or before its time. */
  dayStarts: Date[];
}

export interface CountedDay {
  /** Index into dayStarts. */
  day: number;
  published: number;
  failed: number;
}

export interface CountedChannel {
  channelId: string;
  published: number;
  failed: number;
  onTime: number;
}

export interface AnalyticsRow {
  published: number;
  failed: number;
  onTime: number;
  latenessP50: number | null;
  latenessP95: number | null;
  days: CountedDay[];
  channels: CountedChannel[];
  failureReasons: { reason: string; count: number }[];
}

/**
 * Lateness is when the delivery went out less when it was due, never below 0 (a claim may start up to a second
 * early). Due: due_at (0026), where a person or the scheduler last put it; automatic retries, rate-limit waits and
 * publish-time moves leave it, so their delay is lateness, and a failed delivery rescheduled to next week is due then.
 * Went out: published_at when an attempt succeeded; for one a person confirmed or a lookup settled (published_at is
 * when that happened, maybe days later), the start of its last attempt, the one that left it on the network. A
 * failure's reason is its last attempt's error class, else the delivery's last error.
 */
export async function countDeliveryOutcomes(sql: Sql, query: AnalyticsQuery): Promise<AnalyticsRow> {
  const [row] = await rows<AnalyticsRow>(
    sql,
    `WITH scoped AS (
       SELECT d.channel_id, d.status,
              width_bucket(${DELIVERY_TIME}, $5::timestamptz[]) - 1 AS day,
              CASE WHEN d.status = 'PUBLISHED' THEN greatest(0, extract(epoch FROM
                     (CASE WHEN last.outcome IS DISTINCT FROM 'SUCCEEDED' AND last.started_at IS NOT NULL THEN last.started_at ELSE d.published_at END)
                     - coalesce(d.due_at, d.scheduled_at)))::float8 END AS lateness,
              CASE WHEN d.status = 'FAILED' THEN coalesce(last.error_class, d.last_error, 'UNKNOWN') END AS reason
         FROM deliveries d
         LEFT JOIN LATERAL (SELECT a.started_at, a.outcome, a.error_class FROM delivery_attempts a WHERE a.delivery_id = d.id ORDER BY a.number DESC LIMIT 1) last ON true
        WHERE d.workspace_id = $1::uuid AND d.status IN ('PUBLISHED', 'FAILED')
          AND ${DELIVERY_TIME} >= $2::timestamptz AND ${DELIVERY_TIME} < $3::timestamptz
          AND ($4::uuid[] IS NULL OR d.channel_id = ANY($4::uuid[]))
     )
     SELECT count(*) FILTER (WHERE status = 'PUBLISHED')::int AS published,
            count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
            count(*) FILTER (WHERE lateness <= $6)::int AS "onTime",
            percentile_cont(0.5) WITHIN GROUP (ORDER BY lateness) AS "latenessP50",
            percentile_cont(0.95) WITHIN GROUP (ORDER BY lateness) AS "latenessP95",
            (SELECT coalesce(json_agg(json_build_object('day', day, 'published', published, 'failed', failed)), '[]'::json) FROM (
               SELECT day, count(*) FILTER (WHERE status = 'PUBLISHED') AS published, count(*) FILTER (WHERE status = 'FAILED') AS failed
                 FROM scoped GROUP BY day) per_day) AS days,
            (SELECT coalesce(json_agg(json_build_object('channelId', channel_id, 'published', published, 'failed', failed, 'onTime', on_time)), '[]'::json) FROM (
               SELECT channel_id, count(*) FILTER (WHERE status = 'PUBLISHED') AS published, count(*) FILTER (WHERE status = 'FAILED') AS failed,
                      count(*) FILTER (WHERE lateness <= $6) AS on_time
                 FROM scoped GROUP BY channel_id) per_channel) AS channels,
            (SELECT coalesce(json_agg(json_build_object('reason', reason, 'count', n) ORDER BY n DESC, reason), '[]'::json) FROM (
               SELECT reason, count(*) AS n FROM scoped WHERE reason IS NOT NULL GROUP BY reason ORDER BY n DESC, reason LIMIT 10) reasons) AS "failureReasons"
       FROM scoped`,
    [query.workspaceId, query.from, query.to, query.channelIds, query.dayStarts, ON_TIME_SECONDS],
  );
  return row!;
}

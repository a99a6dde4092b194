-- Posting rules and queue hours are kept apart from now on: a channel nobody configured has no posting hours and no
-- spacing (an explicitly timed post goes out when asked), while the smart scheduler uses the queue hours. Channels
-- that exist already keep behaving as they did: the defaults they ran under (08:00-21:00 every day, the network's
-- spacing and caps, as in src/integrations/limits.ts on this day) are written into their policy, as rules and queue.
WITH defaults AS (
  SELECT platform, interval_minutes, daily_cap, rolling_cap
    FROM (VALUES
      ('MASTODON', 15, NULL::int, NULL::int), ('TELEGRAM', 15, NULL, NULL), ('WEBHOOK', 0, NULL, NULL), ('X', 15, NULL, NULL),
      ('LINKEDIN', 30, 150, NULL), ('INSTAGRAM', 30, NULL, 50), ('FACEBOOK', 30, NULL, NULL), ('THREADS', 15, NULL, 250),
      ('BLUESKY', 15, NULL, 11666), ('DISCORD', 5, NULL, NULL), ('PINTEREST', 30, NULL, NULL), ('VK', 30, 50, NULL)
    ) AS d(platform, interval_minutes, daily_cap, rolling_cap)
), week AS (
  SELECT jsonb_object_agg(day::text, jsonb_build_array(jsonb_build_object('start', '08:00', 'end', '21:00'))) AS hours
    FROM generate_series(1, 7) AS day
)
UPDATE "channels" ch
   SET "policy" = jsonb_build_object(
         'windows', week.hours,
         'blackouts', '[]'::jsonb,
         'minIntervalMinutes', d.interval_minutes,
         'dailyCap', d.daily_cap,
         'rolling24hCap', d.rolling_cap,
         'reservedShare', 0.2,
         'queueHours', week.hours,
         'queueSpacingMinutes', d.interval_minutes)
  FROM defaults d, week
 WHERE ch."policy" IS NULL AND ch."platform"::text = d.platform;

-- A policy an owner set was also where the smart scheduler placed: its hours and spacing become the queue's too.
UPDATE "channels"
   SET "policy" = "policy" || jsonb_build_object('queueHours', "policy" -> 'windows', 'queueSpacingMinutes', "policy" -> 'minIntervalMinutes')
 WHERE "policy" IS NOT NULL AND NOT ("policy" ? 'queueHours');

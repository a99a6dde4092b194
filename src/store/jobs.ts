// The job queue, as SQL on graphile-worker's schema: every task name and every add_job / remove_job PostFlow makes.
// Called inside the transaction that writes the rows a job is about, so the row and its job commit (or roll back)
// together. One job key per delivery: rescheduling replaces the pending job instead of adding a second one.
import type { Sql } from './sql.js';

export const TASKS = {
  publish: 'publish_delivery',
  smartSchedule: 'smart_schedule',
  refreshTokens: 'refresh_tokens',
  housekeeping: 'housekeeping',
  settleUnconfirmed: 'settle_unconfirmed',
  // Queued by the audit_events trigger (0015 migration), one per notifiable event; the digest runs daily.
  notify: 'notify',
  notificationDigest: 'notification_digest',
  exportWorkspace: 'export_workspace',
  purgeWorkspaces: 'purge_workspaces',
  // One per event a content source sent (a connector's webhook route queues it): src/jobs/sourceEvent.ts.
  sourceEvent: 'source_event',
  // One per catalog import (importCatalog): src/jobs/sourceImport.ts.
  sourceImport: 'source_import',
  // Hourly: the evergreen re-shares due, within each source's daily count (src/jobs/evergreen.ts).
  evergreen: 'evergreen_reshare',
  // Every POSTFLOW_FEED_POLL_MINUTES: each FEED source's feed read again (src/jobs/feedPoll.ts).
  feedPoll: 'feed_poll',
  // A shop's Shopify subscriptions read again and its plan set (src/jobs/shopifyBillingSync.ts).
  shopifyBillingSync: 'shopify_billing_sync',
} as const;

export const publishJobKey = (deliveryId: string) => `publish:${deliveryId}`;

/** Jobs whose task throws unexpectedly (a database error, say) are retried by graphile-worker this often. */
const JOB_MAX_ATTEMPTS = 10;

export async function enqueuePublishJobs(sql: Sql, jobs: { deliveryId: string; runAt: Date }[]): Promise<void> {
  if (jobs.length === 0) return;
  await sql.query(
    `SELECT count(*) FROM graphile_worker.add_jobs((
       SELECT array_agg(ROW($1::text, json_build_object('deliveryId', j.id), NULL, j.run_at, $2::int, 'publish:' || j.id, 0, NULL)::graphile_worker.job_spec)
         FROM unnest($3::text[], $4::timestamptz[]) AS j(id, run_at)))`,
    [TASKS.publish, JOB_MAX_ATTEMPTS, jobs.map((j) => j.deliveryId), jobs.map((j) => j.runAt.toISOString())],
  );
}

export async function removePublishJobs(sql: Sql, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql.query(`SELECT graphile_worker.remove_job('publish:' || id) FROM unnest($1::text[]) AS id`, [deliveryIds]);
}

/** Queues a lookup of UNCONFIRMED deliveries on their network (one job per delivery). */
export async function enqueueSettleJobs(sql: Sql, deliveryIds: string[], runAt: Date): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql.query(
    `SELECT count(*) FROM graphile_worker.add_jobs((
       SELECT array_agg(ROW($1::text, json_build_object('deliveryId', id), NULL, $2::timestamptz, 5, 'settle:' || id, 0, NULL)::graphile_worker.job_spec)
         FROM unnest($3::text[]) AS id))`,
    [TASKS.settleUnconfirmed, runAt.toISOString(), deliveryIds],
  );
}

/** Queues a run of the smart scheduler now (one at a time: a second request replaces the first if not yet started). */
export async function requestSmartSchedule(sql: Sql): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, '{}'::json, job_key := $1, run_at := now())`, [TASKS.smartSchedule]);
}

/** Builds a workspace's export archive (src/jobs/exportWorkspace.ts); a failed build is not retried: it is FAILED. */
export async function enqueueWorkspaceExport(sql: Sql, exportId: string): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, json_build_object('exportId', $2::text), max_attempts := 1, job_key := 'export:' || $2)`, [TASKS.exportWorkspace, exportId]);
}

/**
 * Queues one event a content source sent, in the transaction of whoever received it. No job key: every delivery of an
 * event is a job of its own, so each is recorded (a second one as DUPLICATE). Retried by graphile-worker.
 */
export async function enqueueSourceEvent(sql: Sql, event: { sourceId: string; eventId: string; change: { kind: string; externalId: string; changedAt: Date } }): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, $2::json, max_attempts := $3)`, [
    TASKS.sourceEvent,
    JSON.stringify({ sourceId: event.sourceId, eventId: event.eventId, change: { ...event.change, changedAt: event.change.changedAt.toISOString() } }),
    JOB_MAX_ATTEMPTS,
  ]);
}

/**
 * enqueueSourceEvent for a sender that answers repeats itself (the WordPress routes): a job key per (source, event
 * id), so a repeat arriving while the first waits replaces it instead of queuing a second body.
 */
export async function enqueueSourceEventOnce(sql: Sql, event: { sourceId: string; eventId: string; change: { kind: string; externalId: string; changedAt: Date } }): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, $2::json, max_attempts := $3, job_key := $4)`, [
    TASKS.sourceEvent,
    JSON.stringify({ sourceId: event.sourceId, eventId: event.eventId, change: { ...event.change, changedAt: event.change.changedAt.toISOString() } }),
    JOB_MAX_ATTEMPTS,
    `source_event:${event.sourceId}:${event.eventId}`,
  ]);
}

/** Runs a catalog import (src/jobs/sourceImport.ts); a retried try continues it (what is done already is DUPLICATE). */
export async function enqueueSourceImport(sql: Sql, importId: string): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, json_build_object('importId', $2::text), max_attempts := 5, job_key := 'import:' || $2)`, [TASKS.sourceImport, importId]);
}

/**
 * Reads a shop's Shopify subscriptions again (an app_subscriptions/update, an uninstall). One job key per source, so
 * a burst of updates coalesces into one read; one queue per source, so a read never runs beside another of its shop.
 */
export async function enqueueShopifyBillingSync(sql: Sql, sync: { sourceId: string; eventId: string; via: 'webhook' | 'uninstall' }): Promise<void> {
  await sql.query(`SELECT graphile_worker.add_job($1, $2::json, queue_name := 'shopify_billing:' || $3, max_attempts := $4, job_key := 'shopify_billing:' || $3)`, [
    TASKS.shopifyBillingSync,
    JSON.stringify(sync),
    sync.sourceId,
    JOB_MAX_ATTEMPTS,
  ]);
}

/** The periodic tasks; each a single queued run across every worker (a run already queued is replaced). */
export function crontab(options: { smartScheduleMinutes: number; refreshTokensMinutes: number; feedPollMinutes?: number }): string {
  const once = (task: string) => `${task} ?jobKey=${task}&jobKeyMode=replace`;
  return [
    `*/${options.smartScheduleMinutes} * * * * ${once(TASKS.smartSchedule)}`,
    `*/${options.refreshTokensMinutes} * * * * ${once(TASKS.refreshTokens)}`,
    `17 * * * * ${once(TASKS.housekeeping)}`,
    // The notification digest, once a day at 07:00 UTC.
    `0 7 * * * ${once(TASKS.notificationDigest)}`,
    `47 * * * * ${once(TASKS.purgeWorkspaces)}`,
    `29 * * * * ${once(TASKS.evergreen)}`,
    `*/${options.feedPollMinutes ?? 15} * * * * ${once(TASKS.feedPoll)}`,
  ].join('\n');
}

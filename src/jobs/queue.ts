// The publish job of a delivery, as SQL on graphile-worker's schema. Called inside the same transaction that
// writes the delivery row, so the row and its job commit (or roll back) together. One job key per delivery:
// rescheduling replaces the pending job instead of adding a second one.

export const PUBLISH_TASK = 'publish_delivery';

/** Runs one SQL statement: a pg client's query, or a Prisma transaction's $executeRawUnsafe. */
export type SqlExecutor = (text: string, values: unknown[]) => Promise<unknown>;

export const publishJobKey = (deliveryId: string) => `publish:${deliveryId}`;

/** Jobs whose task throws unexpectedly (a database error, say) are retried by graphile-worker this often. */
const JOB_MAX_ATTEMPTS = 10;

export async function enqueuePublishJobs(sql: SqlExecutor, jobs: { deliveryId: string; runAt: Date }[]): Promise<void> {
  if (jobs.length === 0) return;
  await sql(
    `SELECT count(*) FROM graphile_worker.add_jobs((
       SELECT array_agg(ROW($1::text, json_build_object('deliveryId', j.id), NULL, j.run_at, $2::int, 'publish:' || j.id, 0, NULL)::graphile_worker.job_spec)
         FROM unnest($3::text[], $4::timestamptz[]) AS j(id, run_at)))`,
    [PUBLISH_TASK, JOB_MAX_ATTEMPTS, jobs.map((j) => j.deliveryId), jobs.map((j) => j.runAt.toISOString())],
  );
}

export async function removePublishJobs(sql: SqlExecutor, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql(`SELECT graphile_worker.remove_job('publish:' || id) FROM unnest($1::text[]) AS id`, [deliveryIds]);
}

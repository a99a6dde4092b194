// Which worker processes are alive, without heartbeats: each holds a session advisory lock (namespace, key) for as
// long as its connection lives, and Postgres drops it the moment the process dies. Publish attempts carry the key
// of the worker that made them, graphile-worker pools are registered under it, and both can then be told apart
// from those of a dead worker by looking at pg_locks.
import { rows, type Sql } from './sql.js';
import { TASKS } from './jobs.js';

/** The first half of every PostFlow worker lock (two-int advisory lock form); the second half is the worker's key. */
export const WORKER_LOCK_NAMESPACE = 7_346_102;

/** SQL condition: the worker whose key is `keyColumn` holds its lock. */
export const workerIsAlive = (keyColumn: string) => `EXISTS (
  SELECT 1 FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ${WORKER_LOCK_NAMESPACE} AND l.objid = (${keyColumn})::oid)`;

/**
 * Takes the worker's lock, waiting at most a few seconds: after a network cut the old session may still hold it
 * until the server notices, and a wait without end would pile up backends, one per try.
 */
export async function lockWorkerKey(sql: Sql, key: number): Promise<void> {
  await sql.query(`SET lock_timeout = '4s'`);
  await sql.query('SELECT pg_advisory_lock($1, $2)', [WORKER_LOCK_NAMESPACE, key]);
}

export async function registerPool(sql: Sql, poolId: string, lockKey: number): Promise<void> {
  await sql.query(`INSERT INTO worker_pools (pool_id, lock_key) VALUES ($1, $2) ON CONFLICT (pool_id) DO NOTHING`, [poolId, lockKey]);
}

/**
 * Pools holding jobs while no live worker has them registered: their worker died, or replaced them. Jobs locked in
 * the last moments are left alone, their pool may not be registered yet.
 */
export async function findDeadPools(sql: Sql): Promise<string[]> {
  const dead = await rows<{ pool: string }>(
    sql,
    `SELECT DISTINCT j.locked_by AS pool FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE j.locked_by IS NOT NULL AND j.locked_at < now() - interval '2 seconds' AND t.identifier = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM worker_pools p WHERE p.pool_id = j.locked_by AND ${workerIsAlive('p.lock_key')})`,
    [Object.values(TASKS)],
  );
  return dead.map((d) => d.pool);
}

/**
 * Hands back the jobs these pools had fetched (they would stay locked for hours), and forgets registrations of
 * workers long gone. A job handed back while its first run goes on runs twice, which the claim makes harmless.
 */
export async function unlockPools(sql: Sql, pools: string[]): Promise<void> {
  if (pools.length) await sql.query(`SELECT graphile_worker.force_unlock_workers($1::text[])`, [pools]);
  await sql.query(`DELETE FROM worker_pools p WHERE NOT ${workerIsAlive('p.lock_key')} AND p.started_at < now() - interval '1 minute'`);
}

/** A pool that was replaced: its jobs become fair game for the recovery sweep. */
export async function forgetPool(sql: Sql, poolId: string): Promise<void> {
  await sql.query(`DELETE FROM worker_pools WHERE pool_id = $1`, [poolId]);
}

// How a worker proves it is alive without heartbeats: it holds a session advisory lock for as long as it runs.
// Postgres drops the lock the moment the process dies (its connection closes), so any other worker can tell an
// abandoned publish attempt from one that is merely slow by looking at pg_locks.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.js';

/** The first half of every PostFlow worker lock (two-int advisory lock form); the second half is the worker's key. */
export const WORKER_LOCK_NAMESPACE = 7_346_102;

export interface WorkerLiveness {
  key: number;
  release(): Promise<void>;
}

export async function holdWorkerLiveness(databaseUrl: string, logger: Logger): Promise<WorkerLiveness> {
  const key = randomInt(1, 2 ** 31 - 1);
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', (error) => logger.error('worker liveness connection lost: other workers may now recover this worker\'s publishes', { error: error.message }));
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1, $2)', [WORKER_LOCK_NAMESPACE, key]);
  return { key, release: () => client.end() };
}

/** SQL condition: the worker holding attempt `a` is gone. */
export const WORKER_IS_GONE_SQL = `NOT EXISTS (
  SELECT 1 FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ${WORKER_LOCK_NAMESPACE} AND l.objid = a.worker_lock_key::oid)`;

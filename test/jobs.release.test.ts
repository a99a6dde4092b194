// Stopping graphile-worker while its local queue holds fetched jobs (the worker is busy, more are due): the jobs go
// back to the queue, and a database that is away at that moment is an error the stop reports, not a crash. Without
// the patch in patches/graphile-worker+*.patch the first case failed the release and the second killed the process.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runTunedWorker } from '../src/jobs/worker.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from './helpers/database.js';
import { testEnv } from './helpers/testApp.js';

const pools: pg.Pool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
});

async function busyWorker() {
  const databaseUrl = await createTestDatabase();
  const config = loadConfig(testEnv(databaseUrl, '/tmp', { WORKER_CONCURRENCY: '2' }));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on('error', () => {});
  pools.push(pool);
  const errors: string[] = [];
  const logger = createLogger('silent');
  logger.error = ((message: string) => void errors.push(message)) as never;
  let started = 0;
  const worker = await runTunedWorker({
    pool,
    config,
    logger,
    wakeFor: 'slow',
    taskList: {
      slow: async () => {
        started++;
        await new Promise((resolve) => setTimeout(resolve, 800));
      },
    },
  });
  await pool.query(`SELECT graphile_worker.add_jobs(array(SELECT ('slow', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec FROM generate_series(1, 40)))`);
  // Two jobs run, the rest of the fetched batch waits in the local queue.
  for (let i = 0; i < 100 && started < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  const locked = async () => Number((await pool.query(`SELECT count(*) AS n FROM graphile_worker.jobs WHERE locked_by IS NOT NULL`)).rows[0].n);
  expect(await locked()).toBeGreaterThan(2);
  return { pool, worker, errors, locked, started: () => started };
}

describe('stopping a worker whose local queue holds jobs', () => {
  it('hands the waiting jobs back and lets the running ones finish', async () => {
    const { worker, errors, locked, started } = await busyWorker();
    await worker.stop();
    expect(errors).toEqual([]);
    expect(started()).toBe(2);
    expect(await locked()).toBe(0);
  });

  it('reports a database that went away as an error of the stop, and the process lives on', async () => {
    const { pool, worker, errors } = await busyWorker();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const connect = pool.connect.bind(pool);
      pool.connect = (() => Promise.reject(Object.assign(new Error('the database system is shutting down'), { code: '57P03' }))) as never;
      await worker.stop().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      pool.connect = connect;
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(errors.some((message) => message.includes('returning jobs from local queue'))).toBe(true);
  });
});

// The job worker: graphile-worker running the publish task, plus the sweep that recovers publishes abandoned by
// a worker that died. Several worker processes may run against one database.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { run, Logger as GraphileLogger, type TaskList, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import { createPublishTask } from './publishDelivery.js';
import { recoverAbandonedPublishes, requeueOverdueDeliveries } from './recovery.js';
import { holdWorkerLiveness } from './workerLiveness.js';
import { startDueWakeUp } from './dueWakeUp.js';
import { PUBLISH_TASK } from './queue.js';
import { REFRESH_TOKENS_TASK, refreshExpiringTokens } from './credentialRenewal.js';
import { HOUSEKEEPING_TASK, forgetExpired } from './housekeeping.js';
import { runSmartSchedule, SMART_SCHEDULE_TASK } from '../services/smartSchedule.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Secrets } from '../security/secrets.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface Worker {
  /** Stops taking jobs, waits for running ones, hands back the rest. */
  stop(): Promise<void>;
  /** Whether this worker is taking jobs right now, and why not (for /readyz). */
  health(): WorkerHealth;
}

export interface WorkerHealth {
  ready: boolean;
  /** Why the worker is not ready (null when it is). */
  reason: string | null;
}

export interface WorkerDeps {
  config: Config;
  databaseUrl: string;
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  logger: Logger;
}

/** graphile-worker's tuning. */
export function graphileWorkerOptions(config: Config) {
  return {
    concurrency: config.worker.concurrency,
    pollInterval: 1000,
    preset: { worker: { localQueue: { size: Math.max(config.worker.concurrency * 2, 50) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  };
}

/**
 * graphile-worker with PostFlow's tuning, woken when its jobs fall due (see dueWakeUp.ts). Shared with
 * bench/trivialWorker.ts, so the bench's baseline runs exactly as the real worker does.
 */
export async function runTunedWorker(options: { pool: pg.Pool; config: Config; taskList: TaskList; wakeFor: string; logger: Logger; crontab?: string }): Promise<Worker> {
  const { pool, config, taskList, wakeFor, logger, crontab } = options;
  // Our own emitter, because graphile-worker announces its pool before run() returns.
  const events: WorkerEvents = new EventEmitter();
  let workerPool: WorkerPool | null = null;
  events.on('pool:create', (event) => (workerPool = event.workerPool));
  const runner = await run({
    pgPool: pool,
    ...graphileWorkerOptions(config),
    events,
    noHandleSignals: true,
    logger: new GraphileLogger(() => (level, message) => {
      if (level === 'error') logger.error(message);
      else if (level === 'warning') logger.warn(message);
      else logger.debug(message);
    }),
    taskList,
    ...(crontab && { crontab }),
  });
  const wakeUp = startDueWakeUp({ pool, workerPool: () => workerPool, taskIdentifier: wakeFor, logger });
  return {
    async stop() {
      wakeUp.stop();
      await runner.stop();
    },
    health: () => ({ ready: true, reason: null }),
  };
}

export async function startWorker({ config, databaseUrl, pool, providers, secrets, logger }: WorkerDeps): Promise<Worker> {
  const liveness = await holdWorkerLiveness(databaseUrl, logger);
  const retryPolicy = { maxAttempts: config.worker.maxAttempts, baseDelayMs: config.worker.retryBaseDelayMs, maxDelayMs: config.worker.retryMaxDelayMs };
  const runner = await runTunedWorker({
    pool,
    config,
    taskList: {
      [PUBLISH_TASK]: createPublishTask({ pool, providers, secrets, retryPolicy, workerLockKey: liveness.key, logger }),
      [REFRESH_TOKENS_TASK]: async () => {
        const summary = await refreshExpiringTokens({ pool, providers, secrets, logger }, config.tokens.refreshAheadMinutes * 60_000);
        if (summary.renewed || summary.failed) logger.info('renewed expiring channel access', { ...summary });
      },
      [HOUSEKEEPING_TASK]: async () => {
        logger.debug('forgot expired rows', { ...(await forgetExpired(pool)) });
      },
      [SMART_SCHEDULE_TASK]: async () => {
        const summary = await runSmartSchedule(pool, { horizonMs: config.scheduling.horizonDays * 86_400_000 });
        if (summary.placed) logger.info('smart scheduler placed pending deliveries', { ...summary });
      },
    },
    // One run at a time across all workers: a run already queued is replaced, not duplicated.
    crontab: [
      `*/${config.scheduling.intervalMinutes} * * * * ${SMART_SCHEDULE_TASK} ?jobKey=${SMART_SCHEDULE_TASK}&jobKeyMode=replace`,
      `*/${config.tokens.refreshIntervalMinutes} * * * * ${REFRESH_TOKENS_TASK} ?jobKey=${REFRESH_TOKENS_TASK}&jobKeyMode=replace`,
      `17 * * * * ${HOUSEKEEPING_TASK} ?jobKey=${HOUSEKEEPING_TASK}&jobKeyMode=replace`,
    ].join('\n'),
    wakeFor: PUBLISH_TASK,
    logger,
  });

  const overdueMs = Math.max(60_000, config.worker.recoveryIntervalMs * 4);
  const recover = () =>
    Promise.all([recoverAbandonedPublishes(pool, providers, logger), requeueOverdueDeliveries(pool, overdueMs, logger)]).catch((error) =>
      logger.error('recovery sweep failed', { error: (error as Error).message }),
    );
  await recover();
  const sweep = setInterval(recover, config.worker.recoveryIntervalMs);
  sweep.unref();
  logger.info(`worker started (concurrency ${config.worker.concurrency}, worker key ${liveness.key})`);

  return {
    async stop() {
      clearInterval(sweep);
      await runner.stop();
      await liveness.release();
    },
    health: () => ({ ready: true, reason: null }),
  };
}

// The job worker: graphile-worker running the publish task, plus the sweep that recovers publishes abandoned by
// a worker that died. Several worker processes may run against one database.
import type pg from 'pg';
import { run, Logger as GraphileLogger, type Runner } from 'graphile-worker';
import { createPublishTask } from './publishDelivery.js';
import { recoverAbandonedPublishes, requeueOverdueDeliveries } from './recovery.js';
import { holdWorkerLiveness } from './workerLiveness.js';
import { PUBLISH_TASK } from './queue.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Secrets } from '../security/secrets.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface Worker {
  /** Stops taking jobs, waits for running ones, hands back the rest. */
  stop(): Promise<void>;
}

export interface WorkerDeps {
  config: Config;
  databaseUrl: string;
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  logger: Logger;
}

export async function startWorker({ config, databaseUrl, pool, providers, secrets, logger }: WorkerDeps): Promise<Worker> {
  const liveness = await holdWorkerLiveness(databaseUrl, logger);
  const retryPolicy = { maxAttempts: config.worker.maxAttempts, baseDelayMs: config.worker.retryBaseDelayMs, maxDelayMs: config.worker.retryMaxDelayMs };
  const runner: Runner = await run({
    pgPool: pool,
    concurrency: config.worker.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new GraphileLogger(() => (level, message) => {
      if (level === 'error') logger.error(message);
      else if (level === 'warning') logger.warn(message);
      else logger.debug(message);
    }),
    taskList: { [PUBLISH_TASK]: createPublishTask({ pool, providers, secrets, retryPolicy, workerLockKey: liveness.key, logger }) },
    preset: { worker: { localQueue: { size: Math.max(config.worker.concurrency * 2, 50) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
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
  };
}

// The job worker: graphile-worker running PostFlow's tasks, supervised so that it survives its database. When the
// worker's liveness connection is lost (a restart, a network cut) or the runner dies, the runner is replaced by a
// new one as soon as the database answers again, the old one is left to finish what it is running, and the
// recovery sweep hands back anything a dead pool had fetched. Several worker processes may run on one database.
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { run, Logger as GraphileLogger, type Runner, type TaskList, type WorkerEvents, type WorkerPool } from 'graphile-worker';
import { createPublishTask } from './publishDelivery.js';
import { createRecoverySweep } from './recovery.js';
import { holdWorkerLiveness } from './workerLiveness.js';
import { startDueWakeUp } from './dueWakeUp.js';
import { createDurableWrites } from './durableWrites.js';
import { refreshExpiringTokens } from './credentialRenewal.js';
import { createSettleTask } from './settleUnconfirmed.js';
import { createExportTask } from './exportWorkspace.js';
import { createPurgeTask } from './purgeWorkspaces.js';
import { createSourceEventTask } from './sourceEvent.js';
import { createSourceImportTask } from './sourceImport.js';
import { createEvergreenTask } from './evergreen.js';
import { createFeedPollTask } from './feedPoll.js';
import { createShopifyBillingSyncTask } from './shopifyBillingSync.js';
import { createDigestTask, createNotifyTask } from './notify.js';
import { crontab, TASKS } from '../store/jobs.js';
import { registerPool, forgetPool } from '../store/workers.js';
import { forgetExpired } from '../store/rateLimits.js';
import { retrying } from '../store/sql.js';
import { runSmartSchedule } from '../services/smartSchedule.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Secrets } from '../security/secrets.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../integrations/mail.js';
import type { SourceRegistry } from '../sources/registry.js';
import { forgetReadNotifications } from '../services/notifications.js';
import type { ServiceDeps } from '../services/deps.js';

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
  /** Outgoing mail (notifications), when SMTP_URL is set. */
  mailer?: Mailer | null;
  /** The connectors of content sources, for the source_event task. */
  sources: SourceRegistry;
  /** The services whole, for tasks that need their integrations (the Shopify billing sync's gateway). */
  services: ServiceDeps;
}

/** graphile-worker's tuning. */
export function graphileWorkerOptions(config: Config) {
  return {
    concurrency: config.worker.concurrency,
    pollInterval: 1000,
    preset: { worker: { localQueue: { size: Math.max(config.worker.concurrency * 2, 50) }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  };
}

export interface TunedWorker {
  /** graphile-worker's pool id: what it locks the jobs it fetched with. */
  poolId: string;
  /** Settles when the runner stops, by request or because it failed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * graphile-worker with PostFlow's tuning, woken when its jobs fall due (see dueWakeUp.ts). Shared with
 * bench/trivialWorker.ts, so the bench's baseline runs exactly as the real worker does.
 */
export async function runTunedWorker(options: { pool: pg.Pool; config: Config; taskList: TaskList; wakeFor: string; logger: Logger; crontab?: string }): Promise<TunedWorker> {
  const { pool, config, taskList, wakeFor, logger } = options;
  // Our own emitter, because graphile-worker announces its pool before run() returns.
  const events: WorkerEvents = new EventEmitter();
  let workerPool: WorkerPool | null = null;
  events.on('pool:create', (event) => {
    workerPool = event.workerPool;
  });
  const runner: Runner = await run({
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
    ...(options.crontab && { crontab: options.crontab }),
  });
  const wakeUp = startDueWakeUp({ pool, workerPool: () => workerPool, taskIdentifier: wakeFor, logger });
  const done = runner.promise.then(
    () => wakeUp.stop(),
    () => wakeUp.stop(),
  );
  return {
    poolId: (workerPool as WorkerPool | null)?.id ?? 'unknown',
    done,
    async stop() {
      wakeUp.stop();
      await runner.stop();
    },
  };
}

export async function startWorker({ config, databaseUrl, pool, providers, secrets, logger, mailer = null, sources, services }: WorkerDeps): Promise<Worker> {
  const liveness = await holdWorkerLiveness(databaseUrl, logger);
  const writes = createDurableWrites(logger);
  const inFlight = new Set<string>();
  const retryPolicy = { maxAttempts: config.worker.maxAttempts, baseDelayMs: config.worker.retryBaseDelayMs, maxDelayMs: config.worker.retryMaxDelayMs };
  const taskList: TaskList = {
    [TASKS.publish]: createPublishTask({ pool, providers, secrets, retryPolicy, workerLockKey: liveness.key, writes, inFlight, logger }),
    [TASKS.refreshTokens]: async () => {
      const summary = await refreshExpiringTokens({ pool, providers, secrets, logger }, config.tokens.refreshAheadMinutes * 60_000);
      if (summary.renewed || summary.failed) logger.info('renewed expiring channel access', { ...summary });
    },
    [TASKS.housekeeping]: async () => {
      logger.debug('forgot expired rows', {
        ...(await forgetExpired(pool, { auditRetentionDays: config.auditRetentionDays })),
        readNotifications: await forgetReadNotifications({ pool }, config.notificationRetentionDays),
      });
    },
    [TASKS.settleUnconfirmed]: createSettleTask({ pool, providers, secrets, logger }),
    [TASKS.exportWorkspace]: createExportTask({ pool, logger }),
    [TASKS.purgeWorkspaces]: createPurgeTask({ pool, logger }),
    [TASKS.sourceEvent]: createSourceEventTask({ pool, providers, secrets, sources, logger }),
    [TASKS.sourceImport]: createSourceImportTask({ pool, providers, secrets, sources, logger }),
    [TASKS.evergreen]: createEvergreenTask({ pool, providers, logger }),
    [TASKS.feedPoll]: createFeedPollTask({ pool, providers, logger, config }),
    [TASKS.shopifyBillingSync]: createShopifyBillingSyncTask(services),
    [TASKS.notify]: createNotifyTask({ pool, mailer, logger, config }),
    [TASKS.notificationDigest]: createDigestTask({ pool, mailer, logger, config }),
    [TASKS.smartSchedule]: async () => {
      const summary = await runSmartSchedule(pool, { horizonMs: config.scheduling.horizonDays * 86_400_000 });
      if (summary.placed) logger.info('smart scheduler placed pending deliveries', { ...summary });
    },
  };
  const schedule = crontab({
    smartScheduleMinutes: config.scheduling.intervalMinutes,
    refreshTokensMinutes: config.tokens.refreshIntervalMinutes,
    feedPollMinutes: config.feeds.pollMinutes,
  });

  let runner: TunedWorker | null = null;
  let stopping = false;
  let rebuilding: Promise<void> | null = null;
  let again: string | null = null;
  let notReady: string | null = 'starting';

  /** A registered runner, or none: a runner whose registration failed is stopped, not left running unseen. */
  const startRunner = async () => {
    const next = await runTunedWorker({ pool, config, taskList, wakeFor: TASKS.publish, logger, crontab: schedule });
    try {
      await retrying(() => registerPool(pool, next.poolId, liveness.key), { forMs: 30_000 });
    } catch (error) {
      await next.stop().catch(() => {});
      throw error;
    }
    let ended = false;
    void next.done.then(() => {
      ended = true;
      if (runner === next && !stopping) rebuild('the job runner stopped');
    });
    return { next, ended: () => ended };
  };

  // A new runner starts once the database answers; the old one is then stopped without being waited for (its running
  // publishes finish, their outcomes retried until written, and graphile-worker hands its fetched jobs back, which
  // it can only do with the database there). Its pool is forgotten once it has stopped, so that the recovery sweep
  // then hands back whatever it could not. A request to rebuild during a rebuild runs right after it.
  /** One rebuild at a time: a request arriving meanwhile is kept and made right after. */
  const oneAtATime = (work: () => Promise<void>) =>
    (rebuilding = work().finally(() => {
      rebuilding = null;
      const pending = again;
      again = null;
      if (pending && !stopping) rebuild(pending);
    }));
  const rebuild = (why: string) => {
    if (stopping) return;
    if (rebuilding) {
      again = why;
      return;
    }
    notReady = `rebuilding the worker: ${why}`;
    const old = runner;
    runner = null;
    void oneAtATime(async () => {
      for (let delay = 250; !stopping; delay = Math.min(delay * 2, 5000)) {
        if (liveness.held()) {
          try {
            const { next, ended } = await startRunner();
            if (ended() || stopping) {
              await next.stop().catch(() => {});
              if (stopping) return;
              throw new Error('the new job runner stopped at once');
            }
            runner = next;
            notReady = null;
            logger.info(old ? 'worker rebuilt after a lost database connection: taking jobs again' : 'job runner started', { poolId: next.poolId });
            break;
          } catch (error) {
            logger.warn('could not start the job runner yet', { error: (error as Error).message });
          }
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      if (old) {
        void old
          .stop()
          .catch((error) => logger.debug('the replaced job runner stopped with an error', { error: (error as Error).message }))
          .then(() => retrying(() => forgetPool(pool, old.poolId), { forMs: 60_000 }))
          .catch(() => {});
      }
    });
  };
  liveness.onChange((held) => {
    if (!held) rebuild('the database connection was lost');
  });

  const recover = createRecoverySweep({
    pool,
    providers,
    logger,
    ownKey: liveness.key,
    inFlight,
    graceMs: Math.max(2500, config.worker.recoveryIntervalMs),
    overdueMs: Math.max(60_000, config.worker.recoveryIntervalMs * 4),
  });
  const sweep = async () => {
    // A worker that lost its own lock cannot tell who else is alive; it waits to hold it again.
    if (!liveness.held()) return recover.forget();
    await writes.flush();
    await recover().catch((error) => logger.warn('recovery sweep failed', { error: (error as Error).message }));
  };

  // The first start counts as a rebuild: a connection lost while it runs asks for another one, made right after.
  try {
    await oneAtATime(async () => {
      const first = await startRunner();
      runner = first.next;
      notReady = null;
      if (first.ended()) again = 'the job runner stopped while starting';
    });
  } catch (error) {
    stopping = true;
    await liveness.release();
    throw error;
  }
  await sweep();
  const timer = setInterval(() => void sweep(), config.worker.recoveryIntervalMs);
  timer.unref();
  logger.info(`worker started (concurrency ${config.worker.concurrency}, worker key ${liveness.key})`);

  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await rebuilding;
      await runner?.stop();
      await writes.flush().catch(() => 0);
      await liveness.release();
    },
    health: () => {
      if (notReady) return { ready: false, reason: notReady };
      if (!liveness.held()) return { ready: false, reason: 'the worker lost its database connection' };
      if (writes.pending()) return { ready: false, reason: `${writes.pending()} outcomes wait for the database` };
      return { ready: true, reason: null };
    },
  };
}

// How a worker proves it is alive without heartbeats: it holds a session advisory lock for as long as it runs
// (src/store/workers.ts). Postgres drops the lock the moment the process dies (its connection closes). When the
// connection is lost while the process lives (a database restart, a network cut), the same key is locked again as
// soon as the database answers, so the worker's own attempts in flight stay its own.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { lockWorkerKey } from '../store/workers.js';
import type { Logger } from '../logger.js';

export interface WorkerLiveness {
  key: number;
  /** Whether the lock is held right now. */
  held(): boolean;
  /** Called when the lock is lost, and again when it is held again. */
  onChange(listener: (held: boolean) => void): void;
  release(): Promise<void>;
}

const PING_MS = 2000;

export async function holdWorkerLiveness(databaseUrl: string, logger: Logger): Promise<WorkerLiveness> {
  const key = randomInt(1, 2 ** 31 - 1);
  const listeners: ((held: boolean) => void)[] = [];
  let client: pg.Client | null = null;
  let held = false;
  let released = false;
  let ping: NodeJS.Timeout | null = null;

  const connect = async () => {
    // query_timeout: a connection that hangs (a cut without a reset) must count as lost, not as alive.
    const next = new pg.Client({
      connectionString: databaseUrl,
      keepAlive: true,
      query_timeout: 5000,
      connectionTimeoutMillis: 5000,
      application_name: 'postflow-worker-liveness',
    });
    next.on('error', () => lost(next, 'connection error'));
    next.on('end', () => lost(next, 'connection closed'));
    await next.connect();
    try {
      await lockWorkerKey(next, key);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    if (released) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    held = true;
  };

  const lost = (which: pg.Client, why: string) => {
    if (released || which !== client) return;
    client = null;
    held = false;
    void which.end().catch(() => {});
    logger.warn(`worker liveness lost (${why}): pausing this worker, locking its key again when the database answers`, { key });
    for (const listener of listeners) listener(false);
    void regain();
  };

  const regain = async () => {
    for (let delay = 100; !released && !held; delay = Math.min(delay * 2, 1000)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (released) return;
      try {
        await connect();
        if (!held) return;
        logger.info('worker liveness held again', { key });
        for (const listener of listeners) listener(true);
      } catch {
        // Still unreachable: the next turn tries again.
      }
    }
  };

  await connect();
  ping = setInterval(() => {
    const current = client;
    if (current) current.query('SELECT 1').catch(() => lost(current, 'no answer to a ping'));
  }, PING_MS);
  ping.unref();

  return {
    key,
    held: () => held,
    onChange: (listener) => void listeners.push(listener),
    async release() {
      released = true;
      if (ping) clearInterval(ping);
      const current = client;
      client = null;
      held = false;
      await current?.end().catch(() => {});
    },
  };
}

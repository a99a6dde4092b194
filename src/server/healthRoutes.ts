// GET /healthz: the process is up and answering. GET /readyz: it can do its work: the database answers, every
// migration on disk is applied, and (in a worker role) the worker is running and holds its liveness lock. Served by
// every role on its PORT; 503 with the reason when not ready, so an orchestrator or load balancer holds traffic.
import type pg from 'pg';
import { pendingMigrations } from '../db/migrate.js';
import type { WorkerHealth } from '../jobs/worker.js';
import { sendJson, type Route } from './routes.js';

export interface ReadinessReport {
  ready: boolean;
  status: 'starting' | 'running' | 'stopping';
  /** The first thing that is not ready, in words (absent when ready). */
  reason?: string;
  /** Each check: "ok", or what is wrong. */
  checks: Record<string, string>;
}

export interface ReadinessSources {
  pool: pg.Pool;
  /** The migrations this build ships (prisma/migrations); all must be recorded in the database. */
  migrations: readonly string[];
  /** Absent in the api role. */
  worker: { health(): WorkerHealth } | null;
}

export interface Readiness {
  /** Start-up is over: from now on the checks run against these. */
  running(sources: ReadinessSources): void;
  /** Shutdown has begun: report not ready at once, so traffic moves elsewhere while requests drain. */
  stopping(): void;
  report(): Promise<ReadinessReport>;
}

/** A dead or unreachable database must give a fast 503, never a probe that hangs until the caller gives up. */
export const DATABASE_CHECK_TIMEOUT_MS = 2000;

const ABANDON_AFTER_MS = 10_000;

export function createReadiness({ timeoutMs = DATABASE_CHECK_TIMEOUT_MS } = {}): Readiness {
  let status: ReadinessReport['status'] = 'starting';
  let sources: ReadinessSources | null = null;
  // One database probe at a time: probes arriving while the database hangs share it instead of piling up
  // queries that would each hold one of the pool's connections.
  // A probe stuck longer than ABANDON_AFTER_MS (a connection that died without a word) is left behind, so one lost
  // socket cannot keep the process "not ready" after the database is back.
  let inFlight: Promise<{ database: string; migrations: string }> | null = null;
  let inFlightSince = 0;

  const probeDatabase = (s: ReadinessSources) => {
    if (inFlight && Date.now() - inFlightSince < ABANDON_AFTER_MS) return inFlight;
    inFlightSince = Date.now();
    const probe: Promise<{ database: string; migrations: string }> = (async () => {
      try {
        await s.pool.query('SELECT 1');
      } catch (error) {
        return { database: `unreachable: ${(error as Error).message}`, migrations: 'unknown: the database is unreachable' };
      }
      try {
        const pending = await pendingMigrations(s.pool, s.migrations);
        return { database: 'ok', migrations: pending.length ? `not applied: ${pending.join(', ')}` : 'ok' };
      } catch (error) {
        return { database: 'ok', migrations: `cannot be read: ${(error as Error).message}` };
      }
    })().finally(() => {
      if (inFlight === probe) inFlight = null;
    });
    return (inFlight = probe);
  };

  return {
    running(given) {
      sources = given;
      status = 'running';
    },
    stopping() {
      status = 'stopping';
    },
    async report() {
      if (status !== 'running' || !sources) {
        return { ready: false, status, reason: status === 'starting' ? 'starting' : 'shutting down', checks: {} };
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<{ database: string; migrations: string }>((resolve) => {
        timer = setTimeout(() => resolve({ database: `no answer within ${timeoutMs} ms`, migrations: 'unknown: the database did not answer' }), timeoutMs);
      });
      const checks: Record<string, string> = await Promise.race([probeDatabase(sources), timedOut]).finally(() => clearTimeout(timer));
      if (sources.worker) {
        const health = sources.worker.health();
        checks.worker = health.ready ? 'ok' : (health.reason ?? 'not running');
      }
      const failing = Object.entries(checks).find(([, value]) => value !== 'ok');
      return failing ? { ready: false, status, reason: `${failing[0]}: ${failing[1]}`, checks } : { ready: true, status, checks };
    },
  };
}

export function healthRoutes(readiness: Readiness): Route[] {
  return [
    { path: '/healthz', methods: ['GET'], handle: (_request, response) => sendJson(response, 200, { status: 'ok' }) },
    {
      path: '/readyz',
      methods: ['GET'],
      handle: async (_request, response) => {
        const report = await readiness.report();
        sendJson(response, report.ready ? 200 : 503, report);
      },
    },
  ];
}

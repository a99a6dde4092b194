// Opens PostFlow's database: an external one from DATABASE_URL, or the embedded cluster under the data folder.
// Returns one pg pool (for the hot SQL paths) and one Prisma client on top of the same pool.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { startEmbeddedPostgres, type EmbeddedPostgresState } from './embeddedPostgres.js';
import { backoffDelay, seconds } from './supervisor.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import path from 'node:path';

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Database {
  url: string;
  pool: pg.Pool;
  prisma: Prisma;
  /**
   * The embedded cluster's state: 'restarting' while it is being brought back after it exited by itself.
   * null with DATABASE_URL, where only a query tells whether the server is reachable.
   */
  embeddedState(): EmbeddedPostgresState | null;
  /** Closes the pool, then stops the embedded cluster if this process started it. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** How long to keep trying the first connection to DATABASE_URL's server, which may be starting up beside us. */
  connectRetryMs?: number;
}

const EMBEDDED_DATABASE = 'postflow';
const CONNECT_RETRY_MS = 60_000;
const CONNECT_DELAYS = { firstMs: 500, maxMs: 5_000 };
/** A query made while the server is unreachable fails after this instead of waiting for the network to give up. */
const CONNECTION_TIMEOUT_MS = 5_000;

/** Where the embedded cluster keeps its data, under the data folder. */
export const embeddedDataDir = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'postgres');

export async function openDatabase(config: Config, logger: Logger, options: OpenDatabaseOptions = {}): Promise<Database> {
  let url = config.databaseUrl;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  if (!url) {
    const dataDir = embeddedDataDir(config);
    logger.info(`starting the embedded PostgreSQL (data in ${dataDir}, port ${config.embeddedPostgresPort})`);
    embedded = await startEmbeddedPostgres({ dataDir, port: config.embeddedPostgresPort, log: (l) => logger.debug(l), logger });
    await ensureDatabaseExists(embedded.url(), EMBEDDED_DATABASE);
    url = embedded.url(EMBEDDED_DATABASE);
  }
  const pool = createPool(url, logger, poolSize(config));
  try {
    // The embedded server has just said it is ready: only an external one is worth waiting for.
    await firstConnection(pool, url, logger, embedded ? 0 : (options.connectRetryMs ?? CONNECT_RETRY_MS));
  } catch (error) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    url,
    pool,
    prisma,
    embeddedState: () => embedded?.state() ?? null,
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
      await embedded?.stop();
    },
  };
}

async function firstConnection(pool: pg.Pool, url: string, logger: Logger, retryForMs: number): Promise<void> {
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const reason = reasonOf(error);
      const delay = backoffDelay(attempt, CONNECT_DELAYS);
      const waited = Date.now() - startedAt;
      if (isRefusal(error) || waited + delay > retryForMs) {
        const tried = attempt > 1 ? ` (tried for ${seconds(waited)})` : '';
        throw new Error(`Cannot connect to PostgreSQL at ${redact(url)}: ${reason}${tried}`, { cause: error });
      }
      logger.warn(`PostgreSQL not reachable at ${redact(url)}, retrying in ${seconds(delay)}: ${reason}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The server answered and said no (bad credentials, no such database): waiting will not change that. */
function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('28') || code === '3D000');
}

function reasonOf(error: unknown): string {
  // Node reports a refused connection to a name with several addresses as an AggregateError with no message.
  const e = error as { message?: string; code?: string; errors?: { message?: string }[] };
  return e.message || e.errors?.[0]?.message || e.code || String(error);
}

/**
 * Connections for one process, at most. graphile-worker runs up to WORKER_CONCURRENCY jobs and wants the pool to be
 * at least that large (it warns otherwise); the recovery sweep, the due-time wake-up and /readyz take a few more. A
 * publish holds a connection only while a statement runs, never during its network call, and concurrent publishes
 * share their statements (src/jobs/batcher.ts), so most are never opened. An API process needs fewer. With the
 * defaults, three workers and an API open at most 3 × 72 + 20 pooled connections, plus each worker's liveness lock
 * and the API's LISTEN: 240, inside the embedded server's max_connections of 300 (test/runtime.config.test.ts).
 */
export const API_POOL_SIZE = 20;
export const WORKER_POOL_HEADROOM = 8;

export function poolSize(config: Config): number {
  return config.role === 'api' ? API_POOL_SIZE : config.worker.concurrency + WORKER_POOL_HEADROOM;
}

export function createPool(url: string, logger: Logger, max: number): pg.Pool {
  // While the server is gone the pool reconnects by itself on the next query; the timeout makes that query (and one
  // queued behind a full pool) fail in seconds rather than hang on a server that does not answer.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS });
  // An idle client's connection dying (server restart) must not crash the process.
  pool.on('error', (error) => logger.warn('idle database connection failed', { error: error.message }));
  pool.on('connect', (client) => client.on('error', (error) => logger.warn('database connection failed', { error: error.message })));
  return pool;
}

async function ensureDatabaseExists(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

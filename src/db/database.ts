// Opens PostFlow's database: an external one from DATABASE_URL, or the embedded cluster under the data folder.
// Returns one pg pool (for the hot SQL paths) and one Prisma client on top of the same pool.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import path from 'node:path';

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Database {
  url: string;
  pool: pg.Pool;
  prisma: Prisma;
  /** Closes the pool, then stops the embedded cluster if this process started it. */
  close(): Promise<void>;
}

const EMBEDDED_DATABASE = 'postflow';

export async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!url) {
    const dataDir = path.join(config.dataDir, 'postgres');
    logger.info(`starting the embedded PostgreSQL (data in ${dataDir}, port ${config.embeddedPostgresPort})`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: config.embeddedPostgresPort, log: (l) => logger.debug(l) });
    stopEmbedded = embedded.stop;
    await ensureDatabaseExists(embedded.url(), EMBEDDED_DATABASE);
    url = embedded.url(EMBEDDED_DATABASE);
  }
  const pool = createPool(url, logger, poolSize(config));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    await stopEmbedded?.();
    throw new Error(`Cannot connect to PostgreSQL at ${redact(url)}: ${(error as Error).message}`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    url,
    pool,
    prisma,
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
      await stopEmbedded?.();
    },
  };
}

/**
 * Connections for one process. A publish holds a connection only while a statement runs, never during its network
 * call, and concurrent publishes share their statements (src/jobs/batcher.ts), so a busy worker needs few: more
 * only cost Postgres backends, and several processes must fit in an external server's max_connections (often 100).
 */
export function poolSize(config: Config): number {
  return Math.min(Math.max(10, config.worker.concurrency + 8), 24);
}

export function createPool(url: string, logger: Logger, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
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

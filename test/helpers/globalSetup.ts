// Starts the one PostgreSQL of a test run and builds the template database every test database is cloned from.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger as GraphileLogger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { runMigrations } from '../../src/db/migrate.js';
import { freePort } from './ports.js';

export const TEMPLATE_DATABASE = 'postflow_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), 'postflow-test-pg-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await freePort(), ephemeral: true });
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: postgres.url(TEMPLATE_DATABASE) });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  await runMigrations(pool);
  await runWorkerMigrations({ pgPool: pool, logger: new GraphileLogger(() => () => {}) });
  await pool.end();
  project.provide('pgAdminUrl', postgres.url());
  return async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

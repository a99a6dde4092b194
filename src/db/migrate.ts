// Applies prisma/migrations/*/migration.sql in order, each in its own transaction, under an advisory lock so that
// several processes starting at once apply each migration exactly once. No Prisma CLI is needed at run time.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { projectRoot } from '../projectRoot.js';

export const MIGRATIONS_DIR = path.join(projectRoot(import.meta.url), 'prisma/migrations');
const LOCK_KEY = 7_346_101; // any constant shared by every PostFlow process

/** The migrations on disk, in the order they apply. */
export async function listMigrations(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && /^\d{4}_/.test(d.name))
    .map((d) => d.name)
    .sort();
}

/** Which of `names` this database has not applied (all of them when it has never been migrated). For /readyz. */
export async function pendingMigrations(db: Pick<pg.Pool, 'query'>, names: readonly string[]): Promise<string[]> {
  try {
    const done = new Set((await db.query<{ name: string }>('SELECT name FROM postflow_migrations')).rows.map((r) => r.name));
    return names.filter((n) => !done.has(n));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return [...names]; // no postflow_migrations table yet
    throw error;
  }
}

export async function runMigrations(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const names = await listMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS postflow_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM postflow_migrations')).rows.map((r) => r.name));
    for (const name of names.filter((n) => !done.has(n))) {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql); // simple-query protocol: many statements, $$ bodies intact, one transaction
        await client.query('INSERT INTO postflow_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
        applied.push(name);
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${name} failed and was rolled back: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    client.release();
  }
  return applied;
}

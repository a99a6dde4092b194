// What the benches are built from: a throw-away Postgres, seed data, the processes or the API under test, and the
// figures read back from the database.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Logger as GraphileLogger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import { startEmbeddedPostgres } from '../src/db/embeddedPostgres.js';
import { runMigrations } from '../src/db/migrate.js';
import { enqueuePublishJobs } from '../src/store/jobs.js';
import type { Secrets } from '../src/security/secrets.js';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { startPostFlow, type PostFlow } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { freePort } from '../test/helpers/ports.js';
import { PROJECT_ROOT } from '../test/helpers/childProcess.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BenchDatabase {
  url: string;
  pool: pg.Pool;
  postmasterPid: number;
  stop(): Promise<void>;
}

/** An ephemeral cluster in a temp dir, one database, PostFlow's migrations and graphile-worker's. */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'postflow-bench-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), ephemeral: true });
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = postgres.url('bench');
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  await runMigrations(pool);
  await runWorkerMigrations({ pgPool: pool, logger: new GraphileLogger(() => () => {}) });
  await pool.query(`CREATE TABLE bench_trivial (id int PRIMARY KEY, label text NOT NULL, due_at timestamptz(3) NOT NULL, done_at timestamptz(3))`);
  const postmasterPid = Number((await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return {
    url,
    pool,
    postmasterPid,
    async stop() {
      await pool.end().catch(() => {});
      await postgres.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Seed {
  workspaceId: string;
  userId: string;
}

export async function seedWorkspace(pool: pg.Pool): Promise<Seed> {
  const ws = await pool.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('bench') RETURNING id`);
  const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ('bench@example.com', 'not-a-hash') RETURNING id`);
  await pool.query(`INSERT INTO memberships (workspace_id, user_id) VALUES ($1, $2)`, [ws.rows[0].id, user.rows[0].id]);
  return { workspaceId: ws.rows[0].id, userId: user.rows[0].id };
}

export const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789';

/** Round the clock, no interval, no caps: the bench measures dispatch, not posting rules. */
const OPEN_POLICY = {
  windows: Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
  blackouts: [],
  minIntervalMinutes: 0,
  dailyCap: null,
  rolling24hCap: null,
  reservedShare: 0,
  queueHours: {},
  queueSpacingMinutes: 0,
};

/** A WEBHOOK channel whose sealed credentials point at `${receiverUrl}/hook/<label>`; one channel per scenario. */
export async function createWebhookChannel(pool: pg.Pool, seed: Seed, secrets: Secrets, receiverUrl: string, label: string): Promise<string> {
  const credentials = secrets.seal(JSON.stringify({ url: `${receiverUrl}/hook/${label}`, secret: WEBHOOK_SECRET }));
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO channels (workspace_id, platform, name, account_handle, credentials_encrypted, policy) VALUES ($1, 'WEBHOOK', $2, 'bench', $3, $4) RETURNING id`,
    [seed.workspaceId, label, credentials, JSON.stringify(OPEN_POLICY)],
  );
  return rows[0].id;
}

const BATCH = 1000;

/** Posts, SCHEDULED deliveries and their publish jobs, in batches, each batch one transaction as the API does it. */
export async function insertDeliveries(pool: pg.Pool, seed: Seed, channelId: string, times: number[]): Promise<void> {
  for (let start = 0; start < times.length; start += BATCH) {
    const at = times.slice(start, start + BATCH).map((t) => new Date(t).toISOString());
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; scheduled_at: Date }>(
        `WITH p AS (
           INSERT INTO posts (workspace_id, author_id, content)
           SELECT $1, $2, 'Bench post ' || g FROM generate_series(1, $3::int) g RETURNING id),
         pn AS (SELECT id, row_number() OVER () AS n FROM p),
         t AS (SELECT at, n FROM unnest($5::timestamptz[]) WITH ORDINALITY AS t(at, n))
         INSERT INTO deliveries (post_id, channel_id, workspace_id, status, scheduled_at)
         SELECT pn.id, $4, $1, 'SCHEDULED', t.at FROM pn JOIN t USING (n)
         RETURNING id, scheduled_at`,
        [seed.workspaceId, seed.userId, at.length, channelId, at],
      );
      await enqueuePublishJobs(
        client,
        rows.map((r) => ({ deliveryId: r.id, runAt: r.scheduled_at })),
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

/** Rows of bench_trivial and one graphile-worker job each, with a job key like ours so add_jobs does the same work. */
export async function insertTrivialJobs(pool: pg.Pool, label: string, firstId: number, times: number[]): Promise<void> {
  for (let start = 0; start < times.length; start += BATCH) {
    const at = times.slice(start, start + BATCH).map((t) => new Date(t).toISOString());
    await pool.query(
      `WITH r AS (
         INSERT INTO bench_trivial (id, label, due_at)
         SELECT $1::int + n::int - 1, $2, at FROM unnest($3::timestamptz[]) WITH ORDINALITY AS t(at, n) RETURNING id, due_at)
       SELECT count(*) FROM graphile_worker.add_jobs((
         SELECT array_agg(ROW('bench_trivial', json_build_object('id', r.id), NULL, r.due_at, 10, 'trivial:' || r.id, 0, NULL)::graphile_worker.job_spec) FROM r))`,
      [firstId + start, label, at],
    );
  }
}

/** Counts of a scenario's finished / failed items, for waiting. */
export type Progress = () => Promise<{ done: number; failed: number }>;

export const deliveryProgress =
  (pool: pg.Pool, channelId: string): Progress =>
  async () => {
    const { rows } = await pool.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'PUBLISHED')::int AS done, count(*) FILTER (WHERE status = 'FAILED')::int AS failed
       FROM deliveries WHERE channel_id = $1`,
      [channelId],
    );
    return rows[0];
  };

export const trivialProgress =
  (pool: pg.Pool, label: string): Progress =>
  async () => {
    const { rows } = await pool.query<{ done: number }>(`SELECT count(done_at)::int AS done FROM bench_trivial WHERE label = $1`, [label]);
    return { done: rows[0].done, failed: 0 };
  };

/** Polls slowly (a poll is a query competing with the system under test) until `n` items are done. */
export async function waitUntilDone(progress: Progress, n: number, timeoutMs: number, what: string, check: () => void = () => {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    const { done, failed } = await progress();
    if (failed > 0) throw new Error(`${what}: ${failed} deliveries FAILED`);
    if (done >= n) return;
    if (Date.now() > deadline) throw new Error(`${what}: only ${done} of ${n} done after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** Lateness (ms) of every delivery of a scenario: published_at - scheduled_at, both from the database. */
export async function latenessOfDeliveries(pool: pg.Pool, channelId: string): Promise<number[]> {
  const { rows } = await pool.query<{ ms: number }>(`SELECT (extract(epoch FROM published_at - scheduled_at) * 1000)::float8 AS ms FROM deliveries WHERE channel_id = $1`, [
    channelId,
  ]);
  return rows.map((r) => r.ms);
}

export async function latenessOfTrivial(pool: pg.Pool, label: string): Promise<number[]> {
  const { rows } = await pool.query<{ ms: number }>(`SELECT (extract(epoch FROM done_at - due_at) * 1000)::float8 AS ms FROM bench_trivial WHERE label = $1`, [label]);
  return rows.map((r) => r.ms);
}

export interface Figures {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles. */
export function figures(lateness: number[]): Figures {
  const sorted = [...lateness].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { n: sorted.length, min: sorted[0], p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] };
}

export interface Child {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ENV_KEEP = ['PATH', 'HOME'];

/** A TypeScript entry point as its own OS process, run by node itself (no npm or shell in between) so its pid is the one to measure. */
export function spawnChild(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): Child {
  const base = Object.fromEntries(ENV_KEEP.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], { cwd: PROJECT_ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
    if (output.length > 100_000) output = output.slice(-50_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { name, child, output: () => output, exited };
}

/** Peak and current resident set size of a live process, in MB, from /proc. */
export async function memoryOf(pid: number): Promise<{ peakMb: number; rssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** SIGTERM (graceful), then SIGKILL if it hangs. */
export async function stopChild(child: Child, timeoutMs = 15_000): Promise<void> {
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), timeoutMs);
  await child.exited;
  clearTimeout(timer);
}

/** GraphQL over HTTP as a client sends it: the answer's data, or a throw with its errors. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers are read by shape, as the tests do
export type BenchGql = (query: string, variables?: Record<string, unknown>, token?: string) => Promise<any>;

/**
 * A PostFlow serving the API only (no worker: nothing publishes while it is read) on a free loopback port, its
 * workspace budget out of the way, and a GraphQL client of it. `env` adds or overrides settings.
 */
export async function startBenchApi(db: BenchDatabase, env: Record<string, string> = {}): Promise<{ app: PostFlow; url: string; gql: BenchGql }> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    POSTFLOW_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'postflow-bench-api-')),
    POSTFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
    POSTFLOW_ROLE: 'api',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    POSTFLOW_THROTTLE_API_WORKSPACE: '1000000/3600',
    ...env,
  });
  const app = await startPostFlow(config, createLogger(config.logLevel));
  const url = app.url!.replace('localhost', '127.0.0.1');
  const gql: BenchGql = async (query, variables = {}, token) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  return { app, url, gql };
}

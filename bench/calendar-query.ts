// The console's calendar month over HTTP: 1,000 deliveries in one month across 5 channels (plus 10,000 in other
// months, so the range has to be found), read as the calendar reads them (deliveries with from/to, two pages of 500,
// totalCount), 200 times; then analytics() over the same month. Prints p50/p95/max in ms and the query plan.
// Usage: npm run bench:calendar [-- <iterations>] [--cpu-prof <file.cpuprofile>] (a CPU profile of the calendar runs
// only, without start-up, seeding and analytics: the server and the client share this process, so both are in it).
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { findDeliveryPage } from '../src/store/deliveryQueries.js';
import { startBenchApi, startBenchDatabase, figures } from './harness.js';

const args = process.argv.slice(2);
const profileAt = args.indexOf('--cpu-prof');
const PROFILE_FILE = profileAt >= 0 ? args.splice(profileAt, 2)[1] : undefined;
const ITERATIONS = Number(args[0] ?? 200);
const IN_MONTH = 1_000;
const ELSEWHERE = 10_000;
const CHANNELS = 5;
const MONTH_START = Date.UTC(2030, 4, 1);
const MONTH_END = Date.UTC(2030, 5, 1);

const MONTH_QUERY = `query($from: DateTime!, $to: DateTime!, $after: String) {
  deliveries(filter: { from: $from, to: $to }, first: 500, after: $after) {
    totalCount
    edges { node { id status scheduledAt publishedAt scheduleReason post { id content } channel { id name platform timezone } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const ANALYTICS_QUERY = `query($from: DateTime!, $to: DateTime!) {
  analytics(from: $from, to: $to, timeZone: "Europe/Berlin") {
    published failed onTimeRate latenessP50Seconds latenessP95Seconds days { day published failed } channels { channel { id } published failed onTimeRate } failureReasons { reason count }
  }
}`;

async function main() {
  const db = await startBenchDatabase();
  const { app, gql } = await startBenchApi(db);
  try {
    const { signup } = await gql(`mutation { signup(email: "bench@example.com", password: "vivid-ocean-lantern-42", workspaceName: "Bench") { token } }`, {});
    const token: string = signup.token;
    const { workspace } = await gql(`{ workspace { id } }`, {}, token);
    await seed(db.pool, workspace.id);

    const month = { from: new Date(MONTH_START).toISOString(), to: new Date(MONTH_END).toISOString() };
    const pageMs: number[] = [];
    const monthMs: number[] = [];
    // This process's CPU (server and client, not PostgreSQL's): on a machine others load too, the figure that
    // moves least with their load.
    let cpuMicros = 0;
    const profiler = PROFILE_FILE ? new Session() : null;
    for (let i = 0; i < ITERATIONS + 10; i++) {
      if (i === 10 && profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const first = (await gql(MONTH_QUERY, month, token)).deliveries;
      const between = performance.now();
      const second = (await gql(MONTH_QUERY, { ...month, after: first.pageInfo.endCursor }, token)).deliveries;
      const ended = performance.now();
      const cpu = process.cpuUsage(cpuBefore);
      if (first.totalCount !== IN_MONTH || first.edges.length + second.edges.length !== IN_MONTH || second.pageInfo.hasNextPage) {
        throw new Error(`the month read ${first.edges.length} + ${second.edges.length} of ${first.totalCount}`);
      }
      if (i < 10) continue; // warm-up: JIT, Prisma's first queries, the pool's connections
      cpuMicros += cpu.user + cpu.system;
      pageMs.push(between - started, ended - between);
      monthMs.push(ended - started);
    }
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      await writeFile(PROFILE_FILE!, JSON.stringify(profile));
      profiler.disconnect();
    }
    const analyticsMs: number[] = [];
    for (let i = 0; i < ITERATIONS + 10; i++) {
      const started = performance.now();
      await gql(ANALYTICS_QUERY, month, token);
      if (i >= 10) analyticsMs.push(performance.now() - started);
    }

    const show = (label: string, ms: number[]) => {
      const f = figures(ms);
      console.log(
        `${label.padEnd(44)} n=${String(f.n).padStart(4)}  p50 ${f.p50.toFixed(1).padStart(6)} ms  p95 ${f.p95.toFixed(1).padStart(6)} ms  max ${f.max.toFixed(1).padStart(6)} ms`,
      );
    };
    console.log(`${IN_MONTH} deliveries in the month, ${ELSEWHERE} in other months, ${CHANNELS} channels; ${ITERATIONS} runs over HTTP`);
    show('deliveries page (first: 500, + totalCount)', pageMs);
    show('calendar month (two pages of 500)', monthMs);
    console.log(`${'CPU of this process per page (mean)'.padEnd(44)} ${(cpuMicros / 1000 / pageMs.length).toFixed(1)} ms`);
    show('analytics (the month, Europe/Berlin days)', analyticsMs);
    await explain(db.pool, workspace.id);
  } finally {
    await app.stop();
    await db.stop();
  }
}

/** Posts and deliveries straight into the tables: the month's spread over its minutes, the rest over the years around it. */
async function seed(pool: import('pg').Pool, workspaceId: string) {
  const channels: string[] = [];
  for (let c = 0; c < CHANNELS; c++) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, platform, name, credentials_encrypted) VALUES ($1, 'WEBHOOK', $2, 'unused') RETURNING id`,
      [workspaceId, `bench ${c}`],
    );
    channels.push(rows[0]!.id);
  }
  const insert = async (count: number, from: number, until: number) => {
    const step = (until - from) / count;
    await pool.query(
      `WITH p AS (INSERT INTO posts (workspace_id, content) SELECT $1, 'Bench post ' || g FROM generate_series(1, $2::int) g RETURNING id),
            numbered AS (SELECT id, row_number() OVER () - 1 AS n FROM p)
       INSERT INTO deliveries (post_id, channel_id, workspace_id, status, scheduled_at, published_at)
       SELECT id, ($3::uuid[])[1 + n % ${CHANNELS}], $1, CASE WHEN n % 3 = 0 THEN 'PUBLISHED' ELSE 'SCHEDULED' END::"DeliveryStatus",
              to_timestamp(($4::float8 + n * $5::float8) / 1000),
              CASE WHEN n % 3 = 0 THEN to_timestamp(($4::float8 + n * $5::float8) / 1000 + n % 90) END
         FROM numbered`,
      [workspaceId, count, channels, from, step],
    );
  };
  await insert(IN_MONTH, MONTH_START, MONTH_END);
  await insert(ELSEWHERE / 2, MONTH_START - 2 * 365 * 86_400_000, MONTH_START - 86_400_000);
  await insert(ELSEWHERE / 2, MONTH_END + 86_400_000, MONTH_END + 2 * 365 * 86_400_000);
  await pool.query('ANALYZE deliveries; ANALYZE posts');
}

/** The plan of the page query the connection runs (the statement itself, taken from the store's function). */
async function explain(pool: import('pg').Pool, workspaceId: string) {
  let statement = '';
  let values: unknown[] = [];
  const capture = {
    query: async (text: string, params: unknown[]) => {
      statement = text;
      values = params;
      return { rows: [] };
    },
  };
  await findDeliveryPage(
    capture as never,
    {
      workspaceId,
      from: new Date(MONTH_START),
      to: new Date(MONTH_END),
      channelIds: null,
      statuses: null,
      postSources: null,
      sourceIds: null,
      text: null,
      postId: null,
      order: { field: 'SCHEDULED_AT', direction: 'ASC' },
    },
    { limit: 501, inverted: false },
  );
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${statement}`, values);
  console.log('\nplan of the first page:');
  for (const r of rows) console.log(`  ${r['QUERY PLAN']}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

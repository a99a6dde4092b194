// The smart scheduler at 1k, 10k and 100k pending deliveries over 10 channels (7-day horizon), measured twice:
//   core: the pure placement (src/scheduling/distribute.ts) alone;
//   job:  the whole run against a real PostgreSQL: lock, load, place, write, queue publish jobs (runSmartSchedule).
// Two policy sets: `default` (each platform's defaults: 08:00-21:00, 5-60 min apart, so capacity runs out and most
// stay PENDING) and `open` (round the clock, no interval: everything fits up to the slot granularity).
// Usage: npm run bench:smart-schedule [-- 1000 10000]
import { limitsFor } from '../src/integrations/limits.js';
import pg from 'pg';
import { compilePolicy, defaultPolicy, type PostingPolicy } from '../src/scheduling/policy.js';
import { Occupancy } from '../src/scheduling/occupancy.js';
import { placePending, type ChannelSchedule, type PendingDelivery } from '../src/scheduling/distribute.js';
import { runSmartSchedule } from '../src/services/smartSchedule.js';
import { startBenchDatabase, seedWorkspace } from './harness.js';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const PLATFORMS = ['MASTODON', 'TELEGRAM', 'WEBHOOK', 'MASTODON', 'TELEGRAM'];
const HORIZON = 7 * 86_400_000;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

function policyFor(c: number, kind: 'default' | 'open'): PostingPolicy {
  const base = defaultPolicy(limitsFor(PLATFORMS[c % PLATFORMS.length]));
  if (kind === 'default') return { ...base, queueSpacingMinutes: [15, 30, 5, 10, 60][c % 5] };
  return { ...base, queueSpacingMinutes: 0, queueHours: {} };
}

function coreRun(n: number, kind: 'default' | 'open', now: number) {
  const channels = new Map<string, ChannelSchedule>();
  for (let c = 0; c < 10; c++) {
    const existing = Array.from({ length: 20 }, (_, i) => now + i * 7 * 3_600_000 + c * 60_000);
    channels.set(`channel-${c}`, {
      policy: compilePolicy(policyFor(c, kind), { timezone: ZONES[c % ZONES.length], limits: limitsFor(PLATFORMS[c % PLATFORMS.length]), paused: false, layer: 'QUEUE' }),
      occupied: new Occupancy(existing),
    });
  }
  const items: PendingDelivery[] = Array.from({ length: n }, (_, i) => ({
    id: `delivery-${String(i).padStart(7, '0')}`,
    channelId: `channel-${i % 10}`,
    priority: i % 17 === 0 ? 5 : 0,
    createdAt: now - (n - i) * 1000,
    sourceKey: ['PRODUCT', 'ARTICLE', 'IMPORT'][i % 3],
  }));
  const started = performance.now();
  const result = placePending(items, channels, now, HORIZON);
  return { ms: performance.now() - started, placed: result.placed.length, pending: result.unplaced.length };
}

async function jobRun(pool: pg.Pool, n: number, kind: 'default' | 'open') {
  await pool.query(`TRUNCATE deliveries, posts, channels, memberships, users, workspaces CASCADE; DELETE FROM graphile_worker._private_jobs`);
  const seed = await seedWorkspace(pool);
  const channelIds: string[] = [];
  for (let c = 0; c < 10; c++) {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO channels (workspace_id, platform, name, credentials_encrypted, timezone, policy) VALUES ($1, $2, $3, 'unused', $4, $5) RETURNING id`,
      [seed.workspaceId, PLATFORMS[c % PLATFORMS.length], `bench ${c}`, ZONES[c % ZONES.length], JSON.stringify(policyFor(c, kind))],
    );
    channelIds.push(rows[0].id);
  }
  await pool.query(
    `WITH p AS (
       INSERT INTO posts (id, workspace_id, content, source, priority, scheduling_mode, created_at)
       SELECT gen_random_uuid(), $1, 'bench ' || i, (ARRAY['PRODUCT','ARTICLE','IMPORT'])[1 + i % 3]::"PostSource", CASE WHEN i % 17 = 0 THEN 5 ELSE 0 END, 'AUTO', now() - make_interval(secs => $2 - i)
         FROM generate_series(0, $2 - 1) AS i RETURNING id, content)
     INSERT INTO deliveries (post_id, channel_id, workspace_id, status)
     SELECT p.id, ($3::uuid[])[1 + (split_part(p.content, ' ', 2)::int % 10)], $1, 'PENDING' FROM p`,
    [seed.workspaceId, n, channelIds],
  );
  const started = performance.now();
  const summary = await runSmartSchedule(pool, { horizonMs: HORIZON });
  return { ms: performance.now() - started, ...summary };
}

const db = await startBenchDatabase();
try {
  const now = Date.now();
  console.log('size      policies  core: placed/pending      time   |  job (DB): placed/pending     time');
  for (const kind of ['default', 'open'] as const) {
    for (const n of sizes.length ? sizes : [1_000, 10_000, 100_000]) {
      const core = coreRun(n, kind, now);
      const job = await jobRun(db.pool, n, kind);
      console.log(
        `${String(n).padStart(7)}   ${kind.padEnd(8)}  ${String(core.placed).padStart(6)} / ${String(core.pending).padStart(6)}  ${core.ms.toFixed(0).padStart(6)} ms` +
          `   |  ${String(job.placed).padStart(6)} / ${String(job.pending).padStart(6)}  ${job.ms.toFixed(0).padStart(6)} ms`,
      );
    }
  }
  console.log(`peak RSS of this process (placement runs in it): ${mb(process.resourceUsage().maxRSS * 1024)}; heap now ${mb(process.memoryUsage().heapUsed)}`);
} finally {
  await db.stop();
}

// Dispatch bench: how fast and how punctually PostFlow's worker publishes, next to a trivial graphile-worker
// baseline on the same machine, and how much memory it needs. Prints figures; it is not a test and asserts nothing.
//
//   npm run bench:dispatch                        burst of 5,000 (ours and trivial), then steady 100/s for 60 s
//   npm run bench:dispatch -- --quick             burst of 1,000, steady 100/s for 20 s
//   npm run bench:dispatch -- --mode burst --n 5000
//   npm run bench:dispatch -- --mode steady --rate 100 --seconds 60
// Other flags: --concurrency N (WORKER_CONCURRENCY of both processes; default: PostFlow's default),
//   --fake test (use test/fakes/webhookReceiver.ts instead of bench/receiver.ts), --baseline-steady (trivial steady too),
//   --cpu-prof DIR (V8 CPU profile of the app process, written when it stops).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeKey, loadConfig } from '../src/config.js';
import { createSecrets } from '../src/security/secrets.js';
import { startWebhookReceiver } from '../test/fakes/webhookReceiver.js';
import { startBenchReceiver, type BenchReceiver } from './receiver.js';
import * as h from './harness.js';
import { cpuBetween, formatCpu, sampleCpu, type CpuUse } from './cpu.js';

const { values: flags } = parseArgs({
  options: {
    n: { type: 'string' },
    mode: { type: 'string', default: 'all' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    fake: { type: 'string', default: 'bench' },
    'baseline-steady': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});
const mode = flags.mode as 'burst' | 'steady' | 'all';
if (!['burst', 'steady', 'all'].includes(mode)) throw new Error(`--mode must be burst, steady or all (got ${flags.mode})`);
const n = Number(flags.n ?? (flags.quick ? 1000 : 5000));
const rate = Number(flags.rate);
const seconds = Number(flags.seconds ?? (flags.quick ? 20 : 60));
const concurrency = flags.concurrency ?? String(loadConfig({}).worker.concurrency);
const WARMUP = 50;

type Memory = Record<string, { peakMb: number; rssMb: number; warmMb: number }>;
type Row = { label: string; lateness: h.Figures; allDoneMs?: number; throughput?: number; requests?: number; duplicates?: number; attempts?: number; cpu?: CpuUse };

async function main() {
  const startedAt = Date.now();
  const db = await h.startBenchDatabase();
  const key = randomBytes(32).toString('base64');
  const secrets = createSecrets(decodeKey(key)!);
  const receiver = flags.fake === 'test' ? await startTestFake() : await startBenchReceiver();
  const children: h.Child[] = [];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'postflow-bench-app-'));
  const rows: { burst: Row[]; steady: Row[] } = { burst: [], steady: [] };
  const memory: Memory = {};
  try {
    const seed = await h.seedWorkspace(db.pool);
    const deliveriesOf = async (label: string, times: number[], app: h.Child, timeoutMs: number) => {
      const channel = await h.createWebhookChannel(db.pool, seed, secrets, receiver.url, label);
      await timedInsert(label, times, () => h.insertDeliveries(db.pool, seed, channel, times));
      const before = sampleCpu(app.child.pid!, db.postmasterPid);
      await h.waitUntilDone(h.deliveryProgress(db.pool, channel), times.length, timeoutMs, label, () => alive(app));
      const cpu = cpuBetween(before, sampleCpu(app.child.pid!, db.postmasterPid));
      const { rows: a } = await db.pool.query<{ c: number }>(
        `SELECT count(*)::int AS c FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel_id = $1`,
        [channel],
      );
      return { lateness: await h.latenessOfDeliveries(db.pool, channel), requests: receiver.requests(label), duplicates: receiver.duplicates(label), attempts: a[0].c, cpu };
    };

    const app = h.spawnChild(
      'postflow',
      'src/main.ts',
      {
        POSTFLOW_ROLE: 'worker',
        DATABASE_URL: db.url,
        LOG_LEVEL: 'warn',
        POSTFLOW_SECRET_KEY: key,
        POSTFLOW_DATA_DIR: dataDir,
        WORKER_CONCURRENCY: concurrency,
        // The receiver listens on loopback, which the outbound policy refuses unless allowed.
        POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32,::1,localhost',
      },
      flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(flags['cpu-prof'])}`] : [],
    );
    children.push(app);
    // Warm-up: proves the worker takes jobs (it logs nothing at warn), and opens its connections and JIT-compiles
    // the hot path, as in a server that has been running for a while. Not counted.
    await deliveriesOf('warmup', Array(WARMUP).fill(Date.now()), app, 90_000);
    const appWarm = await h.memoryOf(app.child.pid!);
    if (mode !== 'steady') {
      const times = Array<number>(n).fill(dueAfterInsert(n));
      const r = await deliveriesOf('burst', times, app, 180_000);
      rows.burst.push(burstRow('postflow', r.lateness, { requests: r.requests, duplicates: r.duplicates, attempts: r.attempts, cpu: r.cpu }));
    }
    if (mode !== 'burst') {
      const times = steadyTimes();
      const r = await deliveriesOf('steady', times, app, seconds * 1000 + 120_000);
      rows.steady.push({ label: 'postflow', lateness: h.figures(r.lateness), requests: r.requests, duplicates: r.duplicates, attempts: r.attempts, cpu: r.cpu });
    }
    memory.postflow = { ...(await h.memoryOf(app.child.pid!)), warmMb: appWarm.peakMb };
    await h.stopChild(app);

    if (mode !== 'steady' || flags['baseline-steady']) {
      const trivial = h.spawnChild('trivial', 'bench/trivialWorker.ts', { DATABASE_URL: db.url, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: concurrency });
      children.push(trivial);
      let nextId = 1;
      const trivialJobs = async (label: string, times: number[], timeoutMs: number) => {
        const first = nextId;
        nextId += times.length;
        await timedInsert(`trivial ${label}`, times, () => h.insertTrivialJobs(db.pool, label, first, times));
        const before = sampleCpu(trivial.child.pid!, db.postmasterPid);
        await h.waitUntilDone(h.trivialProgress(db.pool, label), times.length, timeoutMs, `trivial ${label}`, () => alive(trivial));
        return { lateness: await h.latenessOfTrivial(db.pool, label), cpu: cpuBetween(before, sampleCpu(trivial.child.pid!, db.postmasterPid)) };
      };
      await trivialJobs('warmup', Array(WARMUP).fill(Date.now()), 90_000);
      const trivialWarm = await h.memoryOf(trivial.child.pid!);
      if (mode !== 'steady') {
        const r = await trivialJobs('burst', Array<number>(n).fill(dueAfterInsert(n)), 180_000);
        rows.burst.push(burstRow('trivial', r.lateness, { cpu: r.cpu }));
      }
      if (mode !== 'burst' && flags['baseline-steady']) {
        const r = await trivialJobs('steady', steadyTimes(), seconds * 1000 + 120_000);
        rows.steady.push({ label: 'trivial', lateness: h.figures(r.lateness), cpu: r.cpu });
      }
      memory.trivial = { ...(await h.memoryOf(trivial.child.pid!)), warmMb: trivialWarm.peakMb };
      await h.stopChild(trivial);
    }
    report(rows, memory, Date.now() - startedAt);
  } finally {
    for (const child of children) await h.stopChild(child).catch(() => {});
    await receiver.stop();
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Far enough ahead that inserting everything is done before it is due (about 0.4 ms a delivery here, with margin). */
const dueAfterInsert = (count: number) => Date.now() + 1500 + Math.ceil(count * 0.6);

function steadyTimes(): number[] {
  const count = Math.round(rate * seconds);
  const start = dueAfterInsert(count);
  return Array.from({ length: count }, (_, i) => start + Math.round((i * 1000) / rate));
}

async function timedInsert(label: string, times: number[], insert: () => Promise<void>) {
  const t0 = Date.now();
  await insert();
  const margin = Math.min(...times) - Date.now();
  log(`${label}: inserted ${times.length} in ${Date.now() - t0} ms, ${margin} ms before the first is due`);
  if (margin < 0 && !label.endsWith('warmup')) log(`  WARNING: inserting finished after the items were due; the lateness figures include insertion`);
}

function burstRow(label: string, lateness: number[], extra: Partial<Row> = {}): Row {
  const f = h.figures(lateness);
  // Every item is due at the same T, so the latest lateness is "T to the last publish".
  return { label, lateness: f, allDoneMs: f.max, throughput: f.n / (f.max / 1000), ...extra };
}

function alive(child: h.Child) {
  if (child.child.exitCode !== null || child.child.signalCode !== null)
    throw new Error(`${child.name} exited (${child.child.exitCode ?? child.child.signalCode}):\n${child.output()}`);
}

async function startTestFake(): Promise<BenchReceiver> {
  const fake = await startWebhookReceiver({ secret: h.WEBHOOK_SECRET });
  const on = (label: string) => fake.requests.filter((r) => r.path === `/hook/${label}`);
  return { url: fake.url, requests: (l) => on(l).length, duplicates: (l) => on(l).filter((r) => r.duplicate).length, stop: fake.stop };
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (v: number) => `${v.toFixed(0)} ms`.padStart(9);

function report(rows: { burst: Row[]; steady: Row[] }, memory: Memory, elapsedMs: number) {
  log('');
  log(`PostFlow dispatch bench: ${cpus().length} CPUs, node ${process.version}, WORKER_CONCURRENCY=${concurrency}, receiver=${flags.fake}`);
  const header = `  ${'worker'.padEnd(10)}${'T->last'.padStart(9)}${'per s'.padStart(8)}${'first'.padStart(9)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}  checks`;
  const line = (r: Row) => {
    const checks = r.requests === undefined ? '' : `requests ${r.requests}/${r.lateness.n}, duplicates ${r.duplicates}, attempts ${r.attempts}`;
    const burst = r.allDoneMs === undefined ? ''.padStart(17) : `${ms(r.allDoneMs)}${r.throughput!.toFixed(0).padStart(8)}`;
    const cpu = r.cpu ? `\n  ${''.padEnd(10)}${formatCpu(r.cpu)}` : '';
    return `  ${r.label.padEnd(10)}${burst}${ms(r.lateness.min)}${ms(r.lateness.p50)}${ms(r.lateness.p95)}${ms(r.lateness.p99)}${ms(r.lateness.max)}  ${checks}${cpu}`;
  };
  const verdicts: string[] = [];
  if (rows.burst.length) {
    log(`burst: ${n} due at one instant T; lateness = published_at - scheduled_at`);
    log(header);
    rows.burst.forEach((r) => log(line(r)));
    const [ours, trivial] = rows.burst;
    if (trivial) log(`  ratio ours/trivial: time T->last ${(ours.allDoneMs! / trivial.allDoneMs!).toFixed(2)}x, p50 ${(ours.lateness.p50 / trivial.lateness.p50).toFixed(2)}x`);
    verdicts.push(`burst of ${n} published within 3 s of T: ${ours.allDoneMs! < 3000 ? 'MET' : 'MISSED'} (${(ours.allDoneMs! / 1000).toFixed(2)} s)`);
    const exact = ours.requests === n && ours.duplicates === 0 && ours.attempts === n;
    verdicts.push(`exactly one request and one attempt per delivery: ${exact ? 'yes' : 'NO'}`);
  }
  if (rows.steady.length) {
    log(`steady: ${rate}/s for ${seconds} s (${Math.round(rate * seconds)} items, one every ${(1000 / rate).toFixed(0)} ms)`);
    log(header);
    rows.steady.forEach((r) => log(line(r)));
    const ours = rows.steady[0];
    verdicts.push(`steady p99 lateness under 100 ms: ${ours.lateness.p99 < 100 ? 'MET' : 'MISSED'} (${ours.lateness.p99.toFixed(0)} ms)`);
    if (ours.requests !== ours.lateness.n || ours.duplicates !== 0) verdicts.push(`steady: exactly one request per delivery: NO`);
  }
  const mb = (v: number) => `${v.toFixed(0)} MB`;
  log(
    `peak RSS (VmHWM): ${Object.entries(memory)
      .map(([k, v]) => `${k} ${mb(v.peakMb)} (${mb(v.warmMb)} after warm-up, ${mb(v.rssMb)} at the end)`)
      .join('; ')}`,
  );
  // On a small machine another busy process skews every figure; say so rather than let it pass for PostFlow's.
  const busy = [...rows.burst, ...rows.steady].filter((r) => r.cpu && r.cpu.other > 0.1 * r.cpu.wallS * cpus().length);
  if (busy.length)
    log(`NOTE: other processes used over 10% of the machine during: ${busy.map((r) => `${r.label} (${r.cpu!.other.toFixed(1)} CPU s)`).join(', ')}; those figures are not clean`);
  if (memory.postflow) verdicts.push(`app peak RSS under 250 MB: ${memory.postflow.peakMb < 250 ? 'MET' : 'MISSED'} (${memory.postflow.peakMb.toFixed(0)} MB)`);
  log('targets:');
  verdicts.forEach((v) => log(`  ${v}`));
  log(`(bench took ${(elapsedMs / 1000).toFixed(0)} s)`);
}

await main();

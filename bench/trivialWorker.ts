// The baseline of the dispatch bench: graphile-worker run exactly as PostFlow runs it (runTunedWorker: same
// concurrency, poll interval, local queue, batching, due-time wake-up and pool size) with a task that does the least
// a job can do and still be measured: stamp its completion time. Our times divided by these are what PostFlow's own
// code costs. Run as its own process by bench/dispatch.ts; prints "trivial worker ready" once it takes jobs.
import { loadConfig } from '../src/config.js';
import { createPool, poolSize } from '../src/db/database.js';
import { runTunedWorker } from '../src/jobs/worker.js';
import { createLogger } from '../src/logger.js';

const config = loadConfig(process.env);
if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
const logger = createLogger(config.logLevel, 'trivial');
const pool = createPool(config.databaseUrl, logger, poolSize(config));

const worker = await runTunedWorker({
  pool,
  config,
  wakeFor: 'bench_trivial',
  logger,
  taskList: {
    bench_trivial: async (payload) => {
      await pool.query('UPDATE bench_trivial SET done_at = now() WHERE id = $1', [(payload as { id: number }).id]);
    },
  },
});
process.stdout.write('trivial worker ready\n');

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  worker
    .stop()
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

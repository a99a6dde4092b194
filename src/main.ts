// The server process (`npm start` runs it through scripts/start.mjs): read the configuration, start PostFlow, and
// stop it on SIGTERM or SIGINT: gracefully first, by force on a second signal or when the deadline passes, and
// never leaving the embedded PostgreSQL behind. The handlers are installed before anything starts: a signal during
// start-up (the embedded cluster's first initdb takes seconds) must not kill node and orphan a half-started postgres,
// and as PID 1 in a container a signal without a handler does nothing at all.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startPostFlow, type PostFlow } from './app.js';
import { createLogger } from './logger.js';

/** From the first signal to a forced exit: under the 10 s Docker waits before SIGKILL, leaving time to stop postgres. */
const SHUTDOWN_DEADLINE_MS = 8000;

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}
const logger = createLogger(config.logLevel);

let app: PostFlow | null = null;
let signals = 0;
let firstSignalAt = 0;
const stop = (running: PostFlow) =>
  running.stop().then(
    () => process.exit(0),
    (error) => forceExit(`shutdown failed: ${String(error)}`),
  );

const onSignal = (signal: NodeJS.Signals) => {
  // Ctrl-C under npm arrives twice at once, from the terminal and forwarded by npm: that is one request, not two.
  if (signals > 0 && Date.now() - firstSignalAt < 1000) return;
  if (++signals > 1) return forceExit(`${signal} again: exiting without waiting`);
  firstSignalAt = Date.now();
  logger.info(`${signal} received: shutting down (running publishes finish first, for up to ${SHUTDOWN_DEADLINE_MS / 1000} s)`);
  setTimeout(() => forceExit(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s`), SHUTDOWN_DEADLINE_MS).unref();
  if (app) void stop(app); // otherwise start-up is under way, and stops once it is done (below)
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  app = await startPostFlow(config, logger);
  if (signals > 0) void stop(app);
} catch (error) {
  logger.error(`PostFlow did not start: ${(error as Error).message}`);
  process.exit(1);
}

/**
 * Exits now. Publishes cut short are recovered at the next start; what must not happen is an embedded postmaster
 * outliving us, holding the port and the data folder. It is stopped synchronously, so nothing else (its supervisor
 * restarting it, say) runs before the exit.
 */
function forceExit(reason: string): void {
  logger.error(`${reason}; stopping the embedded PostgreSQL, if any, and exiting`);
  if (!config.databaseUrl) killEmbeddedPostmaster(path.join(config.dataDir, 'postgres')); // database.ts's layout
  process.exit(1);
}

function killEmbeddedPostmaster(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // not started, or already stopped
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isOurRunningChild(pid)) return;
  // SIGQUIT is Postgres's immediate shutdown: backends are told to exit at once and the postmaster follows.
  signal(pid, 'SIGQUIT');
  const deadline = Date.now() + 2000;
  while (isOurRunningChild(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  if (isOurRunningChild(pid)) signal(pid, 'SIGKILL');
}

/** Running (not a zombie awaiting our wait()) and spawned by this process, so never another instance's server. */
function isOurRunningChild(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // No /proc (not Linux): trust the pid file as long as the process exists.
    try {
      process.kill(pid, 0);
      return process.platform !== 'linux';
    } catch {
      return false;
    }
  }
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state !== 'Z' && state !== 'X' && Number(ppid) === process.pid;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

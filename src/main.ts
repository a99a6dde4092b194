// The server process (`npm start` runs it through scripts/start.mjs): read the configuration, start PostFlow, and
// stop it on SIGTERM or SIGINT: gracefully first, by force on a second signal or when the deadline passes, and
// never leaving the embedded PostgreSQL behind. The handlers are installed before anything starts: a signal during
// start-up (the embedded cluster's first initdb takes seconds) must not kill node and orphan a half-started postgres,
// and as PID 1 in a container a signal without a handler does nothing at all.
import { ConfigError, loadConfig, type Config } from './config.js';
import { startPostFlow, type PostFlow } from './app.js';
import { createLogger } from './logger.js';
import { embeddedDataDir } from './db/database.js';
import { stopPostmasterNow } from './db/embeddedPostgres.js';

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
  if (!config.databaseUrl) stopPostmasterNow(embeddedDataDir(config));
  process.exit(1);
}

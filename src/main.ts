// `npm start`: read the configuration, start PostFlow, and stop it gracefully on SIGINT/SIGTERM.
import { ConfigError, loadConfig } from './config.js';
import { startPostFlow } from './app.js';
import { createLogger } from './logger.js';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}

const logger = createLogger(config.logLevel);
try {
  const app = await startPostFlow(config, logger);
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    logger.info(`${signal} received: shutting down (running publishes finish first)`);
    app.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  logger.error(`PostFlow did not start: ${(error as Error).message}`);
  process.exit(1);
}

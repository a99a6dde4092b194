// The composition root: the one place that wires configuration, database, providers, GraphQL server and worker.
// Everything else receives what it needs from here.
import { Logger as GraphileLogger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type Database } from './db/database.js';
import { runMigrations } from './db/migrate.js';
import { createProviderRegistry, type ProviderRegistry } from './integrations/registry.js';
import { createSecrets, loadMasterKey } from './security/secrets.js';
import type { DeliveryEvents } from './events/deliveryEvents.js';
import type { HttpServer } from './server/httpServer.js';
import { startWorker, type Worker } from './jobs/worker.js';
import type { ServiceDeps } from './services/deps.js';
// The API's modules (graphql-yoga, the GraphQL schema, LISTEN/NOTIFY fan-out, authentication) are imported only
// when this process serves the API: a worker-only process never loads them, which keeps its footprint small.

export interface PostFlow {
  /** The GraphQL URL, when this process serves the API. */
  url: string | null;
  database: Database;
  services: ServiceDeps;
  /** Graceful: stop taking requests, let running jobs finish or hand them back, stop the worker, then the database. */
  stop(): Promise<void>;
}

export async function startPostFlow(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<PostFlow> {
  if (config.databaseUrl && !config.secretKey) {
    logger.warn('POSTFLOW_SECRET_KEY is not set: using the key kept in the data folder. Processes on other machines must share one key.');
  }
  const secrets = createSecrets(await loadMasterKey(config.secretKey, config.dataDir));
  const database = await openDatabase(config, logger);
  let events: DeliveryEvents | null = null;
  let server: HttpServer | null = null;
  let worker: Worker | null = null;
  try {
    const applied = await runMigrations(database.pool);
    if (applied.length) logger.info(`applied migrations: ${applied.join(', ')}`);
    await runWorkerMigrations({ pgPool: database.pool, logger: quietWorkerLogger });

    const providers: ProviderRegistry = createProviderRegistry(config.providers);
    const services: ServiceDeps = { prisma: database.prisma, pool: database.pool, providers, secrets, config, logger };

    if (config.role !== 'worker') {
      const [{ listenForDeliveryEvents }, { startHttpServer }, { authenticate }, { schema }] = await Promise.all([
        import('./events/deliveryEvents.js'),
        import('./server/httpServer.js'),
        import('./services/accounts.js'),
        import('./schema/index.js'),
      ]);
      events = await listenForDeliveryEvents(database.url, logger);
      const deliveryEvents = events;
      server = await startHttpServer({
        schema,
        host: config.host,
        port: config.port,
        logger,
        createContext: async (authorization) => {
          try {
            return { prisma: database.prisma, services, events: deliveryEvents, auth: await authenticate(services, authorization), authError: null };
          } catch (error) {
            return { prisma: database.prisma, services, events: deliveryEvents, auth: null, authError: error as Error };
          }
        },
      });
      logger.info(`GraphQL API on ${server.url} (GraphiQL in a browser, graphql-ws on the same path)`);
    }
    if (config.role !== 'api') {
      worker = await startWorker({ config, databaseUrl: database.url, pool: database.pool, providers, secrets, logger });
    }

    let stopping: Promise<void> | null = null;
    return {
      url: server?.url ?? null,
      database,
      services,
      stop: () =>
        (stopping ??= (async () => {
          await server?.stop();
          await events?.close();
          await worker?.stop();
          await database.close();
        })()),
    };
  } catch (error) {
    await server?.stop().catch(() => {});
    await events?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    await database.close();
    throw error;
  }
}

const quietWorkerLogger = new GraphileLogger(() => () => {});

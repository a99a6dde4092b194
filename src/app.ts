// The composition root: the one place that wires configuration, database, providers, GraphQL server and worker.
// Everything else receives what it needs from here.
import type { IncomingMessage } from 'node:http';
import { Logger as GraphileLogger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import { defaultPublicUrl, type Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { openDatabase, type Database } from './db/database.js';
import { listMigrations, runMigrations } from './db/migrate.js';
import { createProviderRegistry, type ProviderRegistry } from './integrations/registry.js';
import { createOutboundPolicy, type OutboundPolicy } from './security/outbound/policy.js';
import type { PlatformName, PlatformSettings } from './domain/platforms.js';
import { createSecrets, loadMasterKey, type Secrets } from './security/secrets.js';
import { verifySessionToken } from './security/credentials.js';
import { clientIp as clientIpOf } from './security/clientIp.js';
import { AppError } from './domain/errors.js';
import { createThrottles } from './services/throttles.js';
import { createSmtpMailer } from './integrations/mail.js';
import type { DeliveryEvents } from './events/deliveryEvents.js';
import { startHttpServer } from './server/httpServer.js';
import { RouteTable } from './server/routes.js';
import { createReadiness, healthRoutes } from './server/healthRoutes.js';
import { exportRoutes } from './server/exportRoutes.js';
import type { GraphQLRoutes } from './server/graphqlRoutes.js';
import { startWorker, type Worker } from './jobs/worker.js';
import type { ServiceDeps } from './services/deps.js';
import { createSourceRegistry } from './sources/registry.js';
import { createFeedConnector } from './sources/feed.js';
// The API's modules (graphql-yoga, the GraphQL schema, LISTEN/NOTIFY fan-out, authentication) are imported only
// when this process serves the API: a worker-only process never loads them, which keeps its footprint small.

export interface PostFlow {
  /** The GraphQL URL this process listens on, when it serves the API. */
  url: string | null;
  /** Where this process's HTTP server listens, in every role (/healthz, /readyz). */
  httpUrl: string;
  database: Database;
  services: ServiceDeps;
  /** Graceful: stop taking requests, let running jobs finish or hand them back, stop the worker, then the database. */
  stop(): Promise<void>;
}

export async function startPostFlow(given: Config, logger: Logger = createLogger(given.logLevel)): Promise<PostFlow> {
  if (given.databaseUrl && !given.secretKey) {
    logger.warn('POSTFLOW_SECRET_KEY is not set: using the key kept in the data folder. Processes on other machines must share one key.');
  }
  // Every role listens, and first: /healthz answers and /readyz says "starting" through a long migration, and a
  // taken port fails the start before the database is touched.
  const routes = new RouteTable();
  const readiness = createReadiness();
  routes.add(...healthRoutes(readiness));
  const server = await startHttpServer({ host: given.host, port: given.port, routes, logger });
  // A default public URL on PORT=0 (a random port) names the port actually bound.
  const config: Config = new URL(given.publicUrl).port === '0' ? { ...given, publicUrl: defaultPublicUrl(server.port) } : given;
  let secrets: Secrets;
  let database: Database;
  try {
    secrets = createSecrets(await loadMasterKey(config.secretKey, config.dataDir));
    database = await openDatabase(config, logger);
  } catch (error) {
    await server.stop(0);
    throw error;
  }
  let events: DeliveryEvents | null = null;
  let graphql: GraphQLRoutes | null = null;
  let worker: Worker | null = null;
  let shopify: Awaited<ReturnType<typeof wireShopify>> | null = null;
  let graphqlUrl: string | null = null;
  try {
    const applied = await runMigrations(database.pool);
    if (applied.length) logger.info(`applied migrations: ${applied.join(', ')}`);
    await runWorkerMigrations({ pgPool: database.pool, logger: quietWorkerLogger });

    const providers: ProviderRegistry = createProviderRegistry({ ...config.providers, ...outboundPolicies(config.providers) });
    const mailer = config.mail ? createSmtpMailer(config.mail, config.providers.requestTimeoutMs) : null;
    // Billing is the API's (checkout, portal, webhooks): a worker-only process does not load the Stripe library.
    const stripe =
      config.billing && config.role !== 'worker' ? (await import('./integrations/stripe.js')).createStripeClient(config.billing, config.providers.requestTimeoutMs) : null;
    const services: ServiceDeps = {
      prisma: database.prisma,
      pool: database.pool,
      providers,
      secrets,
      config,
      logger,
      throttles: createThrottles(database.pool, config.throttle),
      mailer,
      stripe,
      // Connectors register here (the Shopify app's plugin); tests add their own.
      sources: createSourceRegistry(),
    };
    // The Shopify app (plugins/shopify/), in every role when configured: the worker's source_event job fetches
    // products through its connector, the API serves its /shopify/* routes. Without it the library is not loaded.
    shopify = config.shopify ? await wireShopify(config, config.shopify, services) : null;
    // WordPress sites (plugins/wordpress/) need no setting: each site's key and secret come from createSource.
    const wordpress = await wireWordPress(services);
    // Feeds' entries come from their poll (src/services/feedSources.ts), handed to the engine with each change.
    services.sources.register(createFeedConnector());

    if (config.role !== 'worker') {
      const [{ listenForDeliveryEvents }, { createGraphQLRoutes, GRAPHQL_PATH }, { authenticateRequest }, { createCredentialChecks }, { schema }] = await Promise.all([
        import('./events/deliveryEvents.js'),
        import('./server/graphqlRoutes.js'),
        import('./services/accounts.js'),
        import('./services/credentialChecks.js'),
        import('./schema/index.js'),
      ]);
      events = await listenForDeliveryEvents(database.url, logger);
      const deliveryEvents = events;
      // Open subscriptions ask again whether their credential still holds (src/server/subscriptionAuth.ts).
      const checkCredential = createCredentialChecks(services, config.graphql.subscriptionAuthCheckMs);
      graphql = createGraphQLRoutes({
        schema,
        logger,
        limits: config.graphql,
        publicUrl: config.publicUrl,
        // An expired or forged session cookie is cleared even from a RATE_LIMITED answer (src/server/graphqlRoutes.ts).
        sessionTokenValid: (token) => verifySessionToken(token, secrets.sessionSigningKey) !== null,
        createContext: async (authorization, peer) => {
          const clientIp = clientIpOf(peer.remoteAddress, peer.forwardedFor, config.throttle.trustProxyHops);
          const base = { prisma: database.prisma, services, events: deliveryEvents, clientIp };
          try {
            const auth = await authenticateRequest(services, authorization, clientIp);
            return { ...base, auth, authError: null, ...(auth && authorization && { recheckAuth: () => checkCredential(authorization) }) };
          } catch (error) {
            // Too many refused credentials, or the workspace's budget spent: the whole request is refused (429).
            if (error instanceof AppError && error.code === 'RATE_LIMITED') throw error;
            return { ...base, auth: null, authError: error as Error };
          }
        },
      });
      routes.add(...graphql.routes);
      // The page a preview link opens in a browser (the link's token is its credential).
      routes.add(...(await import('./server/previewRoutes.js')).createPreviewRoutes(services));
      // POST /stripe/webhooks exists only with billing configured: without it, 404 like any path not served.
      if (config.billing) routes.add(...(await import('./server/stripeRoutes.js')).stripeRoutes(services, logger));
      routes.add(...exportRoutes(services));
      if (shopify) routes.add(...shopify.routes);
      routes.add(...wordpress.routes);
      // The operator console (admin/dist) at /admin/, and `/` leading there: it signs in to /graphql with a cookie.
      routes.add(...(await import('./server/consoleRoutes.js')).consoleRoutes());
      graphqlUrl = `${server.url}${GRAPHQL_PATH}`;
      logger.info(`GraphQL API on ${config.publicUrl}${GRAPHQL_PATH} (GraphiQL in a browser, graphql-ws on the same path)`);
    }
    if (config.role !== 'api') {
      worker = await startWorker({ config, databaseUrl: database.url, pool: database.pool, providers, secrets, logger, mailer, sources: services.sources, services });
    }
    readiness.running({ pool: database.pool, migrations: await listMigrations(), worker });
    server.markStarted();
    logger.info(`${config.role === 'worker' ? 'worker process' : 'PostFlow'} listening on ${server.url} (health: /healthz, /readyz)`);

    let stopping: Promise<void> | null = null;
    return {
      url: graphqlUrl,
      httpUrl: server.url,
      database,
      services,
      stop: () =>
        (stopping ??= (async () => {
          readiness.stopping();
          await graphql?.close();
          await server.stop();
          await events?.close();
          await worker?.stop();
          shopify?.close();
          mailer?.close();
          await database.close();
        })()),
    };
  } catch (error) {
    await graphql?.close().catch(() => {});
    await server.stop(0).catch(() => {});
    await events?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    shopify?.close();
    await database.close();
    throw error;
  }
}

const quietWorkerLogger = new GraphileLogger(() => () => {});

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(',') : value);

/** The Shopify client from the settings, its connector in the source registry (renewed tokens stored sealed), its routes. */
async function wireShopify(config: Config, settings: NonNullable<Config['shopify']>, services: ServiceDeps) {
  const [{ createShopifyClient }, { createShopifyConnector }, { shopifyRoutes }, { createSourceHost }, { shopifyAppServices }] = await Promise.all([
    import('../plugins/shopify/src/client.js'),
    import('../plugins/shopify/src/connector.js'),
    import('../plugins/shopify/src/routes.js'),
    import('./services/sources.js'),
    import('./services/shopifyApp.js'),
  ]);
  const client = createShopifyClient({
    settings,
    publicUrl: config.publicUrl,
    outboundAllow: config.providers.outboundAllow,
    requestTimeoutMs: config.providers.requestTimeoutMs,
  });
  const sources = createSourceHost(services);
  const connector = createShopifyConnector(client, { renewUnderLock: (source, renew) => sources.renewCredentials(source.id, renew) });
  services.sources.register(connector);
  // Plans charged to a shop through Shopify's Billing API, when SHOPIFY_BILLING is on.
  const { createShopifyBilling } = await import('../plugins/shopify/src/billing.js');
  const { shopifyBillingServices } = await import('./services/shopifyBilling.js');
  services.shopifyBilling = settings.billing ? createShopifyBilling(client, connector) : null;
  // connectShopifyStart checks a shop's name as the plugin does (the one place that knows Shopify's names).
  services.shopifyApp = { shopName: (input, field) => client.typedShopName(input, field) };
  // An install started from Shopify for a new shop: its owner signs in (or up) here and picks the workspace.
  const { shopifyClaimServices } = await import('./services/shopifyClaim.js');
  const claims = shopifyClaimServices(services);
  const clientIpOfRequest = (request: IncomingMessage) => clientIpOf(request.socket.remoteAddress, headerText(request.headers['x-forwarded-for']), config.throttle.trustProxyHops);
  // The store owner's page (/shopify/app): its reads and writes, through the same services as the API's.
  const { shopifyAppHomeServices } = await import('./services/shopifyAppHome.js');
  return {
    close: () => client.close(),
    routes: shopifyRoutes(client, {
      sources,
      ...shopifyAppServices(services),
      appHome: shopifyAppHomeServices(services),
      claims,
      billing: settings.billing ? shopifyBillingServices(services) : null,
      clientIp: clientIpOfRequest,
      logger: services.logger,
    }),
  };
}

/** The WordPress connector in the source registry, and the plugin's /wordpress/* routes. */
async function wireWordPress(services: ServiceDeps) {
  const [{ createWordPressConnector }, { wordpressRoutes }, { wordpressHostServices }] = await Promise.all([
    import('../plugins/wordpress/src/connector.js'),
    import('../plugins/wordpress/src/routes.js'),
    import('./services/wordpressSources.js'),
  ]);
  services.sources.register(createWordPressConnector());
  return { routes: wordpressRoutes({ ...wordpressHostServices(services), logger: services.logger }) };
}

/**
 * A user's URLs are held to the policy with no exemptions. Each network's own requests may also reach the base URLs
 * the operator configured for that network (<NETWORK>_API_URL, _AUTH_URL, TELEGRAM_API_URL), and only those: a
 * webhook pointed at the operator's Telegram Bot API server on 127.0.0.1 is refused like any other loopback URL.
 */
function outboundPolicies(providers: Config['providers']): { outbound: OutboundPolicy; outboundFor: (platform: PlatformName) => OutboundPolicy } {
  const allow = providers.outboundAllow;
  const outbound = createOutboundPolicy({ allow, exempt: [] });
  const byPlatform = new Map<PlatformName, OutboundPolicy>();
  for (const [platform, settings] of Object.entries(providers.platforms) as [PlatformName, PlatformSettings][]) {
    const exempt = [settings.apiUrl, settings.authUrl].filter((url): url is string => url !== undefined);
    if (exempt.length) byPlatform.set(platform, createOutboundPolicy({ allow, exempt }));
  }
  byPlatform.set('TELEGRAM', createOutboundPolicy({ allow, exempt: [providers.telegramApiUrl] }));
  return { outbound, outboundFor: (platform) => byPlatform.get(platform) ?? outbound };
}

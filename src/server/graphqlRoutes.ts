// The API's routes: GraphQL over HTTP (and SSE), GraphiQL in a browser, and graphql-ws subscriptions, all on
// /graphql. Imported only by processes that serve the API (see src/app.ts).
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { Context } from '../schema/context.js';
import type { Logger } from '../logger.js';
import type { Route } from './routes.js';
import { createMaskError, yogaLogging } from './errorMasking.js';
import { useInputGuard } from './inputGuard.js';
import { graphqlLimits, type GraphQLLimits } from './graphqlLimits.js';
import { crossOrigin } from './crossOrigin.js';
import { useSubscriptionAuth } from './subscriptionAuth.js';
import { ResponseSessionCookie, sessionCookieName, sessionCookieOf, useSessionCookies } from './sessionCookie.js';
import { AppError, unauthenticated } from '../domain/errors.js';

export const GRAPHQL_PATH = '/graphql';

/** Who sent a request, as the socket and any proxies say (src/security/clientIp.ts decides what to believe). */
export interface Peer {
  remoteAddress: string | null;
  forwardedFor: string | null;
}

export interface GraphQLRoutesOptions {
  schema: GraphQLSchema;
  /**
   * Builds a request's context from its credential, and its peer: the Authorization header (HTTP) or connectionParams
   * (WebSocket), else the session cookie's token as "Bearer <token>" (the request's, or the WebSocket upgrade's).
   */
  createContext(authorization: string | null, peer: Peer): Promise<Context>;
  /**
   * Whether a session token could still be live (its signature and expiry, no lookup): when createContext refuses a
   * request as a whole (RATE_LIMITED), a cookie that fails this is still cleared from the browser.
   */
  sessionTokenValid?(token: string): boolean;
  logger: Logger;
  limits: GraphQLLimits;
  /** The server's own address: its origin may always call the API (src/server/crossOrigin.ts). */
  publicUrl: string;
}

export interface GraphQLRoutes {
  routes: Route[];
  /** Closes every subscription socket (before the HTTP server stops, which would otherwise wait for them). */
  close(): Promise<void>;
}

export function createGraphQLRoutes(options: GraphQLRoutesOptions): GraphQLRoutes {
  // An HTTP request's context, built once however many ask: yoga, and the suggestion gate for a result that never
  // reached execution (graphqlLimits.ts). Building it authenticates, which spends the workspace's budget and counts
  // refused credentials, so a request must do it once.
  const contexts = new WeakMap<Request, Promise<Context>>();
  const contextOf = (initial: { request?: Request; connectionParams?: Record<string, unknown>; req?: IncomingMessage }) => {
    const request = initial.request;
    if (!request) return buildContext(initial);
    let context = contexts.get(request);
    if (!context) contexts.set(request, (context = buildContext(initial)));
    return context;
  };
  const secureCookie = new URL(options.publicUrl).protocol === 'https:';
  const jars = new WeakMap<Request, ResponseSessionCookie>();
  // Upgrades whose cookie is not read: from an origin answered without credentials (POSTFLOW_CORS_ORIGINS=*).
  const cookielessUpgrades = new WeakSet<IncomingMessage>();
  const buildContext = async (initial: { request?: Request; connectionParams?: Record<string, unknown>; req?: IncomingMessage }): Promise<Context> => {
    const fromHttp = initial.request?.headers.get('authorization') ?? null;
    const fromWs = initial.connectionParams?.authorization ?? initial.connectionParams?.Authorization;
    const header = fromHttp ?? (typeof fromWs === 'string' ? fromWs : null);
    // The node request is the server context on HTTP (yoga's node adapter) and passed as req for graphql-ws below.
    const req = initial.req;
    const forwarded = initial.request?.headers.get('x-forwarded-for') ?? req?.headers['x-forwarded-for'];
    const peer = { remoteAddress: req?.socket?.remoteAddress ?? null, forwardedFor: Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? null) };
    const cookieHeader = initial.request ? initial.request.headers.get('cookie') : req && !cookielessUpgrades.has(req) ? req.headers.cookie : undefined;
    const sent = sessionCookieOf(cookieHeader, secureCookie);
    // A Bearer credential wins; the cookie (the request's, or the upgrade's on graphql-ws) only stands in for none.
    const cookie = header === null ? sent : ({ kind: 'none' } as const);
    const credentialSource = header !== null ? 'header' : cookie.kind === 'none' ? null : 'cookie';
    // Before the context: a request refused as a whole (RATE_LIMITED) still clears a cookie known to be refused.
    let jar: ResponseSessionCookie | undefined;
    if (initial.request) {
      jar = new ResponseSessionCookie(secureCookie);
      jar.refused = cookie.kind === 'malformed';
      jars.set(initial.request, jar);
    }
    let context: Context;
    try {
      context = await options.createContext(header ?? (cookie.kind === 'token' ? `Bearer ${cookie.token}` : null), peer);
    } catch (error) {
      // Otherwise an expired cookie would stay, be sent again and be counted again as a refused credential.
      if (jar && cookie.kind === 'token' && options.sessionTokenValid && !options.sessionTokenValid(cookie.token)) jar.refused = true;
      throw error;
    }
    const refusal = cookie.kind === 'malformed' ? unauthenticated(`The ${sessionCookieName(secureCookie)} cookie does not hold a session: login again`) : context.authError;
    if (jar) jar.refused = credentialSource === 'cookie' && refusal instanceof AppError && refusal.code === 'UNAUTHENTICATED';
    return {
      ...context,
      ...(cookie.kind === 'malformed' && { auth: null, authError: refusal }),
      credentialSource,
      sessionCookie: jar,
      cookieToken: sent.kind === 'token' ? sent.token : null,
    };
  };
  const limits = graphqlLimits(options.limits, async (request, serverContext) => (await contextOf({ request, ...serverContext })).auth !== null);
  const origins = crossOrigin(options.publicUrl, options.limits.corsOrigins);
  const maskError = createMaskError(options.logger);
  const yoga = createYoga<{ connectionParams?: Record<string, unknown> }, Context>({
    schema: options.schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // render-graphiql inlines GraphiQL's scripts and styles into the page: nothing is loaded from a CDN.
    graphiql: options.limits.graphiql && { subscriptionsProtocol: 'WS', title: 'PostFlow' },
    renderGraphiQL,
    cors: false,
    // Yoga logs every error a client causes (bad input, not found) at debug; unexpected ones are logged by maskError.
    logging: yogaLogging(options.logger),
    plugins: [
      useInputGuard(),
      ...origins.plugins,
      useSessionCookies((request) => jars.get(request)),
      ...limits.plugins,
      useSubscriptionAuth({ everyMs: options.limits.subscriptionAuthCheckMs, maskError }),
    ],
    context: (initial) => contextOf(initial as Parameters<typeof contextOf>[0]),
    maskedErrors: { maskError },
  });

  const wss = new WebSocketServer({ noServer: true });
  const wsServer = useServer(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error]; // e.g. over the token limit: answered, not a closed socket
          throw error;
        }
        let contextValue: Context;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // RATE_LIMITED (retryAfterSeconds) or another refusal: answered like HTTP answers it, and the socket stays open.
          return [forSocket(maskError(error))];
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? limits.publicErrors(errors, args.contextValue.auth !== null) : args;
      },
    },
    wss,
  );

  return {
    routes: [
      {
        path: GRAPHQL_PATH,
        handle: (request, response) => yoga(request, response),
        upgrade: (request, socket, head) => {
          if (!origins.allowsUpgrade(request)) return void socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          if (!origins.upgradeMayUseCookie(request)) cookielessUpgrades.add(request);
          wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
        },
      },
    ],
    close: () => wsServer.dispose() as Promise<void>,
  };
}

/** An error as graphql-ws sends it: without `extensions.http` (HTTP's status and headers, which yoga leaves out of JSON too). */
function forSocket(error: Error): GraphQLError {
  const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(error.message);
  const { extensions } = graphqlError;
  if (!('http' in extensions)) return graphqlError;
  return new GraphQLError(graphqlError.message, { extensions: Object.fromEntries(Object.entries(extensions).filter(([key]) => key !== 'http')) });
}

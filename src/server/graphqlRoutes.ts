// The API's routes: GraphQL over HTTP (and SSE), GraphiQL in a browser, and graphql-ws subscriptions, all on
// /graphql. Imported only by processes that serve the API (see src/app.ts).
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import { AppError } from '../domain/errors.js';
import type { Context } from '../schema/context.js';
import type { Logger } from '../logger.js';
import type { Route } from './routes.js';

export const GRAPHQL_PATH = '/graphql';

export interface GraphQLRoutesOptions {
  schema: GraphQLSchema;
  /** Builds a request's context from its Authorization header (HTTP) or connectionParams (WebSocket). */
  createContext(authorization: string | null): Promise<Context>;
  logger: Logger;
}

export interface GraphQLRoutes {
  routes: Route[];
  /** Closes every subscription socket (before the HTTP server stops, which would otherwise wait for them). */
  close(): Promise<void>;
}

export function createGraphQLRoutes(options: GraphQLRoutesOptions): GraphQLRoutes {
  const yoga = createYoga<{ connectionParams?: Record<string, unknown> }, Context>({
    schema: options.schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: { subscriptionsProtocol: 'WS', title: 'PostFlow' },
    // Yoga logs every error a client causes (bad input, not found); unexpected ones are logged in maskError below.
    logging: {
      debug: (...a) => options.logger.debug(a.join(' ')),
      info: (...a) => options.logger.debug(a.join(' ')),
      warn: (...a) => options.logger.warn(a.join(' ')),
      error: (...a) => options.logger.debug(a.join(' ')),
    },
    context: async (initial) => {
      const fromHttp = initial.request?.headers.get('authorization') ?? null;
      const fromWs = initial.connectionParams?.authorization ?? initial.connectionParams?.Authorization;
      return options.createContext(fromHttp ?? (typeof fromWs === 'string' ? fromWs : null));
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        let original: unknown = error;
        // Resolver errors can arrive wrapped more than once, by GraphQLError classes of more than one copy of
        // graphql (its CommonJS and ESM builds): follow originalError by shape, not by class.
        while (original instanceof Error && (original as { originalError?: unknown }).originalError) original = (original as { originalError?: unknown }).originalError;
        if (original instanceof AppError) {
          const located = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
          return new GraphQLError(original.message, { ...located, extensions: { code: original.code, ...original.details } });
        }
        if (original instanceof Error && original.name !== 'GraphQLError')
          options.logger.error('unexpected error in a resolver', { error: String((original as Error).stack ?? original) });
        return maskError(error, message, isDev);
      },
    },
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
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length ? errors : args;
      },
    },
    wss,
  );

  return {
    routes: [
      {
        path: GRAPHQL_PATH,
        handle: (request, response) => yoga(request, response),
        upgrade: (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
      },
    ],
    close: () => wsServer.dispose() as Promise<void>,
  };
}

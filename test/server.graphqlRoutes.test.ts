// The GraphQL routes on their own, with a schema of their own and a context factory that counts its calls: a request
// authenticates once, even when the suggestion gate (graphqlLimits.ts) must ask whether its caller is signed in
// after execution never ran. authenticateRequest spends the workspace budget and counts refused credentials, so a
// second call would spend both twice (test/api.security.throttle.test.ts checks the same against PostgreSQL).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { GraphQLEnumType, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphQLRoutes, type GraphQLRoutes } from '../src/server/graphqlRoutes.js';
import { createLogger } from '../src/logger.js';
import { loadConfig } from '../src/config.js';
import { testEnv } from './helpers/testApp.js';
import type { Context } from '../src/schema/context.js';

const Color = new GraphQLEnumType({ name: 'Color', values: { RED: {}, GREEN: {} } });
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, args: { color: { type: Color } }, resolve: () => 'hi' } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      tick: {
        type: GraphQLString,
        args: { color: { type: Color } },
        subscribe: async function* () {
          yield { tick: 'tock' };
        },
      },
    },
  }),
});

const built: (string | null)[] = [];
let routes: GraphQLRoutes;
let server: http.Server;
let url: string;

beforeAll(async () => {
  routes = createGraphQLRoutes({
    schema,
    logger: createLogger('silent'),
    publicUrl: 'http://127.0.0.1',
    limits: loadConfig(testEnv('postgres://unused@127.0.0.1/unused', tmpdir())).graphql,
    createContext: async (authorization) => {
      built.push(authorization);
      const auth = authorization === 'Bearer good' ? { workspaceId: 'w', userId: 'u', via: 'session' as const, sessionId: 's' } : null;
      return { auth, authError: null, clientIp: '127.0.0.1' } as unknown as Context;
    },
  });
  server = http.createServer((request, response) => void routes.routes[0]!.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await routes?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function ask(query: string, variables: Record<string, unknown>, authorization: string | null, accept = 'application/json') {
  built.length = 0;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...(authorization && { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  return { text: await response.text(), contexts: built.length };
}

describe('one context per request', () => {
  const cases = [
    ['a validation error', `{ helo }`, {}],
    ['a variable refused while executing a query', `query($c: Color) { hello(color: $c) }`, { c: 'REDD' }],
    ['a variable refused while subscribing (SSE)', `subscription($c: Color) { tick(color: $c) }`, { c: 'REDD' }],
  ] as const;
  for (const [what, query, variables] of cases) {
    it(`${what}: built once, and the suggestion shown only to a signed-in caller`, async () => {
      const accept = query.startsWith('subscription') ? 'text/event-stream' : 'application/json';
      const signedIn = await ask(query, variables, 'Bearer good', accept);
      expect(signedIn.text).toContain('Did you mean');
      expect(signedIn.contexts).toBe(1);
      const anonymous = await ask(query, variables, 'Bearer bad', accept);
      expect(anonymous.text).not.toContain('Did you mean');
      expect(anonymous.contexts).toBe(1);
    });
  }

  it('a request that runs builds its context once', async () => {
    expect(await ask(`{ hello }`, {}, 'Bearer good')).toEqual({ text: '{"data":{"hello":"hi"}}', contexts: 1 });
  });
});

// What one GraphQL request may ask for (src/server/graphqlLimits.ts): the attacks of issue 10 refused before any
// resolver runs, with QUERY_TOO_COMPLEX naming the limit, on HTTP and graphql-ws alike; connection arguments
// answered with VALIDATION_FAILED; a big input stays one allowed request. Times are printed, not asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { errorOf } from './helpers/api.js';

let t: TestApp;
let telegram: TelegramFake;
let token: string;
let channelId: string;
let postId: string;

beforeAll(async () => {
  telegram = await startTelegramFake();
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url } });
  token = await signUp(t);
  channelId = (await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@mychannel' }, 'News')).id;
  const created = await t.ok(`mutation($c: ID!) { createPost(input: { content: "hello", channelIds: [$c], draft: true }) { id } }`, { c: channelId }, token);
  postId = created.createPost.id;
});
afterAll(async () => {
  await t?.stop();
  await telegram?.stop();
});

/** Runs a request and prints how long its answer took. */
async function timed(what: string, query: string, variables?: Record<string, unknown>) {
  const started = performance.now();
  const result = await t.gql(query, variables, token);
  console.log(`${what}: answered in ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

function expectLimit(error: GraphQLErrorShape, limit: string, max: number) {
  expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit, max });
  expect(error.message).toContain(`limit of ${max}`);
  expect(error.message).toContain(limit);
}

/** post { deliveries { post { deliveries ... } } }, `pairs` times. */
const nested = (pairs: number) => `{ post(id: "${postId}") { ${'deliveries { post { '.repeat(pairs - 1)}deliveries { id }${' } }'.repeat(pairs - 1)} } }`;
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

// What the console's list of posts asks for: a page of posts, each delivery's channel and attempts.
const CONSOLE_POSTS = `query($after: String) {
  posts(first: 20, after: $after) {
    edges { cursor node { id content mediaUrls priority createdAt
      deliveries { id status scheduledAt scheduleReason attempts lastError externalUrl
        channel { id name platform paused needsReconnect }
        attemptLog { number outcome startedAt } } } }
    pageInfo { hasNextPage endCursor }
  }
  channels { id name platform timezone policy { minIntervalMinutes dailyCap windows { weekday ranges { start end } } } }
  workspace { id name }
}`;

describe('the attacks of issue 10 are refused before anything runs', () => {
  it('refuses the nested deliveries query by its depth', async () => {
    await timed('a plain { workspace { id } }, for comparison', '{ workspace { id } }');
    const error = errorOf(await timed('post>deliveries nested 6 times (depth 13)', nested(6)));
    expectLimit(error, 'maxDepth', t.config.graphql.maxDepth);
    expect(error.extensions?.found).toBe(13);
  });

  it('refuses the same nesting within the depth limit by its cost', async () => {
    const error = errorOf(await timed('post>deliveries nested 4 times (depth 9)', nested(4)));
    expectLimit(error, 'maxCost', t.config.graphql.maxCost);
    expect(error.extensions?.found).toBeGreaterThan(t.config.graphql.maxCost);
  });

  it('refuses 2,000 aliases of nextSlots(count: 500)', async () => {
    const error = errorOf(await timed('2,000 aliases of nextSlots(count: 500)', aliases(2000, `nextSlots(channelId: "${channelId}", count: 500) { at }`)));
    // Its 26,000 tokens are refused while parsing, before the aliases are even counted.
    expectLimit(error, 'maxTokens', t.config.graphql.maxTokens);
  });

  it('refuses more aliases than allowed', async () => {
    expect((await t.gql(aliases(30, 'workspace { id }'), {}, token)).errors).toBeUndefined();
    expectLimit(errorOf(await t.gql(aliases(31, 'workspace { id }'), {}, token)), 'maxAliases', 30);
  });

  it('counts nextSlots by its count, given as a literal or a variable', async () => {
    const few = await t.gql(aliases(5, `nextSlots(channelId: "${channelId}", count: 500) { at reason }`), {}, token);
    expect(few.errors).toBeUndefined();
    expect(few.data.a4).toHaveLength(500);
    expectLimit(errorOf(await timed('15 aliases of nextSlots(count: 500)', aliases(15, `nextSlots(channelId: "${channelId}", count: 500) { at reason }`))), 'maxCost', 20_000);
    const byVariable = `query($n: Int) ${aliases(15, `nextSlots(channelId: "${channelId}", count: $n) { at reason }`)}`;
    expect((await t.gql(byVariable, { n: 10 }, token)).errors).toBeUndefined();
    expectLimit(errorOf(await t.gql(byVariable, { n: 500 }, token)), 'maxCost', 20_000);
  });

  it('refuses too many directives and too many tokens', async () => {
    expectLimit(errorOf(await t.gql(`{ workspace { ${'id @include(if: true) '.repeat(51)} } }`, {}, token)), 'maxDirectives', 50);
    expectLimit(errorOf(await t.gql(`{ workspace { ${'id '.repeat(2100)} } }`, {}, token)), 'maxTokens', 2000);
  });

  it('allows what the console asks for, and pages on with the cursor it gave', async () => {
    const first = await t.ok(CONSOLE_POSTS, {}, token);
    expect(first.posts.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(postId);
    const next = await t.ok(CONSOLE_POSTS, { after: first.posts.pageInfo.endCursor }, token);
    expect(next.posts.edges).toEqual([]);
  });
});

describe('connection arguments', () => {
  it('answers first: -1 and last: -1 with VALIDATION_FAILED naming the argument', async () => {
    for (const arg of ['first', 'last']) {
      const error = errorOf(await t.gql(`{ posts(${arg}: -1) { edges { cursor } } }`, {}, token));
      expect(error.extensions?.code).toBe('VALIDATION_FAILED');
      expect(error.extensions?.issues).toEqual([expect.objectContaining({ path: ['posts', arg], rule: 'min' })]);
    }
  });

  it('answers a cursor it did not give out with VALIDATION_FAILED naming the argument', async () => {
    const notOurs = ['garbage', Buffer.from('GPC:S:not-a-uuid').toString('base64'), Buffer.from('something else').toString('base64'), ''];
    for (const cursor of notOurs) {
      const error = errorOf(await t.gql(`query($c: String) { failedDeliveries(after: $c) { edges { cursor } } }`, { c: cursor }, token));
      expect(error.extensions?.code, cursor).toBe('VALIDATION_FAILED');
      expect(error.extensions?.issues).toEqual([expect.objectContaining({ path: ['failedDeliveries', 'after'], rule: 'cursor' })]);
    }
    const before = errorOf(await t.gql(`{ posts(last: 2, before: "x") { edges { cursor } } }`, {}, token));
    expect(before.extensions?.issues).toEqual([expect.objectContaining({ path: ['posts', 'before'], rule: 'cursor' })]);
  });
});

describe('limits count the shape of a request, not the rows of its input', () => {
  it('creates 5,000 posts in one bulkCreatePosts (the limits would allow 50,000 the same way), then serves pages of at most 100', async () => {
    // 5,000 rows prove the point as well as 50,000 (the request's shape is the same) at a tenth of the time.
    const posts = Array.from({ length: 5000 }, (_, i) => ({ content: `row ${i}`, channelIds: [channelId], draft: true }));
    const started = performance.now();
    const result = await t.gql(`mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created drafts } }`, { posts }, token);
    console.log(`bulkCreatePosts of 5,000 rows: ${(performance.now() - started).toFixed(0)} ms`);
    expect(result.errors).toBeUndefined();
    expect(result.data.bulkCreatePosts).toEqual({ created: 5000, drafts: 5000 });

    const page = await t.ok(`{ posts(first: 1000) { edges { node { id } } pageInfo { hasNextPage } } }`, {}, token);
    expect(page.posts.edges).toHaveLength(100);
    expect(page.posts.pageInfo.hasNextPage).toBe(true);
    const byDefault = await t.ok(`{ posts { edges { node { id } } } }`, {}, token);
    expect(byDefault.posts.edges).toHaveLength(20);
  });
});

describe('graphql-ws gets the same limits', () => {
  let client: Client;
  beforeAll(() => {
    client = t.ws(token);
  });

  /** The first thing the server answers to one operation: a result, or the errors it refused it with. */
  const first = (query: string, variables: Record<string, unknown> = {}) =>
    new Promise<{ errors?: GraphQLErrorShape[]; data?: unknown }>((resolve) => {
      const stop = client.subscribe(
        { query, variables },
        {
          next: (value) => {
            resolve(value as never);
            stop();
          },
          error: (error) => resolve({ errors: (Array.isArray(error) ? error : [error]) as GraphQLErrorShape[] }),
          complete: () => {},
        },
      );
    });

  it('refuses a subscription over the alias limit, a query over the cost or depth, and one over the token limit', async () => {
    console.log('2', JSON.stringify(await first(`subscription { deliveryUpdated { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`)));
    expectLimit(errorOf(await first(`subscription { deliveryUpdated { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`)), 'maxAliases', 30);
    expectLimit(errorOf(await first(aliases(15, `nextSlots(channelId: "${channelId}", count: 500) { at reason }`))), 'maxCost', 20_000);
    expectLimit(errorOf(await first(nested(6))), 'maxDepth', 10);
    expectLimit(errorOf(await first(`{ workspace { ${'id '.repeat(2100)} } }`)), 'maxTokens', 2000);
    const ok = await first(`{ workspace { id } }`);
    expect(ok.errors).toBeUndefined();
  });

  it('answers a bad cursor with VALIDATION_FAILED', async () => {
    const error = errorOf(await first(`{ posts(after: "nope") { edges { cursor } } }`));
    expect(error.extensions?.code).toBe('VALIDATION_FAILED');
  });
});

describe('the time limit', () => {
  let slow: TestApp;
  beforeAll(async () => {
    slow = await startTestApp({ env: { POSTFLOW_GRAPHQL_TIMEOUT_MS: '300' } });
  });
  afterAll(async () => slow?.stop());

  it('answers a query still running after POSTFLOW_GRAPHQL_TIMEOUT_MS with REQUEST_TIMEOUT', async () => {
    const user = await signUp(slow);
    // A lock the query has to wait for makes it slow for sure, whatever the machine's speed.
    const locker = await slow.app.database.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE posts IN ACCESS EXCLUSIVE MODE');
      const error = errorOf(await slow.gql(`{ posts { edges { cursor } } }`, {}, user));
      expect(error.extensions).toMatchObject({ code: 'REQUEST_TIMEOUT', limit: 'timeoutMs', max: 300 });
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await slow.gql(`{ posts { edges { cursor } } }`, {}, user)).errors).toBeUndefined();
  });
});

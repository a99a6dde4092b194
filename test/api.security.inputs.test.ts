// Hostile input is a client's mistake: answered with VALIDATION_FAILED (or NOT_FOUND) naming the field and the rule,
// nothing written, and no ERROR line in the log, which is kept for the server's own failures. Those get one ERROR
// line with their stack under an id, and the client only that id. A password typed into a query never reaches the log.
import { getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, type GraphQLField, type GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatLine, type Logger } from '../src/logger.js';
import { schema } from '../src/schema/index.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { collect, signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { errorOf, inMs, issuesOf } from './helpers/api.js';

let t: TestApp;
let telegram: TelegramFake;
let token: string;
let channelId: string;
/** Every line the server logged, at every level, formatted (and redacted) exactly as the real logger writes it. */
const lines: string[] = [];
const capture = (at: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => lines.push(formatLine(at, 'postflow', message, fields));
const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };
const errorLines = () => lines.filter((line) => / ERROR \[/.test(line));

beforeAll(async () => {
  telegram = await startTelegramFake({ chats: [{ id: -1001234567890, type: 'channel', title: 'News', username: 'acme_news' }] });
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url }, logger });
  token = await signUp(t);
  channelId = (await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@acme_news' }, 'News')).id;
});
afterAll(async () => {
  await t?.stop();
  await telegram?.stop();
});

async function rowCounts() {
  const { rows } = await t.app.database.pool.query(
    `SELECT (SELECT count(*) FROM users) users, (SELECT count(*) FROM workspaces) workspaces, (SELECT count(*) FROM channels) channels,
            (SELECT count(*) FROM posts) posts, (SELECT count(*) FROM deliveries) deliveries, (SELECT count(*) FROM api_keys) api_keys,
            (SELECT count(*) FROM graphile_worker.jobs) jobs, (SELECT json_agg(c ORDER BY c.id) FROM (SELECT id, name, timezone, policy FROM channels) c) channel_rows`,
  );
  return rows[0];
}

const NUL = 'a\u0000b';
const LONE_HIGH = 'emoji half \ud83d';
const LONE_LOW = '\ude00 the other half';
const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`;
const draft = (extra: Record<string, unknown>) => ({ input: { content: 'hello', channelIds: [channelId], draft: true, ...extra } });

type Case = [name: string, query: string, variables: () => Record<string, unknown>, path: (string | number)[], rule: string, auth?: boolean];
const cases: Case[] = [
  ['a NUL in content', CREATE_POST, () => draft({ content: NUL }), ['input', 'content'], 'text'],
  ['a lone high surrogate in content', CREATE_POST, () => draft({ content: LONE_HIGH }), ['input', 'content'], 'text'],
  [
    'a lone low surrogate in a media URL',
    CREATE_POST,
    () => draft({ mediaUrls: ['https://example.com/a.png', `https://example.com/${LONE_LOW}`] }),
    ['input', 'mediaUrls', 1],
    'text',
  ],
  ['a NUL in an override', CREATE_POST, () => draft({ contentOverrides: [{ channelId, content: NUL }] }), ['input', 'contentOverrides', 0, 'content'], 'text'],
  ['a NUL in the idempotency key', CREATE_POST, () => draft({ idempotencyKey: NUL }), ['input', 'idempotencyKey'], 'text'],
  ['scheduledAt 9999-12-31', CREATE_POST, () => ({ input: { content: 'hello', channelIds: [channelId], scheduledAt: '9999-12-31T00:00:00Z' } }), ['input', 'scheduledAt'], 'range'],
  [
    'scheduledAt before 1970 (inline)',
    `mutation($c: ID!) { createPost(input: { content: "hi", channelIds: [$c], scheduledAt: "1969-12-31T23:59:59Z" }) { id } }`,
    () => ({ c: channelId }),
    ['input', 'scheduledAt'],
    'range',
  ],
  ['a sourceId without bounds', CREATE_POST, () => draft({ sourceId: 'x'.repeat(300) }), ['input', 'sourceId'], 'maxLength'],
  [
    'a NUL in the second row of a bulk creation',
    `mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created } }`,
    () => ({
      posts: [
        { content: 'fine', channelIds: [channelId], draft: true },
        { content: NUL, channelIds: [channelId], draft: true },
      ],
    }),
    ['posts', 1, 'content'],
    'text',
  ],
  ['a NUL in a channel name (inline)', `mutation($id: ID!) { updateChannel(id: $id, input: { name: "a\\u0000b" }) { id } }`, () => ({ id: channelId }), ['input', 'name'], 'text'],
  [
    'a 5,000-character channel name',
    `mutation($id: ID!, $n: String) { updateChannel(id: $id, input: { name: $n }) { id } }`,
    () => ({ id: channelId, n: 'n'.repeat(5000) }),
    ['input', 'name'],
    'maxLength',
  ],
  [
    'a NUL in a time zone',
    `mutation($id: ID!, $tz: String) { updateChannel(id: $id, input: { timezone: $tz }) { id } }`,
    () => ({ id: channelId, tz: 'UTC\u0000' }),
    ['input', 'timezone'],
    'text',
  ],
  [
    'a NUL deep in JSON credentials',
    `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`,
    () => ({ input: { platform: 'TELEGRAM', name: 'Second', credentials: { botToken: telegram.token, chatId: '@acme_news', extra: [{ note: NUL }] } } }),
    ['input', 'credentials', 'extra', 0, 'note'],
    'text',
  ],
  [
    'a NUL in a JSON key',
    `mutation($id: ID!, $c: JSON) { updateChannel(id: $id, input: { credentials: $c }) { id } }`,
    () => ({ id: channelId, c: { [NUL]: 1 } }),
    ['input', 'credentials'],
    'text',
  ],
  [
    'a NUL in a blackout label',
    `mutation($id: ID!) { updateChannelPolicy(channelId: $id, policy: { blackouts: [{ start: "2030-01-01", end: "2030-01-02", label: "a\\u0000" }] }) { id } }`,
    () => ({ id: channelId }),
    ['policy', 'blackouts', 0, 'label'],
    'text',
  ],
  ['a NUL in an API key name', `mutation($n: String!) { createApiKey(name: $n) { key } }`, () => ({ n: NUL }), ['name'], 'text'],
  [
    'a NUL in content to check',
    `query($c: String!, $ids: [ID!]!) { validatePost(content: $c, channelIds: $ids) { ok } }`,
    () => ({ c: NUL, ids: [channelId] }),
    ['content'],
    'text',
  ],
  [
    'a NUL in nextSlots from (a DateTime)',
    `query($id: ID!) { nextSlots(channelId: $id, from: "2026-01-01T00:00:00\\u0000Z") { at } }`,
    () => ({ id: channelId }),
    ['from'],
    'dateTime',
  ],
  [
    'a NUL in a signup email',
    `mutation($e: String!) { signup(email: $e, password: "long enough passphrase 9", workspaceName: "W") { token } }`,
    () => ({ e: 'x\u0000@example.com' }),
    ['email'],
    'text',
    false,
  ],
  ['a NUL in a login email (inline)', `mutation { login(email: "x\\u0000@example.com", password: "long enough passphrase 9") { token } }`, () => ({}), ['email'], 'text', false],
];

describe('hostile strings and instants', () => {
  it.each(cases)('%s: VALIDATION_FAILED at the field with its rule, nothing written, no ERROR logged', async (_name, query, variables, path, rule, auth = true) => {
    const before = await rowCounts();
    const logged = lines.length;
    const result = await t.gql(query, variables(), auth ? token : null);

    expect(issuesOf(result)).toContainEqual(expect.objectContaining({ path, rule }));
    expect(await rowCounts()).toEqual(before);
    expect(lines.slice(logged).filter((line) => / ERROR \[/.test(line))).toEqual([]);
  });

  it('refuses the same over graphql-ws, for a subscription', async () => {
    const client = t.ws(token);
    const sub = collect(client, `subscription($id: ID) { channelUpdated(channelId: $id) { id } }`, { id: NUL });
    await expect(sub.until((items) => items.length > 0, 5_000)).rejects.toThrow(/VALIDATION_FAILED/);
    expect(JSON.stringify(sub.errors)).toContain('"path":["channelId"],"rule":"text"');
    sub.dispose();
  });

  it('answers a body that is not JSON with 400, logging no ERROR', async () => {
    const logged = errorLines().length;
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ workspace { id } }"' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).not.toMatch(/\bat .*\.(js|ts):\d+/);
    expect(errorLines().length).toBe(logged);
  });

  it('lets well-formed text through: emoji (surrogate pairs), other scripts, a post as long as allowed', async () => {
    const result = await t.ok(CREATE_POST, draft({ content: 'Grüße 👋🏽 こんにちは 𝒳', sourceId: 's'.repeat(200) }), token);
    expect(result.createPost.id).toBeTruthy();
  });
});

// Every root field that takes an ID, given one that is not a UUID: a client's mistake, never a server error.
function dummy(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return dummy(type.ofType);
  if (isListType(type)) return [dummy(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type))
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) || getNamedType(f.type).name === 'ID')
        .map((f) => [f.name, dummy(f.type)]),
    );
  const scalars: Record<string, unknown> = { ID: 'not-a-uuid', Int: 1, Float: 0.5, Boolean: false, DateTime: inMs(3_600_000), JSON: {}, String: 'x' };
  return scalars[type.name];
}
const takesAnId = (type: GraphQLInputType, depth = 0): boolean => {
  const named = getNamedType(type);
  return named.name === 'ID' || (depth < 2 && isInputObjectType(named) && Object.values(named.getFields()).some((f) => takesAnId(f.type, depth + 1)));
};
const probes = (kind: 'query' | 'mutation') =>
  Object.values((kind === 'query' ? schema.getQueryType() : schema.getMutationType())!.getFields())
    .filter((field: GraphQLField<unknown, unknown>) => field.args.some((a) => takesAnId(a.type)))
    .map((field) => {
      const declared = field.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
      const passed = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const selection = isObjectType(getNamedType(field.type)) ? '{ __typename }' : '';
      const variables = Object.fromEntries(field.args.filter((a) => isNonNullType(a.type) || takesAnId(a.type)).map((a) => [a.name, dummy(a.type)]));
      return { name: `${kind} ${field.name}`, query: `${kind}(${declared}) { ${field.name}(${passed}) ${selection} }`, variables };
    });

describe('ids that are not UUIDs', () => {
  it('are "not found" (or a validation issue, or nothing) on every operation that takes one, never INTERNAL_SERVER_ERROR', async () => {
    const all = [...probes('query'), ...probes('mutation')];
    expect(all.map((p) => p.name)).toEqual(expect.arrayContaining(['query post', 'query channel', 'mutation deleteChannel', 'mutation deletePost', 'mutation rescheduleDelivery']));
    const before = await rowCounts();
    const logged = errorLines().length;
    const answers: string[] = [];
    for (const probe of all) {
      const result = await t.gql(probe.query, probe.variables, token);
      const codes = (result.errors ?? []).map((e: GraphQLErrorShape) => e.extensions?.code ?? 'NO_CODE');
      if (codes.some((code) => !['NOT_FOUND', 'VALIDATION_FAILED'].includes(code))) answers.push(`${probe.name}: ${JSON.stringify(result.errors)}`);
    }
    expect(answers).toEqual([]);
    expect(errorLines().length).toBe(logged);
    expect((await rowCounts()).posts).toBe(before.posts);
  });

  it('give the same NOT_FOUND as an unknown UUID', async () => {
    const notUuid = errorOf(await t.gql(`mutation { deleteChannel(id: "nope'; DROP TABLE channels; --") { id } }`, {}, token));
    const unknown = errorOf(await t.gql(`mutation { deleteChannel(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, token));
    expect([notUuid.extensions?.code, unknown.extensions?.code]).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await t.ok(`{ post(id: "nope") { id } }`, {}, token)).toEqual({ post: null });
  });
});

describe('errors of the server itself', () => {
  it('are logged once at ERROR with their stack under an id; the client gets only the id and INTERNAL_SERVER_ERROR', async () => {
    const spy = vi.spyOn(t.app.services.providers, 'platforms').mockImplementationOnce(() => {
      throw new Error('the disk is on fire (pf_abcdefghijklmnopqrstuvwxyz012345)');
    });
    const logged = lines.length;
    const error = errorOf(await t.gql(`{ networks { platform } }`, {}, token));
    spy.mockRestore();

    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const errorId = error.extensions?.errorId as string;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toContain(errorId);
    expect(JSON.stringify(error)).not.toMatch(/disk is on fire|at .*\.ts|stack/);
    const errors = lines.slice(logged).filter((line) => / ERROR \[/.test(line));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(errorId);
    expect(errors[0]).toMatch(/the disk is on fire.*\\n +at /); // the stack, on the one line
    expect(errors[0]).not.toContain('pf_abcdefghijklmnopqrstuvwxyz012345');
  });
});

describe('the log at debug', () => {
  it('never holds a password typed inline in a query, nor a session token', async () => {
    const logged = lines.length;
    await t.gql(`mutation { login(email: "nobody@example.com", password: "hunter2hunter2") { token } }`);
    await t.gql(`mutation { signup(email: "bad\\u0000@example.com", password: "hunter2hunter2", workspaceName: "W") { token } }`);
    await t.gql(`mutation { login(email: "nobody@example.com", password: "hunter2hunter2") { nope } }`);
    await t.gql(`{ workspace { id } }`, {}, `${token}x`);
    const written = lines.slice(logged).join('');

    expect(written).toContain('DEBUG'); // yoga did log these requests
    expect(written).not.toContain('hunter2hunter2');
    expect(written).not.toContain(token);
  });
});

// createPost as a client sees it: every check before anything is saved, per-channel texts, idempotency, drafts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { errorOf, inMs, issuesOf, POST_FIELDS, publishJobs, readPost, waitForAllDeliveries } from './helpers/api.js';

let t: TestApp;
let mastodon: MastodonFake;
let telegram: TelegramFake;
let hooks: WebhookReceiver;
const HOOK_SECRET = 'webhook-secret-of-the-channel';

beforeAll(async () => {
  mastodon = await startMastodonFake({ maxCharacters: 100 });
  telegram = await startTelegramFake();
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url } });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), telegram?.stop(), hooks?.stop()]);
});

const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) { ${POST_FIELDS} } }`;

async function workspaceWithChannels() {
  const token = await signUp(t);
  const { workspace } = await t.ok(`{ workspace { id } }`, {}, token);
  const m = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Toots');
  const tg = await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@mychannel' }, 'News');
  const w = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site');
  return { token, workspaceId: workspace.id as string, m: m.id, tg: tg.id, w: w.id };
}

/** What a workspace has saved: its posts, their deliveries, and publish jobs of those deliveries. */
async function saved(workspaceId: string) {
  const { rows } = await t.app.database.pool.query(
    `SELECT (SELECT count(*)::int FROM posts WHERE workspace_id = $1) AS posts,
            (SELECT count(*)::int FROM deliveries WHERE workspace_id = $1) AS deliveries,
            (SELECT count(*)::int FROM graphile_worker.jobs j JOIN deliveries d ON j.key = 'publish:' || d.id WHERE d.workspace_id = $1) AS jobs`,
    [workspaceId],
  );
  return rows[0];
}

const issues = (result: Parameters<typeof issuesOf>[0]) => issuesOf(result).map((i) => [i.path, i.rule]);
const url = (length: number) => `https://example.com/${'a'.repeat(length - 20)}`;

describe('createPost refuses bad input and saves nothing', () => {
  it('names the field and rule of every problem', async () => {
    const { token, workspaceId, m, w } = await workspaceWithChannels();
    const unknown = randomUUID();
    const cases: [Record<string, unknown>, [(string | number)[], string][]][] = [
      [{ content: 'hi', channelIds: [], publishNow: true }, [[['input', 'channelIds'], 'required']]],
      [
        { content: 'hi', channelIds: [m, unknown, 'not-a-uuid'], publishNow: true },
        [
          [['input', 'channelIds', 1], 'exists'],
          [['input', 'channelIds', 2], 'exists'],
        ],
      ],
      [{ content: 'hi', channelIds: [m, m], publishNow: true }, [[['input', 'channelIds'], 'unique']]],
      [{ content: 'hi', channelIds: [m], publishNow: true, scheduledAt: inMs(60_000) }, [[['input'], 'timing']]],
      [{ content: 'hi', channelIds: [m] }, [[['input'], 'timing']]],
      [{ content: 'hi', channelIds: [m], draft: true, publishNow: true }, [[['input'], 'timing']]],
      [{ content: 'hi', channelIds: [m], scheduledAt: inMs(-5 * 60_000) }, [[['input', 'scheduledAt'], 'notInPast']]],
      [{ content: '   ', channelIds: [m], publishNow: true }, [[['input', 'content'], 'required']]],
      [
        { content: 'hi', mediaUrls: ['ftp://x/y.png', 'nope'], channelIds: [w], publishNow: true },
        [
          [['input', 'mediaUrls', 0], 'url'],
          [['input', 'mediaUrls', 1], 'url'],
        ],
      ],
      [{ content: 'hi', channelIds: [m], publishNow: true, priority: 101 }, [[['input', 'priority'], 'range']]],
      [{ content: 'hi', channelIds: [m], publishNow: true, contentOverrides: [{ channelId: w, content: 'x' }] }, [[['input', 'contentOverrides', 0, 'channelId'], 'targeted']]],
    ];
    for (const [input, expected] of cases) expect(issues(await t.gql(CREATE, { input }, token)), JSON.stringify(input)).toEqual(expected);
    expect(await saved(workspaceId)).toEqual({ posts: 0, deliveries: 0, jobs: 0 });
  });

  it('counts a Mastodon post the way the instance does: each link is 23 characters', async () => {
    const { token, workspaceId, m, w } = await workspaceWithChannels();
    // 80 + 1 + 23 = 104 characters as Mastodon counts them: over this instance's 100.
    const tooLong = `${'x'.repeat(80)} ${url(200)}`;
    const result = await t.gql(CREATE, { input: { content: tooLong, channelIds: [w, m], publishNow: true } }, token);
    expect(issues(result)).toEqual([[['input', 'content'], 'maxLength']]);
    const [issue] = issuesOf(result);
    expect(issue.message).toContain('MASTODON channel "Toots"');
    expect(issue.message).toMatch(/104 characters.*allows 100/);
    expect(await saved(workspaceId)).toEqual({ posts: 0, deliveries: 0, jobs: 0 });

    // 70 + 1 + 23 = 94, though the string itself is 271 long.
    const fits = `${'x'.repeat(70)} ${url(200)}`;
    const post = await createPost(t, token, { content: fits, channelIds: [m], scheduledAt: inMs(3_600_000) });
    expect(post.deliveries).toHaveLength(1);
  });

  it("holds text with media to Telegram's 1,024-unit caption limit", async () => {
    const { token, workspaceId, tg } = await workspaceWithChannels();
    const text = 'y'.repeat(1025);
    const withMedia = await t.gql(CREATE, { input: { content: text, mediaUrls: ['https://cdn.example.com/a.png'], channelIds: [tg], publishNow: true } }, token);
    expect(issues(withMedia)).toEqual([[['input', 'content'], 'maxCaptionLength']]);
    expect(issuesOf(withMedia)[0].message).toMatch(/TELEGRAM channel "News".*1025.*1024/);
    expect(await saved(workspaceId)).toEqual({ posts: 0, deliveries: 0, jobs: 0 });
    // Without media the same text is a message, allowed up to 4,096.
    await createPost(t, token, { content: text, channelIds: [tg], draft: true });
    expect(await saved(workspaceId)).toEqual({ posts: 1, deliveries: 1, jobs: 0 });
  });
});

describe('content overrides', () => {
  it('send a long post to a webhook and a shorter text to Mastodon', async () => {
    const { token, m, w } = await workspaceWithChannels();
    const long = `The whole story. ${'z'.repeat(400)}`;
    const short = 'The short version for Mastodon';
    const post = await createPost(t, token, { content: long, channelIds: [w, m], publishNow: true, contentOverrides: [{ channelId: m, content: short }] });
    const done = await waitForAllDeliveries(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(done.deliveries.map((d: any) => [d.channel.id, d.status, d.contentOverride])).toEqual(
      expect.arrayContaining([
        [w, 'PUBLISHED', null],
        [m, 'PUBLISHED', short],
      ]),
    );
    expect(mastodon.statuses.filter((s) => s.text === short)).toHaveLength(1);
    expect(mastodon.requests.filter((r) => r.body.status === long)).toHaveLength(0);
    expect(hooks.deliveries.filter((d) => d.body.postId === post.id).map((d) => d.body.text)).toEqual([long]);
  });

  it('are checked against their own channel, and a problem names the override entry', async () => {
    const { token, workspaceId, m, w } = await workspaceWithChannels();
    const result = await t.gql(CREATE, { input: { content: 'fine', channelIds: [w, m], publishNow: true, contentOverrides: [{ channelId: m, content: 'q'.repeat(101) }] } }, token);
    expect(issues(result)).toEqual([[['input', 'contentOverrides', 0, 'content'], 'maxLength']]);
    expect(issuesOf(result)[0].message).toContain('MASTODON channel "Toots"');
    expect(await saved(workspaceId)).toEqual({ posts: 0, deliveries: 0, jobs: 0 });
  });

  it('a stored override that media would push over the caption limit blocks updatePost', async () => {
    const { token, tg, w } = await workspaceWithChannels();
    const post = await createPost(t, token, { content: 'short', channelIds: [w, tg], draft: true, contentOverrides: [{ channelId: tg, content: 'c'.repeat(2000) }] });
    const result = await t.gql(`mutation($id: ID!) { updatePost(id: $id, input: { mediaUrls: ["https://cdn.example.com/b.png"] }) { id } }`, { id: post.id }, token);
    expect(issues(result)).toEqual([[['input', 'mediaUrls'], 'maxCaptionLength']]);
    expect((await readPost(t, token, post.id)).mediaUrls).toEqual([]);
  });
});

describe('idempotencyKey', () => {
  it('returns the first post when the same key comes again', async () => {
    const { token, workspaceId, m } = await workspaceWithChannels();
    const input = { content: 'once only', channelIds: [m], scheduledAt: inMs(3_600_000), idempotencyKey: 'import-42' };
    const first = await createPost(t, token, input);
    const second = await createPost(t, token, input);
    expect(second.id).toBe(first.id);
    expect(await saved(workspaceId)).toEqual({ posts: 1, deliveries: 1, jobs: 1 });
    // The key belongs to one workspace: another may use it for its own post.
    const other = await workspaceWithChannels();
    const theirs = await createPost(t, other.token, { ...input, channelIds: [other.m] });
    expect(theirs.id).not.toBe(first.id);
  });

  it('creates one post when the same key is sent concurrently', async () => {
    const { token, workspaceId, m, w } = await workspaceWithChannels();
    const input = { content: 'racing', channelIds: [m, w], scheduledAt: inMs(3_600_000), idempotencyKey: 'race-1' };
    const results = await Promise.all(Array.from({ length: 6 }, () => t.gql(CREATE, { input }, token)));
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data.createPost.id)).size).toBe(1);
    expect(await saved(workspaceId)).toEqual({ posts: 1, deliveries: 2, jobs: 2 });
  });
});

describe('drafts', () => {
  it('have DRAFT deliveries and no job until publishNow sends them', async () => {
    const { token, m } = await workspaceWithChannels();
    const { createPost: post } = await t.ok(CREATE, { input: { content: 'a draft for later', channelIds: [m], draft: true } }, token);
    expect(post.deliveries).toEqual([expect.objectContaining({ status: 'DRAFT', scheduledAt: null })]);
    expect(await publishJobs(t, post.deliveries[0].id)).toEqual([]);
    expect(mastodon.requests.filter((r) => r.body.status === 'a draft for later')).toHaveLength(0);

    const { publishNow } = await t.ok(`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }, token);
    expect(publishNow.id).toBe(post.id);
    const done = await waitForAllDeliveries(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(done.deliveries[0].status).toBe('PUBLISHED');
    expect(mastodon.statuses.filter((s) => s.text === 'a draft for later')).toHaveLength(1);
  });
});

describe('ids that do not exist', () => {
  it('post(id) is null for an unknown or malformed id', async () => {
    const { token } = await workspaceWithChannels();
    for (const id of [randomUUID(), 'nope', '0123456789abcdef0123456789abcdef0123', '------------------------------------']) {
      const result = await t.gql(`query($id: ID!) { post(id: $id) { id } }`, { id }, token);
      expect(result, id).toEqual({ data: { post: null } });
    }
  });

  it('mutations on an unknown post answer NOT_FOUND', async () => {
    const { token } = await workspaceWithChannels();
    const result = await t.gql(`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: 'nope' }, token);
    expect(errorOf(result).extensions?.code).toBe('NOT_FOUND');
    expect(errorOf(result).message).toContain('nope');
  });
});

// Connecting, changing, pausing and removing channels, as a client sees it over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { errorOf, inMs, issuesOf, publishJobs, readPost } from './helpers/api.js';

let t: TestApp;
let mastodon: MastodonFake;
let telegram: TelegramFake;
let hooks: WebhookReceiver;
const HOOK_SECRET = 'webhook-secret-of-the-channel';

beforeAll(async () => {
  mastodon = await startMastodonFake({ maxCharacters: 1000, username: 'acme' });
  telegram = await startTelegramFake({ chats: [{ id: -1001234567890, type: 'channel', title: 'News', username: 'acme_news' }] });
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url } });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), telegram?.stop(), hooks?.stop()]);
});

const CHANNEL_FIELDS = `id platform name accountHandle timezone paused needsReconnect settings createdAt`;
const CREATE = `mutation($input: CreateChannelInput!) { createChannel(input: $input) { ${CHANNEL_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { ${CHANNEL_FIELDS} } }`;
const mastodonCredentials = () => ({ instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
const channelRows = (workspaceToken: string) =>
  t.ok(`{ workspace { id } }`, {}, workspaceToken).then(({ workspace }) => t.app.database.prisma.channel.findMany({ where: { workspaceId: workspace.id } }));

describe('createChannel', () => {
  it('connects Mastodon, reading the handle and the character limit from the instance', async () => {
    const token = await signUp(t);
    const { createChannel: channel } = await t.ok(
      CREATE,
      { input: { platform: 'MASTODON', name: ' Our Mastodon ', timezone: 'Europe/Berlin', credentials: mastodonCredentials() } },
      token,
    );
    expect(channel).toMatchObject({
      platform: 'MASTODON',
      name: 'Our Mastodon',
      accountHandle: `@acme@${new URL(mastodon.url).host}`,
      timezone: 'Europe/Berlin',
      paused: false,
      needsReconnect: false,
    });
    expect(channel.settings).toMatchObject({ maxCharacters: 1000, maxMediaAttachments: 4 });
    expect(mastodon.log).toContain('GET /api/v1/accounts/verify_credentials');
  });

  it('connects Telegram through TELEGRAM_API_URL and a webhook without calling it', async () => {
    const token = await signUp(t);
    const seen = telegram.requests.length;
    const tg = await t.ok(CREATE, { input: { platform: 'TELEGRAM', name: 'News', credentials: { botToken: telegram.token, chatId: '@acme_news' } } }, token);
    expect(tg.createChannel).toMatchObject({ platform: 'TELEGRAM', accountHandle: '@acme_news', timezone: 'UTC' });
    expect(telegram.requests.slice(seen).map((r) => r.method)).toEqual(['getMe', 'getChat']);

    const hook = await t.ok(CREATE, { input: { platform: 'WEBHOOK', name: 'Site', credentials: { url: hooks.hookUrl, secret: HOOK_SECRET } } }, token);
    expect(hook.createChannel).toMatchObject({ platform: 'WEBHOOK', accountHandle: new URL(hooks.url).host });
    expect(hooks.requests).toHaveLength(0);
    const { channels } = await t.ok(`{ channels { id platform } }`, {}, token);
    expect(channels.map((c: { platform: string }) => c.platform)).toEqual(['TELEGRAM', 'WEBHOOK']);
  });

  it('names every bad credential field, together with a bad name and time zone', async () => {
    const token = await signUp(t);
    const cases: [Record<string, unknown>, [(string | number)[], string][]][] = [
      [
        { platform: 'MASTODON', name: 'M', credentials: { instanceUrl: 'ftp://example.com', accessToken: '' } },
        [
          [['input', 'credentials', 'instanceUrl'], 'invalid_format'],
          [['input', 'credentials', 'accessToken'], 'too_small'],
        ],
      ],
      [{ platform: 'MASTODON', name: 'M', credentials: { instanceUrl: mastodon.url } }, [[['input', 'credentials', 'accessToken'], 'invalid_type']]],
      [
        { platform: 'TELEGRAM', name: 'T', credentials: { botToken: 'nope', chatId: 'my channel' } },
        [
          [['input', 'credentials', 'botToken'], 'invalid_format'],
          [['input', 'credentials', 'chatId'], 'invalid_format'],
        ],
      ],
      [{ platform: 'WEBHOOK', name: 'W', credentials: { url: hooks.hookUrl, secret: 'short' } }, [[['input', 'credentials', 'secret'], 'too_small']]],
      [{ platform: 'WEBHOOK', name: 'W', credentials: 'not an object' }, [[['input', 'credentials'], 'invalid_type']]],
      [
        { platform: 'MASTODON', name: ' ', timezone: 'Mars/Olympus_Mons', credentials: { instanceUrl: mastodon.url, accessToken: '' } },
        [
          [['input', 'name'], 'length'],
          [['input', 'timezone'], 'timezone'],
          [['input', 'credentials', 'accessToken'], 'too_small'],
        ],
      ],
    ];
    for (const [input, expected] of cases) {
      expect(issues(await t.gql(CREATE, { input }, token)), JSON.stringify(input)).toEqual(expected);
    }
    expect(issues(await t.gql(CREATE, { input: { platform: 'MASTODON', name: 'M', timezone: 'Mars/Olympus_Mons', credentials: mastodonCredentials() } }, token))).toEqual([
      [['input', 'timezone'], 'timezone'],
    ]);
    expect(await channelRows(token)).toEqual([]);
  });

  it('refuses credentials the network refuses with rule "connect", and saves nothing', async () => {
    const token = await signUp(t);
    const refused = [
      { platform: 'MASTODON', name: 'M', credentials: { instanceUrl: mastodon.url, accessToken: 'wrong-token' } },
      { platform: 'TELEGRAM', name: 'T', credentials: { botToken: '42:wrongToken', chatId: '@acme_news' } },
      { platform: 'TELEGRAM', name: 'T', credentials: { botToken: telegram.token, chatId: '@no_such_chat' } },
    ];
    for (const input of refused) {
      const result = await t.gql(CREATE, { input }, token);
      expect(issues(result), JSON.stringify(input)).toEqual([[['input', 'credentials'], 'connect']]);
      expect(errorOf(result).message).toMatch(new RegExp(`Could not connect to ${input.platform}`));
    }
    expect(await channelRows(token)).toEqual([]);
  });

  it('stores credentials sealed and never shows them', async () => {
    const token = await signUp(t);
    await createChannel(t, token, 'MASTODON', mastodonCredentials());
    await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@acme_news' });
    await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
    const rows = await channelRows(token);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.credentialsEncrypted).toMatch(/^v1\./);
      expect(JSON.stringify(row)).not.toContain(mastodon.accessToken);
      expect(JSON.stringify(row)).not.toContain(telegram.token);
      expect(JSON.stringify(row)).not.toContain(HOOK_SECRET);
    }
    const listed = JSON.stringify(await t.ok(`{ channels { ${CHANNEL_FIELDS} } }`, {}, token));
    for (const secret of [mastodon.accessToken, telegram.token, HOOK_SECRET]) expect(listed).not.toContain(secret);
    // Introspection is for signed-in callers (POSTFLOW_INTROSPECTION).
    const { __type } = await t.ok(`{ __type(name: "Channel") { fields { name } } }`, {}, token);
    expect(__type.fields.map((f: { name: string }) => f.name).filter((n: string) => /credential|token|secret/i.test(n))).toEqual([]);
  });
});

describe('updateChannel', () => {
  it('renames, moves the time zone and reconnects with new credentials', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', mastodonCredentials(), 'Before');
    const other = await startMastodonFake({ maxCharacters: 3000, username: 'bob', accessToken: 'bob-token' });
    try {
      const { updateChannel } = await t.ok(
        UPDATE,
        { id: channel.id, input: { name: 'After', timezone: 'America/New_York', credentials: { instanceUrl: other.url, accessToken: 'bob-token' } } },
        token,
      );
      expect(updateChannel).toMatchObject({ name: 'After', timezone: 'America/New_York', accountHandle: `@bob@${new URL(other.url).host}` });
      expect(updateChannel.settings.maxCharacters).toBe(3000);
      const [row] = await channelRows(token);
      expect(JSON.stringify(row)).not.toContain('bob-token');
    } finally {
      await other.stop();
    }
  });

  it('refuses a bad time zone or refused credentials and keeps the channel as it was', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', mastodonCredentials(), 'Kept');
    const [before] = await channelRows(token);
    expect(issues(await t.gql(UPDATE, { id: channel.id, input: { name: 'Changed', timezone: 'Nowhere/Land' } }, token))).toEqual([[['input', 'timezone'], 'timezone']]);
    const refused = await t.gql(UPDATE, { id: channel.id, input: { name: 'Changed', credentials: { instanceUrl: mastodon.url, accessToken: 'bad' } } }, token);
    expect(issues(refused)).toEqual([[['input', 'credentials'], 'connect']]);
    expect(issues(await t.gql(UPDATE, { id: channel.id, input: { credentials: { instanceUrl: 'nope' } } }, token)).map((i) => i[0])).toEqual([
      ['input', 'credentials', 'instanceUrl'],
      ['input', 'credentials', 'accessToken'],
    ]);
    expect(await channelRows(token)).toEqual([before]);
  });
});

describe('pause, resume and delete', () => {
  it('holds a due post while paused and publishes it on resume', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'MASTODON', mastodonCredentials());
    const { pauseChannel } = await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { paused } }`, { id: channel.id }, token);
    expect(pauseChannel.paused).toBe(true);
    const post = await createPost(t, token, { content: 'held while paused', channelIds: [channel.id], publishNow: true });
    const deliveryId = post.deliveries[0].id;
    // The worker has taken the job and let it go: the delivery is held, not published.
    await eventually(async () => (await publishJobs(t, deliveryId)).length === 0, 10_000, 'the publish job to run');
    const held = await readPost(t, token, post.id);
    expect(held.deliveries[0]).toMatchObject({ status: 'SCHEDULED', attempts: 0 });
    expect(mastodon.requests.filter((r) => r.body.status === 'held while paused')).toHaveLength(0);

    const { resumeChannel } = await t.ok(`mutation($id: ID!) { resumeChannel(id: $id) { paused } }`, { id: channel.id }, token);
    expect(resumeChannel.paused).toBe(false);
    const published = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(published.status).toBe('PUBLISHED');
    expect(mastodon.statuses.filter((s) => s.text === 'held while paused')).toHaveLength(1);
  });

  it('deleteChannel cancels what is not published, drops its jobs and hides the channel', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Going away');
    const keep = await createChannel(t, token, 'MASTODON', mastodonCredentials(), 'Staying');
    const published = await createPost(t, token, { content: 'already out', channelIds: [channel.id], publishNow: true });
    await waitForDelivery(t, token, published.id, ['PUBLISHED']);
    const scheduled = await createPost(t, token, { content: 'not yet', channelIds: [channel.id, keep.id], scheduledAt: inMs(3_600_000) });
    const draft = await createPost(t, token, { content: 'a draft', channelIds: [channel.id], draft: true });

    const { deleteChannel } = await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: channel.id }, token);
    expect(deleteChannel.id).toBe(channel.id);
    const { [channel.id]: onGone, [keep.id]: onKept } = byChannel(await readPost(t, token, scheduled.id));
    expect([onGone.status, onKept.status]).toEqual(['CANCELLED', 'SCHEDULED']);
    expect(await publishJobs(t, onGone.id)).toEqual([]);
    expect(await publishJobs(t, onKept.id)).toHaveLength(1);
    expect((await readPost(t, token, draft.id)).deliveries[0].status).toBe('CANCELLED');
    expect((await readPost(t, token, published.id)).deliveries[0].status).toBe('PUBLISHED');

    expect((await t.ok(`{ channels { id } }`, {}, token)).channels).toEqual([{ id: keep.id }]);
    expect(errorOf(await t.gql(`query($id: ID!) { channel(id: $id) { id } }`, { id: channel.id }, token)).extensions?.code).toBe('NOT_FOUND');
    expect(errorOf(await t.gql(UPDATE, { id: channel.id, input: { name: 'back' } }, token)).extensions?.code).toBe('NOT_FOUND');
    const refused = await t.gql(
      `mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`,
      { input: { content: 'x', channelIds: [channel.id], publishNow: true } },
      token,
    );
    expect(issues(refused)).toEqual([[['input', 'channelIds', 0], 'exists']]);
  });

  it("does not bring a deleted channel's delivery back when its post is rescheduled", async () => {
    const token = await signUp(t);
    const gone = await createChannel(t, token, 'MASTODON', mastodonCredentials(), 'Gone');
    const kept = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Kept');
    const post = await createPost(t, token, { content: 'moved after a channel went', channelIds: [gone.id, kept.id], draft: true });
    await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: gone.id }, token);
    await t.ok(`mutation($id: ID!, $at: DateTime!) { reschedulePost(id: $id, scheduledAt: $at) { id } }`, { id: post.id, at: inMs(3_600_000) }, token);
    const { [gone.id]: onGone, [kept.id]: onKept } = byChannel(await readPost(t, token, post.id));
    expect([onGone.status, onKept.status]).toEqual(['CANCELLED', 'SCHEDULED']);
    expect(await publishJobs(t, onGone.id)).toEqual([]);
    const direct = await t.gql(`mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at) { id } }`, { id: onGone.id, at: inMs(3_600_000) }, token);
    expect(errorOf(direct).extensions?.code).toBe('CONFLICT');
    expect(errorOf(direct).message).toMatch(/deleted/);
    // Nor is the new text checked against the deleted channel: only the webhook's limit applies now.
    const long = 'x'.repeat(1500);
    await t.ok(`mutation($id: ID!, $content: String!) { updatePost(id: $id, input: { content: $content }) { id } }`, { id: post.id, content: long }, token);
    expect((await readPost(t, token, post.id)).content).toBe(long);
    // With every channel gone there is nothing left to schedule, and the client is told so.
    await t.ok(`mutation($id: ID!) { deleteChannel(id: $id) { id } }`, { id: kept.id }, token);
    const orphan = errorOf(await t.gql(`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }, token));
    expect(orphan.extensions?.code).toBe('CONFLICT');
    expect(orphan.message).toMatch(/all of its channels were deleted/);
    expect(byChannel(await readPost(t, token, post.id))[kept.id].status).toBe('CANCELLED');
  });
});

const byChannel = (post: { deliveries: { channel: { id: string } }[] }) => Object.fromEntries(post.deliveries.map((d) => [d.channel.id, d as any]));

function issues(result: Parameters<typeof issuesOf>[0]) {
  return issuesOf(result).map((i) => [i.path, i.rule]);
}

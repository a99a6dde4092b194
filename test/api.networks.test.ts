// What a client can learn before posting: the networks and their rules, and validatePost's verdict per channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { issuesOf } from './helpers/api.js';
import { PLATFORM_NAMES } from '../src/integrations/types.js';

let t: TestApp;
let mastodon: MastodonFake;
let telegram: TelegramFake;

beforeAll(async () => {
  mastodon = await startMastodonFake({ maxCharacters: 100 });
  telegram = await startTelegramFake();
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url, X_CLIENT_ID: 'operator-app' } });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), telegram?.stop()]);
});

const VALIDATE = `query($content: String!, $channelIds: [ID!]!, $mediaUrls: [String!], $overrides: [ContentOverrideCheckInput!]) {
  validatePost(content: $content, channelIds: $channelIds, mediaUrls: $mediaUrls, contentOverrides: $overrides) {
    channelId platform ok counted limit violations { field rule message } } }`;

async function channels(token: string) {
  const m = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
  const tg = await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@mychannel' });
  return { m: m.id, tg: tg.id };
}

describe('networks', () => {
  it('lists every network with how it connects and the rules it enforces', async () => {
    const token = await signUp(t);
    const { networks } = await t.ok(
      `{ networks { platform oauth needsInstanceUrl appConfigured rules { counting maxLength maxCaptionLength maxBytes maxMedia requiresMedia threads } } }`,
      {},
      token,
    );
    expect(networks.map((n: { platform: string }) => n.platform).sort()).toEqual([...PLATFORM_NAMES].sort());
    const byPlatform = Object.fromEntries(networks.map((n: { platform: string }) => [n.platform, n]));
    expect(byPlatform.X).toMatchObject({ appConfigured: true, rules: { counting: 'X_WEIGHTED', maxLength: 280, threads: true } });
    expect(byPlatform.BLUESKY.rules).toMatchObject({ counting: 'GRAPHEMES', maxLength: 300, maxBytes: 3000 });
    expect(byPlatform.TELEGRAM).toMatchObject({ oauth: false, rules: { maxLength: 4096, maxCaptionLength: 1024 } });
    expect(byPlatform.INSTAGRAM.rules.requiresMedia).toBe(true);
  });
});

describe('validatePost', () => {
  it('gives each channel its counted length, its limit and what breaks, without saving anything', async () => {
    const token = await signUp(t);
    const { m, tg } = await channels(token);
    const text = `${'a'.repeat(90)} https://example.com/${'x'.repeat(60)}`;
    const { validatePost } = await t.ok(VALIDATE, { content: text, channelIds: [m, tg] }, token);
    // Mastodon counts the link as 23 (90 + 1 + 23) against this instance's 100; Telegram counts UTF-16 units.
    expect(validatePost).toEqual([
      { channelId: m, platform: 'MASTODON', ok: false, counted: 114, limit: 100, violations: [expect.objectContaining({ field: 'content', rule: 'maxLength' })] },
      { channelId: tg, platform: 'TELEGRAM', ok: true, counted: text.length, limit: 4096, violations: [] },
    ]);
    expect(await t.app.database.prisma.post.count()).toBe(0);
  });

  it('judges a channel by its override, and a caption by the caption limit', async () => {
    const token = await signUp(t);
    const { m, tg } = await channels(token);
    const { validatePost } = await t.ok(
      VALIDATE,
      { content: 'b'.repeat(1500), channelIds: [m, tg], mediaUrls: ['https://cdn.example.com/a.png'], overrides: [{ channelId: m, content: 'short' }] },
      token,
    );
    expect(validatePost[0]).toMatchObject({ ok: true, counted: 5, limit: 100 });
    expect(validatePost[1]).toMatchObject({ ok: false, counted: 1500, limit: 1024, violations: [expect.objectContaining({ rule: 'maxCaptionLength' })] });
  });

  it('refuses channels that are not in the workspace', async () => {
    const token = await signUp(t);
    const other = await signUp(t);
    const { m } = await channels(other);
    const result = await t.gql(VALIDATE, { content: 'hi', channelIds: [m, 'nope'] }, token);
    expect(issuesOf(result).map((i) => [i.path, i.rule])).toEqual([
      [['channelIds', 0], 'exists'],
      [['channelIds', 1], 'exists'],
    ]);
  });
});

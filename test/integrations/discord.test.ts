import { describe, expect, it } from 'vitest';
import { createDiscordProvider, type DiscordCredentials } from '../../src/integrations/discord.js';
import type { PublishRequest } from '../../src/integrations/types.js';
import { startDiscordFake, type DiscordFakeOptions } from '../fakes/discordFake.js';
import { classifiedFailureOf, providerOptions, useStoppers } from '../helpers/integration.js';
import { publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

// The webhook URL names the server, so the provider needs no platform settings.
const provider = createDiscordProvider(providerOptions());
const stopAfterEach = useStoppers();

/** A webhook on a new fake, a provider and the credentials naming that webhook. */
async function started(opts: DiscordFakeOptions = {}, requestTimeoutMs = 2000) {
  const fake = await startDiscordFake(opts);
  const credentials: DiscordCredentials = { webhookUrl: fake.webhookUrl };
  return { fake, provider: createDiscordProvider(providerOptions({}, requestTimeoutMs)), credentials };
}

/** A connected webhook on a fake stopped after the test, and a publish through it. */
async function setup(opts: DiscordFakeOptions = {}) {
  const { fake: f, provider: connected, credentials } = await started(opts);
  stopAfterEach(f);
  const account = await connected.connect(credentials);
  const publish = (overrides: Partial<PublishRequest> = {}, creds: DiscordCredentials = credentials) =>
    connected.publish(publishRequest({ text: 'Hello Discord', ...overrides }), { credentials: creds, settings: account.settings });
  return { f, account, credentials, publish };
}

describeProviderContract<DiscordCredentials>({
  platform: 'DISCORD',
  renewal: { none: 'a webhook URL does not expire; a deleted webhook needs a new URL' },
  idempotent: false,
  start: ({ requestTimeoutMs }) => started({}, requestTimeoutMs),
});

describe('Discord credentials', () => {
  it('accepts webhook URLs, with or without an API version, on any http(s) host', () => {
    for (const webhookUrl of [
      'https://discord.com/api/webhooks/123456789012345678/abcDEF-_123',
      'https://discordapp.com/api/v10/webhooks/1/t/',
      'http://127.0.0.1:9999/api/webhooks/1/token',
    ]) {
      expect(provider.credentialsSchema.safeParse({ webhookUrl }).success).toBe(true);
    }
  });

  it('refuses other URLs with a message that says what a webhook URL looks like', () => {
    const result = provider.credentialsSchema.safeParse({ webhookUrl: 'https://discord.com/channels/1/2' });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['webhookUrl'], message: expect.stringContaining('https://discord.com/api/webhooks/{id}/{token}') })]);
    expect(provider.credentialsSchema.safeParse({ webhookUrl: 'ftp://discord.com/api/webhooks/1/t' }).success).toBe(false);
    expect(provider.credentialsSchema.safeParse({}).error?.issues[0]?.path).toEqual(['webhookUrl']);
  });
});

describe('Discord connect', () => {
  it('reads the webhook: its name is the handle, its channel and server are kept', async () => {
    const { f, account } = await setup({ name: 'Release notes' });
    expect(account).toEqual({ accountHandle: 'Release notes', settings: { webhookId: f.webhookId, channelId: f.channelId, guildId: f.guildId } });
  });

  it('a wrong token or a deleted webhook is AUTH', async () => {
    const { f } = await setup();
    const wrongToken = f.webhookUrl.replace(/[\w-]+$/, 'not-the-token');
    expect(await classifiedFailureOf(provider, provider.connect({ webhookUrl: wrongToken }))).toMatchObject({
      kind: 'AUTH',
      errorClass: 'DISCORD_INVALID_WEBHOOK_TOKEN',
      responseCode: 401,
    });
    f.expireAccessToken();
    const failure = await classifiedFailureOf(provider, provider.connect({ webhookUrl: f.webhookUrl }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'DISCORD_UNKNOWN_WEBHOOK', responseCode: 404 });
    expect(failure.message).toContain('Unknown Webhook');
    expect(failure.message).toContain('create a new webhook');
  });
});

describe('Discord publish', () => {
  it('executes the webhook with ?wait=true and links the message it answers', async () => {
    const { f, publish } = await setup();
    const result = await publish();
    expect(f.executions).toEqual([{ query: { wait: 'true' }, body: { content: 'Hello Discord' } }]);
    const [message] = f.messages;
    expect(result).toEqual({ externalId: message?.id, externalUrl: `https://discord.com/channels/${f.guildId}/${f.channelId}/${message?.id}`, responseCode: 200 });
  });

  it('sends images as embeds by URL, nothing uploaded', async () => {
    const { f, publish } = await setup();
    const mediaUrls = ['https://cdn.example/a.png', 'https://cdn.example/b.jpg'];
    await publish({ mediaUrls });
    expect(f.executions[0]?.body).toEqual({ content: 'Hello Discord', embeds: mediaUrls.map((url) => ({ image: { url } })) });
    await publish({ text: '', mediaUrls: mediaUrls.slice(0, 1) });
    expect(f.executions[1]?.body).toEqual({ embeds: [{ image: { url: mediaUrls[0] } }] });
    expect(f.messages).toHaveLength(2);
  });

  it('refuses more than 10 images before calling Discord', async () => {
    const { f, publish } = await setup();
    const mediaUrls = Array.from({ length: 11 }, (_, i) => `https://cdn.example/${i}.png`);
    expect(await classifiedFailureOf(provider, publish({ mediaUrls }))).toMatchObject({ kind: 'PERMANENT', errorClass: 'DISCORD_TOO_MANY_IMAGES' });
    expect(f.executions).toEqual([]);
  });

  it('keeps a thread_id the webhook URL carries', async () => {
    const { f, publish, credentials } = await setup();
    await publish({}, { webhookUrl: `${credentials.webhookUrl}?thread_id=42` });
    expect(f.executions[0]?.query).toEqual({ thread_id: '42', wait: 'true' });
  });

  it('hints the bucket’s reset when X-RateLimit-Remaining reaches 0', async () => {
    // The bucket's clock stands still 1234.5 s before the end of an hour-long window (which hour does not matter:
    // only the time left is announced), so both calls fall in that window and X-RateLimit-Reset-After says 1234.5.
    const { publish } = await setup({ bucketLimit: 2, bucketWindowMs: 3600_000, bucketClock: () => 3600_000 - 1_234_500 });
    expect((await publish()).rateLimits).toBeUndefined();
    const before = Date.now();
    const second = await publish();
    const after = Date.now();
    expect(second.rateLimits).toEqual([{ scope: 'ACCOUNT', until: expect.any(Date) }]);
    expect(second.rateLimits![0]!.until.getTime()).toBeGreaterThanOrEqual(before + 1_234_500);
    expect(second.rateLimits![0]!.until.getTime()).toBeLessThanOrEqual(after + 1_234_500);
  });

  it('a real 429 waits for the bucket’s reset and posts nothing', async () => {
    // The bucket's clock stands still 1234.567 s before its window ends: retry_after says 1234.567, Retry-After 1235
    // (the provider may take either; src prefers the header).
    const { f, publish } = await setup({ bucketLimit: 1, bucketWindowMs: 3600_000, bucketClock: () => 3600_000 - 1_234_567 });
    await publish();
    const failure = await classifiedFailureOf(provider, publish({ text: 'again' }));
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', responseCode: 429 });
    expect(failure.retryAfterMs).toBeGreaterThanOrEqual(1_234_567);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(1_235_000);
    expect(f.createdTexts()).toEqual(['Hello Discord']);
  });

  it('reports Invalid Form Body with the field that broke it', async () => {
    const { f, publish } = await setup();
    const failure = await classifiedFailureOf(provider, publish({ text: 'x'.repeat(2001) }));
    expect(failure).toMatchObject({ kind: 'PERMANENT', responseCode: 400, message: 'Invalid Form Body (content: Must be 2000 or fewer in length.)' });
    expect(f.messages).toEqual([]);
    expect(provider.checkContent({ text: 'x'.repeat(2001), mediaUrls: [] }, {}).violations.map((v) => v.rule)).toEqual(['maxLength']);
    expect(provider.checkContent({ text: 'x'.repeat(2000), mediaUrls: [] }, {}).violations).toEqual([]);
  });
});

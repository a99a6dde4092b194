// How the worker treats each kind of failure, against networks that misbehave the way real ones do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { startTelegramFake, type TelegramFake } from './fakes/telegramFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery, waitForDeliveryWhere } from './helpers/scenario.js';

let t: TestApp;
let mastodon: MastodonFake;
let hooks: WebhookReceiver;
let telegram: TelegramFake;
const HOOK_SECRET = 'a-very-secret-signing-key';

beforeAll(async () => {
  mastodon = await startMastodonFake();
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  telegram = await startTelegramFake({ chats: [{ id: -1001234567890, type: 'channel', title: 'News', username: 'acme_news' }] });
  t = await startTestApp({ env: { TELEGRAM_API_URL: telegram.url, PUBLISH_MAX_ATTEMPTS: '4' } });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), hooks?.stop(), telegram?.stop()]);
});

async function mastodonSetup() {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
  return { token, channel };
}

const statusesWith = (text: string) => mastodon.statuses.filter((s) => s.text === text);
const requestsWith = (text: string) => mastodon.requests.filter((r) => r.body.status === text);

describe('publishing failures', () => {
  it('retries a 500 and publishes once', async () => {
    const { token, channel } = await mastodonSetup();
    mastodon.failNext(1, { status: 500 }, 'statuses');
    const post = await createPost(t, token, { content: 'retry me', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(delivery.status).toBe('PUBLISHED');
    expect(delivery.attempts).toBe(2);
    expect(delivery.attemptLog.map((a: any) => [a.outcome, a.responseCode])).toEqual([
      ['RETRYABLE', 500],
      ['SUCCEEDED', 200],
    ]);
    expect(requestsWith('retry me')).toHaveLength(2);
    expect(statusesWith('retry me')).toHaveLength(1);
  });

  it("does not retry a 429 before Mastodon's rate-limit reset", async () => {
    const { token, channel } = await mastodonSetup();
    mastodon.failNext(1, { status: 429, resetInSeconds: 2 }, 'statuses');
    const post = await createPost(t, token, { content: 'rate limited', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(delivery.status).toBe('PUBLISHED');
    const [first, second] = requestsWith('rate limited');
    expect(second.receivedAt.getTime() - first.receivedAt.getTime()).toBeGreaterThanOrEqual(1900);
    expect(delivery.attemptLog[0]).toMatchObject({ outcome: 'RATE_LIMITED', responseCode: 429 });
  });

  it('does not retry a webhook 429 before its Retry-After', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
    hooks.failNext(1, { status: 429, retryAfter: 2 });
    const post = await createPost(t, token, { content: 'hook rate limited', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(delivery.status).toBe('PUBLISHED');
    const requests = hooks.requests.filter((r) => r.rawBody.includes('hook rate limited'));
    expect(requests).toHaveLength(2);
    expect(requests.every((r) => r.signatureValid)).toBe(true);
    expect(requests[1].receivedAt.getTime() - requests[0].receivedAt.getTime()).toBeGreaterThanOrEqual(1900);
  });

  it("honours Telegram's retry_after", async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'TELEGRAM', { botToken: telegram.token, chatId: '@acme_news' });
    telegram.failNext(1, { status: 429, retryAfter: 2 }, 'sendMessage');
    const post = await createPost(t, token, { content: 'telegram rate limited', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(delivery.status).toBe('PUBLISHED');
    expect(delivery.externalUrl).toMatch(/^https:\/\/t\.me\/acme_news\/\d+$/);
    const sends = telegram.requests.filter((r) => r.method === 'sendMessage' && r.params.text === 'telegram rate limited');
    expect(sends[1].receivedAt.getTime() - sends[0].receivedAt.getTime()).toBeGreaterThanOrEqual(1900);
  });

  it("fails a 422 at once with the platform's message", async () => {
    const { token, channel } = await mastodonSetup();
    mastodon.failNext(1, { status: 422, body: { error: 'Validation failed: Text contains a forbidden word' } }, 'statuses');
    const post = await createPost(t, token, { content: 'refused', channelIds: [channel.id], publishNow: true });
    const delivery = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(delivery.status).toBe('FAILED');
    expect(delivery.attempts).toBe(1);
    expect(delivery.lastError).toContain('Validation failed: Text contains a forbidden word');
    expect(delivery.attemptLog).toEqual([expect.objectContaining({ outcome: 'PERMANENT', responseCode: 422 })]);
    expect(requestsWith('refused')).toHaveLength(1);
    const { failedDeliveries } = await t.ok(`{ failedDeliveries(first: 10) { edges { node { id lastError } } } }`, {}, token);
    expect(failedDeliveries.edges.map((e: any) => e.node.id)).toEqual([delivery.id]);
  });

  it('holds the delivery on a 401 (nothing to renew), marks the channel for reconnection, and publishes on reconnect', async () => {
    const { token, channel } = await mastodonSetup();
    mastodon.failNext(1, { status: 401 }, 'statuses');
    const post = await createPost(t, token, { content: 'token revoked', channelIds: [channel.id], publishNow: true });
    const held = await waitForDeliveryWhere(t, token, post.id, (d) => d.lastError, 'record an error');
    // Held, not failed: the attempt is recorded, and the delivery waits for the reconnect.
    expect(held.status).toBe('SCHEDULED');
    expect(held.lastError).toMatch(/reconnect/i);
    expect(held.attemptLog).toEqual([expect.objectContaining({ outcome: 'AUTH', responseCode: 401 })]);
    const { channel: marked } = await t.ok(`query($id: ID!) { channel(id: $id) { needsReconnect authError } }`, { id: channel.id }, token);
    expect(marked.needsReconnect).toBe(true);
    expect(marked.authError).toMatch(/revoked or is invalid/);
    const { failedDeliveries } = await t.ok(`{ failedDeliveries(first: 10) { edges { node { id } } } }`, {}, token);
    expect(failedDeliveries.edges).toEqual([]);

    const later = await createPost(t, token, { content: 'held while disconnected', channelIds: [channel.id], publishNow: true });
    await new Promise((r) => setTimeout(r, 700));
    expect(requestsWith('held while disconnected')).toHaveLength(0);
    expect(requestsWith('token revoked')).toHaveLength(1);

    await t.ok(
      `mutation($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { needsReconnect } }`,
      { id: channel.id, input: { credentials: { instanceUrl: mastodon.url, accessToken: mastodon.accessToken } } },
      token,
    );
    expect((await waitForDelivery(t, token, later.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    const published = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(published.status).toBe('PUBLISHED');
    expect(published.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['AUTH', 'SUCCEEDED']);
    expect(statusesWith('token revoked')).toHaveLength(1);
  });

  it('gives up after the last retry, lists the delivery as failed, and retryDelivery sends it again', async () => {
    const { token, channel } = await mastodonSetup();
    mastodon.failNext(4, { status: 503 }, 'statuses');
    const post = await createPost(t, token, { content: 'always down', channelIds: [channel.id], publishNow: true });
    const failed = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'], 15_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.attempts).toBe(4);
    expect(failed.lastError).toMatch(/Gave up after 4 attempts/);
    const { failedDeliveries } = await t.ok(`{ failedDeliveries(first: 10) { edges { node { id } } } }`, {}, token);
    expect(failedDeliveries.edges.map((e: any) => e.node.id)).toContain(failed.id);

    await t.ok(`mutation($id: ID!) { retryDelivery(id: $id) { id } }`, { id: failed.id }, token);
    const published = await waitForDelivery(t, token, post.id, ['PUBLISHED']);
    expect(published.attemptLog).toHaveLength(5);
    expect(statusesWith('always down')).toHaveLength(1);
  });
});

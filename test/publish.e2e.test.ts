// The walking core, end to end: GraphQL -> delivery + job -> worker -> Mastodon (loopback fake) -> subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { collect, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { OPEN_POLICY, untilListening } from './helpers/scenario.js';

let t: TestApp;
let mastodon: MastodonFake;

beforeAll(async () => {
  mastodon = await startMastodonFake({ maxCharacters: 500 });
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

const CREATE_CHANNEL = `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id platform accountHandle settings } }`;
const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id deliveries { id status scheduledAt channel { id } } } }`;
const UPDATES = `subscription { deliveryUpdated { id postId status attempts lastError externalId externalUrl publishedAt } }`;

describe('a scheduled post', () => {
  it('goes from createPost to Mastodon at its time, and subscribers see every step', async () => {
    const token = await signUp(t);
    const { createChannel: channel } = await t.ok(
      CREATE_CHANNEL,
      {
        input: {
          platform: 'MASTODON',
          name: 'Our Mastodon',
          timezone: 'Europe/Berlin',
          credentials: { instanceUrl: mastodon.url, accessToken: mastodon.accessToken },
          policy: OPEN_POLICY,
        },
      },
      token,
    );
    expect(channel.accountHandle).toContain(mastodon.username);
    expect(channel.settings.maxCharacters).toBe(500);

    const updates = collect<{ deliveryUpdated: { postId: string; status: string; externalUrl: string | null } }>(t.ws(token), UPDATES);
    // The server registers a subscription asynchronously: wait until a first event (a draft's) comes through.
    await untilListening(t, token, channel.id, updates);

    const text = 'Launch day! Read more at https://example.com/a/very/long/path/that/counts/as/twenty-three 🚀';
    const scheduledAt = new Date(Date.now() + 2000);
    const { createPost: post } = await t.ok(CREATE_POST, { input: { content: text, channelIds: [channel.id], scheduledAt: scheduledAt.toISOString() } }, token);
    expect(post.deliveries).toHaveLength(1);
    expect(post.deliveries[0]).toMatchObject({ status: 'SCHEDULED', scheduledAt: scheduledAt.toISOString(), channel: { id: channel.id } });

    const seen = await updates.until((items) => items.some((i) => i.deliveryUpdated.postId === post.id && i.deliveryUpdated.status === 'PUBLISHED'), 10_000);
    const statuses = seen.filter((i) => i.deliveryUpdated.postId === post.id).map((i) => i.deliveryUpdated.status);
    expect(statuses).toEqual(['SCHEDULED', 'PUBLISHING', 'PUBLISHED']);

    expect(mastodon.statuses).toHaveLength(1);
    expect(mastodon.statuses[0].text).toBe(text);
    expect(mastodon.statuses[0].idempotencyKey).toBe(`postflow-${post.deliveries[0].id}`);
    expect(mastodon.requests).toHaveLength(1);
    expect(mastodon.statuses[0].receivedAt.getTime()).toBeGreaterThanOrEqual(scheduledAt.getTime());

    const { post: stored } = await t.ok(
      `query($id: ID!) { post(id: $id) { deliveries { status externalId externalUrl publishedAt attemptLog { outcome responseCode } } } }`,
      { id: post.id },
      token,
    );
    const delivery = stored.deliveries[0];
    expect(delivery.status).toBe('PUBLISHED');
    expect(delivery.externalId).toBe(mastodon.statuses[0].id);
    expect(delivery.externalUrl).toBe(mastodon.statuses[0].entity.url);
    // Published within a second of its time, not on a minute tick.
    expect(new Date(delivery.publishedAt).getTime() - scheduledAt.getTime()).toBeLessThan(1000);
    expect(delivery.attemptLog).toEqual([{ outcome: 'SUCCEEDED', responseCode: 200 }]);
  });
});

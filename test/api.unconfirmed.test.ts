// A publish whose answer was lost on a network that cannot retry safely: UNCONFIRMED, listed for a person, settled
// by a lookup where the network lists its own posts, by confirmPublished or a forced retry, never retried silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake } from './fakes/discordFake.js';
import { startXFake, type XFake } from './fakes/xFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { xEnv } from './helpers/api.js';
import { createChannel, createPost, waitForDelivery, waitForDeliveryWhere } from './helpers/scenario.js';

let t: TestApp;
let discord: DiscordFake;
beforeAll(async () => {
  discord = await startDiscordFake({ bucketLimit: 1000 });
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await discord?.stop();
});

async function unconfirmedDelivery(token: string, content: string) {
  const channel = await createChannel(t, token, 'DISCORD', { webhookUrl: discord.webhookUrl });
  discord.loseNextPublishAnswer();
  const post = await createPost(t, token, { content, channelIds: [channel.id], publishNow: true });
  return { postId: post.id, ...(await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000)) };
}

describe('UNCONFIRMED deliveries', () => {
  it('are listed beside FAILED ones, refused a plain retry, and confirmed with the link a person found', async () => {
    const token = await signUp(t);
    const delivery = await unconfirmedDelivery(token, 'did it go out?');
    expect(delivery.status).toBe('UNCONFIRMED');
    expect(delivery.lastError).toMatch(/may or may not have been published/);
    expect(discord.messages.filter((m) => m.content === 'did it go out?')).toHaveLength(1);

    const listed = await t.ok(`{ failedDeliveries(first: 10) { edges { node { id status } } } }`, {}, token);
    expect(listed.failedDeliveries.edges.map((e: any) => e.node)).toEqual([{ id: delivery.id, status: 'UNCONFIRMED' }]);

    const plain = await t.gql(`mutation($id: ID!) { retryDelivery(id: $id) { id status } }`, { id: delivery.id }, token);
    expect(plain.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(plain.errors?.[0].message).toMatch(/Check the channel first.*confirmPublished.*force: true/);

    const bad = await t.gql(`mutation($id: ID!) { confirmPublished(deliveryId: $id, externalUrl: "not a link") { id } }`, { id: delivery.id }, token);
    expect(bad.errors?.[0].extensions?.issues).toEqual([expect.objectContaining({ path: ['externalUrl'], rule: 'url' })]);

    const url = 'https://discord.com/channels/1/2/3';
    const confirmed = await t.ok(
      `mutation($id: ID!, $url: String!) { confirmPublished(deliveryId: $id, externalUrl: $url) { status externalUrl publishedAt } }`,
      { id: delivery.id, url },
      token,
    );
    expect(confirmed.confirmPublished).toMatchObject({ status: 'PUBLISHED', externalUrl: url });
    expect(confirmed.confirmPublished.publishedAt).not.toBeNull();
    const again = await t.gql(`mutation($id: ID!) { confirmPublished(deliveryId: $id, externalUrl: "https://x.example/1") { id } }`, { id: delivery.id }, token);
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    await new Promise((r) => setTimeout(r, 300));
    expect(discord.messages.filter((m) => m.content === 'did it go out?')).toHaveLength(1); // never re-sent
  });

  it('go out again with retryDelivery(force: true), once a person says the post is not there', async () => {
    const token = await signUp(t);
    const delivery = await unconfirmedDelivery(token, 'try once more');
    expect(delivery.status).toBe('UNCONFIRMED');
    const retried = await t.ok(`mutation($id: ID!) { retryDelivery(id: $id, force: true) { id status attempts } }`, { id: delivery.id }, token);
    expect(retried.retryDelivery).toMatchObject({ status: 'SCHEDULED', attempts: 0 });
    const published = await waitForDelivery(t, token, delivery.postId, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000);
    expect(published.status).toBe('PUBLISHED');
    expect(discord.messages.filter((m) => m.content === 'try once more')).toHaveLength(2); // the person chose to send it again
  });
});

describe('UNCONFIRMED deliveries on a network that lists its own posts (X)', () => {
  let x: XFake;
  let app: TestApp;
  beforeAll(async () => {
    x = await startXFake();
    app = await startTestApp({ env: xEnv(x) });
  });
  afterAll(async () => {
    await app?.stop();
    await x?.stop();
  });

  it('are settled by a lookup: PUBLISHED with the tweet that did go out, never posted again', async () => {
    const token = await signUp(app);
    const channel = await createChannel(app, token, 'X', { ...x.issueTokens() });
    x.loseNextPublishAnswer();
    const post = await createPost(app, token, { content: 'lost but found', channelIds: [channel.id], publishNow: true });
    const unconfirmed = await waitForDelivery(app, token, post.id, ['PUBLISHED', 'FAILED', 'UNCONFIRMED'], 15_000);
    expect(unconfirmed.status).toBe('UNCONFIRMED');

    const settled = await waitForDelivery(app, token, post.id, ['PUBLISHED'], 20_000);
    const tweet = x.tweets.find((t) => t.text === 'lost but found')!;
    expect(settled).toMatchObject({
      externalId: tweet.id,
      externalUrl: `https://x.com/${x.username}/status/${tweet.id}`,
      scheduleReason: expect.stringMatching(/Found on X by a lookup/),
    });
    expect(x.tweets.filter((t) => t.text === 'lost but found')).toHaveLength(1);
    expect(x.log.filter((l) => l === `GET /2/users/${x.userId}/tweets`)).toHaveLength(1);
  });

  it('say when the lookup did not find the post, and stay for a person', async () => {
    const token = await signUp(app);
    const channel = await createChannel(app, token, 'X', { ...x.issueTokens() });
    x.loseNextPublishAnswer();
    const post = await createPost(app, token, { content: 'lost and gone', channelIds: [channel.id], publishNow: true });
    await waitForDelivery(app, token, post.id, ['UNCONFIRMED'], 15_000);
    x.tweets.splice(
      x.tweets.findIndex((t) => t.text === 'lost and gone'),
      1,
    ); // as if it never went out
    const noted = await waitForDeliveryWhere(app, token, post.id, (d) => /did not find it/.test(d.lastError ?? ''), 'say the lookup found nothing', 20_000);
    expect(noted.status).toBe('UNCONFIRMED');
    expect(noted.lastError).toMatch(/retryDelivery with force: true/);
  });
});

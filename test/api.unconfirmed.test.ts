// A publish whose answer was lost on a network that cannot retry safely: UNCONFIRMED, listed for a person, settled
// by confirmPublished or a forced retry, never retried silently.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake } from './fakes/discordFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';

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
    const confirmed = await t.ok(`mutation($id: ID!, $url: String!) { confirmPublished(deliveryId: $id, externalUrl: $url) { status externalUrl publishedAt } }`, { id: delivery.id, url }, token);
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

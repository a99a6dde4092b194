// Link cards end to end: a post made from a source item carries each channel's card (the item's link with that
// network's UTM parameters, title, description, image) on its deliveries, and the worker publishes it where the network
// builds no preview from a URL in the text: here Bluesky, whose fake checks the external embed and its thumb blob.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlueskyFake, type BlueskyFake } from './fakes/blueskyFake.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startMediaHost, TINY_PNG, type MediaHost } from './fakes/httpFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, sendEvent, setRules, waitForEvents, type FakeSource } from './helpers/fakeSource.js';

let t: TestApp;
let bluesky: BlueskyFake;
let mastodon: MastodonFake;
let media: MediaHost;
let fake: FakeSource;

beforeAll(async () => {
  bluesky = await startBlueskyFake();
  mastodon = await startMastodonFake();
  media = await startMediaHost();
  t = await startTestApp();
  fake = installFakeSource(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await bluesky?.stop();
  await mastodon?.stop();
  await media?.stop();
});

describe('link cards of source posts', () => {
  it('are stored per delivery and published to Bluesky as an external embed with the item image as thumb', async () => {
    const token = await signUp(t);
    const sky = await createChannel(t, token, 'BLUESKY', { identifier: bluesky.handle, appPassword: bluesky.appPassword, service: bluesky.url });
    const toot = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
    const { sourceId } = await connectFakeSource(t, token);
    await setRules(t, token, sourceId, {
      channelIds: [sky.id, toot.id],
      timing: { mode: 'IMMEDIATE' },
      templates: { default: '{{ title }} {{ url }}', byNetwork: {}, byChannel: {} },
    });
    const id = `card-${Date.now()}`;
    fake.set(id, product(id, {}, { images: [{ url: media.urlFor(`${id}.png`) }], description: 'A shirt of washed linen, cut loose, for warm days.' }));
    await sendEvent(t, sourceId, 'e-card', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ outcome: 'POST_CREATED' });

    const deliveries = await t.app.database.prisma.delivery.findMany({ where: { postId: event!.postIds[0] } });
    const link = (network: string) => `https://linen.example.com/products/${id}?utm_source=${network}&utm_medium=social&utm_campaign=Linen+%26+Co`;
    const cardOf = (channelId: string) => deliveries.find((d) => d.channelId === channelId)!.linkCard;
    expect(cardOf(sky.id)).toEqual({
      url: link('bluesky'),
      title: 'Linen shirt',
      description: 'A shirt of washed linen, cut loose, for warm days.',
      image: media.urlFor(`${id}.png`),
    });
    expect(cardOf(toot.id)).toMatchObject({ url: link('mastodon') });

    const post = await eventually(async () => bluesky.posts.find((p) => String(p.record.text).includes(id)), 15_000, 'the Bluesky post');
    const blob = bluesky.blobs.at(-1)!;
    expect(blob.bytes.equals(TINY_PNG)).toBe(true);
    expect(post.record.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: {
        uri: link('bluesky'),
        title: 'Linen shirt',
        description: 'A shirt of washed linen, cut loose, for warm days.',
        thumb: { $type: 'blob', ref: { $link: blob.cid }, mimeType: 'image/png', size: TINY_PNG.length },
      },
    });
    // Mastodon builds its own preview from the link in the text: it gets the text only.
    await eventually(async () => mastodon.statuses.some((s) => s.text.includes(id)), 15_000, 'the Mastodon status');
  }, 30_000);
});

// Link cards at publish time: the networks that build no preview from a URL in the text get the card in the request
// (Bluesky's app.bsky.embed.external with a thumb blob, LinkedIn's article with a thumbnail image), checked by their
// fakes against the lexicon / the Posts API; the card's image is fetched under the outbound policy like any media.
import { describe, expect, it } from 'vitest';
import { createBlueskyProvider } from '../../src/integrations/bluesky.js';
import { createLinkedInProvider } from '../../src/integrations/linkedin.js';
import type { LinkCard, PublishRequest } from '../../src/integrations/types.js';
import { createOutboundPolicy } from '../../src/security/outbound/policy.js';
import { TINY_PNG } from '../fakes/httpFake.js';
import { startBlueskyFake, type BlueskyFake } from '../fakes/blueskyFake.js';
import { startLinkedInFake, type LinkedInFake } from '../fakes/linkedinFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { publishRequest } from '../helpers/publishRequest.js';

const stopAfterEach = useStoppers();

const card = (image: string | null): LinkCard => ({
  url: 'https://shop.example/products/mug?utm_source=bluesky&utm_medium=social&utm_campaign=Shop',
  title: 'Blue mug',
  description: 'A mug, blue, 350 ml.',
  image,
});

async function bluesky(outbound = providerOptions().outbound) {
  const f: BlueskyFake = stopAfterEach(await startBlueskyFake());
  const provider = createBlueskyProvider({ ...providerOptions({ BLUESKY: { apiUrl: f.url } }), outbound });
  const account = await provider.connect({ identifier: f.handle, appPassword: f.appPassword });
  const publish = (overrides: Partial<PublishRequest>) =>
    provider.publish(publishRequest({ text: 'New: Blue mug https://shop.example/products/mug', ...overrides }), { credentials: account.credentials!, settings: account.settings });
  return { f, provider, publish };
}

async function linkedin() {
  const f: LinkedInFake = stopAfterEach(await startLinkedInFake());
  const provider = createLinkedInProvider(providerOptions({ LINKEDIN: { apiUrl: f.url, authUrl: f.url, clientId: f.clientId, clientSecret: f.clientSecret } }));
  const credentials = { accessToken: f.accessToken, refreshToken: f.refreshToken, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), memberId: f.memberId };
  const publish = (overrides: Partial<PublishRequest>) => provider.publish(publishRequest({ text: 'New: Blue mug', ...overrides }), { credentials, settings: {} });
  return { f, publish };
}

describe('Bluesky link cards', () => {
  it('sends the card as an external embed with its image uploaded as the thumb blob', async () => {
    const { f, publish } = await bluesky();
    const host = await trackedMediaHost(stopAfterEach);
    await publish({ linkCard: card(host.urlFor('mug.png')) });
    expect(host.requests).toEqual(['/mug.png']);
    expect(f.blobs.map((b) => [b.mimeType, b.bytes.equals(TINY_PNG)])).toEqual([['image/png', true]]);
    const { url, title, description } = card(null);
    expect(f.posts[0]?.record.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: { uri: url, title, description, thumb: { $type: 'blob', ref: { $link: f.blobs[0]!.cid }, mimeType: 'image/png', size: TINY_PNG.length } },
    });
    // The link in the text stays a link facet.
    expect(f.posts[0]?.facetTexts).toEqual(['https://shop.example/products/mug']);
  });

  it('sends a card without an image with no thumb, and uploads nothing', async () => {
    const { f, publish } = await bluesky();
    await publish({ linkCard: card(null) });
    expect(f.log).not.toContain('POST com.atproto.repo.uploadBlob');
    expect(f.posts[0]?.record.embed).toEqual({ $type: 'app.bsky.embed.external', external: { uri: card(null).url, title: 'Blue mug', description: 'A mug, blue, 350 ml.' } });
  });

  it('keeps the images when the post has some: a record has one embed', async () => {
    const { f, publish } = await bluesky();
    const host = await trackedMediaHost(stopAfterEach);
    await publish({ mediaUrls: [host.urlFor('photo.png')], linkCard: card(host.urlFor('mug.png')) });
    expect(host.requests).toEqual(['/photo.png']);
    expect((f.posts[0]?.record.embed as { $type: string }).$type).toBe('app.bsky.embed.images');
  });

  it('fetches the card image only where the outbound policy allows: a refused one is a permanent failure, nothing posted', async () => {
    const host = await trackedMediaHost(stopAfterEach);
    const f0 = stopAfterEach(await startBlueskyFake());
    // Only the PDS is exempt (an operator's origin); the loopback image host is refused like any private address.
    const strict = createOutboundPolicy({ allow: [], exempt: [f0.url] });
    const provider = createBlueskyProvider({ ...providerOptions({ BLUESKY: { apiUrl: f0.url } }), outbound: strict });
    const account = await provider.connect({ identifier: f0.handle, appPassword: f0.appPassword });
    const failure = await classifiedFailureOf(
      provider,
      provider.publish(publishRequest({ linkCard: card(host.urlFor('mug.png')) }), { credentials: account.credentials!, settings: account.settings }),
    );
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'OUTBOUND_REFUSED' });
    expect(host.requests).toEqual([]);
    expect(f0.posts).toEqual([]);
  });

  it('is refused by the fake when a card lacks its fields (the lexicon check is real)', async () => {
    const { f, provider, publish } = await bluesky();
    const failure = await classifiedFailureOf(provider, publish({ linkCard: { ...card(null), url: 'not a uri' } }));
    expect(failure).toMatchObject({ kind: 'PERMANENT', responseCode: 400 });
    expect(f.posts).toEqual([]);
  });
});

describe('LinkedIn link cards', () => {
  it('sends the card as the article content with its image uploaded as the thumbnail', async () => {
    const { f, publish } = await linkedin();
    const host = await trackedMediaHost(stopAfterEach);
    await publish({ linkCard: card(host.urlFor('mug.png')) });
    expect(f.images).toHaveLength(1);
    expect(f.images[0]).toMatchObject({ bytes: TINY_PNG.length, uploaded: true });
    const { url, title, description } = card(null);
    expect(f.posts[0]?.content).toEqual({ article: { source: url, title, description, thumbnail: f.images[0]!.urn } });
  });

  it('sends an article without a thumbnail when the card has no image', async () => {
    const { f, publish } = await linkedin();
    await publish({ linkCard: card(null) });
    expect(f.images).toEqual([]);
    expect(f.posts[0]?.content).toEqual({ article: { source: card(null).url, title: 'Blue mug', description: 'A mug, blue, 350 ml.' } });
  });

  it('keeps the image when the post has one: a post has one content', async () => {
    const { f, publish } = await linkedin();
    const host = await trackedMediaHost(stopAfterEach);
    await publish({ mediaUrls: [host.urlFor('photo.png')], linkCard: card(host.urlFor('mug.png')) });
    expect(host.requests).toEqual(['/photo.png']);
    expect(f.posts[0]?.content).toEqual({ media: { id: f.images[0]!.urn } });
  });
});

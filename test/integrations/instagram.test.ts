import { describe, expect, it } from 'vitest';
import { HttpFailure } from '../../src/integrations/http.js';
import { createInstagramProvider, type InstagramCredentials } from '../../src/integrations/instagram.js';
import { publishThroughContainer, type ContainerStatus } from '../../src/integrations/metaContainers.js';
import { pkcePair } from '../../src/integrations/oauth.js';
import type { ProviderOptions } from '../../src/integrations/types.js';
import { startMediaHost } from '../fakes/httpFake.js';
import { startMetaGraphFake, type MetaGraphFake, type MetaGraphFakeOptions } from '../fakes/metaGraphFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { progressStore, publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function optionsFor(fake: MetaGraphFake, requestTimeoutMs = 2000): ProviderOptions {
  return providerOptions({ INSTAGRAM: { apiUrl: fake.url, clientId: fake.appId, clientSecret: fake.appSecret } }, requestTimeoutMs);
}

const tuning = { containerPollIntervalMs: 5, containerPollAttempts: 5 };

function creds(fake: MetaGraphFake): InstagramCredentials {
  const page = fake.pages.find((p) => p.igUserId !== null)!;
  return { igUserId: page.igUserId!, accessToken: page.token };
}

describeProviderContract<InstagramCredentials>({
  platform: 'INSTAGRAM',
  async start({ requestTimeoutMs }) {
    const fake = await startMetaGraphFake();
    const host = await startMediaHost();
    return {
      fake: fake.contract('INSTAGRAM'),
      provider: createInstagramProvider(optionsFor(fake, requestTimeoutMs), tuning),
      credentials: creds(fake),
      post: { mediaUrls: [host.urlFor('photo.png')] },
      stop: () => host.stop(),
    };
  },
  renewal: { none: 'a Page token from a long-lived user token does not expire; reconnect when revoked' },
  idempotent: true,
});

const stopAfterEach = useStoppers();

async function setup(opts: MetaGraphFakeOptions = {}, requestTimeoutMs = 2000) {
  const fake = stopAfterEach(await startMetaGraphFake(opts));
  const host = await trackedMediaHost(stopAfterEach);
  return { fake, host, provider: createInstagramProvider(optionsFor(fake, requestTimeoutMs), tuning) };
}

const containerReads = (fake: MetaGraphFake) => fake.log.filter((l) => fake.containers.some((c) => l === `GET /${c.id}`)).length;

describe('Instagram publish', () => {
  it('checks the quota, makes a container, waits for FINISHED, publishes it and reads the permalink', async () => {
    const { fake, host, provider } = await setup();
    const store = progressStore();
    const ig = creds(fake).igUserId;
    const result = await provider.publish(publishRequest({ text: 'Morning pour #coffee', mediaUrls: [host.urlFor('pour.png')] }, store), {
      credentials: creds(fake),
      settings: {},
    });
    const [container] = fake.containers;
    expect(container).toMatchObject({ imageUrl: host.urlFor('pour.png'), caption: 'Morning pour #coffee', status: 'PUBLISHED' });
    expect(fake.log).toEqual([`GET /${ig}/content_publishing_limit`, `POST /${ig}/media`, `GET /${container!.id}`, `POST /${ig}/media_publish`, `GET /${fake.igMedia[0]!.id}`]);
    expect(store.saves[0]).toEqual({ containerId: container!.id });
    expect(result).toEqual({ externalId: fake.igMedia[0]!.id, externalUrl: expect.stringMatching(/^https:\/\/www\.instagram\.com\/p\//), responseCode: 200 });
  });

  it('publishes a carousel: one item container per image, then a CAROUSEL container with the children', async () => {
    const { fake, host, provider } = await setup();
    const mediaUrls = ['1.png', '2.png', '3.png'].map((n) => host.urlFor(n));
    await provider.publish(publishRequest({ text: 'Three roasts', mediaUrls }), { credentials: creds(fake), settings: {} });
    const items = fake.containers.filter((c) => c.carouselItem);
    expect(items.map((c) => [c.imageUrl, c.caption])).toEqual(mediaUrls.map((u) => [u, '']));
    const parent = fake.containers.find((c) => c.mediaType === 'CAROUSEL');
    expect(parent).toMatchObject({ children: items.map((c) => c.id), caption: 'Three roasts', status: 'PUBLISHED' });
    expect(fake.igMedia).toEqual([expect.objectContaining({ caption: 'Three roasts', imageUrls: mediaUrls })]);
  });

  it('polls the container until FINISHED', async () => {
    const { fake, host, provider } = await setup({ containerPollsUntilFinished: 3 });
    await provider.publish(publishRequest({ mediaUrls: [host.urlFor('slow.png')] }), { credentials: creds(fake), settings: {} });
    expect(containerReads(fake)).toBe(4);
    expect(fake.igMedia).toHaveLength(1);
  });

  it('gives up on a container still IN_PROGRESS with a RETRYABLE failure, and the retry reuses it', async () => {
    const { fake, host, provider } = await setup({ containerPollsUntilFinished: 7 });
    const store = progressStore();
    const request = () => publishRequest({ mediaUrls: [host.urlFor('slow.png')] }, store);
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'MEDIA_PROCESSING' });
    await provider.publish(request(), { credentials: creds(fake), settings: {} });
    expect(fake.containers).toHaveLength(1);
    expect(fake.igMedia).toHaveLength(1);
  });

  it('a container in ERROR is RETRYABLE and the retry makes a new one', async () => {
    const { fake, host, provider } = await setup();
    const store = progressStore();
    const request = () => publishRequest({ mediaUrls: [host.urlFor('pic.png')] }, store);
    fake.nextContainerStatus('ERROR');
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'MEDIA_CONTAINER_ERROR' });
    expect(failure.message).toContain('2207052');
    expect(fake.igMedia).toHaveLength(0);
    await provider.publish(request(), { credentials: creds(fake), settings: {} });
    expect(fake.containers.map((c) => c.status)).toEqual(['ERROR', 'PUBLISHED']);
  });

  it('an EXPIRED checkpointed container is replaced', async () => {
    const { fake, host, provider } = await setup();
    const store = progressStore();
    fake.nextContainerStatus('EXPIRED');
    const failure = await classifiedFailureOf(
      provider,
      provider.publish(publishRequest({ mediaUrls: [host.urlFor('pic.png')] }, store), { credentials: creds(fake), settings: {} }),
    );
    expect(failure.kind).toBe('RETRYABLE');
    await provider.publish(publishRequest({ mediaUrls: [host.urlFor('pic.png')] }, store), { credentials: creds(fake), settings: {} });
    expect(fake.containers.map((c) => c.status)).toEqual(['EXPIRED', 'PUBLISHED']);
  });

  it('an image Instagram cannot fetch is RETRYABLE (media fetch failed)', async () => {
    const { fake, host, provider } = await setup();
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('missing.png')] }), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'META_9004_2207052' });
  });

  it('refuses without posting when content_publishing_limit says the quota is used up', async () => {
    const { fake, host, provider } = await setup({ igQuotaUsed: 50 });
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('pic.png')] }), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', rateLimitScope: 'ACCOUNT', errorClass: 'INSTAGRAM_PUBLISHING_QUOTA', retryAfterMs: 3_600_000 });
    expect(fake.containers).toHaveLength(0);
    expect(fake.log.some((l) => l.endsWith('/media_publish'))).toBe(false);
  });

  it('a retry after a lost publish answer reports the published media instead of publishing again', async () => {
    const { fake, host, provider } = await setup({}, 400);
    const store = progressStore();
    const request = () => publishRequest({ text: 'Once only', mediaUrls: [host.urlFor('pic.png')] }, store);
    // media_publish makes the post, but its answer never arrives: the attempt times out not knowing.
    fake.contract('INSTAGRAM').loseNextPublishAnswer();
    const lost = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds(fake), settings: {} }));
    expect(lost.kind).toBe('RETRYABLE');
    expect(fake.igMedia).toHaveLength(1);
    const again = await provider.publish(request(), { credentials: creds(fake), settings: {} });
    expect(again.externalId).toBe(fake.igMedia[0]!.id);
    expect(fake.log.filter((l) => l.endsWith('/media_publish'))).toHaveLength(1);
    expect(fake.containers).toHaveLength(1);
    expect(fake.igMedia).toHaveLength(1);
  });

  it('treats a refused publish of a container that turns out PUBLISHED as done (a race with a lost attempt)', async () => {
    const statuses: ContainerStatus[] = ['FINISHED', 'FINISHED', 'PUBLISHED'];
    const store = progressStore();
    store.value = { containerId: 'c1' };
    const outcome = await publishThroughContainer(publishRequest({}, store), {
      label: 'Instagram',
      pollIntervalMs: 1,
      pollAttempts: 3,
      readStatus: async () => ({ status: statuses.shift() ?? 'PUBLISHED', detail: null }),
      create: async () => {
        throw new Error('must reuse the checkpointed container');
      },
      publish: async () => {
        throw new HttpFailure('POST /{ig-user-id}/media_publish', 400, new Headers(), { error: { code: 100, message: 'already published' } });
      },
      findPublished: async () => 'm1',
    });
    expect(outcome).toEqual({ mediaId: 'm1', containerId: 'c1', headers: null });
  });

  it('needs an image: checkContent says so before anything is sent', async () => {
    const { provider } = await setup();
    expect(provider.checkContent({ text: 'No picture', mediaUrls: [] }, {}).violations).toEqual([expect.objectContaining({ field: 'mediaUrls', rule: 'mediaRequired' })]);
  });
});

describe('Instagram connect and login', () => {
  it('reads the username of the Instagram account', async () => {
    const { fake, provider } = await setup();
    const account = await provider.connect(creds(fake));
    expect(account).toEqual({ accountHandle: '@acme.coffee', settings: { igUserId: creds(fake).igUserId, username: 'acme.coffee' } });
  });

  it('finishes Facebook Login with the Page that has an Instagram account, and refuses a Page without one', async () => {
    const { fake, provider } = await setup();
    const app = provider.oauth!.configuredApp()!;
    const login = async (account: Record<string, unknown>) => {
      const pkce = pkcePair();
      const url = provider.oauth!.authorizeUrl({ app, redirectUri: 'https://postflow.test/cb', state: 's', codeChallenge: pkce.challenge, instanceUrl: null });
      expect(new URL(url).searchParams.get('scope')).toContain('instagram_content_publish');
      const { code } = await approve(url);
      return provider.oauth!.finish({ app, redirectUri: 'https://postflow.test/cb', code, codeVerifier: pkce.verifier, instanceUrl: null, account, ownApp: false });
    };
    const [coffee, tea] = fake.pages;
    expect(await login({})).toEqual({ igUserId: coffee!.igUserId, accessToken: coffee!.token, pageId: coffee!.id, appId: fake.appId });
    expect(await login({ pageId: coffee!.id })).toMatchObject({ igUserId: coffee!.igUserId });
    const failure = await classifiedFailureOf(provider, login({ pageId: tea!.id }));
    expect(failure).toMatchObject({ kind: 'PERMANENT', errorClass: 'PAGE_NOT_FOUND' });
    expect(fake.accountsReadWith).toEqual(['long', 'long', 'long']);
  });
});

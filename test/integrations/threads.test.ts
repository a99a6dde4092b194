import { describe, expect, it, vi } from 'vitest';
import { pkcePair } from '../../src/integrations/oauth.js';
import { createThreadsProvider, type ThreadsCredentials } from '../../src/integrations/threads.js';
import type { ProviderOptions } from '../../src/integrations/types.js';
import { startThreadsFake, type ThreadsFake, type ThreadsFakeOptions } from '../fakes/threadsFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { progressStore, publishRequest } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

function optionsFor(fake: ThreadsFake, requestTimeoutMs = 2000): ProviderOptions {
  return providerOptions({ THREADS: { apiUrl: fake.url, clientId: fake.appId, clientSecret: fake.appSecret } }, requestTimeoutMs);
}

const tuning = { containerPollIntervalMs: 5, containerPollAttempts: 5 };

function creds(fake: ThreadsFake, ageHours = 48): ThreadsCredentials {
  const { token, expiresAt } = fake.issueLongLivedToken(ageHours);
  return { threadsUserId: fake.userId, accessToken: token, expiresAt: expiresAt.toISOString() };
}

describeProviderContract<ThreadsCredentials>({
  platform: 'THREADS',
  async start({ requestTimeoutMs }) {
    const fake = await startThreadsFake();
    const credentials = creds(fake);
    return { fake: fake.contract(credentials.accessToken), provider: createThreadsProvider(optionsFor(fake, requestTimeoutMs), tuning), credentials };
  },
  renewal: { none: 'Threads renews a long-lived token only while it is still valid; PostFlow renews it ahead of expiry', renewsAheadOfExpiry: true },
  idempotent: true,
});

const stopAfterEach = useStoppers();

async function setup(opts: ThreadsFakeOptions = {}) {
  const fake = stopAfterEach(await startThreadsFake(opts));
  const host = await trackedMediaHost(stopAfterEach);
  return { fake, host, provider: createThreadsProvider(optionsFor(fake), tuning) };
}

describe('Threads publish', () => {
  it('publishes a TEXT container and links the post', async () => {
    const { fake, provider } = await setup();
    const store = progressStore();
    const result = await provider.publish(publishRequest({ text: 'Hello Threads' }, store), { credentials: creds(fake), settings: {} });
    expect(fake.containers).toEqual([expect.objectContaining({ mediaType: 'TEXT', text: 'Hello Threads', status: 'PUBLISHED' })]);
    expect(fake.posts).toEqual([expect.objectContaining({ text: 'Hello Threads', containerId: fake.containers[0]!.id })]);
    expect(store.saves[0]).toEqual({ containerId: fake.containers[0]!.id });
    expect(result).toEqual({ externalId: fake.posts[0]!.id, externalUrl: expect.stringMatching(/^https:\/\/www\.threads\.net\/@acme\.threads\/post\//), responseCode: 200 });
  });

  it('publishes one image as IMAGE and several as a CAROUSEL of items', async () => {
    const { fake, host, provider } = await setup();
    await provider.publish(publishRequest({ text: 'One', mediaUrls: [host.urlFor('one.png')] }), { credentials: creds(fake), settings: {} });
    expect(fake.containers[0]).toMatchObject({ mediaType: 'IMAGE', imageUrl: host.urlFor('one.png'), text: 'One', carouselItem: false });
    const mediaUrls = [host.urlFor('a.png'), host.urlFor('b.png')];
    await provider.publish(publishRequest({ text: 'Two', mediaUrls, idempotencyKey: 'idem-2' }, progressStore()), { credentials: creds(fake), settings: {} });
    const items = fake.containers.filter((c) => c.carouselItem);
    expect(items.map((c) => [c.mediaType, c.imageUrl])).toEqual(mediaUrls.map((u) => ['IMAGE', u]));
    expect(fake.containers.at(-1)).toMatchObject({ mediaType: 'CAROUSEL', children: items.map((c) => c.id), text: 'Two' });
    expect(fake.posts.map((p) => [p.text, p.imageUrls])).toEqual([
      ['One', [host.urlFor('one.png')]],
      ['Two', mediaUrls],
    ]);
  });

  it('polls an IMAGE container until FINISHED', async () => {
    const { fake, host, provider } = await setup({ containerPollsUntilFinished: 2 });
    await provider.publish(publishRequest({ mediaUrls: [host.urlFor('slow.png')] }), { credentials: creds(fake), settings: {} });
    expect(fake.log.filter((l) => l === `GET /v1.0/${fake.containers[0]!.id}`)).toHaveLength(3);
    expect(fake.posts).toHaveLength(1);
  });

  it('an image Threads could not download leaves the container in ERROR: RETRYABLE, nothing posted', async () => {
    const { fake, host, provider } = await setup();
    const failure = await classifiedFailureOf(provider, provider.publish(publishRequest({ mediaUrls: [host.urlFor('missing.png')] }), { credentials: creds(fake), settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'MEDIA_CONTAINER_ERROR' });
    expect(failure.message).toContain('FAILED_DOWNLOADING_IMAGE');
    expect(fake.posts).toHaveLength(0);
  });

  it('a retry after a published container reports that post and publishes nothing more', async () => {
    const { fake, provider } = await setup();
    const store = progressStore();
    const credentials = creds(fake);
    const first = await provider.publish(publishRequest({ text: 'Once' }, store), { credentials, settings: {} });
    const again = await provider.publish(publishRequest({ text: 'Once' }, store), { credentials, settings: {} });
    expect(again.externalId).toBe(first.externalId);
    expect(fake.log.filter((l) => l.endsWith('/threads_publish'))).toHaveLength(1);
  });

  it('counts emoji as Threads does (UTF-8 bytes) through the rules table', async () => {
    const { provider } = await setup();
    expect(provider.checkContent({ text: '🙂'.repeat(125), mediaUrls: [] }, {}).violations).toEqual([]);
    expect(provider.checkContent({ text: '🙂'.repeat(126), mediaUrls: [] }, {}).violations).toEqual([expect.objectContaining({ rule: 'maxLength' })]);
  });
});

describe('Threads tokens', () => {
  it('authorizes, exchanges the code (PKCE) and then the short-lived token for a 60-day one', async () => {
    const { fake, provider } = await setup();
    const pkce = pkcePair();
    const app = provider.oauth!.configuredApp()!;
    const url = new URL(provider.oauth!.authorizeUrl({ app, redirectUri: 'https://postflow.test/cb', state: 'xyz', codeChallenge: pkce.challenge, instanceUrl: null }));
    expect(url.pathname).toBe('/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: fake.appId,
      response_type: 'code',
      scope: 'threads_basic,threads_content_publish',
      state: 'xyz',
      code_challenge: pkce.challenge,
    });
    const { code, state } = await approve(url.href);
    expect(state).toBe('xyz');
    const credentials = await provider.oauth!.finish({
      app,
      redirectUri: 'https://postflow.test/cb',
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: {},
      ownApp: false,
    });
    expect(credentials.threadsUserId).toBe(fake.userId);
    expect(fake.tokens.get(credentials.accessToken)?.kind).toBe('long');
    const days = (provider.credentialsExpireAt!(credentials)!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(59.9);
    expect(days).toBeLessThanOrEqual(60);
    expect(provider.credentialsSchema.safeParse(credentials).success).toBe(true);
    expect(await provider.connect(credentials)).toEqual({ accountHandle: '@acme.threads', settings: { threadsUserId: fake.userId, username: 'acme.threads' } });
  });

  it('refuses a wrong PKCE verifier as AUTH', async () => {
    const { provider } = await setup();
    const app = provider.oauth!.configuredApp()!;
    const url = provider.oauth!.authorizeUrl({ app, redirectUri: 'https://postflow.test/cb', state: 's', codeChallenge: pkcePair().challenge, instanceUrl: null });
    const { code } = await approve(url);
    const failure = await classifiedFailureOf(
      provider,
      provider.oauth!.finish({ app, redirectUri: 'https://postflow.test/cb', code, codeVerifier: 'not-it', instanceUrl: null, account: {}, ownApp: false }),
    );
    expect(failure.kind).toBe('AUTH');
  });

  it('renews a valid long-lived token ahead of expiry, extending expiresAt, and the new token publishes', async () => {
    const { fake, provider } = await setup();
    const old = creds(fake, 48);
    // Only Date moves (the fake's clock and the provider's together); sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 50 * 86_400_000);
    const renewed = await provider.refresh!(old).finally(() => vi.useRealTimers());
    expect(renewed.accessToken).not.toBe(old.accessToken);
    expect(renewed.threadsUserId).toBe(old.threadsUserId);
    expect(provider.credentialsExpireAt!(renewed)!.getTime()).toBeGreaterThan(provider.credentialsExpireAt!(old)!.getTime() + 40 * 86_400_000);
    expect(fake.tokens.get(renewed.accessToken)?.kind).toBe('long');
    await provider.publish(publishRequest({ text: 'Still here' }), { credentials: renewed, settings: {} });
    expect(fake.posts).toHaveLength(1);
  });

  it('cannot renew a token under 24 hours old, nor an expired one', async () => {
    const { fake, provider } = await setup();
    expect((await classifiedFailureOf(provider, provider.refresh!(creds(fake, 1)))).kind).toBe('AUTH');
    const old = creds(fake, 48);
    fake.advanceClock(61 * 86_400_000);
    expect(await classifiedFailureOf(provider, provider.refresh!(old))).toMatchObject({ kind: 'AUTH', errorClass: 'REFRESH_REFUSED' });
  });

  it('connect corrects a threadsUserId that is not the token’s own', async () => {
    const { fake, provider } = await setup();
    const account = await provider.connect({ ...creds(fake), threadsUserId: '1' });
    expect(account.credentials?.threadsUserId).toBe(fake.userId);
  });
});

import { describe, expect, it } from 'vitest';
import { pkcePair } from '../../src/integrations/oauth.js';
import type { PublishRequest } from '../../src/integrations/types.js';
import { VK_FLOOD_CONTROL_WAIT_MS, VkApiError, classifyVkError, createVkProvider, untilNextMoscowDay, type VkCredentials } from '../../src/integrations/vk.js';
import { startVkFake, type VkFake, type VkFakeOptions } from '../fakes/vkFake.js';
import { classifiedFailureOf, providerOptions, trackedMediaHost, useStoppers } from '../helpers/integration.js';
import { approve } from '../helpers/oauth.js';
import { progressStore, publishRequest, type ProgressStore } from '../helpers/publishRequest.js';
import { describeProviderContract } from './providerContract.js';

const stopAfterEach = useStoppers();

function providerFor(f: VkFake, requestTimeoutMs = 2000) {
  return createVkProvider(providerOptions({ VK: { apiUrl: f.url, authUrl: f.url, clientId: f.clientId } }, requestTimeoutMs));
}

function credentialsFor(f: VkFake, ownerId?: number): VkCredentials {
  const tokens = f.issueTokens();
  return { ...tokens, expiresAt: new Date(Date.now() + 3600_000).toISOString(), ...(ownerId !== undefined && { ownerId }) };
}

/** A connected channel: the user's own wall, or the fake's community's (community: true). */
async function setup(opts: VkFakeOptions & { community?: boolean } = {}) {
  const f = stopAfterEach(await startVkFake(opts));
  const provider = providerFor(f);
  const account = await provider.connect(credentialsFor(f, opts.community ? -f.groupId : undefined));
  const credentials = account.credentials!;
  const publish = (overrides: Partial<PublishRequest> = {}, store: ProgressStore = progressStore()) =>
    provider.publish(publishRequest({ text: 'Привет, VK', ...overrides }, store), { credentials, settings: account.settings });
  return { f, provider, account, credentials, publish };
}

describeProviderContract<VkCredentials>({
  platform: 'VK',
  renewal: 'refresh',
  idempotent: true,
  fixedRateLimitWait: { ms: VK_FLOOD_CONTROL_WAIT_MS, why: 'VK error 9 says nothing of when flood control ends' },
  async start({ requestTimeoutMs }) {
    const fake = await startVkFake();
    return { fake, provider: providerFor(fake, requestTimeoutMs), credentials: credentialsFor(fake, fake.userId) };
  },
});

describe('VK credentials and connect', () => {
  it('names the bad credential fields', () => {
    const provider = createVkProvider(providerOptions());
    expect(provider.credentialsSchema.safeParse({ accessToken: 't', ownerId: -123, deviceId: 'd' }).success).toBe(true);
    const bad = provider.credentialsSchema.safeParse({ accessToken: '', ownerId: 0, deviceId: '' });
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['accessToken', 'deviceId', 'ownerId']);
  });

  it('connects to the user’s own wall by default', async () => {
    const { f, account } = await setup();
    expect(account.accountHandle).toBe(`@${f.screenName}`);
    expect(account.settings).toEqual({ ownerId: f.userId, community: false, name: 'Alice Ivanova', userId: f.userId });
    expect(account.credentials).toMatchObject({ ownerId: f.userId, userId: f.userId });
  });

  it('connects to a community wall given its negative id', async () => {
    const { f, account } = await setup({ community: true });
    expect(account.accountHandle).toBe(`@${f.groupScreenName}`);
    expect(account.settings).toMatchObject({ ownerId: -f.groupId, community: true, name: 'PostFlow News' });
    expect(f.calls.map((c) => [c.method, c.params.group_id])).toEqual([
      ['users.get', undefined],
      ['groups.getById', String(f.groupId)],
    ]);
  });

  it('a bad token is VK error 5 in an HTTP 200 body, read as AUTH', async () => {
    const f = stopAfterEach(await startVkFake());
    const provider = providerFor(f);
    const failure = await classifiedFailureOf(provider, provider.connect({ accessToken: 'nope' }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'VK_ERROR_5', responseCode: 200 });
    expect(failure.message).toContain('User authorization failed');
  });
});

describe('VK wall.post', () => {
  it('posts on the user’s wall with owner_id, the text, the API version and the idempotency key as guid', async () => {
    const { f, publish } = await setup();
    const result = await publish();
    const call = f.calls.find((c) => c.method === 'wall.post');
    expect(call?.params).toEqual({ owner_id: String(f.userId), message: 'Привет, VK', guid: 'idem-1', v: '5.199' });
    const [post] = f.posts;
    expect(result).toEqual({ externalId: `${f.userId}_${post?.id}`, externalUrl: `https://vk.com/wall${f.userId}_${post?.id}`, responseCode: 200 });
  });

  it('posts on a community wall as the community (negative owner_id, from_group=1)', async () => {
    const { f, publish } = await setup({ community: true });
    const result = await publish();
    expect(f.calls.find((c) => c.method === 'wall.post')?.params).toMatchObject({ owner_id: `-${f.groupId}`, from_group: '1' });
    expect(f.posts[0]).toMatchObject({ ownerId: -f.groupId, fromGroup: true });
    expect(result.externalUrl).toBe(`https://vk.com/wall-${f.groupId}_${f.posts[0]?.id}`);
  });

  it('the same guid within the hour yields one post', async () => {
    const { f, publish } = await setup();
    const first = await publish();
    const again = await publish();
    expect(again.externalId).toBe(first.externalId);
    expect(f.posts).toHaveLength(1);
    await publish({ idempotencyKey: 'idem-2' });
    expect(f.posts).toHaveLength(2);
  });

  it('attaches the first link when there are no photos, so VK shows its card', async () => {
    const { f, publish } = await setup();
    await publish({ text: 'Read https://example.com/a and https://example.org/b' });
    expect(f.posts[0]?.attachments).toEqual(['https://example.com/a']);
  });
});

describe('VK photos', () => {
  it('uploads each image through getWallUploadServer, the upload URL and saveWallPhoto, then attaches them', async () => {
    const { f, publish } = await setup({ community: true });
    const host = await trackedMediaHost(stopAfterEach);
    const store = progressStore();
    await publish({ text: 'With photos https://example.com', mediaUrls: [host.urlFor('a.png'), host.urlFor('b.png')] }, store);
    expect(f.calls.slice(2).map((c) => c.method)).toEqual([
      'photos.getWallUploadServer',
      'photos.saveWallPhoto',
      'photos.getWallUploadServer',
      'photos.saveWallPhoto',
      'wall.post',
    ]);
    expect(f.calls.filter((c) => c.method.startsWith('photos.')).every((c) => c.params.group_id === String(f.groupId))).toBe(true);
    const attachments = f.photos.map((p) => `photo${p.ownerId}_${p.id}`);
    expect(attachments[0]).toMatch(new RegExp(`^photo-${f.groupId}_\\d+$`));
    // With photos, the link stays in the text only.
    expect(f.posts[0]?.attachments).toEqual(attachments);
    expect(store.saves).toEqual([{ attachments: attachments.slice(0, 1) }, { attachments }]);
  });

  it('a retry reuses the photos an earlier attempt saved', async () => {
    const { f, provider, publish } = await setup();
    const host = await trackedMediaHost(stopAfterEach);
    const store = progressStore();
    const mediaUrls = [host.urlFor('a.png'), host.urlFor('b.png')];
    f.failNext('wall.post', { code: 10, message: 'Internal server error' });
    expect((await classifiedFailureOf(provider, publish({ mediaUrls }, store))).kind).toBe('RETRYABLE');
    await publish({ mediaUrls }, store);
    expect(f.photos).toHaveLength(2);
    expect(f.calls.filter((c) => c.method === 'photos.saveWallPhoto')).toHaveLength(2);
    expect(f.posts[0]?.attachments).toEqual(f.photos.map((p) => `photo${p.ownerId}_${p.id}`));
  });
});

describe('VK errors', () => {
  const DAY_MS = 24 * 3600_000;
  const MOSCOW_OFFSET_MS = 3 * 3600_000;
  const failure = (code: number, message: string) => classifyVkError(new VkApiError('wall.post', code, message));

  it('maps VK error codes to decisions', () => {
    expect(failure(5, 'User authorization failed: access_token has expired.')).toMatchObject({ kind: 'AUTH' });
    expect(failure(6, 'Too many requests per second')).toMatchObject({ kind: 'RATE_LIMITED', retryAfterMs: 1000 });
    expect(failure(9, 'Flood control')).toMatchObject({ kind: 'RATE_LIMITED', retryAfterMs: VK_FLOOD_CONTROL_WAIT_MS });
    expect(failure(10, 'Internal server error')).toMatchObject({ kind: 'RETRYABLE', errorClass: 'VK_ERROR_10' });
    expect(failure(1, 'Unknown error occurred')).toMatchObject({ kind: 'RETRYABLE' });
    expect(failure(100, 'One of the parameters specified was missing or invalid')).toMatchObject({ kind: 'PERMANENT', message: expect.stringContaining('One of the parameters') });
    expect(failure(214, 'Access to adding post denied: access to the wall is closed')).toMatchObject({ kind: 'PERMANENT' });
    const daily = failure(29, 'Rate limit reached');
    expect(daily.kind).toBe('RATE_LIMITED');
    expect(daily.retryAfterMs).toBeGreaterThan(0);
    expect(daily.retryAfterMs).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('waits until the next Moscow day for the daily post limit', async () => {
    const { f, provider, publish } = await setup({ dailyPostLimit: 1 });
    await publish();
    const before = Date.now();
    const limited = await classifiedFailureOf(provider, publish({ idempotencyKey: 'idem-2' }));
    const after = Date.now();
    expect(limited).toMatchObject({ kind: 'RATE_LIMITED', errorClass: 'VK_DAILY_POST_LIMIT' });
    const wait = limited.retryAfterMs!;
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(DAY_MS);
    // The wait ends on a Moscow midnight (21:00 UTC), counted from some instant of the call (which may cross it).
    const lastMoscowMidnight = (t: number) => Math.floor((t + MOSCOW_OFFSET_MS) / DAY_MS) * DAY_MS - MOSCOW_OFFSET_MS;
    expect(lastMoscowMidnight(after + wait)).toBeGreaterThanOrEqual(before + wait);
    expect(f.posts).toHaveLength(1);
  });

  it('counts the next Moscow midnight in UTC+3', () => {
    expect(untilNextMoscowDay(Date.parse('2030-01-01T20:59:00Z'))).toBe(60_000);
    expect(untilNextMoscowDay(Date.parse('2030-01-01T21:00:00Z'))).toBe(24 * 3600_000);
  });
});

describe('VK ID OAuth', () => {
  async function authorize(f: VkFake, redirectUri = 'https://postflow.example/oauth/vk') {
    const provider = providerFor(f);
    const pkce = pkcePair();
    const url = provider.oauth!.authorizeUrl({ app: provider.oauth!.configuredApp()!, redirectUri, state: 'st-1', codeChallenge: pkce.challenge, instanceUrl: null });
    const { code, state, redirect } = await approve(url);
    return { provider, pkce, url: new URL(url), code, state, deviceId: redirect.searchParams.get('device_id'), redirectUri };
  }

  it('builds the VK ID authorize URL with S256 PKCE and the scopes', async () => {
    const f = stopAfterEach(await startVkFake());
    const { url, state, deviceId } = await authorize(f);
    expect(url.origin + url.pathname).toBe(`${f.url}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: f.clientId,
      state: 'st-1',
      code_challenge_method: 'S256',
      scope: 'vkid.personal_info wall photos groups',
    });
    expect(state).toBe('st-1');
    expect(deviceId).toMatch(/^\w+$/);
  });

  it('finishes with the code, the verifier and the device_id, and the tokens post and refresh (rotating)', async () => {
    const f = stopAfterEach(await startVkFake());
    const { provider, pkce, code, deviceId, redirectUri } = await authorize(f);
    const credentials = await provider.oauth!.finish({
      app: provider.oauth!.configuredApp()!,
      redirectUri,
      code,
      codeVerifier: pkce.verifier,
      instanceUrl: null,
      account: { deviceId, ownerId: -f.groupId },
      ownApp: false,
    });
    expect(f.tokenRequests[0]).toMatchObject({
      grant_type: 'authorization_code',
      code_verifier: pkce.verifier,
      device_id: deviceId,
      redirect_uri: redirectUri,
      client_id: f.clientId,
    });
    expect(credentials).toMatchObject({ deviceId, userId: f.userId, ownerId: -f.groupId });
    expect(Date.parse(credentials.expiresAt!) - Date.now()).toBeGreaterThan(3500_000);
    expect((await provider.connect(credentials)).accountHandle).toBe(`@${f.groupScreenName}`);
    const renewed = await provider.refresh!(credentials);
    expect(f.tokenRequests[1]).toMatchObject({ grant_type: 'refresh_token', refresh_token: credentials.refreshToken, device_id: deviceId });
    expect(renewed.refreshToken).not.toBe(credentials.refreshToken);
    // The used refresh token was rotated away.
    expect((await classifiedFailureOf(provider, provider.refresh!(credentials))).kind).toBe('AUTH');
  });

  it('refuses a wrong verifier, and a redirect without device_id', async () => {
    const f = stopAfterEach(await startVkFake());
    const { provider, code, deviceId, redirectUri } = await authorize(f);
    const request = { app: provider.oauth!.configuredApp()!, redirectUri, code, instanceUrl: null, ownApp: false };
    expect(await classifiedFailureOf(provider, provider.oauth!.finish({ ...request, codeVerifier: pkcePair().verifier, account: { deviceId } }))).toMatchObject({
      kind: 'AUTH',
      responseCode: 400,
    });
    expect(await classifiedFailureOf(provider, provider.oauth!.finish({ ...request, codeVerifier: 'x', account: {} }))).toMatchObject({
      kind: 'PERMANENT',
      errorClass: 'VK_DEVICE_ID_MISSING',
    });
  });
});

// A channel's access over its life, through the worker: an expired token renewed at publish time (once, however many
// publishes hit it), renewal ahead of expiry, and a refused renewal that holds deliveries until the user reconnects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXFake, type XFake } from './fakes/xFake.js';
import { collect, eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createPost, getDelivery, waitForDelivery, waitForDeliveryWhere } from './helpers/scenario.js';
import { storedCredentials, xEnv } from './helpers/api.js';
import { connectThroughOAuth } from './helpers/oauth.js';

let t: TestApp;
let x: XFake;

beforeAll(async () => {
  x = await startXFake();
  t = await startTestApp({ env: xEnv(x) });
});
afterAll(async () => {
  await t?.stop();
  await x?.stop();
});

const refreshGrants = () => x.tokenRequests.filter((r) => r.grant_type === 'refresh_token');
const tweetsWith = (text: string) => x.tweets.filter((tw) => tw.text === text);
const channelState = (token: string, id: string) => t.ok(`query($id: ID!) { channel(id: $id) { needsReconnect authError accessExpiresAt } }`, { id }, token).then((r) => r.channel);
const storedTokens = async (channelId: string) => (await storedCredentials<{ accessToken: string; refreshToken: string }>(t, channelId)).credentials;

/** A fresh account each time: the fake's expiry switch applies to every token it issued so far. */
async function connectedX() {
  const token = await signUp(t);
  const channel = await connectThroughOAuth(t, token, { platform: 'X' });
  return { token, channel };
}

describe('access renewal', () => {
  it('renews an expired token at publish time and publishes in the same attempt', async () => {
    const { token, channel } = await connectedX();
    const old = await storedTokens(channel.id);
    const before = refreshGrants().length;
    x.expireAccessToken();
    const post = await createPost(t, token, { content: 'after the token expired', channelIds: [channel.id], publishNow: true });
    const published = await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED']);
    expect(published.status).toBe('PUBLISHED');
    expect(published.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['SUCCEEDED']);
    expect(refreshGrants().length - before).toBe(1);
    expect(tweetsWith('after the token expired')).toHaveLength(1);
    const state = await channelState(token, channel.id);
    expect(state.needsReconnect).toBe(false);
    expect(Date.parse(state.accessExpiresAt)).toBeGreaterThan(Date.parse(channel.accessExpiresAt));
    // The renewed tokens replaced the expired ones (X rotates the refresh token too).
    const now = await storedTokens(channel.id);
    expect(now.accessToken).not.toBe(old.accessToken);
    expect(now.refreshToken).not.toBe(old.refreshToken);
  });

  it('renews once when several publishes meet the expired token together (X rotates refresh tokens)', async () => {
    const { token, channel } = await connectedX();
    const before = refreshGrants().length;
    x.expireAccessToken();
    const posts = await Promise.all(
      ['together one', 'together two', 'together three'].map((content) => createPost(t, token, { content, channelIds: [channel.id], publishNow: true })),
    );
    for (const post of posts) expect((await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    // A second renewal with the rotated-away refresh token would have been refused and disconnected the channel.
    expect(refreshGrants().length - before).toBe(1);
    expect((await channelState(token, channel.id)).needsReconnect).toBe(false);
  });

  it('renews access ahead of expiry, without any publish', async () => {
    const { token, channel } = await connectedX();
    const old = await storedTokens(channel.id);
    await t.app.database.pool.query(`UPDATE channels SET credentials_expire_at = now() + interval '2 minutes' WHERE id = $1`, [channel.id]);
    const before = refreshGrants().length;
    await t.app.database.pool.query(`SELECT graphile_worker.add_job('refresh_tokens')`);
    const renewed = await eventually(async () => {
      const state = await channelState(token, channel.id);
      return Date.parse(state.accessExpiresAt) > Date.now() + 3_600_000 ? state : undefined;
    });
    expect(renewed.needsReconnect).toBe(false);
    expect(refreshGrants().length - before).toBe(1);
    expect(refreshGrants().at(-1)).toMatchObject({ refresh_token: old.refreshToken, status: 200 });
    const now = await storedTokens(channel.id);
    expect(now.accessToken).not.toBe(old.accessToken);
    expect(now.refreshToken).not.toBe(old.refreshToken);
  });

  // Last: the fake refuses every renewal from here on.
  it('holds deliveries when renewal is refused, tells subscribers, and publishes them after a reconnect', async () => {
    const { token, channel } = await connectedX();
    const ws = t.ws(token);
    const updates = collect<{ channelUpdated: { id: string; needsReconnect: boolean; authError: string | null } }>(
      ws,
      `subscription($id: ID) { channelUpdated(channelId: $id) { id needsReconnect authError } }`,
      { id: channel.id },
    );
    // Registration is asynchronous: a pause and resume coming through proves the subscription is live.
    for (const deadline = Date.now() + 15_000; !updates.items.length;) {
      if (Date.now() > deadline) throw new Error('channelUpdated never heard a pause');
      await t.ok(`mutation($id: ID!) { pauseChannel(id: $id) { id } }`, { id: channel.id }, token);
      await t.ok(`mutation($id: ID!) { resumeChannel(id: $id) { id } }`, { id: channel.id }, token);
      await new Promise((r) => setTimeout(r, 300));
    }
    x.expireAccessToken();
    x.revokeRefresh();
    const post = await createPost(t, token, { content: 'held for the reconnect', channelIds: [channel.id], publishNow: true });
    const held = await waitForDeliveryWhere(t, token, post.id, (d) => d.lastError, 'record an error');
    expect(held.status).toBe('SCHEDULED');
    expect(held.lastError).toMatch(/Renewing access failed/);
    expect(held.attemptLog).toEqual([expect.objectContaining({ outcome: 'AUTH' })]);
    const disconnects = (i: (typeof updates.items)[number]) => i.channelUpdated.needsReconnect;
    const event = (await updates.until((items) => items.some(disconnects))).find(disconnects);
    expect(event!.channelUpdated).toMatchObject({ id: channel.id, needsReconnect: true, authError: expect.stringMatching(/refused/) });
    const second = await createPost(t, token, { content: 'also held', channelIds: [channel.id], publishNow: true });
    await new Promise((r) => setTimeout(r, 500));
    expect((await getDelivery(t, token, second.id)).attempts).toBe(0);
    expect(tweetsWith('held for the reconnect')).toHaveLength(0);

    const reconnected = await connectThroughOAuth(t, token, { platform: 'X', channelId: channel.id });
    expect(reconnected).toMatchObject({ id: channel.id, needsReconnect: false, authError: null });
    for (const p of [post, second]) expect((await waitForDelivery(t, token, p.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    expect(tweetsWith('held for the reconnect')).toHaveLength(1);
    await updates.until((items) => items.some((i) => !i.channelUpdated.needsReconnect));
    updates.dispose();
  });
});

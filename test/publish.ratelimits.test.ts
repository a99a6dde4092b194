// Rate limits announced by a platform hold back every later publish on the same account until the reset, without
// spending attempts on certain 429s; other accounts go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startXFake, type XFake } from './fakes/xFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { xEnv } from './helpers/api.js';
import { createChannel, createPost, waitForDelivery, waitForDeliveryWhere } from './helpers/scenario.js';

let t: TestApp;
let mastodon: MastodonFake;
let x: XFake;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  x = await startXFake();
  t = await startTestApp({ env: xEnv(x) });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), x?.stop()]);
});

const requestsWith = (text: string) => mastodon.requests.filter((r) => r.body.status === text);
const waitsForRateLimit = (d: { scheduleReason: string | null }) => /rate limit/.test(d.scheduleReason ?? '');
// Long enough that a slow machine still creates the next post before the block ends, short enough to wait out.
const RESET_S = 6;

describe('rate limits', () => {
  it("waits for a 429's reset on that account only, and publishes everything after it", async () => {
    const token = await signUp(t);
    const credentials = { instanceUrl: mastodon.url, accessToken: mastodon.accessToken };
    const limited = await createChannel(t, token, 'MASTODON', credentials, 'limited');
    const other = await createChannel(t, token, 'MASTODON', credentials, 'other');
    mastodon.failNext(1, { status: 429, resetInSeconds: RESET_S }, 'statuses');

    const first = await createPost(t, token, { content: 'hit the limit', channelIds: [limited.id], publishNow: true });
    const retried = await waitForDeliveryWhere(t, token, first.id, (d) => d.attemptLog.length === 1 && d.attemptLog[0].finishedAt, 'finish its first attempt');
    expect(retried.attemptLog[0]).toMatchObject({ outcome: 'RATE_LIMITED', responseCode: 429 });
    const { rows } = await t.app.database.pool.query(`SELECT key, until FROM rate_limit_blocks`);
    expect(rows).toEqual([{ key: `channel:${limited.id}`, until: expect.any(Date) }]);
    // The fake announced a reset RESET_S after it received the post; the block lasts until then.
    const announcedReset = requestsWith('hit the limit')[0]!.receivedAt.getTime() + RESET_S * 1000;
    const blockedUntil = (rows[0].until as Date).getTime();
    expect(blockedUntil).toBeGreaterThanOrEqual(announcedReset);

    const second = await createPost(t, token, { content: 'after the limit', channelIds: [limited.id], publishNow: true });
    const elsewhere = await createPost(t, token, { content: 'another account', channelIds: [other.id], publishNow: true });
    expect((await waitForDelivery(t, token, elsewhere.id, ['PUBLISHED'])).attempts).toBe(1);
    const waiting = await waitForDeliveryWhere(t, token, second.id, waitsForRateLimit, 'wait for the rate limit');
    expect(waiting).toMatchObject({ status: 'SCHEDULED', attempts: 0 });
    expect(waiting.scheduleReason).toMatch(/MASTODON account's rate limit to reset/);
    // Moved to the end of the block, not merely later.
    expect(Date.parse(waiting.scheduledAt)).toBe(blockedUntil);
    expect(requestsWith('after the limit')).toHaveLength(0);

    expect((await waitForDelivery(t, token, second.id, ['PUBLISHED'], 15_000)).attempts).toBe(1);
    expect((await waitForDelivery(t, token, first.id, ['PUBLISHED'], 15_000)).attempts).toBe(2);
    expect(requestsWith('after the limit')).toHaveLength(1);
  });

  it("holds every channel on an X app whose 24-hour app limit ran out, until the app's reset", async () => {
    const token = await signUp(t);
    const first = await createChannel(t, token, 'X', { ...x.issueTokens() }, 'brand one');
    const second = await createChannel(t, token, 'X', { ...x.issueTokens() }, 'brand two');
    x.failNext(1, { status: 429, appLimit: true, resetInSeconds: RESET_S }, 'tweets');

    const limited = await createPost(t, token, { content: 'app limit reached', channelIds: [first.id], publishNow: true });
    await waitForDeliveryWhere(t, token, limited.id, (d) => d.attemptLog[0]?.finishedAt, 'finish its first attempt');
    const { rows } = await t.app.database.pool.query(`SELECT key FROM rate_limit_blocks WHERE key LIKE 'X:%'`);
    expect(rows).toEqual([{ key: `X:${x.clientId}` }]);

    const other = await createPost(t, token, { content: 'same app, other channel', channelIds: [second.id], publishNow: true });
    const waiting = await waitForDeliveryWhere(t, token, other.id, waitsForRateLimit, 'wait for the rate limit');
    expect(waiting).toMatchObject({ status: 'SCHEDULED', attempts: 0 });
    expect(waiting.scheduleReason).toMatch(/X app's rate limit to reset/);
    expect(x.tweets.filter((tw) => tw.text === 'same app, other channel')).toHaveLength(0);

    for (const post of [limited, other]) expect((await waitForDelivery(t, token, post.id, ['PUBLISHED', 'FAILED'], 15_000)).status).toBe('PUBLISHED');
  });
});

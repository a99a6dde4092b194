// Content sources end to end (issue 13, section 1): a store's events, through the real source_event job and worker,
// become posts under the source's rules, once per occurrence, published to a Mastodon fake; everything else an event
// can be (a duplicate, stale, nothing new, a deletion) is recorded with its outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import type { ItemState } from '../src/sources/types.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, sendEvent, setRules, waitForEvents, type FakeSource } from './helpers/fakeSource.js';

let t: TestApp;
let roomy: MastodonFake;
let narrow: MastodonFake;
let fake: FakeSource;

beforeAll(async () => {
  roomy = await startMastodonFake();
  narrow = await startMastodonFake({ maxCharacters: 90 });
  t = await startTestApp();
  fake = installFakeSource(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await roomy?.stop();
  await narrow?.stop();
});

/** A workspace with a source and two Mastodon channels (500 and 90 characters). */
async function shop(rules: Record<string, unknown> = {}) {
  const token = await signUp(t);
  const a = await createChannel(t, token, 'MASTODON', { instanceUrl: roomy.url, accessToken: roomy.accessToken }, 'Roomy');
  const b = await createChannel(t, token, 'MASTODON', { instanceUrl: narrow.url, accessToken: narrow.accessToken }, 'Narrow');
  const { sourceId } = await connectFakeSource(t, token);
  await setRules(t, token, sourceId, { channelIds: [a.id, b.id], ...rules });
  return { token, sourceId, a: a.id, b: b.id };
}

const postsOf = (sourceId: string) =>
  t.app.database.prisma.post.findMany({ where: { sourceId }, include: { deliveries: { orderBy: { createdAt: 'asc' } } }, orderBy: { createdAt: 'asc' } });

const TEMPLATE = 'New: {{ title }} at {{ price }}. {{ description }}\n{{ url }}\n{{ tags | hashtags }}';

describe('a product published in the store', () => {
  it('becomes one post per channel with the template applied and fitted, placed by the smart scheduler, published once', async () => {
    const { token, sourceId, a, b } = await shop({ templates: { default: TEMPLATE, byChannel: {} } });
    const id = `p-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-publish', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ eventId: 'e-publish', outcome: 'POST_CREATED' });
    expect(fake.fetches).toContain(id);

    const [post, ...others] = await postsOf(sourceId);
    expect(others).toEqual([]);
    expect(event!.postIds).toEqual([post!.id]);
    expect(post).toMatchObject({ source: 'PRODUCT', schedulingMode: 'AUTO', authorId: null, mediaUrls: [] });
    const link = `https://linen.example.com/products/${id}?utm_source=mastodon&utm_medium=social&utm_campaign=Linen+%26+Co`;
    expect(post!.content).toBe(`New: Linen shirt at €19.90. A shirt of washed linen, cut loose, for warm days.\n${link}\n#summer #LinenShirts`);
    // The narrow channel gets the same template fitted to its 90 characters (a link counts 23): hashtags dropped
    // first, then whole words, the link kept whole.
    const toNarrow = post!.deliveries.find((d) => d.channelId === b)!;
    expect(toNarrow.contentOverride).toBe(`New: Linen shirt at €19.90. A shirt of washed linen, cut loose…\n${link}`);

    const out = await eventually(
      async () => {
        const deliveries = await t.app.database.prisma.delivery.findMany({ where: { postId: post!.id } });
        return deliveries.every((d) => d.status === 'PUBLISHED') && deliveries;
      },
      15_000,
      'both deliveries published',
    );
    expect(out.every((d) => d.scheduleReason?.startsWith('Placed by the smart scheduler'))).toBe(true);
    expect(new Set(out.map((d) => d.channelId))).toEqual(new Set([a, b]));
    expect(roomy.statuses.filter((s) => s.text.includes(id)).map((s) => s.text)).toEqual([post!.content]);
    expect(narrow.statuses.filter((s) => s.text.includes(id)).map((s) => s.text)).toEqual([toNarrow.contentOverride]);
  }, 30_000);

  it('makes one post however often the event comes: the same event id three times, three event ids for one occurrence', async () => {
    const { token, sourceId } = await shop({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-dup-${Date.now()}`;
    fake.set(id, product(id));
    // One change time for all six: taken each at its own send, a later-handled one could be older, rightly STALE.
    const changedAt = new Date();
    await Promise.all([
      ...[1, 2, 3].map(() => sendEvent(t, sourceId, 'e-same', id, { changedAt })),
      ...[1, 2, 3].map((i) => sendEvent(t, sourceId, `e-other-${i}`, id, { changedAt })),
    ]);
    const events = await waitForEvents(t, token, sourceId, 6);
    expect(events.filter((e) => e.outcome === 'POST_CREATED')).toHaveLength(1);
    expect(events.filter((e) => e.outcome === 'DUPLICATE')).toHaveLength(2);
    expect(events.filter((e) => e.outcome === 'DUPLICATE').every((e) => e.eventId === 'e-same')).toBe(true);
    expect(events.filter((e) => e.outcome === 'IGNORED').map((e) => e.reason)).toEqual(Array(3).fill('no rule event: nothing the rules post about changed'));
    const posts = await postsOf(sourceId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.deliveries.map((d) => d.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
  }, 30_000);

  it('ignores a stale event: one the store sent before the change already applied', async () => {
    const { token, sourceId } = await shop({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-stale-${Date.now()}`;
    fake.set(id, product(id));
    const now = Date.now();
    await sendEvent(t, sourceId, 'e-new', id, { changedAt: new Date(now) });
    await waitForEvents(t, token, sourceId, 1);
    // The late one says "unpublished": applied, it would cancel the post.
    fake.set(id, product(id, { published: false }));
    await sendEvent(t, sourceId, 'e-old', id, { changedAt: new Date(now - 60_000) });
    const [, stale] = await waitForEvents(t, token, sourceId, 2);
    expect(stale).toMatchObject({ eventId: 'e-old', outcome: 'STALE' });
    const [post] = await postsOf(sourceId);
    expect(post!.deliveries.map((d) => d.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
  }, 30_000);
});

describe('the occurrences of a product', () => {
  it('make their own posts: back in stock and on sale, each numbered, and again at the next restock', async () => {
    const { token, sourceId } = await shop({ events: ['PUBLISHED', 'BACK_IN_STOCK', 'ON_SALE'], timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-occ-${Date.now()}`;
    const steps: [Partial<ItemState>, string][] = [
      [{ inStock: false }, 'POST_CREATED'], // first publication, sold out
      [{ inStock: true }, 'POST_CREATED'], // restock 1
      [{ inStock: true, onSale: true }, 'POST_CREATED'], // sale 1
      [{ inStock: false, onSale: true }, 'IGNORED'], // sold out: no rule event
      [{ inStock: true, onSale: true }, 'POST_CREATED'], // restock 2
    ];
    for (const [i, [state]] of steps.entries()) {
      fake.set(id, product(id, state, { compareAtPrice: state.onSale ? { amount: '25.00', currency: 'EUR' } : undefined }));
      await sendEvent(t, sourceId, `e-occ-${i}`, id, { changedAt: new Date(Date.now() + i) });
      await waitForEvents(t, token, sourceId, i + 1);
    }
    const events = await waitForEvents(t, token, sourceId, steps.length);
    expect(events.map((e) => e.outcome)).toEqual(steps.map(([, outcome]) => outcome));
    const occurrences = await t.app.database.pool.query(`SELECT kind, occurrence FROM source_occurrences WHERE source_id = $1 ORDER BY created_at, kind`, [sourceId]);
    expect(occurrences.rows).toEqual([
      { kind: 'PUBLISHED', occurrence: 1 },
      { kind: 'BACK_IN_STOCK', occurrence: 1 },
      { kind: 'ON_SALE', occurrence: 1 },
      { kind: 'BACK_IN_STOCK', occurrence: 2 },
    ]);
    expect(await postsOf(sourceId)).toHaveLength(4);
  }, 30_000);

  it('that was public before the source was connected is not new: an edit posts nothing, a later restock does', async () => {
    const { token, sourceId } = await shop({ events: ['PUBLISHED', 'BACK_IN_STOCK'], timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-old-${Date.now()}`;
    const lastYear = new Date(Date.now() - 365 * 86_400_000);
    fake.set(id, { ...product(id, { inStock: false }), publishedAt: lastYear });
    await sendEvent(t, sourceId, 'e-old-edit', id, { changedAt: new Date() });
    await waitForEvents(t, token, sourceId, 1);
    fake.set(id, { ...product(id, { inStock: true }), publishedAt: lastYear });
    await sendEvent(t, sourceId, 'e-old-restock', id, { changedAt: new Date(Date.now() + 1) });
    const events = await waitForEvents(t, token, sourceId, 2);
    expect(events.map((e) => e.outcome)).toEqual(['IGNORED', 'POST_CREATED']);
    expect(events[0]!.reason).toMatch(/before the source was connected/);
    const occurrences = await t.app.database.pool.query(`SELECT kind, occurrence FROM source_occurrences WHERE source_id = $1`, [sourceId]);
    expect(occurrences.rows).toEqual([{ kind: 'BACK_IN_STOCK', occurrence: 1 }]);
    // Published after the source was connected: a new product, posted.
    const fresh = `p-new-${Date.now()}`;
    fake.set(fresh, { ...product(fresh), publishedAt: new Date() });
    await sendEvent(t, sourceId, 'e-new', fresh, { changedAt: new Date(Date.now() + 2) });
    expect((await waitForEvents(t, token, sourceId, 3)).map((e) => e.outcome)).toContain('POST_CREATED');
    expect(await postsOf(sourceId)).toHaveLength(2);
  }, 30_000);

  it('cancels its posts not yet out when the product is deleted, saying why', async () => {
    const { token, sourceId } = await shop({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-del-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-create', id);
    await waitForEvents(t, token, sourceId, 1);
    fake.set(id, null);
    await sendEvent(t, sourceId, 'e-delete', id, { deleted: true });
    const [, deleted] = await waitForEvents(t, token, sourceId, 2);
    const [post] = await postsOf(sourceId);
    expect(deleted).toMatchObject({ outcome: 'CANCELLED', postIds: [post!.id] });
    expect(deleted!.reason).toBe('the item was deleted from the store: 2 deliveries of 1 posts not yet out cancelled');
    expect(post!.deliveries.map((d) => [d.status, d.scheduleReason])).toEqual(Array(2).fill(['CANCELLED', 'Cancelled: the item was deleted from the store (source "Linen & Co")']));
    const jobs = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = ANY($1)`, [post!.deliveries.map((d) => `publish:${d.id}`)]);
    expect(jobs.rows[0].n).toBe(0);
  }, 30_000);

  it('is placed by the smart scheduler inside the channel policy', async () => {
    const token = await signUp(t);
    // Posting hours 10:00 to 11:00 UTC only.
    const policy = {
      windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '10:00', end: '11:00' }] })),
      minIntervalMinutes: 0,
      reservedShare: 0,
      queueHours: [],
      queueSpacingMinutes: 0,
    };
    const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: roomy.url, accessToken: roomy.accessToken }, 'Office hours', policy);
    const { sourceId } = await connectFakeSource(t, token);
    await setRules(t, token, sourceId, { channelIds: [channel.id] });
    const id = `p-policy-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-policy', id);
    await waitForEvents(t, token, sourceId, 1);
    const delivery = await eventually(async () => {
      const [post] = await postsOf(sourceId);
      return post?.deliveries[0]?.scheduledAt ? post.deliveries[0] : undefined;
    });
    expect(delivery.scheduleReason).toMatch(/^Placed by the smart scheduler/);
    expect(delivery.scheduledAt!.getUTCHours()).toBe(10);
    expect(delivery.scheduledAt!.getTime()).toBeLessThan(Date.now() + 2 * 86_400_000);
  }, 30_000);
});

describe('a failing fetch', () => {
  it('is recorded as the event ERROR, retried by the worker, and replaced by the outcome of the try that works', async () => {
    const { token, sourceId } = await shop({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const id = `p-fail-${Date.now()}`;
    fake.set(id, product(id));
    fake.failNext(1);
    await sendEvent(t, sourceId, 'e-flaky', id);
    const failed = await eventually(async () => {
      const row = await t.app.database.pool.query(`SELECT outcome, reason FROM source_events WHERE source_id = $1`, [sourceId]);
      return row.rows[0];
    });
    expect(failed).toEqual({ outcome: 'ERROR', reason: 'try 1 of 10 failed: the store did not answer (503)' });
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ eventId: 'e-flaky', outcome: 'POST_CREATED' });
    const rows = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM source_events WHERE source_id = $1`, [sourceId]);
    expect(rows.rows[0].n).toBe(1);
  }, 30_000);
});

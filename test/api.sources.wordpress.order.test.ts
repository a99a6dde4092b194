// A WordPress site's events out of order and repeated, and sites in several workspaces (plugins/wordpress/PROTOCOL.md):
// a publication the plugin retried while its edit went straight out still makes its one post, as does a share request
// overtaken by an edit; a repeat of a handled event is answered without a job; one URL connects in two workspaces,
// each site's status naming only its own posts; a message for a network PostFlow does not know is ignored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { waitForEvents } from './helpers/fakeSource.js';
import { CREATE_SOURCE, article, event, wordpressSites } from './helpers/wordpressSite.js';
import { enqueueSourceEventOnce } from '../src/store/jobs.js';

let t: TestApp;
let mastodon: MastodonFake;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

const { site, send, postEvent, postsOf } = wordpressSites(() => ({ t, mastodon }));
const DELAYED = { timing: { mode: 'DELAY', delayMinutes: 600 } };
const at = (seconds: number) => new Date(Date.now() + seconds * 1000);

describe('events out of order', () => {
  it('an edit overtaking its publication: the late publication makes the one post (with the newer text); a second one none', async () => {
    const s = await site(DELAYED);
    // Published after the source was connected: news (an edit's published_at says so).
    const published_at = new Date().toISOString();
    await postEvent(s, event('item.updated', article(s, '1', { title: 'Edited title', published_at }), {}, at(5)), { id: 'wp-updated-1' });
    await waitForEvents(t, s.token, s.sourceId, 1);
    await postEvent(s, event('item.published', article(s, '1', { title: 'First title', published_at }), {}, at(1)), { id: 'wp-published-1' });
    const [, late] = await waitForEvents(t, s.token, s.sourceId, 2);
    expect(late).toMatchObject({ eventId: 'wp-published-1', outcome: 'POST_CREATED' });
    const [post, ...more] = await postsOf(s.sourceId);
    expect(more).toEqual([]);
    // The stored (newer) snapshot, not the late event's: nothing moved backwards.
    expect(post!.content).toMatch(/^Read: Edited title by Jane Doe/);
    const item = await t.app.database.pool.query(`SELECT snapshot->>'title' AS title, published FROM source_items WHERE source_id = $1`, [s.sourceId]);
    expect(item.rows).toEqual([{ title: 'Edited title', published: true }]);

    // Another publication, later still but older than the edit, from another delivery path: no second post.
    await postEvent(s, event('item.published', article(s, '1', { published_at }), {}, at(3)), { id: 'wp-published-1-again' });
    const events = await waitForEvents(t, s.token, s.sourceId, 3);
    expect(events.map((e) => [e.eventId, e.outcome])).toEqual([
      ['wp-updated-1', 'IGNORED'],
      ['wp-published-1', 'POST_CREATED'],
      ['wp-published-1-again', 'STALE'],
    ]);
    expect(await postsOf(s.sourceId)).toHaveLength(1);
  }, 30_000);

  it('a share request overtaken by an edit still makes its post; an older unpublish stays STALE', async () => {
    const s = await site(DELAYED);
    await postEvent(s, event('item.published', article(s, '2'), {}, at(-120)));
    await waitForEvents(t, s.token, s.sourceId, 1);
    await postEvent(s, event('item.updated', article(s, '2', { title: 'Newest' }), {}, at(-10)));
    await waitForEvents(t, s.token, s.sourceId, 2);
    await postEvent(s, event('item.share', article(s, '2', { title: 'Older' }), { occurrence: '1' }, at(-60)), { id: 'wp-share-2-1' });
    await postEvent(s, event('item.unpublished', article(s, '2', { status: 'draft' }), {}, at(-50)), { id: 'wp-unpublished-2' });
    const events = await waitForEvents(t, s.token, s.sourceId, 4);
    expect(events.slice(2).map((e) => [e.eventId, e.outcome])).toEqual([
      ['wp-share-2-1', 'POST_CREATED'],
      ['wp-unpublished-2', 'STALE'],
    ]);
    const posts = await postsOf(s.sourceId);
    expect(posts.map((p) => p.content.split('\n')[0])).toEqual(['Read: Hello world by Jane Doe', 'Read: Newest by Jane Doe']);
  }, 30_000);
});

describe('repeats', () => {
  it('a job per (source, event id): a repeat queued while the first waits merges with it', async () => {
    const s = await site();
    const client = await t.app.database.pool.connect();
    try {
      await client.query('BEGIN');
      const change = { kind: 'UPSERTED', externalId: '3', changedAt: new Date() };
      await enqueueSourceEventOnce(client, { sourceId: s.sourceId, eventId: 'wp-3', change });
      await enqueueSourceEventOnce(client, { sourceId: s.sourceId, eventId: 'wp-3', change });
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs WHERE payload->>'sourceId' = $1`, [s.sourceId]);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('sites in several workspaces', () => {
  it('one URL connects in two workspaces; each status answers its own posts; the same workspace twice is a CONFLICT', async () => {
    const url = `https://shared-${process.pid}.example.com`;
    const a = await site(DELAYED, { url });
    const b = await site(DELAYED, { url });
    expect(b.sourceId).not.toBe(a.sourceId);
    const again = await t.gql(CREATE_SOURCE, { input: { kind: 'WORDPRESS', name: 'Again', url } }, a.token);
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', sourceId: a.sourceId });

    await postEvent(a, event('item.published', article(a, '1')));
    await postEvent(b, event('item.published', article(b, '1')));
    await waitForEvents(t, a.token, a.sourceId, 1);
    await waitForEvents(t, b.token, b.sourceId, 1);
    for (const s of [a, b]) {
      const [post] = await postsOf(s.sourceId);
      const status = await send(s, 'GET', '/wordpress/status?items=1');
      expect(status.body.items).toEqual([
        { id: '1', deliveries: [expect.objectContaining({ id: post!.deliveries[0]!.id, channel: expect.objectContaining({ id: s.channelId }) })] },
      ]);
    }
  }, 30_000);

  it('a feed URL followed by two workspaces', async () => {
    const input = { kind: 'FEED', name: 'Big blog', url: `https://bigblog-${process.pid}.example.com/feed` };
    const first = await t.ok(CREATE_SOURCE, { input }, await signUp(t));
    const owner = await signUp(t);
    const second = await t.ok(CREATE_SOURCE, { input }, owner);
    expect(second.createSource.source.id).not.toBe(first.createSource.source.id);
    expect((await t.gql(CREATE_SOURCE, { input }, owner)).errors![0]!.extensions).toMatchObject({ code: 'CONFLICT' });
  });
});

describe('share.messages', () => {
  it('a network PostFlow does not know is ignored, not refused', async () => {
    const s = await site(DELAYED);
    const answer = await postEvent(s, event('item.published', article(s, '5'), { messages: { MASTODON: 'Our own words', MYSPACE: 'not a network here' } }));
    expect(answer.status).toBe(202);
    await waitForEvents(t, s.token, s.sourceId, 1);
    const [post] = await postsOf(s.sourceId);
    expect(post!.content).toMatch(/^Our own words\n/);
  }, 30_000);
});

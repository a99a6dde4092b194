// An RSS / Atom feed as a content source (issue 14, section 2), against a loopback feed server that honours
// conditional GETs: the first poll takes what the feed lists as old news, a 304 changes nothing, a new entry makes one
// post, a guid seen before (or listed twice) makes none, and a feed that fails is an ERROR event, read again next time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollFeed } from '../src/services/feedSources.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules, waitForEvents } from './helpers/fakeSource.js';

interface Entry {
  guid: string;
  title: string;
}

/** A feed server: RSS 2.0 (or Atom), a strong ETag per content, 304 on If-None-Match, and a switch to fail. */
function startFeedServer() {
  const state = { entries: [] as Entry[], atom: false, fail: false, version: 1, requests: [] as { ifNoneMatch?: string }[] };
  const etag = () => `"v${state.version}"`;
  const body = () =>
    state.atom
      ? `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2026-01-01T00:00:00Z</updated>${state.entries
          .map(
            (e) =>
              `<entry><id>${e.guid}</id><title>${e.title}</title><link rel="alternate" href="https://blog.example.com/${e.guid}"/><updated>2026-01-01T00:00:00Z</updated><summary>About ${e.title}</summary></entry>`,
          )
          .join('')}</feed>`
      : `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example.com/</link>${state.entries
          .map(
            (e) =>
              `<item><title>${e.title}</title><link>https://blog.example.com/${e.guid}</link><guid isPermaLink="false">${e.guid}</guid><description>&lt;p&gt;About ${e.title} &amp;amp; more&lt;/p&gt;</description><category>News</category></item>`,
          )
          .join('')}</channel></rss>`;
  const server: Server = createServer((request, response) => {
    state.requests.push({ ifNoneMatch: request.headers['if-none-match'] });
    if (state.fail) return void response.writeHead(503).end('down');
    if (request.headers['if-none-match'] === etag()) return void response.writeHead(304, { etag: etag() }).end();
    response.writeHead(200, { 'content-type': 'application/rss+xml', etag: etag() }).end(body());
  });
  return new Promise<{ url: string; state: typeof state; set(entries: Entry[]): void; stop(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`,
        state,
        set(entries) {
          state.entries = entries;
          state.version += 1;
        },
        stop: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

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

async function followed(feed: { url: string }) {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Feed channel');
  const { createSource } = await t.ok(
    `mutation($input: CreateSourceInput!) { createSource(input: $input) { source { id kind status } siteKey signingSecret } }`,
    { input: { kind: 'FEED', name: 'Blog feed', url: feed.url } },
    token,
  );
  expect(createSource).toMatchObject({ source: { kind: 'FEED', status: 'ACTIVE' }, siteKey: null, signingSecret: null });
  const sourceId: string = createSource.source.id;
  await setRules(t, token, sourceId, { channelIds: [channel.id], templates: { default: 'New: {{ title }} ({{ excerpt }})\n{{ url }}', byNetwork: {}, byChannel: {} } });
  return { token, sourceId };
}

const postsOf = (sourceId: string) => t.app.database.prisma.post.findMany({ where: { sourceId }, orderBy: { createdAt: 'asc' } });

describe('a feed source', () => {
  it('first poll silent, 304 honoured, a new entry one post, a guid seen or repeated no second post', async () => {
    const feed = await startFeedServer();
    try {
      feed.set([
        { guid: 'a-2', title: 'Second' },
        { guid: 'a-1', title: 'First' },
      ]);
      const { token, sourceId } = await followed(feed);
      expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'PRIMED', known: 2 });
      const primed = await waitForEvents(t, token, sourceId, 2);
      expect(primed.map((e) => [e.outcome, e.reason])).toEqual(Array(2).fill(['IGNORED', 'in the feed when it was first read: old news, no post']));
      expect(await postsOf(sourceId)).toEqual([]);

      expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'NOT_MODIFIED' });
      expect(feed.state.requests.map((r) => r.ifNoneMatch)).toEqual([undefined, `"v2"`]);

      // A new entry on top, and the same new guid listed twice: one post.
      feed.set([
        { guid: 'a-3', title: 'Third' },
        { guid: 'a-3', title: 'Third (repeated)' },
        { guid: 'a-2', title: 'Second' },
        { guid: 'a-1', title: 'First' },
      ]);
      expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'READ', fresh: 1, skipped: 0 });
      const [post, ...more] = await postsOf(sourceId);
      expect(more).toEqual([]);
      expect(post!.content).toBe('New: Third (About Third & more)\nhttps://blog.example.com/a-3?utm_source=mastodon&utm_medium=social&utm_campaign=Blog+feed');

      // Read again (a new ETag, the same entries) and as Atom with the same ids: nothing new.
      feed.set([...feed.state.entries]);
      expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'READ', fresh: 0, skipped: 0 });
      feed.state.atom = true;
      feed.set([...feed.state.entries]);
      expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'READ', fresh: 0, skipped: 0 });
      expect(await postsOf(sourceId)).toHaveLength(1);
      await eventually(async () => mastodon.statuses.some((s) => s.text === post!.content), 15_000, 'the post published');
    } finally {
      await feed.stop();
    }
  }, 30_000);

  it('a feed that fails is recorded as an ERROR event and read at the next poll; the cron task polls it', async () => {
    const feed = await startFeedServer();
    try {
      feed.set([{ guid: 'b-1', title: 'Old' }]);
      const { token, sourceId } = await followed(feed);
      await pollFeed(t.app.services, sourceId);
      feed.state.fail = true;
      const failed = await pollFeed(t.app.services, sourceId);
      expect(failed).toEqual({ outcome: 'FAILED', reason: 'the feed answered HTTP 503' });
      const events = await waitForEvents(t, token, sourceId, 1);
      expect(events.find((e) => e.outcome === 'ERROR')).toMatchObject({ eventId: expect.stringMatching(/^poll:/), reason: expect.stringContaining('HTTP 503') });
      const state = await t.app.database.pool.query(`SELECT failures, last_error FROM source_feeds WHERE source_id = $1`, [sourceId]);
      expect(state.rows[0]).toEqual({ failures: 1, last_error: 'the feed answered HTTP 503' });

      feed.state.fail = false;
      feed.set([{ guid: 'b-2', title: 'Fresh' }, ...feed.state.entries]);
      // A failed feed waits two poll intervals before the cron task reads it again: that time passed.
      await t.app.database.pool.query(`UPDATE source_feeds SET polled_at = now() - interval '1 day' WHERE source_id = $1`, [sourceId]);
      // The worker's own task, as its cron line queues it.
      await t.app.database.pool.query(`SELECT graphile_worker.add_job('feed_poll', '{}'::json)`);
      const [post] = await eventually(async () => {
        const posts = await postsOf(sourceId);
        return posts.length > 0 && posts;
      });
      expect(post!.content).toMatch(/^New: Fresh/);
      const cleared = await t.app.database.pool.query(`SELECT failures, last_error FROM source_feeds WHERE source_id = $1`, [sourceId]);
      expect(cleared.rows[0]).toEqual({ failures: 0, last_error: null });
    } finally {
      await feed.stop();
    }
  }, 30_000);

  it('refuses a URL the outbound guard refuses, naming the field', async () => {
    const token = await signUp(t);
    const { errors } = await t.gql(`mutation { createSource(input: { kind: FEED, name: "Intranet", url: "http://192.168.1.10/feed" }) { source { id } } }`, {}, token);
    expect(errors![0]!.extensions!.issues).toEqual([expect.objectContaining({ path: ['input', 'url'], rule: 'outbound' })]);
  });
});

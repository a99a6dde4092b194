// A feed's limits (issue 14, section 2), against a loopback feed server: at most MAX_NEW_ENTRIES_PER_POLL posts a
// poll, the rest old news saying why; a redirect to a refused address ends as the source's ERROR event; a failing
// feed waits longer each time; a poll in progress is skipped by another; latin1 feeds read as latin1; a megabyte of
// hostile HTML in an entry is read to bounded text.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NEW_ENTRIES_PER_POLL, pollFeed } from '../src/services/feedSources.js';
import { claimFeed, findFeedsToPoll } from '../src/store/feedSources.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules, waitForEvents } from './helpers/fakeSource.js';

type Answer = { status: number; headers?: Record<string, string>; body?: Buffer | string };

/** A feed server answering whatever the test sets. */
function startServer(): Promise<{ url: string; answer: (a: Answer) => void; stop(): Promise<void> }> {
  let current: Answer = { status: 404 };
  const server: Server = createServer((_request, response) => response.writeHead(current.status, current.headers).end(current.body));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`,
        answer: (a) => (current = a),
        stop: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

const rss = (items: { guid: string; title: string; description?: string }[], declaration = '<?xml version="1.0"?>') =>
  `${declaration}<rss version="2.0"><channel><title>Blog</title><link>https://blog.example.com/</link>${items
    .map((i) => `<item><title>${i.title}</title><link>https://blog.example.com/${i.guid}</link><guid>${i.guid}</guid><description>${i.description ?? ''}</description></item>`)
    .join('')}</channel></rss>`;
const ok = (body: Buffer | string, type = 'application/rss+xml'): Answer => ({ status: 200, headers: { 'content-type': type }, body });

let t: TestApp;
let mastodon: MastodonFake;
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  server = await startServer();
  t = await startTestApp();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await server?.stop();
  await mastodon?.stop();
});

async function followed(url = server.url) {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Feed channel');
  const { createSource } = await t.ok(
    `mutation($input: CreateSourceInput!) { createSource(input: $input) { source { id } } }`,
    { input: { kind: 'FEED', name: 'Feed', url } },
    token,
  );
  const sourceId: string = createSource.source.id;
  await setRules(t, token, sourceId, {
    channelIds: [channel.id],
    timing: { mode: 'DELAY', delayMinutes: 600 },
    templates: { default: '{{ title }}: {{ excerpt }}', byNetwork: {}, byChannel: {} },
  });
  return { token, sourceId };
}

const postsOf = (sourceId: string) => t.app.database.prisma.post.findMany({ where: { sourceId }, orderBy: { createdAt: 'asc' } });
const entries = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ guid: `${prefix}-${n - i}`, title: `Entry ${n - i}` }));

describe('feed limits', () => {
  it('an empty first poll primes; fifteen new entries then make ten posts (the newest), the rest old news saying why', async () => {
    server.answer(ok(rss([])));
    const { token, sourceId } = await followed();
    expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'PRIMED', known: 0 });
    server.answer(ok(rss(entries(15, 'c'))));
    expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'READ', fresh: MAX_NEW_ENTRIES_PER_POLL, skipped: 5 });
    const posts = await postsOf(sourceId);
    expect(posts.map((p) => p.content.split(':')[0])).toEqual(Array.from({ length: 10 }, (_, i) => `Entry ${i + 6}`));
    const events = await waitForEvents(t, token, sourceId, 15);
    const skipped = events.filter((e) => e.outcome === 'IGNORED');
    expect(skipped).toHaveLength(5);
    expect(skipped[0]!.reason).toBe('one of 15 new entries in one poll: only the newest 10 are posted, the rest taken as old news');
    // Taken as known: the next poll of the same entries makes nothing.
    server.answer(ok(rss(entries(15, 'c'))));
    expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'READ', fresh: 0, skipped: 0 });
  }, 30_000);

  it('a redirect to a refused address is the ERROR event naming the refusal; the feed then waits longer before its next poll', async () => {
    server.answer(ok(rss([])));
    const { sourceId } = await followed();
    for (const target of ['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/feed']) {
      server.answer({ status: 302, headers: { location: target } });
      const failed = await pollFeed(t.app.services, sourceId);
      expect(failed).toMatchObject({ outcome: 'FAILED', reason: expect.stringMatching(/^the feed could not be fetched: .*(refused|not allowed|private|link-local)/i) });
    }
    const { rows: events } = await t.app.database.pool.query(`SELECT outcome, reason FROM source_events WHERE source_id = $1`, [sourceId]);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.outcome === 'ERROR' && e.reason.includes('could not be fetched'))).toBe(true);
    const { pollMinutes } = t.app.services.config.feeds;
    expect((await findFeedsToPoll(t.app.database.pool, pollMinutes)).map((f) => f.sourceId)).not.toContain(sourceId);
    // Two failures: four intervals after the last poll.
    await t.app.database.pool.query(`UPDATE source_feeds SET polled_at = now() - $2 * interval '1 minute' WHERE source_id = $1`, [sourceId, 3 * pollMinutes]);
    expect((await findFeedsToPoll(t.app.database.pool, pollMinutes)).map((f) => f.sourceId)).not.toContain(sourceId);
    await t.app.database.pool.query(`UPDATE source_feeds SET polled_at = now() - $2 * interval '1 minute' WHERE source_id = $1`, [sourceId, 4 * pollMinutes + 1]);
    expect((await findFeedsToPoll(t.app.database.pool, pollMinutes)).map((f) => f.sourceId)).toContain(sourceId);
  }, 30_000);

  it('a feed claimed by a poll in progress is skipped by another', async () => {
    server.answer(ok(rss([])));
    const { sourceId } = await followed();
    expect(await claimFeed(t.app.database.pool, sourceId, 60)).not.toBeNull();
    expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'BUSY' });
    await t.app.database.pool.query(`UPDATE source_feeds SET claimed_until = now() - interval '1 second' WHERE source_id = $1`, [sourceId]);
    expect(await pollFeed(t.app.services, sourceId)).toEqual({ outcome: 'PRIMED', known: 0 });
  });

  it('reads a latin1 feed by its XML declaration or its Content-Type, and a megabyte of hostile HTML to bounded text', async () => {
    const titles = async (sourceId: string) =>
      (
        await t.app.database.pool.query(`SELECT snapshot->>'title' AS title, length(snapshot->>'excerpt') AS excerpt FROM source_items WHERE source_id = $1 ORDER BY external_id`, [
          sourceId,
        ])
      ).rows;
    const latin1 = (declaration: string) => Buffer.from(rss([{ guid: 'd-1', title: 'Café crème' }], declaration), 'latin1');
    server.answer(ok(latin1('<?xml version="1.0" encoding="ISO-8859-1"?>')));
    const declared = await followed();
    await pollFeed(t.app.services, declared.sourceId);
    expect(await titles(declared.sourceId)).toEqual([{ title: 'Café crème', excerpt: 0 }]);

    server.answer(ok(latin1('<?xml version="1.0"?>'), 'application/rss+xml; charset=windows-1252'));
    const typed = await followed(`${server.url}?typed`);
    await pollFeed(t.app.services, typed.sourceId);
    expect(await titles(typed.sourceId)).toEqual([{ title: 'Café crème', excerpt: 0 }]);

    server.answer(ok(rss([{ guid: 'e-1', title: 'Hostile', description: '&lt;'.repeat(1024 * 1024) }])));
    const hostile = await followed(`${server.url}?hostile`);
    expect(await pollFeed(t.app.services, hostile.sourceId)).toEqual({ outcome: 'PRIMED', known: 1 });
    const [row] = await titles(hostile.sourceId);
    expect(row.title).toBe('Hostile');
    expect(row.excerpt).toBeLessThanOrEqual(2000);
  }, 60_000);
});

// Evergreen re-shares (issue 13, section 1): the evergreen job re-shares a source's public items last shared N or more
// days ago, at most M a day, longest-unshared first, tags excluded by rule; each is occurrence EVERGREEN n+1 with one
// post placed by the smart scheduler, and running again the same day makes nothing more. The items are real (made by
// the source_event job from the store's events); only their ages are moved back in the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { runEvergreen } from '../src/services/evergreen.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, sendEvent, setRules, waitForEvents, type FakeSource } from './helpers/fakeSource.js';

let t: TestApp;
let mastodon: MastodonFake;
let fake: FakeSource;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
  fake = installFakeSource(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

const DAY = 86_400_000;
const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY);

/** A source whose items (by name) were first published (and perhaps last re-shared) so many days before `now`. */
async function shopWithItems(now: Date, ages: Record<string, { published: number; shared?: number; shares?: number; tags?: string[] }>) {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken });
  const { sourceId } = await connectFakeSource(t, token);
  // The rules' own timing is for news; a re-share is placed by the smart scheduler whatever it says.
  await setRules(t, token, sourceId, { channelIds: [channel.id], timing: { mode: 'DELAY', delayMinutes: 600 } });
  const names = Object.keys(ages);
  for (const [i, name] of names.entries()) {
    const id = `${name}-${sourceId.slice(0, 8)}`;
    fake.set(id, product(id, {}, { title: `Item ${name}`, tags: ages[name]!.tags ?? ['linen'] }));
    await sendEvent(t, sourceId, `e-${name}`, id);
    await waitForEvents(t, token, sourceId, i + 1);
  }
  for (const [name, age] of Object.entries(ages)) {
    await t.app.database.pool.query(`UPDATE source_items SET first_published_at = $3, last_shared_at = $4, evergreen_shares = $5 WHERE source_id = $1 AND external_id = $2`, [
      sourceId,
      `${name}-${sourceId.slice(0, 8)}`,
      daysAgo(now, age.published),
      age.shared === undefined ? null : daysAgo(now, age.shared),
      age.shares ?? 0,
    ]);
  }
  const evergreen = (rules: Record<string, unknown>) => setRules(t, token, sourceId, { channelIds: [channel.id], timing: { mode: 'DELAY', delayMinutes: 600 }, evergreen: rules });
  return { token, sourceId, channelId: channel.id, evergreen };
}

/** The source's evergreen occurrences as "name #n", in the order they were made. */
async function reshares(sourceId: string): Promise<string[]> {
  const { rows } = await t.app.database.pool.query<{ name: string; occurrence: number }>(
    `SELECT split_part(i.external_id, '-', 1) AS name, o.occurrence FROM source_occurrences o JOIN source_items i ON i.id = o.item_id
      WHERE o.source_id = $1 AND o.kind = 'EVERGREEN' ORDER BY o.created_at, o.occurrence, i.first_published_at`,
    [sourceId],
  );
  return rows.map((r) => `${r.name} #${r.occurrence}`);
}

describe('the evergreen job', () => {
  it('re-shares at most M a day of the items last shared N days ago, longest-unshared first, excluded tags skipped, once a day', async () => {
    const now = new Date();
    const { token, sourceId, evergreen } = await shopWithItems(now, {
      oldest: { published: 90 },
      older: { published: 60 },
      old: { published: 40 },
      excluded: { published: 200, tags: ['linen', 'No-Reshare'] },
      recent: { published: 10 },
      reshared: { published: 300, shared: 12, shares: 3 },
    });
    const before = await t.app.database.prisma.post.count({ where: { sourceId } });
    expect(before).toBe(6);

    // Off: nothing happens, however old the items.
    await runEvergreen(t.app.services, now);
    expect(await reshares(sourceId)).toEqual([]);

    await evergreen({ enabled: true, everyDays: 30, maxPerDay: 2, excludedTags: ['no-reshare'] });
    await runEvergreen(t.app.services, now);
    // "excluded" is the oldest but carries an excluded tag (compared without case); "old" waits for the day's room.
    expect(await reshares(sourceId)).toEqual(['oldest #1', 'older #1']);

    const made = await t.app.database.prisma.post.findMany({ where: { sourceId, idempotencyKey: { contains: ':EVERGREEN:' } }, include: { deliveries: true } });
    expect(made).toHaveLength(2);
    for (const post of made) {
      expect(post).toMatchObject({ source: 'PRODUCT', schedulingMode: 'AUTO', authorId: null });
      expect(post.content).toMatch(/^Item (oldest|older) /);
      expect(post.deliveries).toHaveLength(1);
      // Placed by the smart scheduler (PENDING until it runs), not the rules' ten-hour delay.
      expect(['PENDING', 'SCHEDULED']).toContain(post.deliveries[0]!.status);
      expect(post.deliveries[0]!.requestedAt).toBeNull();
    }
    const { rows: shared } = await t.app.database.pool.query<{ name: string; last: Date | null; shares: number }>(
      `SELECT split_part(external_id, '-', 1) AS name, last_shared_at AS last, evergreen_shares AS shares FROM source_items WHERE source_id = $1 ORDER BY 1`,
      [sourceId],
    );
    const byName = Object.fromEntries(shared.map((r) => [r.name, r]));
    expect(byName.oldest).toMatchObject({ last: now, shares: 1 });
    expect(byName.older).toMatchObject({ last: now, shares: 1 });
    expect(byName.old).toMatchObject({ last: null, shares: 0 });

    // Each re-share is the source's event, visible with its outcome.
    const events = await waitForEvents(t, token, sourceId, 8);
    expect(events.filter((e) => e.eventId.startsWith('evergreen:')).map((e) => [e.outcome, e.postIds.length])).toEqual([
      ['POST_CREATED', 1],
      ['POST_CREATED', 1],
    ]);

    // The same day again (twice at once, as two workers would): the day's count is spent.
    await Promise.all([runEvergreen(t.app.services, now), runEvergreen(t.app.services, now)]);
    expect(await reshares(sourceId)).toEqual(['oldest #1', 'older #1']);
    expect(await t.app.database.prisma.post.count({ where: { sourceId } })).toBe(8);

    // The next day: "old" has its turn; the two just re-shared are not due again for 30 days.
    await runEvergreen(t.app.services, new Date(now.getTime() + DAY));
    expect(await reshares(sourceId)).toEqual(['oldest #1', 'older #1', 'old #1']);

    // A cycle later four are due: "reshared" (its third re-share 42 days before) and "recent" (published 40 days
    // before) have waited longer than the two shared a cycle ago, so they take the day's two; "old" is not due yet.
    await runEvergreen(t.app.services, new Date(now.getTime() + 30 * DAY));
    expect((await reshares(sourceId)).slice(3).sort()).toEqual(['recent #1', 'reshared #4']);
    // The next day the two from a cycle ago: the first published first when they were shared at the same time.
    await evergreen({ enabled: true, everyDays: 30, maxPerDay: 1, excludedTags: ['no-reshare'] });
    await runEvergreen(t.app.services, new Date(now.getTime() + 31 * DAY));
    expect((await reshares(sourceId)).slice(5)).toEqual(['oldest #2']);
  }, 60_000);

  it('leaves a disconnected source alone', async () => {
    const now = new Date();
    const { token, sourceId, evergreen } = await shopWithItems(now, { ancient: { published: 400 } });
    await evergreen({ enabled: true, everyDays: 7, maxPerDay: 5 });
    await t.ok(`mutation($id: ID!) { disconnectSource(id: $id) { id status } }`, { id: sourceId }, token);
    await runEvergreen(t.app.services, now);
    expect(await reshares(sourceId)).toEqual([]);
  }, 30_000);
});

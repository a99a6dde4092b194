// deliveries(filter, orderBy, first, after, last, before): the console's queue, calendar and history. The expected
// orders are computed here from the rows themselves (time, else last; ties by id), independently of the SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { issuesOf } from './helpers/api.js';
import { deliveryQuery, findDeliveries } from '../src/services/deliveryQueries.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let token: string;
let workspaceId: string;
let m: string; // channel M
let w: string; // channel W
let base: number;
/** Delivery ids by a name: a1 (M, +1h), a2 (W, +2h), a3m/a3w (+3h, W with an override), a4 (M draft), a5 (W +4h,
 * cancelled), a6 (M +5h, a content source's), a7 (M, published a day ago). */
const d: Record<string, string> = {};
let sourceId: string;
let foreignChannel: string;
let foreignPost: string;
let otherToken: string;

const at = (hours: number) => new Date(base + hours * HOUR).toISOString();

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
  token = await signUp(t);
  workspaceId = (await t.ok(`{ workspace { id } }`, {}, token)).workspace.id;
  m = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'M')).id;
  w = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'W')).id;
  base = Math.ceil((Date.now() + 10 * DAY) / HOUR) * HOUR;
  d.a1 = (await createPost(t, token, { content: 'Alpha launch', channelIds: [m], scheduledAt: at(1) })).deliveries[0]!.id;
  d.a2 = (await createPost(t, token, { content: 'beta news', channelIds: [w], scheduledAt: at(2) })).deliveries[0]!.id;
  const a3 = await createPost(t, token, { content: 'Gamma', channelIds: [m, w], scheduledAt: at(3), contentOverrides: [{ channelId: w, content: 'the OVERRIDE text' }] });
  const byChannel = async (postId: string, channelId: string) =>
    (await t.app.database.pool.query<{ id: string }>(`SELECT id FROM deliveries WHERE post_id = $1 AND channel_id = $2`, [postId, channelId])).rows[0]!.id;
  d.a3m = await byChannel(a3.id, m);
  d.a3w = await byChannel(a3.id, w);
  d.a4 = (await createPost(t, token, { content: 'delta draft', channelIds: [m], draft: true })).deliveries[0]!.id;
  const a5 = await createPost(t, token, { content: 'epsilon', channelIds: [w], scheduledAt: at(4) });
  await t.ok(`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: a5.id }, token);
  d.a5 = a5.deliveries[0]!.id;
  sourceId = '2f1e4c8a-5b7d-4e0f-9a61-3c2b1d0e9f87';
  d.a6 = (await createPost(t, token, { content: 'zeta product', channelIds: [m], scheduledAt: at(5), source: 'PRODUCT', sourceId })).deliveries[0]!.id;
  d.a7 = (await createPost(t, token, { content: 'eta history', channelIds: [m], draft: true })).deliveries[0]!.id;
  // Published yesterday, as the worker records it (a test may write rows): its time is published_at.
  await t.app.database.pool.query(`UPDATE deliveries SET status = 'PUBLISHED', scheduled_at = $2, published_at = $3 WHERE id = $1`, [
    d.a7,
    new Date(base - 25 * HOUR),
    new Date(base - 24 * HOUR),
  ]);
  // Another workspace's delivery, in the same hours: never in these answers.
  const other = await signUp(t);
  otherToken = other;
  foreignChannel = (await createChannel(t, other, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET })).id;
  const theirs = await createPost(t, other, { content: 'Alpha not yours', channelIds: [foreignChannel], scheduledAt: at(2) });
  foreignPost = theirs.id;
  d.foreign = theirs.deliveries[0]!.id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

const DELIVERIES = `query($filter: DeliveryFilter, $orderBy: DeliveryOrder, $first: Int, $after: String, $last: Int, $before: String) {
  deliveries(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id status scheduledAt publishedAt post { content } channel { id } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function page(variables: Record<string, unknown>) {
  return (await t.ok(DELIVERIES, variables, token)).deliveries;
}
const ids = async (variables: Record<string, unknown>) => (await page({ first: 100, ...variables })).edges.map((e: any) => e.node.id as string);
const name = (id: string) => Object.entries(d).find(([, v]) => v === id)?.[0] ?? id;
const names = async (variables: Record<string, unknown>) => (await ids(variables)).map(name);

/** The workspace's deliveries in the order asked for, computed from the rows. */
async function expectedOrder(key: 'time' | 'created_at' | 'updated_at', direction: 'ASC' | 'DESC' = 'ASC'): Promise<string[]> {
  const { rows } = await t.app.database.pool.query<{ id: string; time: Date | null; created_at: Date; updated_at: Date }>(
    `SELECT id, coalesce(published_at, scheduled_at) AS time, created_at, updated_at FROM deliveries WHERE workspace_id = $1`,
    [workspaceId],
  );
  const value = (r: (typeof rows)[number]) => (key === 'time' ? (r.time?.getTime() ?? Infinity) : r[key].getTime());
  const sorted = rows.sort((x, y) => value(x) - value(y) || (x.id < y.id ? -1 : 1)).map((r) => r.id);
  return direction === 'ASC' ? sorted : sorted.reverse();
}

describe('deliveries', () => {
  it('lists the workspace’s deliveries by time: published_at once published, else scheduled_at; those without a time last', async () => {
    const all = await ids({});
    expect(all).toEqual(await expectedOrder('time'));
    expect(all.map(name).slice(0, 2)).toEqual(['a7', 'a1']);
    expect(all.map(name).slice(-1)).toEqual(['a4']);
    expect(all).not.toContain(d.foreign);
    expect((await page({ first: 1 })).totalCount).toBe(8);
  });

  it('orders by CREATED_AT and UPDATED_AT, and DESC is the exact reverse', async () => {
    expect(await ids({ orderBy: { direction: 'DESC' } })).toEqual(await expectedOrder('time', 'DESC'));
    expect(await ids({ orderBy: { field: 'CREATED_AT' } })).toEqual(await expectedOrder('created_at'));
    expect(await ids({ orderBy: { field: 'CREATED_AT', direction: 'DESC' } })).toEqual(await expectedOrder('created_at', 'DESC'));
    expect(await ids({ orderBy: { field: 'UPDATED_AT', direction: 'DESC' } })).toEqual(await expectedOrder('updated_at', 'DESC'));
  });

  it('filters by a half-open time range on the delivery’s time, leaving out deliveries without one', async () => {
    expect(await names({ filter: { from: at(2), to: at(3) } })).toEqual(['a2']);
    expect((await names({ filter: { from: at(3), to: at(4) } })).sort()).toEqual(['a3m', 'a3w']);
    // The published one is found by when it went out, not by when it was due.
    expect(await names({ filter: { from: new Date(base - 24 * HOUR).toISOString(), to: at(-1) } })).toEqual(['a7']);
    expect(await names({ filter: { from: new Date(base - 25 * HOUR).toISOString(), to: new Date(base - 24 * HOUR).toISOString() } })).toEqual([]);
    // One bound alone also leaves the draft out.
    expect(await names({ filter: { from: at(4) } })).toEqual(['a5', 'a6']);
    expect(await names({ filter: { to: at(2) } })).toEqual(['a7', 'a1']);
  });

  it('filters by channels, statuses, sources, source ids, text and post, alone and together', async () => {
    expect(await names({ filter: { channelIds: [w] } })).toEqual(['a2', 'a3w', 'a5']);
    expect(await names({ filter: { statuses: ['DRAFT', 'PUBLISHED'] } })).toEqual(['a7', 'a4']);
    expect(await names({ filter: { statuses: ['SCHEDULED'], channelIds: [m] } })).toEqual(['a1', 'a3m', 'a6']);
    expect(await names({ filter: { sources: ['PRODUCT'] } })).toEqual(['a6']);
    expect((await names({ filter: { sources: ['MANUAL', 'IMPORT'] } })).includes('a6')).toBe(false);
    expect(await names({ filter: { sourceIds: [sourceId] } })).toEqual(['a6']);
    expect(await names({ filter: { sourceIds: ['another-source'] } })).toEqual([]);
    // Case-insensitive, in the post's text or in the delivery's own override.
    expect(await names({ filter: { text: 'ALPHA' } })).toEqual(['a1']);
    expect(await names({ filter: { text: 'override' } })).toEqual(['a3w']);
    expect(await names({ filter: { text: '100%_' } })).toEqual([]);
    const a3 = (await page({ first: 1, filter: { text: 'gamma' } })).edges[0].node;
    const a3PostId = (await t.app.database.pool.query(`SELECT post_id FROM deliveries WHERE id = $1`, [a3.id])).rows[0].post_id;
    expect((await names({ filter: { postId: a3PostId } })).sort()).toEqual(['a3m', 'a3w']);
    expect(await names({ filter: { postId: a3PostId, channelIds: [w], text: 'override', statuses: ['SCHEDULED'], from: at(3), to: at(3.5) } })).toEqual(['a3w']);
  });

  it('counts every page of the same filter in totalCount', async () => {
    expect((await page({ first: 1, filter: { channelIds: [w] } })).totalCount).toBe(3);
    expect((await page({ first: 0, filter: { from: at(0), to: at(10) } })).totalCount).toBe(6);
    expect((await page({ first: 5, filter: { text: 'nothing like this' } })).totalCount).toBe(0);
  });

  it('pages forwards with first/after and backwards with last/before, through the same order', async () => {
    const expected = await expectedOrder('time');
    const forwards: string[] = [];
    const hasNext: boolean[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: any = await page({ first: 3, after });
      forwards.push(...p.edges.map((e: any) => e.node.id));
      hasNext.push(p.pageInfo.hasNextPage);
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(p.totalCount).toBe(8);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forwards).toEqual(expected);
    expect(hasNext).toEqual([true, true, false]);

    const backwards: string[][] = [];
    const hasPrevious: boolean[] = [];
    let before: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: any = await page({ last: 3, before });
      backwards.unshift(p.edges.map((e: any) => e.node.id));
      hasPrevious.push(p.pageInfo.hasPreviousPage);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backwards.flat()).toEqual(expected);
    expect(backwards.map((b) => b.length)).toEqual([2, 3, 3]);
    expect(hasPrevious).toEqual([true, true, false]);
    // DESC pages read the reverse order; a filtered list pages too.
    const desc = await page({ first: 2, orderBy: { direction: 'DESC' } });
    const next = await page({ first: 2, after: desc.pageInfo.endCursor, orderBy: { direction: 'DESC' } });
    expect([...desc.edges, ...next.edges].map((e: any) => e.node.id)).toEqual(expected.slice().reverse().slice(0, 4));
    const filtered = await page({ first: 1, filter: { channelIds: [w] } });
    const rest = await page({ first: 5, after: filtered.pageInfo.endCursor, filter: { channelIds: [w] } });
    expect([...filtered.edges, ...rest.edges].map((e: any) => name(e.node.id))).toEqual(['a2', 'a3w', 'a5']);
  });

  it('serves pages of up to 500 and refuses more, naming the argument', async () => {
    expect((await page({ first: 500 })).edges).toHaveLength(8);
    for (const name of ['first', 'last']) {
      const issues = issuesOf(await t.gql(DELIVERIES, { [name]: 501 }, token));
      expect(issues).toEqual([expect.objectContaining({ path: [name], rule: 'max' })]);
    }
  });

  it('refuses a range whose end is not after its start, or longer than 366 days', async () => {
    expect(issuesOf(await t.gql(DELIVERIES, { filter: { from: at(2), to: at(2) } }, token))).toEqual([expect.objectContaining({ path: ['filter', 'to'], rule: 'afterFrom' })]);
    expect(issuesOf(await t.gql(DELIVERIES, { filter: { from: at(3), to: at(2) } }, token))).toEqual([expect.objectContaining({ path: ['filter', 'to'], rule: 'afterFrom' })]);
    const long = await t.gql(DELIVERIES, { filter: { from: at(0), to: new Date(base + 367 * DAY).toISOString() } }, token);
    expect(issuesOf(long)).toEqual([expect.objectContaining({ path: ['filter', 'to'], rule: 'maxRange' })]);
    expect((await page({ filter: { from: at(0), to: new Date(base + 366 * DAY).toISOString() } })).totalCount).toBe(6);
  });

  it('never shows another workspace’s deliveries, whatever the filter names', async () => {
    expect(await ids({ filter: { channelIds: [foreignChannel] } })).toEqual([]);
    expect(await ids({ filter: { postId: foreignPost } })).toEqual([]);
    expect((await page({ filter: { text: 'not yours' } })).totalCount).toBe(0);
    // Their delivery as a cursor reads nothing of theirs either: it names no delivery of this workspace.
    const theirs = (await t.ok(DELIVERIES, { first: 1 }, otherToken)).deliveries.edges[0].cursor;
    expect((await page({ first: 10, after: theirs })).edges).toEqual([]);
    // Ids that are not uuids match nothing instead of failing.
    expect(await ids({ filter: { channelIds: ['not-a-uuid'], postId: 'nope' } })).toEqual([]);
  });
});

// A page read by the store's one statement (the calendar's selection) hands each delivery its own post and channel:
// many posts on several channels, interleaved in time and tied on it, checked against the rows themselves, page by
// page, and against the same page read through Prisma (a selection with attempts takes that path).
describe('deliveries: each node’s post and channel', () => {
  const CALENDAR = `query($first: Int, $after: String, $filter: DeliveryFilter) {
    deliveries(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { node { id status scheduledAt publishedAt scheduleReason post { id content } channel { id name platform timezone } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  const EVERY_FIELD = `id status scheduledAt requestedAt scheduleReason attempts lastError externalId externalUrl publishedAt contentOverride createdAt updatedAt
    post { id content mediaUrls source sourceId priority schedulingMode idempotencyKey createdAt updatedAt }
    channel { id platform name accountHandle timezone paused needsReconnect authError accessExpiresAt settings createdAt policy { minIntervalMinutes queueSpacingMinutes } }`;
  let owner: string;
  let ownerWorkspace: string;
  const range = () => ({ from: new Date(base - DAY).toISOString(), to: new Date(base + 30 * DAY).toISOString() });

  beforeAll(async () => {
    owner = await signUp(t);
    ownerWorkspace = (await t.ok(`{ workspace { id } }`, {}, owner)).workspace.id;
    const channels: string[] = [];
    for (const [i, zone] of ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'].entries()) {
      const id = (await createChannel(t, owner, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, `calendar ${i}`)).id;
      await t.app.database.pool.query(`UPDATE channels SET timezone = $2 WHERE id = $1`, [id, zone]);
      channels.push(id);
    }
    // Post n goes to 1-3 of the channels, starting at a different one each time; every third pair of posts shares an instant.
    for (let n = 0; n < 15; n++) {
      const targets = channels
        .slice(n % 3)
        .concat(channels.slice(0, n % 3))
        .slice(0, 1 + (n % 3));
      await createPost(t, owner, { content: `calendar post ${n}`, channelIds: targets, scheduledAt: at(2 + Math.floor(n / 2) * 3) });
    }
    // Fields off their defaults, so that a column read wrongly (or into the wrong field) shows.
    await t.app.database.pool.query(`UPDATE channels SET paused = true, credentials_expire_at = $2, account_handle = 'tokyo' WHERE id = $1`, [
      channels[2],
      new Date(base + 40 * DAY),
    ]);
    await t.app.database.pool.query(`UPDATE posts SET media_urls = ARRAY['https://cdn.example.com/a.png'], priority = 7 WHERE workspace_id = $1 AND content = 'calendar post 4'`, [
      ownerWorkspace,
    ]);
    await t.app.database.pool.query(
      `UPDATE deliveries SET content_override = 'own words', link_card = '{"url":"https://example.com/x"}', publish_progress = '{"step":2}'
        WHERE id = (SELECT d.id FROM deliveries d JOIN posts p ON p.id = d.post_id WHERE p.workspace_id = $1 AND p.content = 'calendar post 5' LIMIT 1)`,
      [ownerWorkspace],
    );
  }, 60_000);

  /** Every delivery of the workspace with its post's and channel's facts, straight from the tables. */
  async function truth() {
    const { rows } = await t.app.database.pool.query<{ id: string; post_id: string; content: string; channel_id: string; name: string; timezone: string; platform: string }>(
      `SELECT d.id, d.post_id, p.content, d.channel_id, c.name, c.timezone, c.platform::text
         FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN channels c ON c.id = d.channel_id WHERE d.workspace_id = $1`,
      [ownerWorkspace],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  it('gives every node of a page its own post and channel, on one page of 500 and across pages of 7', async () => {
    const rows = await truth();
    expect(rows.size).toBe(30);
    expect(new Set([...rows.values()].map((r) => r.channel_id)).size).toBe(3);
    const whole = (await t.ok(CALENDAR, { first: 500, filter: range() }, owner)).deliveries;
    expect(whole.totalCount).toBe(30);
    expect(whole.edges).toHaveLength(30);
    for (const { node } of whole.edges) {
      const row = rows.get(node.id)!;
      expect(node.post).toEqual({ id: row.post_id, content: row.content });
      expect(node.channel).toEqual({ id: row.channel_id, name: row.name, platform: row.platform, timezone: row.timezone });
    }
    // Neighbours in time belong to different posts and channels: a page that shifted them by one would fail above.
    const posts = whole.edges.map((e: any) => e.node.post.id);
    expect(posts.some((p: string, i: number) => i > 0 && p !== posts[i - 1])).toBe(true);

    const paged: any[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const p: any = (await t.ok(CALENDAR, { first: 7, after, filter: range() }, owner)).deliveries;
      paged.push(...p.edges);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(paged).toEqual(whole.edges);
  });

  it('answers field for field what the same page read through Prisma answers', async () => {
    const QUERY = (extra: string) => `query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 500) { edges { cursor node { ${EVERY_FIELD} ${extra} } } } }`;
    const bySql = (await t.ok(QUERY(''), { filter: range() }, owner)).deliveries.edges;
    const byPrisma = (await t.ok(QUERY('attemptLog { id }'), { filter: range() }, owner)).deliveries.edges;
    expect(byPrisma.every((e: any) => Array.isArray(e.node.attemptLog))).toBe(true);
    expect(bySql).toEqual(byPrisma.map((e: any) => ({ ...e, node: { ...e.node, attemptLog: undefined } })).map((e: any) => JSON.parse(JSON.stringify(e))));
    expect(bySql.some((e: any) => e.node.contentOverride === 'own words' && e.node.post.content === 'calendar post 5')).toBe(true);
    expect(bySql.some((e: any) => e.node.channel.paused && e.node.channel.accountHandle === 'tokyo' && e.node.channel.accessExpiresAt)).toBe(true);
  });

  it('reads every field Prisma reads, with the same values (all but the sealed credentials)', async () => {
    const query = deliveryQuery(ownerWorkspace, { from: new Date(base - DAY), to: new Date(base + 30 * DAY) }, null, {});
    const rows = await findDeliveries(t.app.services, query, { limit: 500, inverted: false });
    const prisma = await t.app.database.prisma.delivery.findMany({
      where: { id: { in: rows.map((r) => r.id) } },
      include: { post: true, channel: { omit: { credentialsEncrypted: true } } },
    });
    const byId = new Map(prisma.map((d) => [d.id, d]));
    expect(rows).toHaveLength(30);
    for (const row of rows) expect(row).toEqual(byId.get(row.id));
    expect(rows.some((r) => r.linkCard && r.publishProgress)).toBe(true);
    expect(rows.some((r) => r.post.mediaUrls.length === 1 && r.post.priority === 7)).toBe(true);
  });
});

// Reading posts back: filters, relay pagination, and DateTime arguments a client gets wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { errorOf } from './helpers/api.js';

let t: TestApp;
let mastodon: MastodonFake;
let hooks: WebhookReceiver;
const HOOK_SECRET = 'webhook-secret-of-the-channel';
const HOUR = 3_600_000;

// One workspace with five posts, built once: p1 (+1h, M), p2 (+2h, W), p3 (+3h, M and W), p4 (draft, M),
// p5 (+4h, W, then cancelled). Created in that order, so newest first is p5..p1.
let token: string;
let m: string;
let w: string;
let base: number;
const p: Record<string, string> = {};

beforeAll(async () => {
  mastodon = await startMastodonFake();
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp();
  token = await signUp(t);
  m = (await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken })).id;
  w = (await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET })).id;
  base = Date.now();
  const at = (hours: number) => new Date(base + hours * HOUR).toISOString();
  p.p1 = (await createPost(t, token, { content: 'p1', channelIds: [m], scheduledAt: at(1) })).id;
  p.p2 = (await createPost(t, token, { content: 'p2', channelIds: [w], scheduledAt: at(2) })).id;
  p.p3 = (await createPost(t, token, { content: 'p3', channelIds: [m, w], scheduledAt: at(3) })).id;
  p.p4 = (await createPost(t, token, { content: 'p4', channelIds: [m], draft: true })).id;
  p.p5 = (await createPost(t, token, { content: 'p5', channelIds: [w], scheduledAt: at(4) })).id;
  await t.ok(`mutation($id: ID!) { cancelPost(id: $id) { id } }`, { id: p.p5 }, token);
  // Another workspace's post must never show up in these lists.
  const other = await signUp(t);
  const theirs = await createChannel(t, other, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
  await createPost(t, other, { content: 'not yours', channelIds: [theirs.id], scheduledAt: at(2) });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), hooks?.stop()]);
});

const POSTS = `query($filter: PostFilter, $first: Int, $after: String) {
  posts(filter: $filter, first: $first, after: $after) { edges { cursor node { id content } } pageInfo { hasNextPage endCursor } }
}`;
const at = (hours: number) => new Date(base + hours * HOUR).toISOString();

async function contents(filter: Record<string, unknown> | null, first = 50) {
  const { posts } = await t.ok(POSTS, { filter, first }, token);
  return posts.edges.map((e: { node: { content: string } }) => e.node.content);
}

describe('posts', () => {
  it("lists the workspace's posts newest first", async () => {
    expect(await contents(null)).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
  });

  it('filters by status, channel and scheduled time, alone and together', async () => {
    expect(await contents({ status: 'SCHEDULED' })).toEqual(['p3', 'p2', 'p1']);
    expect(await contents({ status: 'DRAFT' })).toEqual(['p4']);
    expect(await contents({ status: 'CANCELLED' })).toEqual(['p5']);
    expect(await contents({ status: 'PUBLISHED' })).toEqual([]);
    expect(await contents({ channelId: w })).toEqual(['p5', 'p3', 'p2']);
    expect(await contents({ channelId: m, status: 'SCHEDULED' })).toEqual(['p3', 'p1']);
    expect(await contents({ from: at(1.5), to: at(2.5) })).toEqual(['p2']);
    // from is inclusive, to exclusive.
    expect(await contents({ from: at(2), to: at(3) })).toEqual(['p2']);
    expect(await contents({ from: at(2.5) })).toEqual(['p5', 'p3']);
    expect(await contents({ to: at(1.5) })).toEqual(['p1']);
    expect(await contents({ from: at(2.5), status: 'SCHEDULED' })).toEqual(['p3']);
  });

  it('a malformed or foreign channel id matches nothing instead of failing', async () => {
    expect(await contents({ channelId: 'not-a-uuid' })).toEqual([]);
    expect(await contents({ channelId: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
    const { failedDeliveries } = await t.ok(`{ failedDeliveries(first: 5, channelId: "not-a-uuid") { edges { node { id } } } }`, {}, token);
    expect(failedDeliveries.edges).toEqual([]);
  });

  it('paginates with first/after until hasNextPage is false', async () => {
    const seen: string[] = [];
    const pages: boolean[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const { posts }: any = await t.ok(POSTS, { first: 2, after }, token);
      seen.push(...posts.edges.map((e: any) => e.node.content));
      pages.push(posts.pageInfo.hasNextPage);
      expect(posts.pageInfo.endCursor).toBe(posts.edges.at(-1).cursor);
      if (!posts.pageInfo.hasNextPage) break;
      after = posts.pageInfo.endCursor;
    }
    expect(seen).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
    expect(pages).toEqual([true, true, false]);
  });

  it('paginates a filtered list', async () => {
    const first = (await t.ok(POSTS, { filter: { status: 'SCHEDULED' }, first: 2 }, token)).posts;
    expect(first.edges.map((e: any) => e.node.content)).toEqual(['p3', 'p2']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await t.ok(POSTS, { filter: { status: 'SCHEDULED' }, first: 2, after: first.pageInfo.endCursor }, token)).posts;
    expect(second.edges.map((e: any) => e.node.content)).toEqual(['p1']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('post(id) reads one post with its deliveries', async () => {
    const { post } = await t.ok(`query($id: ID!) { post(id: $id) { content deliveries { status channel { id } } } }`, { id: p.p3 }, token);
    expect(post.content).toBe('p3');
    expect(post.deliveries.map((d: any) => d.channel.id).sort()).toEqual([m, w].sort());
  });
});

describe('DateTime arguments', () => {
  const NOT_ISO = /is not an ISO 8601 date-time with a time zone, e\.g\. 2026-05-01T09:30:00Z/;

  it('refuses a value that is not ISO 8601 with an offset, in variables and in the query text', async () => {
    for (const value of ['tomorrow', '2030-05-01 09:30', '2030-05-01', '2030-05-01T09:30:00', '2030-02-30T10:00:00Z', 1_900_000_000_000]) {
      const viaVariable = await t.gql(`mutation($id: ID!, $at: DateTime!) { reschedulePost(id: $id, scheduledAt: $at) { id } }`, { id: p.p1, at: value }, token);
      expect(errorOf(viaVariable).message, String(value)).toMatch(NOT_ISO);
      expect(viaVariable.data ?? null).toBeNull();
    }
    const inline = await t.gql(`mutation { reschedulePost(id: "${p.p1}", scheduledAt: "next week") { id } }`, {}, token);
    expect(errorOf(inline).message).toMatch(NOT_ISO);
    const inFilter = await t.gql(POSTS, { filter: { from: 'yesterday' } }, token);
    expect(errorOf(inFilter).message).toMatch(NOT_ISO);
    // Nothing moved.
    const { post } = await t.ok(`query($id: ID!) { post(id: $id) { deliveries { scheduledAt } } }`, { id: p.p1 }, token);
    expect(post.deliveries[0].scheduledAt).toBe(at(1));
  });

  it('accepts any offset and answers in UTC', async () => {
    const local = new Date(base + 5 * HOUR);
    local.setUTCMilliseconds(0);
    const shifted = new Date(local.getTime() + 2 * HOUR).toISOString().replace(/\.000Z$/, '+02:00');
    // In a workspace of its own, so the lists above stay as they are.
    const own = await signUp(t);
    const channel = await createChannel(t, own, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
    const post = await createPost(t, own, { content: 'offset', channelIds: [channel.id], draft: true });
    const { rescheduleDelivery } = await t.ok(
      `mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at) { scheduledAt } }`,
      { id: post.deliveries[0].id, at: shifted },
      own,
    );
    expect(rescheduleDelivery.scheduledAt).toBe(local.toISOString());
  });
});

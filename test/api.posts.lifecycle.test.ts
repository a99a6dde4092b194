// What people do to a post after creating it: move it, cancel it, edit it, delete it; and the jobs behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost } from './helpers/scenario.js';
import { errorOf, inMs, issuesOf, publishJobs, readPost, waitForAllDeliveries } from './helpers/api.js';

let t: TestApp;
let mastodon: MastodonFake;
let hooks: WebhookReceiver;
const HOOK_SECRET = 'webhook-secret-of-the-channel';

beforeAll(async () => {
  mastodon = await startMastodonFake({ maxCharacters: 100 });
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([mastodon?.stop(), hooks?.stop()]);
});

async function setup() {
  const token = await signUp(t);
  const m = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Toots');
  const w = await createChannel(t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET }, 'Site');
  return { token, m: m.id, w: w.id };
}

const RESCHEDULE_POST = `mutation($id: ID!, $at: DateTime!) { reschedulePost(id: $id, scheduledAt: $at) { id deliveries { id status scheduledAt } } }`;
const RESCHEDULE_DELIVERY = `mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at) { id status scheduledAt } }`;
const CANCEL = `mutation($id: ID!) { cancelPost(id: $id) { id deliveries { status } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id content mediaUrls priority } }`;
const statusesOf = (post: { deliveries: { status: string }[] }) => post.deliveries.map((d) => d.status);
const published = (text: string) => mastodon.statuses.filter((s) => s.text === text);

describe('rescheduling', () => {
  it('reschedulePost moves every delivery and replaces its job', async () => {
    const { token, m, w } = await setup();
    const post = await createPost(t, token, { content: 'moved', channelIds: [m, w], scheduledAt: inMs(3_600_000) });
    const later = new Date(Date.now() + 7_200_000);
    later.setMilliseconds(0);
    const { reschedulePost } = await t.ok(RESCHEDULE_POST, { id: post.id, at: later.toISOString() }, token);
    expect(reschedulePost.deliveries.map((d: any) => [d.status, d.scheduledAt])).toEqual([
      ['SCHEDULED', later.toISOString()],
      ['SCHEDULED', later.toISOString()],
    ]);
    for (const d of post.deliveries) expect((await publishJobs(t, d.id)).map((j) => j.run_at.toISOString())).toEqual([later.toISOString()]);

    const past = await t.gql(RESCHEDULE_POST, { id: post.id, at: inMs(-10 * 60_000) }, token);
    expect(issuesOf(past).map((i) => [i.path, i.rule])).toEqual([[['scheduledAt'], 'notInPast']]);
    expect(statusesOf(await readPost(t, token, post.id))).toEqual(['SCHEDULED', 'SCHEDULED']);
  });

  it('rescheduleDelivery moves one delivery and its job, not the others', async () => {
    const { token, m, w } = await setup();
    const first = inMs(3_600_000);
    const post = await createPost(t, token, { content: 'one moves', channelIds: [m, w], scheduledAt: first });
    const [moving, staying] = (await readPost(t, token, post.id)).deliveries;
    const later = inMs(5_400_000);
    const { rescheduleDelivery } = await t.ok(RESCHEDULE_DELIVERY, { id: moving.id, at: later }, token);
    expect(rescheduleDelivery).toMatchObject({ id: moving.id, status: 'SCHEDULED', scheduledAt: later });
    expect((await publishJobs(t, moving.id)).map((j) => j.run_at.toISOString())).toEqual([later]);
    expect((await publishJobs(t, staying.id)).map((j) => j.run_at.toISOString())).toEqual([first]);
    // The list keeps its order although one row changed.
    const after = await readPost(t, token, post.id);
    expect(after.deliveries.map((d: any) => [d.id, d.scheduledAt])).toEqual([
      [moving.id, later],
      [staying.id, first],
    ]);
  });

  it('refuses to move a published delivery', async () => {
    const { token, m } = await setup();
    const post = await createPost(t, token, { content: 'out already', channelIds: [m], publishNow: true });
    const done = await waitForAllDeliveries(t, token, post.id, ['PUBLISHED']);
    const error = errorOf(await t.gql(RESCHEDULE_DELIVERY, { id: done.deliveries[0].id, at: inMs(60_000) }, token));
    expect(error.extensions?.code).toBe('CONFLICT');
    expect(error.message).toMatch(/PUBLISHED/);
    expect(errorOf(await t.gql(RESCHEDULE_POST, { id: post.id, at: inMs(60_000) }, token)).extensions?.code).toBe('CONFLICT');
    expect(published('out already')).toHaveLength(1);
  });
});

describe('cancelPost', () => {
  it('cancels the deliveries, removes their jobs, and nothing is sent', async () => {
    const { token, m, w } = await setup();
    const cancelled = await createPost(t, token, { content: 'never sent', channelIds: [m, w], scheduledAt: inMs(1000) });
    const { cancelPost } = await t.ok(CANCEL, { id: cancelled.id }, token);
    expect(statusesOf(cancelPost)).toEqual(['CANCELLED', 'CANCELLED']);
    for (const d of cancelled.deliveries) expect(await publishJobs(t, d.id)).toEqual([]);
    // A post due after the cancelled one goes out; by then the cancelled one would have too.
    const later = await createPost(t, token, { content: 'sent after', channelIds: [m, w], scheduledAt: inMs(1500) });
    await waitForAllDeliveries(t, token, later.id, ['PUBLISHED']);
    expect(mastodon.requests.filter((r) => r.body.status === 'never sent')).toHaveLength(0);
    expect(hooks.requests.filter((r) => r.rawBody.includes(cancelled.id))).toHaveLength(0);
    expect(statusesOf(await readPost(t, token, cancelled.id))).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('refuses a published post with CONFLICT saying it is published', async () => {
    const { token, m } = await setup();
    const post = await createPost(t, token, { content: 'too late to cancel', channelIds: [m], publishNow: true });
    await waitForAllDeliveries(t, token, post.id, ['PUBLISHED']);
    const error = errorOf(await t.gql(CANCEL, { id: post.id }, token));
    expect(error.extensions?.code).toBe('CONFLICT');
    expect(error.message).toMatch(/is PUBLISHED.*already on the network/);
    expect(statusesOf(await readPost(t, token, post.id))).toEqual(['PUBLISHED']);
  });

  it('a cancelled post can be scheduled again', async () => {
    const { token, m } = await setup();
    const post = await createPost(t, token, { content: 'second thoughts', channelIds: [m], scheduledAt: inMs(3_600_000) });
    await t.ok(CANCEL, { id: post.id }, token);
    await t.ok(`mutation($id: ID!) { publishNow(id: $id) { id } }`, { id: post.id }, token);
    await waitForAllDeliveries(t, token, post.id, ['PUBLISHED']);
    expect(published('second thoughts')).toHaveLength(1);
  });
});

describe('updatePost', () => {
  it('changes the text that will be published, checked against every channel again', async () => {
    const { token, m, w } = await setup();
    const post = await createPost(t, token, { content: 'first words', channelIds: [m, w], scheduledAt: inMs(1500) });
    const tooLong = await t.gql(UPDATE, { id: post.id, input: { content: 'x'.repeat(101) } }, token);
    expect(issuesOf(tooLong).map((i) => [i.path, i.rule])).toEqual([[['input', 'content'], 'maxLength']]);
    expect(issuesOf(tooLong)[0].message).toContain('MASTODON channel "Toots"');
    expect(issuesOf(await t.gql(UPDATE, { id: post.id, input: { priority: -1 } }, token)).map((i) => i.path)).toEqual([['input', 'priority']]);
    expect((await readPost(t, token, post.id)).content).toBe('first words');

    const { updatePost } = await t.ok(UPDATE, { id: post.id, input: { content: 'better words', priority: 7 } }, token);
    expect(updatePost).toMatchObject({ content: 'better words', priority: 7, mediaUrls: [] });
    await waitForAllDeliveries(t, token, post.id, ['PUBLISHED']);
    expect(published('better words')).toHaveLength(1);
    expect(published('first words')).toHaveLength(0);

    const late = errorOf(await t.gql(UPDATE, { id: post.id, input: { content: 'too late' } }, token));
    expect(late.extensions?.code).toBe('CONFLICT');
    expect(late.message).toMatch(/already published/);
  });
});

describe('deletePost', () => {
  it('removes the post, its deliveries and their jobs', async () => {
    const { token, m, w } = await setup();
    const post = await createPost(t, token, { content: 'to be deleted', channelIds: [m, w], scheduledAt: inMs(3_600_000) });
    const { deletePost } = await t.ok(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id }, token);
    expect(deletePost).toBe(post.id);
    expect((await t.ok(`query($id: ID!) { post(id: $id) { id } }`, { id: post.id }, token)).post).toBeNull();
    expect(await t.app.database.prisma.delivery.count({ where: { postId: post.id } })).toBe(0);
    for (const d of post.deliveries) expect(await publishJobs(t, d.id)).toEqual([]);
    const again = errorOf(await t.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id }, token));
    expect(again.extensions?.code).toBe('NOT_FOUND');
  });
});

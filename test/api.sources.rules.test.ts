// A source's rules and the operations on it (issue 13, section 1): rules checked whole before saving (templates with
// their line and column), approval holds, the preview, the plan limit, disconnecting, and another workspace seeing
// and changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, sendEvent, setRules, waitForEvents, type FakeSource } from './helpers/fakeSource.js';
import { createOrReconnectSource, createSourceHost } from '../src/services/sources.js';
import { systemActor } from '../src/domain/audit.js';
import { deleteWorkspaceRow } from '../src/store/workspaceDeletion.js';

let t: TestApp;
let mastodon: MastodonFake;
let tiny: MastodonFake;
let fake: FakeSource;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  tiny = await startMastodonFake({ maxCharacters: 30 });
  t = await startTestApp();
  fake = installFakeSource(t);
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
  await tiny?.stop();
});

async function shop() {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Main');
  const source = await connectFakeSource(t, token);
  return { token, channel: channel.id, ...source };
}

const UPDATE = `mutation($id: ID!, $input: UpdateSourceInput!) { updateSource(id: $id, input: $input) { id name rules } }`;
const issuesOf = (errors: GraphQLErrorShape[] | undefined) =>
  (errors?.[0]?.extensions?.issues ?? []) as { path: (string | number)[]; rule: string; line?: number; column?: number }[];

describe('rules', () => {
  it('are refused whole with every problem named by its field and rule, templates with line and column', async () => {
    const { token, sourceId, channel } = await shop();
    const other = await createChannel(t, await signUp(t), 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Not yours');
    const result = await t.gql(
      UPDATE,
      {
        id: sourceId,
        input: {
          name: 'Renamed',
          rules: {
            events: ['PUBLISHED', 'RESTOCKED'],
            channelIds: [channel, other.id],
            templates: { default: '{{ title }}\n  {{ colour }}', byNetwork: { MASTODON: '{{ title' } },
            timing: { mode: 'DELAY' },
            priority: 500,
          },
        },
      },
      token,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(issuesOf(result.errors).map((i) => [i.path.join('.'), i.rule])).toEqual([
      ['input.rules.events.1', 'invalid_value'],
      ['input.rules.timing.delayMinutes', 'custom'],
      ['input.rules.priority', 'too_big'],
    ]);
    // Structure first; with it right, the templates and channels are checked.
    const second = await t.gql(
      UPDATE,
      { id: sourceId, input: { rules: { channelIds: [channel, other.id], templates: { default: '{{ title }}\n  {{ colour }}', byNetwork: { MASTODON: '{{ title' } } } } },
      token,
    );
    expect(issuesOf(second.errors).map((i) => [i.path.join('.'), i.rule, i.line, i.column])).toEqual([
      ['input.rules.templates.default', 'UNKNOWN_FIELD', 2, 6],
      ['input.rules.templates.byNetwork.MASTODON', 'SYNTAX', 1, 1],
      ['input.rules.channelIds.1', 'exists', undefined, undefined],
    ]);
    expect(second.errors?.[0]?.message).toMatch(/line 2, column 6: unknown field "colour"/);
    const stored = await t.ok(`query($id: ID!) { source(id: $id) { name rules } }`, { id: sourceId }, token);
    expect(stored.source).toMatchObject({ name: 'Linen & Co', rules: { channelIds: [], events: ['PUBLISHED'], timing: { mode: 'SMART' } } });
  });

  it('are saved with every default filled in, and audited', async () => {
    const { token, sourceId, channel, workspaceId } = await shop();
    const saved = await t.ok(UPDATE, { id: sourceId, input: { name: 'Shop', rules: { channelIds: [channel], templates: { byChannel: { [channel]: '{{ title }}' } } } } }, token);
    expect(saved.updateSource).toMatchObject({
      name: 'Shop',
      rules: {
        events: ['PUBLISHED'],
        channelIds: [channel],
        templates: { byNetwork: {}, byChannel: { [channel]: '{{ title }}' } },
        timing: { mode: 'SMART' },
        priority: 0,
        utm: { enabled: true, medium: 'social' },
        requiresApproval: false,
        evergreen: { enabled: false, everyDays: 30, maxPerDay: 1, excludedTags: [] },
      },
    });
    const audit = await t.app.database.pool.query(`SELECT action, details FROM audit_events WHERE workspace_id = $1 AND target_id = $2 ORDER BY at`, [workspaceId, sourceId]);
    expect(audit.rows).toEqual([
      { action: 'source.connected', details: expect.objectContaining({ kind: 'SHOPIFY' }) },
      { action: 'source.updated', details: { fields: ['name', 'rules'] } },
    ]);
  });

  it('with requiresApproval hold the posts for an ADMIN, like an editor’s', async () => {
    const { token, sourceId, channel } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel], requiresApproval: true });
    const id = `p-held-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-held', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    const post = await t.ok(`query($id: ID!) { post(id: $id) { id deliveries { status } } }`, { id: event!.postIds[0] }, token);
    expect(post.post.deliveries).toEqual([{ status: 'AWAITING_APPROVAL' }]);
    const submitted = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'post.submitted' AND target_id = $1`, [event!.postIds[0]]);
    expect(submitted.rows[0].n).toBe(1);
  }, 30_000);

  it('make an ERROR, with its message, of an event whose post fits no network; the item waits for a redelivery', async () => {
    const token = await signUp(t);
    const small = await createChannel(t, token, 'MASTODON', { instanceUrl: tiny.url, accessToken: tiny.accessToken }, 'Tiny');
    const { sourceId } = await connectFakeSource(t, token);
    await setRules(t, token, sourceId, { channelIds: [small.id], templates: { default: '{{ url }} {{ url }}' } });
    const id = `p-unfit-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-unfit', id);
    const events = await eventually(async () => {
      const rows = await t.app.database.pool.query(`SELECT outcome, reason FROM source_events WHERE source_id = $1`, [sourceId]);
      return rows.rows.length ? rows.rows : undefined;
    });
    expect(events).toEqual([{ outcome: 'ERROR', reason: 'MASTODON channel "Tiny": the post does not fit even with only its link; shorten the template' }]);
    const item = await t.app.database.pool.query(`SELECT published, first_published_at FROM source_items WHERE source_id = $1`, [sourceId]);
    expect(item.rows).toEqual([{ published: false, first_published_at: null }]);
    // Fixed, the same event delivered again makes the post.
    await setRules(t, token, sourceId, { channelIds: [small.id], templates: { default: '{{ url }}' }, timing: { mode: 'DELAY', delayMinutes: 60 } });
    await sendEvent(t, sourceId, 'e-unfit', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ eventId: 'e-unfit', outcome: 'POST_CREATED' });
  }, 30_000);
});

describe('previewSourcePost', () => {
  it('renders a stored item for each channel of the rules: text, fit, link with UTM and card', async () => {
    const { token, sourceId, channel } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel], templates: { default: '{{ title }} {{ price }} {{ url }}' }, utm: { campaign: 'spring' } });
    const id = `p-preview-${Date.now()}`;
    fake.set(id, product(id, { published: false }));
    await sendEvent(t, sourceId, 'e-preview', id);
    await waitForEvents(t, token, sourceId, 1);
    const data = await t.ok(
      `query($s: ID!, $i: String!) { previewSourcePost(sourceId: $s, itemId: $i) { channelId platform text fits droppedHashtags link card { url title description image } mediaUrls } }`,
      { s: sourceId, i: id },
      token,
    );
    const link = `https://linen.example.com/products/${id}?utm_source=mastodon&utm_medium=social&utm_campaign=spring`;
    expect(data.previewSourcePost).toEqual([
      {
        channelId: channel,
        platform: 'MASTODON',
        text: `Linen shirt €19.90 ${link}`,
        fits: true,
        droppedHashtags: 0,
        link,
        card: { url: link, title: 'Linen shirt', description: 'A shirt of washed linen, cut loose, for warm days.', image: `https://cdn.example.com/${id}.jpg` },
        mediaUrls: [],
      },
    ]);
    const missing = await t.gql(`query($s: ID!) { previewSourcePost(sourceId: $s, itemId: "nope") { text } }`, { s: sourceId }, token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }, 30_000);
});

describe('a source', () => {
  it('counts against the plan when it is installed, and is the same source when the store installs again', async () => {
    const { token, sourceId, workspaceId, shop: store } = await shop();
    const install = { workspaceId, kind: 'SHOPIFY' as const, externalId: store, name: 'Again', credentials: { accessToken: 'new' }, actor: systemActor(workspaceId) };
    expect(await createOrReconnectSource(t.app.services, install)).toEqual({ sourceId, reconnected: true });
    await t.app.database.pool.query(`UPDATE workspaces SET plan = 'FREE' WHERE id = $1`, [workspaceId]);
    await expect(createOrReconnectSource(t.app.services, { ...install, externalId: `other-${store}` })).rejects.toMatchObject({ code: 'PLAN_LIMIT' });
    const other = await signUp(t);
    const otherWorkspace = (await t.ok(`{ workspace { id } }`, {}, other)).workspace.id;
    await expect(createOrReconnectSource(t.app.services, { ...install, workspaceId: otherWorkspace, actor: systemActor(otherWorkspace) })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await t.ok(`{ sources { id } }`, {}, token)).sources).toEqual([{ id: sourceId }]);
  });

  it("is what a connector's routes reach through the host: found by its store, credentials saved sealed, events received", async () => {
    const { token, sourceId, workspaceId, shop: store, channel } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel], timing: { mode: 'DELAY', delayMinutes: 60 } });
    const host = createSourceHost(t.app.services);
    expect(await host.findByStore('SHOPIFY', store)).toEqual({ id: sourceId, workspaceId, status: 'ACTIVE' });
    expect(await host.findByStore('SHOPIFY', `none-${store}`)).toBeNull();
    await host.saveCredentials(sourceId, { accessToken: 'rotated', refreshToken: 'next' });
    const sealed = (await t.app.database.pool.query(`SELECT credentials_sealed FROM sources WHERE id = $1`, [sourceId])).rows[0].credentials_sealed as string;
    expect(sealed).not.toContain('rotated');
    expect(JSON.parse(t.app.services.secrets.open(sealed))).toEqual({ accessToken: 'rotated', refreshToken: 'next' });
    // Two renewals at once: the second waits, sees the first's new pair, and keeps it instead of spending it again.
    const seen: unknown[] = [];
    const renew = async (current: Record<string, unknown>) => {
      seen.push(current.refreshToken);
      return current.refreshToken === 'next' ? { accessToken: 'renewed', refreshToken: 'after-next' } : null;
    };
    const renewed = await Promise.all([host.renewCredentials(sourceId, renew), host.renewCredentials(sourceId, renew)]);
    expect(seen).toEqual(['next', 'after-next']);
    expect(renewed).toEqual([
      { accessToken: 'renewed', refreshToken: 'after-next' },
      { accessToken: 'renewed', refreshToken: 'after-next' },
    ]);
    const id = `p-host-${Date.now()}`;
    fake.set(id, product(id));
    await host.receive({ sourceId, eventId: 'e-host', change: { kind: 'UPSERTED', externalId: id, changedAt: new Date() } });
    expect((await waitForEvents(t, token, sourceId, 1))[0]).toMatchObject({ eventId: 'e-host', outcome: 'POST_CREATED' });
  }, 30_000);

  it('disconnected takes no more events and keeps no credentials', async () => {
    const { token, sourceId, channel } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel] });
    const done = await t.ok(`mutation($id: ID!) { disconnectSource(id: $id) { status } }`, { id: sourceId }, token);
    expect(done.disconnectSource.status).toBe('DISCONNECTED');
    const row = await t.app.database.pool.query(`SELECT credentials_sealed FROM sources WHERE id = $1`, [sourceId]);
    expect(row.rows[0].credentials_sealed).toBeNull();
    const id = `p-off-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-off', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    expect(event).toMatchObject({ outcome: 'IGNORED', reason: 'the source is disconnected: it takes no events', postIds: [] });
  }, 30_000);

  it('goes, with its items, events and occurrences, when its workspace is purged', async () => {
    const { token, sourceId, channel, workspaceId } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel], timing: { mode: 'DELAY', delayMinutes: 60 } });
    const id = `p-purge-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-purge', id);
    await waitForEvents(t, token, sourceId, 1);
    const { pool } = t.app.database;
    const count = async () =>
      (
        await pool.query(
          `SELECT (SELECT count(*) FROM sources WHERE id = $1) + (SELECT count(*) FROM source_items WHERE source_id = $1)
                + (SELECT count(*) FROM source_events WHERE source_id = $1) + (SELECT count(*) FROM source_occurrences WHERE source_id = $1) AS n`,
          [sourceId],
        )
      ).rows[0].n;
    expect(Number(await count())).toBe(4);
    expect(await deleteWorkspaceRow(pool, workspaceId)).toBe(true); // the purge's last step
    expect(Number(await count())).toBe(0);
  }, 30_000);

  it('erased (shop/redact) leaves nothing of it but its id in the audit trail', async () => {
    const { token, sourceId, channel, workspaceId } = await shop();
    await setRules(t, token, sourceId, { channelIds: [channel], timing: { mode: 'DELAY', delayMinutes: 60 } });
    const id = `p-erase-${Date.now()}`;
    fake.set(id, product(id));
    await sendEvent(t, sourceId, 'e-erase', id);
    const [event] = await waitForEvents(t, token, sourceId, 1);
    await createSourceHost(t.app.services).erase(sourceId);
    const { pool } = t.app.database;
    for (const table of ['source_items', 'source_events', 'source_occurrences']) {
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE source_id = $1`, [sourceId])).rows[0].n, table).toBe(0);
    }
    expect((await pool.query(`SELECT count(*)::int AS n FROM sources WHERE id = $1`, [sourceId])).rows[0].n).toBe(0);
    const erased = await pool.query(`SELECT details FROM audit_events WHERE workspace_id = $1 AND action = 'source.erased' AND target_id = $2`, [workspaceId, sourceId]);
    expect(erased.rows).toEqual([{ details: { kind: 'SHOPIFY' } }]);
    // Its post stays the workspace's.
    expect(await t.app.database.prisma.post.count({ where: { id: event!.postIds[0] } })).toBe(1);
  }, 30_000);

  it('is invisible and unchangeable from another workspace', async () => {
    const { token, sourceId } = await shop();
    const stranger = await signUp(t);
    const before = await t.ok(`query($id: ID!) { source(id: $id) { name rules status } }`, { id: sourceId }, token);
    expect((await t.ok(`{ sources { id } }`, {}, stranger)).sources).toEqual([]);
    const tries = [
      t.gql(`query($id: ID!) { source(id: $id) { id } }`, { id: sourceId }, stranger),
      t.gql(UPDATE, { id: sourceId, input: { name: 'Mine now', rules: {} } }, stranger),
      t.gql(`mutation($id: ID!) { disconnectSource(id: $id) { id } }`, { id: sourceId }, stranger),
      t.gql(`query($id: ID!) { previewSourcePost(sourceId: $id, itemId: "x") { text } }`, { id: sourceId }, stranger),
    ];
    for (const result of await Promise.all(tries)) expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const events = await t.ok(`query($id: ID!) { sourceEvents(sourceId: $id, first: 5) { edges { node { id } } } }`, { id: sourceId }, stranger);
    expect(events.sourceEvents.edges).toEqual([]);
    expect(await t.ok(`query($id: ID!) { source(id: $id) { name rules status } }`, { id: sourceId }, token)).toEqual(before);
  });
});

// A WordPress site as a content source (issue 14, section 2), against PostFlow's side of the wire contract
// (plugins/wordpress/PROTOCOL.md): createSource's site key and secret, every request signed with the
// `standardwebhooks` package's own Webhook.sign (so the format is the package's), refusals that write nothing, and
// events that become posts through the real source_event job and worker, published to a Mastodon fake.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { waitForEvents } from './helpers/fakeSource.js';
import { CREATE_SOURCE, article, event, wordpressSites } from './helpers/wordpressSite.js';

let t: TestApp;
let mastodon: MastodonFake;
let base: string;
let adminToken: string;

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
  base = t.app.httpUrl.replace('localhost', '127.0.0.1');
  adminToken = await signUp(t); // the instance's first account: it may set plans
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
});

const CREATE = CREATE_SOURCE;
const { site, send, postEvent, postsOf } = wordpressSites(() => ({ t, mastodon }));

/** Nothing a refused request could have written: no event row, no queued job, no post. */
async function writtenFor(sourceId: string) {
  const { rows } = await t.app.database.pool.query(
    `SELECT (SELECT count(*) FROM source_events WHERE source_id = $1)::int AS events, (SELECT count(*) FROM posts WHERE source_id = $2)::int AS posts,
            (SELECT count(*) FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks k ON k.id = j.task_id
              WHERE k.identifier = 'source_event' AND j.payload->>'sourceId' = $2)::int AS jobs`,
    [sourceId, sourceId],
  );
  return rows[0];
}

describe('createSource for a WordPress site', () => {
  it('answers a site key and signing secret once, keeping only the key hash and the secret sealed', async () => {
    const s = await site();
    expect(s.siteKey).toMatch(/^pfs_[A-Za-z0-9_-]{32}$/);
    expect(s.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { rows } = await t.app.database.pool.query(`SELECT external_id, site_key_hash, credentials_sealed FROM sources WHERE id = $1`, [s.sourceId]);
    expect(rows[0].external_id).toBe(s.url);
    expect(rows[0].site_key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toContain(s.siteKey);
    expect(JSON.stringify(rows[0])).not.toContain(s.secret.slice(6));
  });

  it('refuses a bad name or URL naming the field and rule, an address the outbound guard refuses, and the plan limit', async () => {
    const token = await signUp(t);
    const issues = async (input: Record<string, unknown>) => (await t.gql(CREATE, { input: { kind: 'WORDPRESS', name: 'Blog', ...input } }, token)).errors![0]!.extensions!;
    expect((await issues({ name: ' ', url: 'not a url' })).issues).toEqual([
      expect.objectContaining({ path: ['input', 'name'], rule: 'required' }),
      expect.objectContaining({ path: ['input', 'url'], rule: 'url' }),
    ]);
    expect((await issues({ url: 'http://10.0.0.5/blog' })).issues).toEqual([expect.objectContaining({ path: ['input', 'url'], rule: 'outbound' })]);
    expect((await issues({ url: 'ftp://blog.example.com/' })).issues).toEqual([expect.objectContaining({ path: ['input', 'url'], rule: 'outbound' })]);
    const workspaceId = (await t.ok(`{ workspace { id } }`, {}, token)).workspace.id;
    await t.ok(`mutation($id: ID!) { setWorkspacePlan(workspaceId: $id, plan: FREE) { id } }`, { id: workspaceId }, adminToken);
    // FREE has room for one source (a shop installing from Shopify must be able to connect before it picks a plan).
    await t.ok(CREATE, { input: { kind: 'WORDPRESS', name: 'First', url: 'https://first.example.com' } }, token);
    const refused = await issues({ url: 'https://free-plan.example.com' });
    expect(refused).toMatchObject({ code: 'PLAN_LIMIT', limit: 'sources', plan: 'FREE' });
    expect((await t.app.database.pool.query(`SELECT 1 FROM sources WHERE workspace_id = $1`, [workspaceId])).rowCount).toBe(1);
  });

  it('rotateSourceSecret answers a new pair; the old pair is refused from then on', async () => {
    const s = await site();
    const { rotateSourceSecret } = await t.ok(`mutation($id: ID!) { rotateSourceSecret(id: $id) { source { id } siteKey signingSecret } }`, { id: s.sourceId }, s.token);
    expect(rotateSourceSecret.source.id).toBe(s.sourceId);
    expect(rotateSourceSecret.siteKey).not.toBe(s.siteKey);
    expect((await send(s, 'GET', '/wordpress/ping')).status).toBe(401);
    expect((await send(s, 'GET', '/wordpress/ping', undefined, { siteKey: rotateSourceSecret.siteKey })).status).toBe(401); // new key, old secret
    const fresh = { ...s, siteKey: rotateSourceSecret.siteKey, secret: rotateSourceSecret.signingSecret };
    expect((await send(fresh, 'GET', '/wordpress/ping')).status).toBe(200);
    const audit = await t.app.database.pool.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY at`, [s.sourceId]);
    expect(audit.rows.map((r) => r.action)).toEqual(['source.connected', 'source.updated', 'source.secret_rotated']);
  });
});

describe('signed requests', () => {
  it('refuse, writing nothing: a forged signature, a replay outside the window, an unknown key, a disconnected site, a bad body', async () => {
    const s = await site();
    const body = event('item.published', article(s, '1'));
    const forged = await postEvent(s, body, { secret: `whsec_${randomBytes(32).toString('base64')}` });
    expect(forged).toEqual({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'the signature does not verify' } } });
    const replayed = await postEvent(s, body, { at: new Date(Date.now() - 301_000) });
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.message).toMatch(/more than 300 s/);
    expect((await postEvent(s, body, { siteKey: `pfs_${randomBytes(24).toString('base64url')}` })).status).toBe(401);
    const tampered = await fetch(`${base}/wordpress/events`, { method: 'POST', headers: { 'x-postflow-site': s.siteKey, 'content-type': 'application/json' }, body: '{}' });
    expect(tampered.status).toBe(401);
    const malformed = await postEvent(s, event('item.published', article(s, '1', { url: 'javascript:alert(1)', modified_at: 'yesterday' })));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION');
    expect(malformed.body.error.fields).toEqual([
      expect.objectContaining({ path: 'item.url', rule: 'url' }),
      expect.objectContaining({ path: 'item.modified_at', rule: 'datetime' }),
    ]);
    expect((await postEvent(s, '{"type": ')).body.error).toMatchObject({ code: 'VALIDATION', fields: [{ path: '', rule: 'json' }] });
    const huge = await postEvent(s, event('item.published', article(s, '1', { excerpt: 'x'.repeat(300 * 1024) })));
    expect(huge.status).toBe(413);
    const foreign = await postEvent(s, event('item.published', article(s, '1'), { channel_ids: [s.channelId, '00000000-0000-4000-8000-000000000000'] }));
    expect(foreign.body.error.fields).toEqual([expect.objectContaining({ path: 'share.channel_ids.1', rule: 'exists' })]);
    await t.ok(`mutation($id: ID!) { disconnectSource(id: $id) { id } }`, { id: s.sourceId }, s.token);
    expect(await postEvent(s, body)).toEqual({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'This site is disconnected in PostFlow' } } });
    expect(await writtenFor(s.sourceId)).toEqual({ events: 0, posts: 0, jobs: 0 });
  });
});

describe('events', () => {
  it('item.published becomes one post with the template; the same webhook-id again is answered duplicate (200), an edit posts nothing', async () => {
    const s = await site();
    const accepted = await postEvent(s, event('item.published', article(s, '10')), { id: 'wp-published-10' });
    expect(accepted).toEqual({ status: 202, body: { accepted: true, event_id: 'wp-published-10', duplicate: false } });
    await waitForEvents(t, s.token, s.sourceId, 1);
    await eventually(async () => (await writtenFor(s.sourceId)).jobs === 0, 10_000, 'the first job done');
    expect(await postEvent(s, event('item.published', article(s, '10')), { id: 'wp-published-10' })).toEqual({
      status: 200,
      body: { accepted: true, event_id: 'wp-published-10', duplicate: true },
    });
    // Answered, not queued: no job (a queued one stays listed until its row is written), no second row.
    expect(await writtenFor(s.sourceId)).toMatchObject({ events: 1, jobs: 0 });
    await postEvent(s, event('item.updated', article(s, '10', { title: 'Hello again' })), { id: 'wp-updated-10' });
    const events = await waitForEvents(t, s.token, s.sourceId, 2);
    expect(events.map((e) => [e.eventId, e.outcome])).toEqual([
      ['wp-published-10', 'POST_CREATED'],
      ['wp-updated-10', 'IGNORED'],
    ]);
    const [post, ...more] = await postsOf(s.sourceId);
    expect(more).toEqual([]);
    const link = `${s.url}/2026/hello-10/?utm_source=mastodon&utm_medium=social&utm_campaign=The+Blog`;
    expect(post!.content).toBe(`Read: Hello world by Jane Doe\n${link}\n#News`);
    expect(post!.source).toBe('ARTICLE');
    const published = await eventually(async () => mastodon.statuses.find((st) => st.text === post!.content), 15_000, 'the post published');
    expect(published).toBeTruthy();
  }, 30_000);

  it('a custom message overrides the template on its network, share.timing NOW publishes at once, share.enabled false posts nothing', async () => {
    const s = await site({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    await postEvent(s, event('item.published', article(s, '20'), { timing: 'NOW', messages: { MASTODON: 'Our launch post, in our own words', X: 'not this one' } }));
    await postEvent(s, event('item.published', article(s, '21'), { enabled: false }));
    const events = await waitForEvents(t, s.token, s.sourceId, 2);
    expect(events.find((e) => e.outcome === 'IGNORED')!.reason).toMatch(/sharing is turned off for this item/);
    const [post] = await postsOf(s.sourceId);
    expect(post!.content).toBe(`Our launch post, in our own words\n${s.url}/2026/hello-20/?utm_source=mastodon&utm_medium=social&utm_campaign=The+Blog`);
    const out = await eventually(async () => mastodon.statuses.find((st) => st.text === post!.content), 15_000, 'published at once, not 600 minutes later');
    expect(out).toBeTruthy();
  }, 30_000);

  it('trashing an article cancels its posts not yet out, saying why', async () => {
    const s = await site({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    await postEvent(s, event('item.published', article(s, '30')));
    await waitForEvents(t, s.token, s.sourceId, 1);
    await postEvent(s, event('item.deleted', article(s, '30', { status: 'trash', modified_at: new Date(Date.now() + 1000).toISOString() })));
    const [, trashed] = await waitForEvents(t, s.token, s.sourceId, 2);
    expect(trashed!.outcome).toBe('CANCELLED');
    const [post] = await postsOf(s.sourceId);
    expect(post!.deliveries.map((d) => [d.status, d.scheduleReason])).toEqual([['CANCELLED', expect.stringContaining('the item was deleted from the store')]]);
  }, 30_000);

  it('item.share makes a SHARED occurrence even for an item posted already, once per occurrence, to the channels it names', async () => {
    const s = await site({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const other = await createChannel(t, s.token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Second channel');
    await postEvent(s, event('item.published', article(s, '40')));
    await waitForEvents(t, s.token, s.sourceId, 1);
    await postEvent(s, event('item.share', article(s, '40'), { occurrence: '1', channel_ids: [other.id] }), { id: 'wp-share-40-1' });
    await waitForEvents(t, s.token, s.sourceId, 2);
    await postEvent(s, event('item.share', article(s, '40'), { occurrence: '1' }), { id: 'wp-share-40-1-again' });
    const events = await waitForEvents(t, s.token, s.sourceId, 3);
    expect(events.map((e) => e.outcome)).toEqual(['POST_CREATED', 'POST_CREATED', 'IGNORED']);
    expect(events[2]!.reason).toBe('share #1 of this item has its post already');
    const posts = await postsOf(s.sourceId);
    expect(posts.map((p) => p.deliveries.map((d) => d.channelId))).toEqual([[s.channelId], [other.id]]);
    const occurrences = await t.app.database.pool.query(`SELECT kind, occurrence FROM source_occurrences WHERE source_id = $1 ORDER BY created_at`, [s.sourceId]);
    expect(occurrences.rows).toEqual([
      { kind: 'PUBLISHED', occurrence: 1 },
      { kind: 'SHARED', occurrence: 1 },
    ]);
  }, 30_000);
});

describe('WooCommerce products', () => {
  it("carry their price and SKU to the template; a sale reported by item.updated fires ON_SALE like Shopify's, once", async () => {
    const template = '{{ title }}: {{ price }}{% if compare_at_price != "" %} (was {{ compare_at_price }}){% endif %}, SKU {{ sku }}{% if in_stock %}, in stock{% endif %}';
    const s = await site({ events: ['PUBLISHED', 'ON_SALE'], templates: { default: template, byNetwork: {}, byChannel: {} }, timing: { mode: 'DELAY', delayMinutes: 600 } });
    const product = (p: Record<string, unknown>, at: number) =>
      article(s, '60', {
        post_type: 'product',
        title: 'Linen shirt',
        modified_at: new Date(Date.now() + at).toISOString(),
        product: { price: '24.99', regular_price: '24.99', sale_price: '', currency: 'EUR', sku: 'LIN-1', in_stock: true, stock_quantity: 5, ...p },
      });
    const step = async (type: string, p: Record<string, unknown>, i: number) => {
      await postEvent(s, { ...event(type, product(p, i)), occurred_at: new Date(Date.now() + i).toISOString() });
      return waitForEvents(t, s.token, s.sourceId, i + 1);
    };
    await step('item.published', {}, 0);
    await step('item.updated', { price: '19.99', sale_price: '19.99' }, 1);
    const events = await step('item.updated', { price: '18.99', sale_price: '18.99' }, 2);
    expect(events.map((e) => e.outcome)).toEqual(['POST_CREATED', 'POST_CREATED', 'IGNORED']);
    const posts = await postsOf(s.sourceId);
    expect(posts.map((p) => [p.source, p.content])).toEqual([
      ['PRODUCT', 'Linen shirt: €24.99, SKU LIN-1, in stock'],
      ['PRODUCT', 'Linen shirt: €19.99 (was €24.99), SKU LIN-1, in stock'],
    ]);
  }, 30_000);
});

describe('ping and status', () => {
  it('ping answers the workspace, the source and its usable channels; status the deliveries of each item asked for', async () => {
    const s = await site({ timing: { mode: 'DELAY', delayMinutes: 600 } });
    const ping = await send(s, 'GET', '/wordpress/ping');
    expect(ping.status).toBe(200);
    expect(ping.body).toEqual({
      workspace: { id: expect.any(String), name: 'Acme' },
      source: { id: s.sourceId, name: 'The Blog', status: 'ACTIVE' },
      channels: [{ id: s.channelId, name: 'Blog channel', network: 'MASTODON' }],
    });
    await postEvent(s, event('item.published', article(s, '50')));
    await waitForEvents(t, s.token, s.sourceId, 1);
    const status = await send(s, 'GET', '/wordpress/status?items=50,51');
    expect(status.body.items).toEqual([
      {
        id: '50',
        deliveries: [
          {
            id: expect.any(String),
            channel: { id: s.channelId, name: 'Blog channel', network: 'MASTODON' },
            status: 'SCHEDULED',
            scheduled_at: expect.any(String),
            published_at: null,
            external_url: null,
            error: null,
          },
        ],
      },
      { id: '51', deliveries: [] },
    ]);
    // The query is signed: another one under the same signature is refused.
    const signedFor = `/wordpress/status?items=50`;
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_0123456789abcdef01234567',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(s.secret).sign('msg_0123456789abcdef01234567', at, signedFor),
      'x-postflow-site': s.siteKey,
    };
    expect((await fetch(`${base}/wordpress/status?items=50,99`, { headers })).status).toBe(401);
    expect((await fetch(`${base}${signedFor}`, { headers })).status).toBe(200);
    const tooMany = await send(s, 'GET', `/wordpress/status?items=${Array.from({ length: 51 }, (_, i) => i + 1).join(',')}`);
    expect(tooMany.body.error.fields).toEqual([expect.objectContaining({ path: 'items', rule: 'max' })]);
  }, 30_000);
});

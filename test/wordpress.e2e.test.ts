// Real WordPress -> PostFlow (issue 14): Debian's WordPress with the plugin, connected to a running PostFlow (its
// worker included) through a WORDPRESS source made with createSource, a Mastodon fake as the network. Articles are
// written through WordPress's REST API and the admin pages; what reaches PostFlow is only what the plugin sends.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { PROJECT_ROOT } from './helpers/childProcess.js';
import { setRules } from './helpers/fakeSource.js';
import { freePort } from './helpers/ports.js';
import { createChannel } from './helpers/scenario.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { startWordPress, type WordPressSite } from './helpers/wordpress.js';
import { CREATE_SOURCE } from './helpers/wordpressSite.js';

const PLUGIN = path.join(PROJECT_ROOT, 'plugins/wordpress/postflow');
const TEMPLATE = 'Read: {{ title }} by {{ author }}\n{{ url }}';

let t: TestApp;
let mastodon: MastodonFake;
let wp: WordPressSite;
let postflowUrl: string;
let token: string;
let sourceId: string;
let channelIds: string[];

beforeAll(async () => {
  mastodon = await startMastodonFake();
  t = await startTestApp();
  postflowUrl = t.app.httpUrl.replace('localhost', '127.0.0.1');
  wp = await startWordPress({ pluginDir: PLUGIN });
  token = await signUp(t);
  channelIds = [];
  for (const name of ['Blog news', 'Blog digest']) {
    channelIds.push((await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, name)).id);
  }
  const { createSource } = await t.ok(CREATE_SOURCE, { input: { kind: 'WORDPRESS', name: 'The Blog', url: `${wp.url}/` } }, token);
  sourceId = createSource.source.id;
  // What the admin pastes into the plugin's settings page.
  await setOptions({ postflow_url: postflowUrl, postflow_connection: { site_key: createSource.siteKey, secret: createSource.signingSecret } });
  await rules({ mode: 'IMMEDIATE' });
}, 120_000);
afterAll(async () => {
  await wp?.stop();
  await t?.stop();
  await mastodon?.stop();
});

async function json(response: Response): Promise<any> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text);
}
const setOptions = (options: Record<string, unknown>) =>
  wp.evalPhp(
    Object.entries(options)
      .map(([name, value]) => `update_option(${JSON.stringify(name)}, json_decode(${JSON.stringify(JSON.stringify(value))}, true), false);`)
      .join('\n'),
  );
const rules = (timing: Record<string, unknown>) => setRules(t, token, sourceId, { channelIds, templates: { default: TEMPLATE, byNetwork: {}, byChannel: {} }, timing });
const publish = (title: string) =>
  wp.rest('/wp/v2/posts', { method: 'POST', body: JSON.stringify({ title, content: `<p>${title}, the article.</p>`, status: 'publish' }) }).then(json);
const eventId = (itemId: number, type: string, discriminator: string) => `wp-${createHash('sha1').update(`${wp.url}|${itemId}|${type}|${discriminator}`).digest('hex')}`;
const postsOf = async (itemId: number) =>
  (await t.app.database.prisma.post.findMany({ where: { sourceId }, include: { deliveries: true }, orderBy: { createdAt: 'asc' } })).filter((p) =>
    p.content.includes(`?p=${itemId}`),
  );
const eventRows = async () =>
  (await t.app.database.pool.query<{ event_id: string; outcome: string }>(`SELECT event_id, outcome FROM source_events WHERE source_id = $1 ORDER BY received_at`, [sourceId]))
    .rows;
/** The outcome PostFlow recorded for a webhook-id, once its job has handled it. */
const outcomeOf = (webhookId: string) =>
  eventually(
    async () => (await eventRows()).find((e) => e.event_id === webhookId && e.outcome !== 'ERROR' && e.outcome !== 'PENDING')?.outcome,
    15_000,
    `the event ${webhookId} handled`,
  );
const outboxRow = async (webhookId: string) =>
  JSON.parse(
    await wp.evalPhp(
      `global $wpdb; echo wp_json_encode($wpdb->get_row($wpdb->prepare("SELECT status, attempts, last_status FROM {$wpdb->prefix}postflow_outbox WHERE event_id = %s", ${JSON.stringify(webhookId)})));`,
    ),
  );

describe('a WordPress site connected to PostFlow', () => {
  it('"Test connection" shows the workspace, the source and its channels (a signed GET /wordpress/ping)', async () => {
    const admin = await wp.login(wp.adminUser, wp.adminPassword);
    const settings = () => fetch(`${wp.url}/wp-admin/options-general.php?page=postflow`, { headers: { cookie: admin } }).then((r) => r.text());
    const form = (await settings()).split('<form').find((f) => f.includes('value="postflow_test_connection"'))!;
    const nonce = /name="_wpnonce" value="([0-9a-f]+)"/.exec(form)![1]!;
    const sent = await fetch(`${wp.url}/wp-admin/admin-post.php`, {
      method: 'POST',
      headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'postflow_test_connection', _wpnonce: nonce }),
      redirect: 'manual',
    });
    expect(sent.status).toBe(302);
    const html = await settings();
    expect(html).toContain('Connected to the workspace &quot;Acme&quot; as the source &quot;The Blog&quot; (ACTIVE).');
    expect(html).toContain('<li>Blog news (MASTODON)</li>');
    expect(html).toContain('<li>Blog digest (MASTODON)</li>');
  });

  let article: { id: number; link: string };

  it('turns a published article into one post per channel with the template, published to Mastodon', async () => {
    article = await publish('Spring at the farm');
    expect(await outboxRow(eventId(article.id, 'item.published', 'published'))).toMatchObject({ status: 'delivered', last_status: '202' });
    expect(await outcomeOf(eventId(article.id, 'item.published', 'published'))).toBe('POST_CREATED');
    const posts = await postsOf(article.id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.deliveries.map((d) => d.channelId).sort()).toEqual([...channelIds].sort());
    expect(posts[0]!.content).toMatch(new RegExp(`^Read: Spring at the farm by Ada Admin\\n${wp.url.replace(/[.:/]/g, '\\$&')}/\\?p=${article.id}`));
    await eventually(async () => mastodon.statuses.filter((s) => s.text === posts[0]!.content).length === 2, 15_000, 'both statuses on Mastodon');
  }, 30_000);

  it("shows the delivery with its external URL in the editor panel's status read (GET /wordpress/status)", async () => {
    const { deliveries } = await eventually(
      async () => {
        const answer = await wp.rest(`/postflow/v1/posts/${article.id}/deliveries`).then(json);
        return answer.deliveries.length === 2 && answer.deliveries.every((d: any) => d.status === 'PUBLISHED') && answer;
      },
      15_000,
      'the deliveries PUBLISHED in the panel',
    );
    const urls = mastodon.statuses.filter((s) => s.text.startsWith('Read: Spring at the farm')).map((s) => s.entity.url);
    expect(deliveries.map((d: any) => d.external_url).sort()).toEqual(urls.sort());
    expect(deliveries.map((d: any) => d.channel.name).sort()).toEqual(['Blog digest', 'Blog news']);
    expect(deliveries.every((d: any) => d.published_at && d.error === null)).toBe(true);
  });

  it('makes no second post of an edit', async () => {
    const edited = await wp.rest(`/wp/v2/posts/${article.id}`, { method: 'POST', body: JSON.stringify({ title: 'Spring at the farm, with photos' }) }).then(json);
    const updated = eventId(article.id, 'item.updated', `${edited.modified_gmt}Z`);
    expect((await outboxRow(updated)).status).toBe('delivered');
    expect(await outcomeOf(updated)).not.toBe('POST_CREATED');
    expect(await postsOf(article.id)).toHaveLength(1);
    expect(mastodon.statuses.filter((s) => s.text.includes(`?p=${article.id}`))).toHaveLength(2);
  }, 30_000);

  it('makes a re-published article public again in PostFlow, without a second post', async () => {
    const item = () => t.app.database.prisma.sourceItem.findFirstOrThrow({ where: { sourceId, externalId: String(article.id) } });
    await wp.rest(`/wp/v2/posts/${article.id}`, { method: 'POST', body: JSON.stringify({ status: 'draft' }) }).then(json);
    await eventually(async () => !(await item()).published, 15_000, 'the item unpublished in PostFlow');
    await wp.rest(`/wp/v2/posts/${article.id}`, { method: 'POST', body: JSON.stringify({ status: 'publish' }) }).then(json);
    const again = eventId(article.id, 'item.published', 'published-2');
    expect((await outboxRow(again)).status).toBe('delivered');
    expect(await outcomeOf(again)).not.toMatch(/^(POST_CREATED|DUPLICATE)$/);
    expect((await item()).published).toBe(true);
    expect(await postsOf(article.id)).toHaveLength(1);
    expect(mastodon.statuses.filter((s) => s.text.includes(`?p=${article.id}`))).toHaveLength(2);
  }, 30_000);

  it('cancels the queued posts of an article moved to the trash', async () => {
    await rules({ mode: 'DELAY', delayMinutes: 600 });
    const queued = await publish('Harvest notes');
    expect(await outcomeOf(eventId(queued.id, 'item.published', 'published'))).toBe('POST_CREATED');
    expect((await postsOf(queued.id))[0]!.deliveries.map((d) => d.status)).toEqual(['SCHEDULED', 'SCHEDULED']);
    await wp.rest(`/wp/v2/posts/${queued.id}`, { method: 'DELETE' }).then(json);
    const post = await eventually(
      async () => {
        const [found] = await postsOf(queued.id);
        return found?.deliveries.every((d) => d.status === 'CANCELLED') && found;
      },
      15_000,
      'the queued posts cancelled',
    );
    expect(post.deliveries.every((d) => d.scheduleReason)).toBe(true);
    expect(mastodon.statuses.filter((s) => s.text.includes('Harvest notes'))).toEqual([]);
    await rules({ mode: 'IMMEDIATE' });
  }, 30_000);

  it('keeps an article in the outbox while PostFlow is unreachable and delivers it once with php wp-cron.php', async () => {
    await setOptions({ postflow_url: `http://127.0.0.1:${await freePort()}` });
    const offline = await publish('Written offline');
    const id = eventId(offline.id, 'item.published', 'published');
    expect(await outboxRow(id)).toMatchObject({ status: 'waiting', attempts: '1', last_status: '0' });
    expect((await eventRows()).find((e) => e.event_id === id)).toBeUndefined();

    await setOptions({ postflow_url: postflowUrl });
    // The backoff's minute passes: the row and the planned run are due now.
    await wp.evalPhp(`global $wpdb;
$wpdb->query("UPDATE {$wpdb->prefix}postflow_outbox SET next_attempt_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE status = 'waiting'");
wp_clear_scheduled_hook('postflow_outbox_run');
wp_schedule_single_event(time() - 1, 'postflow_outbox_run');`);
    expect((await wp.php(['wp-cron.php'])).code).toBe(0);
    expect(await outboxRow(id)).toMatchObject({ status: 'delivered', attempts: '2', last_status: '202' });
    expect(await outcomeOf(id)).toBe('POST_CREATED');
    // Later runs send nothing more: one event recorded, one post.
    expect((await wp.php(['wp-cron.php'])).code).toBe(0);
    expect((await eventRows()).filter((e) => e.event_id === id)).toHaveLength(1);
    expect(await postsOf(offline.id)).toHaveLength(1);
    await eventually(async () => mastodon.statuses.filter((s) => s.text.startsWith('Read: Written offline')).length === 2, 15_000, 'the offline article on Mastodon');
  }, 30_000);

  it('refuses a replayed (stale) or forged signature of a real event with 401 and writes nothing', async () => {
    const draft = await wp.rest('/wp/v2/posts', { method: 'POST', body: JSON.stringify({ title: 'Never sent', content: 'x', status: 'draft' }) }).then(json);
    // The plugin's own event and headers for this item as if published (it never was, so nothing of it was sent):
    // stamped ten minutes ago (a replay outside the window), signed with another secret, and rightly signed now.
    const signed = JSON.parse(
      await wp.evalPhp(`$post = get_post(${draft.id});
$post->post_status = 'publish';
$post->post_date_gmt = $post->post_modified_gmt = gmdate('Y-m-d H:i:s');
$event = wp_json_encode(Postflow_Payload::event('item.published', $post, Postflow_Share_Settings::for_post($post->ID), time()));
$id = Postflow_Signer::event_id(home_url(), (string) $post->ID, 'item.published', 'published');
$c = get_option('postflow_connection');
echo wp_json_encode(array('id' => $id, 'body' => $event,
  'stale' => Postflow_Signer::headers($c['site_key'], $c['secret'], $id, time() - 600, $event),
  'forged' => Postflow_Signer::headers($c['site_key'], 'whsec_' . base64_encode(random_bytes(32)), $id, time(), $event),
  'good' => Postflow_Signer::headers($c['site_key'], $c['secret'], $id, time(), $event)));`),
    ) as { id: string; body: string; stale: Record<string, string>; forged: Record<string, string>; good: Record<string, string> };
    const send = (headers: Record<string, string>) =>
      fetch(`${postflowUrl}/wordpress/events`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: signed.body });
    const before = (await eventRows()).length;
    for (const headers of [signed.stale, signed.forged]) {
      const refused = await send(headers);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).error.code).toBe('UNAUTHENTICATED');
    }
    expect((await eventRows()).length).toBe(before);
    const jobs = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'source_event'`);
    expect(jobs.rows[0].n).toBe(0);
    // The same event signed now with the site's secret is taken: the refusals were the signature's.
    const taken = await send(signed.good);
    expect(taken.status, await taken.clone().text()).toBe(202);
    expect(await outcomeOf(signed.id)).toBe('POST_CREATED');
  }, 30_000);

  it('logged no PHP notice, warning or error of the plugin', () => {
    expect(
      wp
        .debugLog()
        .split('\n')
        .filter((line) => line.includes('plugins/postflow/')),
    ).toEqual([]);
  });
});

// The PostFlow plugin in a real WordPress (Debian's package, private MariaDB), talking to a loopback stand-in for
// PostFlow that verifies every signature with the `standardwebhooks` package: which events an article's life sends,
// what they carry, and the outbox (waiting through a 503, delivered once by `php wp-cron.php`, failed on a 400).
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, until } from './helpers/childProcess.js';
import { startWordPress, type WordPressSite } from './helpers/wordpress.js';
import { startReceiver, type Receiver } from './helpers/wordpressReceiver.js';

const PLUGIN = path.join(PROJECT_ROOT, 'plugins/wordpress/postflow');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SITE_KEY = `pfs_${randomBytes(24).toString('base64url')}`;
// A 1x1 PNG, uploaded as the featured image.
// A PostFlow channel id: channel ids are UUIDs (anything else would have PostFlow refuse the event).
const CHANNEL = '0b7e8a52-3c1d-4f6e-9a2b-5c8d7e6f1a2b';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let wp: WordPressSite;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver(SECRET);
  wp = await startWordPress({ pluginDir: PLUGIN, postflowUrl: receiver.url, options: { postflow_connection: { site_key: SITE_KEY, secret: SECRET } } });
});
afterAll(async () => {
  await wp?.stop();
  await receiver?.close();
});
beforeEach(() => {
  receiver.clear();
  receiver.answer = null;
});

async function json(response: Response): Promise<any> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text);
}
const createPost = (fields: Record<string, unknown>) => wp.rest('/wp/v2/posts', { method: 'POST', body: JSON.stringify(fields) }).then(json);
const updatePost = (id: number, fields: Record<string, unknown>) => wp.rest(`/wp/v2/posts/${id}`, { method: 'POST', body: JSON.stringify(fields) }).then(json);
const eventId = (itemId: number, type: string, discriminator: string) => `wp-${createHash('sha1').update(`${wp.url}|${itemId}|${type}|${discriminator}`).digest('hex')}`;
const outboxRow = async (webhookId: string) =>
  JSON.parse(
    await wp.evalPhp(
      `global $wpdb; echo wp_json_encode($wpdb->get_row($wpdb->prepare("SELECT status, attempts, last_status, last_error FROM {$wpdb->prefix}postflow_outbox WHERE event_id = %s", ${JSON.stringify(webhookId)})));`,
    ),
  );

/** Time passes for the outbox: its waiting events and its scheduled run become due now. */
async function makeOutboxDue(): Promise<void> {
  await wp.evalPhp(`global $wpdb;
$wpdb->query("UPDATE {$wpdb->prefix}postflow_outbox SET next_attempt_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE status = 'waiting'");
$next = wp_next_scheduled('postflow_outbox_run');
if (!$next) { fwrite(STDERR, "no run scheduled\\n"); exit(1); }
wp_unschedule_event($next, 'postflow_outbox_run');
wp_schedule_single_event(time() - 1, 'postflow_outbox_run');`);
}

describe('events of an article', () => {
  it('publishing through the REST API sends exactly one signed item.published with the contract fields', async () => {
    const category = await wp.rest('/wp/v2/categories', { method: 'POST', body: JSON.stringify({ name: 'News & Views' }) }).then(json);
    const tag = await wp.rest('/wp/v2/tags', { method: 'POST', body: JSON.stringify({ name: 'launch' }) }).then(json);
    const media = await wp
      .rest('/wp/v2/media', { method: 'POST', body: PNG, headers: { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="cover.png"' } })
      .then(json);
    await wp.rest(`/wp/v2/media/${media.id}`, { method: 'POST', body: JSON.stringify({ alt_text: 'The cover' }) }).then(json);
    receiver.clear();

    const post = await createPost({
      title: 'Hello &amp; <b>welcome</b>',
      content: '<p>Body text here.</p>',
      excerpt: 'A <em>short</em> summary',
      status: 'publish',
      categories: [category.id],
      tags: [tag.id],
      featured_media: media.id,
    });

    const events = receiver.events();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event.verified).toBe(true);
    expect(event.headers['x-postflow-site']).toBe(SITE_KEY);
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['user-agent']).toBe(`PostFlow-WordPress/0.1.0; ${wp.url}`);
    expect(event.headers['webhook-id']).toBe(eventId(post.id, 'item.published', 'published'));
    expect(Math.abs(Number(event.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(event.json).toEqual({
      type: 'item.published',
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      item: {
        id: String(post.id),
        post_type: 'post',
        title: 'Hello & welcome',
        excerpt: 'A short summary',
        url: post.link,
        image: { url: media.source_url, alt: 'The cover', width: 1, height: 1 },
        gallery: [],
        categories: ['News & Views'],
        tags: ['launch'],
        author: 'Ada Admin',
        status: 'publish',
        published_at: `${post.date_gmt}Z`,
        modified_at: `${post.modified_gmt}Z`,
        product: null,
      },
      share: { enabled: true, timing: 'QUEUE', at: null, channel_ids: [], messages: {} },
    });
    expect((await outboxRow(eventId(post.id, 'item.published', 'published'))).status).toBe('delivered');
  });

  it("an edit sends item.updated, not item.published, and carries the panel's choices", async () => {
    const post = await createPost({ title: 'Draft first', content: 'Words of the draft.', status: 'draft' });
    expect(receiver.events()).toHaveLength(0);
    await updatePost(post.id, {
      status: 'publish',
      meta: { _postflow_timing: 'AT', _postflow_at: '2027-01-02T03:04:00Z', _postflow_channels: [CHANNEL.toUpperCase(), 'ch_bsky'], _postflow_messages: { BLUESKY: 'Read this!' } },
    });
    expect(receiver.events().map((e) => e.json.type)).toEqual(['item.published']);
    expect(receiver.events()[0].json.share).toEqual({ enabled: true, timing: 'AT', at: '2027-01-02T03:04:00Z', channel_ids: [CHANNEL], messages: { BLUESKY: 'Read this!' } });
    expect(receiver.events()[0].json.item.excerpt).toBe('Words of the draft.');

    receiver.clear();
    const edited = await updatePost(post.id, { title: 'Published, then edited', meta: { _postflow_share_enabled: false } });
    const events = receiver.events();
    expect(events.map((e) => e.json.type)).toEqual(['item.updated']);
    expect(events[0].verified).toBe(true);
    expect(events[0].json.item.title).toBe('Published, then edited');
    expect(events[0].json.share.enabled).toBe(false);
    // An edit makes no posts: the channels (which PostFlow would check, and refuse when gone) are left out.
    expect(events[0].json.share.channel_ids).toEqual([]);
    expect(events[0].headers['webhook-id']).toBe(eventId(post.id, 'item.updated', `${edited.modified_gmt}Z`));
  });

  it('unpublishing sends item.unpublished, trashing sends item.deleted, and a draft never heard of sends nothing', async () => {
    const post = await createPost({ title: 'Short-lived', content: 'x', status: 'publish' });
    receiver.clear();
    await updatePost(post.id, { status: 'draft' });
    expect(receiver.events().map((e) => [e.json.type, e.json.item.status])).toEqual([['item.unpublished', 'draft']]);

    receiver.clear();
    await wp.rest(`/wp/v2/posts/${post.id}`, { method: 'DELETE' }).then(json);
    expect(receiver.events().map((e) => [e.json.type, e.json.item.status])).toEqual([['item.deleted', 'trash']]);
    expect(receiver.events()[0].verified).toBe(true);

    receiver.clear();
    const draft = await createPost({ title: 'Never public', content: 'x', status: 'draft' });
    await wp.rest(`/wp/v2/posts/${draft.id}?force=true`, { method: 'DELETE' }).then(json);
    expect(receiver.events()).toHaveLength(0);
  });

  it('a re-publication has a webhook-id of its own (publish, draft, publish again), so PostFlow hears of it', async () => {
    const post = await createPost({ title: 'Back again', content: 'x', status: 'publish' });
    await updatePost(post.id, { status: 'draft' });
    await updatePost(post.id, { status: 'publish' });
    const ids = receiver.events().map((e) => [e.json.type, e.headers['webhook-id']]);
    expect(ids.map(([type]) => type)).toEqual(['item.published', 'item.unpublished', 'item.published']);
    expect(ids[0]![1]).toBe(eventId(post.id, 'item.published', 'published'));
    expect(ids[2]![1]).toBe(eventId(post.id, 'item.published', 'published-2'));
    expect((await outboxRow(ids[2]![1])).status).toBe('delivered');
  });

  it('a "future" post sends item.published when WP-Cron publishes it, not before', async () => {
    const post = await createPost({ title: 'Scheduled', content: 'x', status: 'future', date_gmt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 19) });
    expect(post.status).toBe('future');
    expect(receiver.events()).toHaveLength(0);
    // The day passes: the post's date and its publish_future_post event become due.
    // (In the database: wp_update_post would publish a past "future" post itself.)
    await wp.evalPhp(`global $wpdb; $id = ${post.id}; $past = time() - 60;
$wpdb->update($wpdb->posts, array('post_date' => wp_date('Y-m-d H:i:s', $past), 'post_date_gmt' => gmdate('Y-m-d H:i:s', $past)), array('ID' => $id));
clean_post_cache($id);
wp_clear_scheduled_hook('publish_future_post', array($id));
wp_schedule_single_event($past, 'publish_future_post', array($id));`);
    expect(receiver.events()).toHaveLength(0);
    const cron = await wp.php(['wp-cron.php']);
    expect(cron.code).toBe(0);
    expect(receiver.events().map((e) => [e.json.type, e.json.item.id, e.json.item.status])).toEqual([['item.published', String(post.id), 'publish']]);
  });
});

describe('what is not shared', () => {
  it('a password makes a published post item.unpublished; removing it publishes the post again', async () => {
    const post = await createPost({ title: 'Members first', content: 'x', status: 'publish' });
    receiver.clear();
    await updatePost(post.id, { password: 'secret' });
    expect(receiver.events().map((e) => [e.json.type, e.json.item.status])).toEqual([['item.unpublished', 'publish']]);
    receiver.clear();
    await updatePost(post.id, { title: 'Still locked' });
    expect(receiver.events()).toHaveLength(0);
    await updatePost(post.id, { password: '' });
    expect(receiver.events().map((e) => [e.json.type, e.headers['webhook-id']])).toEqual([['item.published', eventId(post.id, 'item.published', 'published-2')]]);
  });

  it('sends nothing while an importer runs (WP_IMPORTING) or when postflow_should_emit says no', async () => {
    const insert = (title: string) => `wp_insert_post(array('post_title' => '${title}', 'post_content' => 'x', 'post_status' => 'publish'));`;
    await wp.evalPhp(`define('WP_IMPORTING', true); ${insert('Imported')}`);
    await wp.evalPhp(
      `add_filter('postflow_should_emit', function ($emit, $type, $post) { return 'Filtered' !== $post->post_title; }, 10, 3); ${insert('Filtered')} ${insert('Let through')}`,
    );
    expect(receiver.events().map((e) => e.json.item.title)).toEqual(['Let through']);
  });
});

describe('the outbox', () => {
  it('retries a 2xx that is not PostFlow\'s answer ("accepted": true), e.g. a proxy\'s page', async () => {
    receiver.answer = () => ({ status: 200, body: { ok: true } });
    const post = await createPost({ title: 'Answered by someone else', content: 'x', status: 'publish' });
    expect(await outboxRow(eventId(post.id, 'item.published', 'published'))).toMatchObject({
      status: 'waiting',
      attempts: '1',
      last_status: '200',
      last_error: 'Not a PostFlow answer',
    });
    await wp.evalPhp(`global $wpdb; $wpdb->delete($wpdb->prefix . 'postflow_outbox', array('post_id' => ${post.id}));`);
  });

  it('sends at most 5 events at the end of a request and leaves the rest to the run it plans', async () => {
    await wp.evalPhp(`for ($i = 1; $i <= 7; $i++) { wp_insert_post(array('post_title' => "Batch $i", 'post_content' => 'x', 'post_status' => 'publish')); }`);
    expect(receiver.events().map((e) => e.json.item.title)).toEqual(['Batch 1', 'Batch 2', 'Batch 3', 'Batch 4', 'Batch 5']);
    expect(Number(await wp.evalPhp(`echo wp_next_scheduled('postflow_outbox_run');`))).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect((await wp.php(['wp-cron.php'])).code).toBe(0);
    expect(receiver.events().map((e) => e.json.item.title)).toEqual(['Batch 1', 'Batch 2', 'Batch 3', 'Batch 4', 'Batch 5', 'Batch 6', 'Batch 7']);
  });

  it('forgets delivered events older than 30 days whenever it sends, not only on cron runs', async () => {
    await wp.evalPhp(`global $wpdb; $old = gmdate('Y-m-d H:i:s', time() - 31 * DAY_IN_SECONDS);
$wpdb->insert($wpdb->prefix . 'postflow_outbox', array('event_id' => 'wp-old-delivered', 'post_id' => 1, 'event_type' => 'item.updated', 'payload' => '{}', 'status' => 'delivered', 'next_attempt_at' => $old, 'created_at' => $old, 'updated_at' => $old));`);
    expect(await outboxRow('wp-old-delivered')).toMatchObject({ status: 'delivered' });
    await createPost({ title: 'Anything sent', content: 'x', status: 'publish' });
    expect(await outboxRow('wp-old-delivered')).toBeNull();
  });

  it('keeps an event through a 503 and delivers it once with php wp-cron.php: same webhook-id, new timestamp', async () => {
    receiver.answer = () => ({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down for maintenance' } } });
    const post = await createPost({ title: 'While PostFlow is down', content: 'x', status: 'publish' });
    const id = eventId(post.id, 'item.published', 'published');
    expect(receiver.events().map((e) => e.headers['webhook-id'])).toEqual([id]);
    expect(await outboxRow(id)).toMatchObject({ status: 'waiting', attempts: '1', last_status: '503', last_error: 'PostFlow answered 503: down for maintenance' });
    const first = Number(receiver.events()[0].headers['webhook-timestamp']);

    // Nothing is due yet: a cron run now sends nothing.
    await wp.php(['wp-cron.php']);
    expect(receiver.events()).toHaveLength(1);

    receiver.answer = null;
    await until(() => Math.floor(Date.now() / 1000) > first, 2_000, 'the clock reaches the next second');
    await makeOutboxDue();
    const cron = await wp.php(['wp-cron.php']);
    expect(cron.code).toBe(0);
    const events = receiver.events();
    expect(events).toHaveLength(2);
    expect(events[1].headers['webhook-id']).toBe(id);
    expect(events[1].verified).toBe(true);
    expect(Number(events[1].headers['webhook-timestamp'])).toBeGreaterThan(first);
    expect(events[1].body).toBe(events[0].body);
    expect(await outboxRow(id)).toMatchObject({ status: 'delivered', attempts: '2' });

    // Delivered means done: later cron runs send nothing more.
    await wp.php(['wp-cron.php']);
    expect(receiver.events()).toHaveLength(2);
    expect(await wp.evalPhp(`echo wp_next_scheduled('postflow_outbox_run') ? 'scheduled' : 'none';`)).toBe('none');
  });

  it("sends an item's events in order: an edit waits behind a publication held by its backoff, then follows it", async () => {
    receiver.answer = () => ({ status: 503, body: { error: { code: 'UNAVAILABLE', message: 'down for maintenance' } } });
    const post = await createPost({ title: 'First words', content: 'x', status: 'publish' });
    const published = eventId(post.id, 'item.published', 'published');
    receiver.answer = null;
    // PostFlow answers again, but the publication waits for its retry: the edit must not overtake it.
    const edited = await updatePost(post.id, { title: 'Second thoughts' });
    const updated = eventId(post.id, 'item.updated', `${edited.modified_gmt}Z`);
    const other = await createPost({ title: 'Another article', content: 'x', status: 'publish' });
    expect(receiver.events().map((e) => e.json.item.title)).toEqual(['First words', 'Another article']);
    expect(await outboxRow(updated)).toMatchObject({ status: 'waiting', attempts: '0' });
    // The next run is planned for the publication's retry, not for the edit held behind it.
    const planned = Number(await wp.evalPhp(`echo wp_next_scheduled('postflow_outbox_run');`));
    expect(planned).toBeGreaterThan(Date.now() / 1000 + 30);

    await makeOutboxDue();
    expect((await wp.php(['wp-cron.php'])).code).toBe(0);
    const events = receiver.events();
    expect(events.map((e) => e.headers['webhook-id'])).toEqual([published, eventId(other.id, 'item.published', 'published'), published, updated]);
    expect(events.slice(2).map((e) => [e.json.type, e.json.item.title])).toEqual([
      ['item.published', 'First words'],
      ['item.updated', 'Second thoughts'],
    ]);
    expect(await outboxRow(updated)).toMatchObject({ status: 'delivered', attempts: '1' });
  });

  it('marks an event failed for good on a 400, with the message, and does not retry it', async () => {
    receiver.answer = () => ({
      status: 400,
      body: { error: { code: 'VALIDATION', message: 'item.url must be a URL', fields: [{ path: 'item.url', rule: 'url', message: 'not a URL' }] } },
    });
    const post = await createPost({ title: 'Refused', content: 'x', status: 'publish' });
    const id = eventId(post.id, 'item.published', 'published');
    expect(await outboxRow(id)).toMatchObject({ status: 'failed', attempts: '1', last_status: '400', last_error: 'PostFlow answered 400: item.url must be a URL' });
    receiver.answer = null;
    await wp.evalPhp(`global $wpdb; $wpdb->query("UPDATE {$wpdb->prefix}postflow_outbox SET next_attempt_at = UTC_TIMESTAMP() - INTERVAL 1 DAY");`);
    await wp.php(['wp-cron.php']);
    expect(receiver.events()).toHaveLength(1);
    expect((await outboxRow(id)).status).toBe('failed');
  });
});

it('the plugin logged no PHP notice, warning or error (WordPress 6.1 itself logs PHP 8.2 deprecations)', () => {
  expect(
    wp
      .debugLog()
      .split('\n')
      .filter((line) => line.includes('plugins/postflow/')),
  ).toEqual([]);
});

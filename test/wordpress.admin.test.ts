// The plugin's admin side in a real WordPress: the settings page (Settings API, Test connection, failed events and
// their retry), the editor's routes and meta box, the bulk action, each refusing without its nonce or capability;
// and WooCommerce products through the test-only stand-in (tests/woocommerce-standin.php: WooCommerce itself cannot
// be installed here).
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/childProcess.js';
import { startWordPress, type WordPressSite } from './helpers/wordpress.js';
import { PING_ANSWER, startReceiver, type Receiver } from './helpers/wordpressReceiver.js';

const PLUGIN = path.join(PROJECT_ROOT, 'plugins/wordpress/postflow');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SITE_KEY = `pfs_${randomBytes(24).toString('base64url')}`;
const CHANNELS = PING_ANSWER.channels.map((c) => c.id);
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let wp: WordPressSite;
let receiver: Receiver;
let admin: string; // the admin's session cookie
let author: { id: number; cookie: string; basic: string };

async function json(response: Response): Promise<any> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return JSON.parse(text);
}
const post = (route: string, body: unknown) => wp.rest(route, { method: 'POST', body: JSON.stringify(body) }).then(json);
const page = (cookie: string, pathAndQuery: string) => fetch(`${wp.url}${pathAndQuery}`, { headers: { cookie }, redirect: 'manual' });
const form = (cookie: string, pathAndQuery: string, fields: Record<string, string>) =>
  fetch(`${wp.url}${pathAndQuery}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
/** The value of a hidden _wpnonce field in the form whose action field is `action` (or the first one). */
function nonceIn(html: string, action?: string): string {
  const forms = html.split('<form').slice(1);
  const chosen = action ? forms.find((f) => f.includes(`value="${action}"`) || f.includes(`value='${action}'`)) : forms[0];
  const match = chosen?.match(/name="_wpnonce" value="([0-9a-f]+)"/);
  if (!match) throw new Error(`no _wpnonce for ${action ?? 'the first form'}`);
  return match[1];
}
const eventId = (itemId: number, type: string, discriminator: string) => `wp-${createHash('sha1').update(`${wp.url}|${itemId}|${type}|${discriminator}`).digest('hex')}`;
const settingsPage = async (cookie = admin) => (await page(cookie, '/wp-admin/options-general.php?page=postflow')).text();
const option = async (name: string) => JSON.parse(await wp.evalPhp(`echo wp_json_encode(get_option(${JSON.stringify(name)}));`));

beforeAll(async () => {
  receiver = await startReceiver(SECRET);
  wp = await startWordPress({
    pluginDir: PLUGIN,
    muPlugins: [path.join(PLUGIN, 'tests/woocommerce-standin.php')],
    postflowUrl: receiver.url,
    options: { postflow_connection: { site_key: SITE_KEY, secret: SECRET }, woocommerce_currency: 'EUR' },
  });
  admin = await wp.login(wp.adminUser, wp.adminPassword);
  const password = randomBytes(12).toString('hex');
  const user = await post('/wp/v2/users', { username: 'author', email: 'author@example.test', password, roles: ['author'], name: 'Otto Author' });
  const app = await post(`/wp/v2/users/${user.id}/application-passwords`, { name: 'tests' });
  author = { id: user.id, cookie: await wp.login('author', password), basic: `Basic ${Buffer.from(`author:${app.password}`).toString('base64')}` };
});
afterAll(async () => {
  await wp?.stop();
  await receiver?.close();
});
beforeEach(() => {
  receiver.clear();
  receiver.answer = null;
});

describe('the settings page', () => {
  it("shows the connection by the site key's first 8 characters and never prints the secret back", async () => {
    const html = await settingsPage();
    expect(html).toContain(`Connected as ${SITE_KEY.slice(0, 8)}…`);
    expect(html).not.toContain(SITE_KEY);
    expect(html).not.toContain(SECRET.slice(6, 20));
    expect(html).toContain(`value="${receiver.url}"`);
    expect(await wp.evalPhp(`global $wpdb; echo $wpdb->get_var("SELECT autoload FROM {$wpdb->options} WHERE option_name = 'postflow_connection'");`)).toBe('no');
  });

  it('saves through options.php only with its nonce; empty key fields keep the connection, a malformed key is refused', async () => {
    const refused = await form(admin, '/wp-admin/options.php', { option_page: 'postflow', action: 'update', postflow_url: 'https://elsewhere.example' });
    expect(refused.status).toBe(403);
    expect(await option('postflow_url')).toBe(receiver.url);

    const nonce = nonceIn(await settingsPage(), 'postflow');
    const saved = await form(admin, '/wp-admin/options.php', {
      option_page: 'postflow',
      action: 'update',
      _wpnonce: nonce,
      postflow_url: `${receiver.url}/`,
      'postflow_connection[site_key]': '',
      'postflow_connection[secret]': '',
    });
    expect(saved.status).toBe(302);
    expect(await option('postflow_url')).toBe(receiver.url);
    expect(await option('postflow_connection')).toEqual({ site_key: SITE_KEY, secret: SECRET });

    await form(admin, '/wp-admin/options.php', {
      option_page: 'postflow',
      action: 'update',
      _wpnonce: nonce,
      postflow_url: receiver.url,
      'postflow_connection[site_key]': 'not-a-key',
      'postflow_connection[secret]': 'whsec_short',
    });
    expect(await option('postflow_connection')).toEqual({ site_key: SITE_KEY, secret: SECRET });
  });

  it('refuses people without manage_options, and actions without their nonce', async () => {
    expect((await page(author.cookie, '/wp-admin/options-general.php?page=postflow')).status).toBe(403);
    for (const action of ['postflow_retry', 'postflow_test_connection']) {
      expect((await form(author.cookie, '/wp-admin/admin-post.php', { action })).status).toBe(403);
      expect((await form(admin, '/wp-admin/admin-post.php', { action })).status).toBe(403);
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('"Test connection" shows the workspace and its channels from a signed GET /wordpress/ping', async () => {
    const nonce = nonceIn(await settingsPage(), 'postflow_test_connection');
    expect((await form(admin, '/wp-admin/admin-post.php', { action: 'postflow_test_connection', _wpnonce: nonce })).status).toBe(302);
    expect(receiver.requests.map((r) => [r.method, r.url, r.verified])).toEqual([['GET', '/wordpress/ping', true]]);
    expect(receiver.requests[0].headers['webhook-id']).toMatch(/^msg_[0-9a-f]{24}$/);
    const html = await settingsPage();
    expect(html).toContain('Connected to the workspace &quot;Acme Workspace&quot; as the source &quot;Acme Blog&quot; (ACTIVE).');
    for (const channel of PING_ANSWER.channels) expect(html).toContain(`${channel.name} (${channel.network})`);
  });

  it('"Test connection" says so when the 200 it got is not PostFlow\'s ping answer (no workspace id)', async () => {
    receiver.answer = () => ({ status: 200, body: { hello: 'a web server, not PostFlow' } });
    const nonce = nonceIn(await settingsPage(), 'postflow_test_connection');
    expect((await form(admin, '/wp-admin/admin-post.php', { action: 'postflow_test_connection', _wpnonce: nonce })).status).toBe(302);
    const html = await settingsPage();
    expect(html).toContain('PostFlow answered 200, but not a PostFlow answer');
    expect(html).not.toContain('Connected to the workspace');
  });

  it('lists a failed event with its message, and its retry button re-sends it rebuilt from the item, same webhook-id', async () => {
    receiver.answer = () => ({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'This site is disconnected in PostFlow' } } });
    const item = await post('/wp/v2/posts', { title: 'Refused at first', content: 'x', status: 'publish' });
    receiver.answer = null;
    // Fixed since (without a save, so no new event): the retry sends the item as it is now.
    await wp.evalPhp(`global $wpdb; $wpdb->update($wpdb->posts, array('post_title' => 'Fixed since'), array('ID' => ${item.id})); clean_post_cache(${item.id});`);
    const html = await settingsPage();
    expect(html).toContain('PostFlow answered 403: This site is disconnected in PostFlow');
    expect(html).toContain('Fixed since (#');
    const nonce = nonceIn(html, 'postflow_retry');
    expect((await form(admin, '/wp-admin/admin-post.php', { action: 'postflow_retry', event: '0', _wpnonce: nonce })).status).toBe(302);
    const events = receiver.events();
    expect(events.map((e) => e.headers['webhook-id'])).toEqual([eventId(item.id, 'item.published', 'published'), eventId(item.id, 'item.published', 'published')]);
    expect(events[1].verified).toBe(true);
    expect([events[0].json.item.title, events[1].json.item.title]).toEqual(['Refused at first', 'Fixed since']);
    expect(events[1].json.type).toBe('item.published');
    expect(events[1].json.occurred_at).toBe(events[0].json.occurred_at);
    const after = await settingsPage();
    expect(after).not.toContain('Fixed since (#');
    expect(after).toContain('0 events waiting to be delivered.');
  });
});

describe('the editor', () => {
  it("reads an item's deliveries through a signed GET /wordpress/status, for people who may edit it", async () => {
    const item = await post('/wp/v2/posts', { title: 'Delivered', content: 'x', status: 'publish' });
    receiver.clear();
    const answer = await wp.rest(`/postflow/v1/posts/${item.id}/deliveries`).then(json);
    expect(answer.deliveries).toEqual([expect.objectContaining({ status: 'PUBLISHED', external_url: `https://bsky.example/post/${item.id}` })]);
    expect(receiver.requests.map((r) => [r.method, r.url, r.verified])).toEqual([['GET', `/wordpress/status?items=${item.id}`, true]]);

    const asAuthor = await wp.rest(`/postflow/v1/posts/${item.id}/deliveries`, { headers: { authorization: author.basic } });
    expect(asAuthor.status).toBe(403);
    const share = await wp.rest(`/postflow/v1/posts/${item.id}/share`, { method: 'POST', headers: { authorization: author.basic } });
    expect(share.status).toBe(403);
    // A session cookie without the REST nonce is not a logged-in request.
    const noNonce = await fetch(`${wp.url}/?rest_route=/postflow/v1/posts/${item.id}/share`, { method: 'POST', headers: { cookie: admin } });
    expect(noNonce.status).toBe(401);
    expect(receiver.events()).toHaveLength(0);
  });

  it('"Share again" sends item.share with a new occurrence each time', async () => {
    const item = await post('/wp/v2/posts', { title: 'Evergreen', content: 'x', status: 'publish' });
    receiver.clear();
    expect(await post(`/postflow/v1/posts/${item.id}/share`, {})).toEqual({ occurrence: 1 });
    expect(await post(`/postflow/v1/posts/${item.id}/share`, {})).toEqual({ occurrence: 2 });
    const events = receiver.events();
    expect(events.map((e) => [e.json.type, e.json.share.occurrence, e.headers['webhook-id']])).toEqual([
      ['item.share', '1', eventId(item.id, 'item.share', '1')],
      ['item.share', '2', eventId(item.id, 'item.share', '2')],
    ]);
  });

  it('the classic meta box saves only with its nonce and for people who may edit the post', async () => {
    const item = await post('/wp/v2/posts', { title: 'Classic', content: 'x', status: 'draft' });
    const save = (user: number, withNonce: boolean) =>
      wp.evalPhp(`wp_set_current_user(${user});
$_POST = array('postflow' => array('timing' => 'NOW', 'channels' => '${CHANNELS[0]}, ch_b, ${CHANNELS[1]!.toUpperCase()}', 'messages' => array('X' => 'I <3 this', 'BLUESKY' => "a<b and c>d\\r\\nhttps://x.example/a%20b", 'LINKEDIN' => "\\x07")));
if (${withNonce ? 'true' : 'false'}) { $_POST['postflow_meta_box_nonce'] = wp_create_nonce('postflow_meta_box'); }
do_action('save_post', ${item.id}, get_post(${item.id}), true);
echo wp_json_encode(Postflow_Share_Settings::for_post(${item.id}));`);
    const untouched = { enabled: true, timing: 'QUEUE', at: '', channel_ids: [], messages: [] };
    expect(JSON.parse(await save(1, false))).toEqual(untouched);
    expect(JSON.parse(await save(author.id, true))).toEqual(untouched);
    // Messages are kept as typed (they are plain text in JSON); only UUIDs are channel ids.
    expect(JSON.parse(await save(1, true))).toEqual({
      enabled: false,
      timing: 'NOW',
      at: '',
      channel_ids: CHANNELS,
      messages: { X: 'I <3 this', BLUESKY: 'a<b and c>d\nhttps://x.example/a%20b' },
    });
    // Escaped where it is shown.
    const box = await wp.evalPhp(`wp_set_current_user(1); Postflow_Editor::render_meta_box(get_post(${item.id}));`);
    expect(box).toContain('>I &lt;3 this</textarea>');
    expect(box).toContain('>a&lt;b and c&gt;d\nhttps://x.example/a%20b</textarea>');
  });

  it('keeps a message written through the REST API (the block editor) as typed', async () => {
    const item = await post('/wp/v2/posts', { title: 'Typed', content: 'x', status: 'draft', meta: { _postflow_messages: { MASTODON: 'I <3 this & a<b, 100%25 sure' } } });
    expect(item.meta._postflow_messages).toEqual({ MASTODON: 'I <3 this & a<b, 100%25 sure' });
    await post(`/wp/v2/posts/${item.id}`, { status: 'publish' });
    expect(receiver.events().map((e) => e.json.share.messages)).toEqual([{ MASTODON: 'I <3 this & a<b, 100%25 sure' }]);
  });
});

describe('the bulk action "Share with PostFlow"', () => {
  it('is offered on the posts and products lists and shares each published item once per use (nonce checked)', async () => {
    const items = [
      await post('/wp/v2/posts', { title: 'Old one', content: 'x', status: 'publish' }),
      await post('/wp/v2/posts', { title: 'Old two', content: 'x', status: 'publish' }),
    ];
    const draft = await post('/wp/v2/posts', { title: 'Not public', content: 'x', status: 'draft' });
    await post('/wp/v2/product', { title: 'A product, so that the list has its bulk menu', status: 'publish' });
    receiver.clear();
    const list = await (await page(admin, '/wp-admin/edit.php')).text();
    expect(list).toContain('<option value="postflow_share">Share with PostFlow</option>');
    expect(await (await page(admin, '/wp-admin/edit.php?post_type=product')).text()).toContain('value="postflow_share"');
    const selected = [...items, draft].map((i) => `post%5B%5D=${i.id}`).join('&');

    expect((await page(admin, `/wp-admin/edit.php?action=postflow_share&${selected}`)).status).toBe(403);
    expect(receiver.events()).toHaveLength(0);

    const nonce = list.match(/id="_wpnonce" name="_wpnonce" value="([0-9a-f]+)"/)![1];
    const done = await page(admin, `/wp-admin/edit.php?action=postflow_share&${selected}&_wpnonce=${nonce}&_wp_http_referer=%2Fwp-admin%2Fedit.php`);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toContain('postflow_shared=2');
    await page(admin, `/wp-admin/edit.php?action=postflow_share&post%5B%5D=${items[0].id}&_wpnonce=${nonce}`);
    expect(receiver.events().map((e) => [e.json.item.id, e.json.type, e.json.share.occurrence, e.json.share.timing, e.verified])).toEqual([
      [String(items[0].id), 'item.share', '1', 'QUEUE', true],
      [String(items[1].id), 'item.share', '1', 'QUEUE', true],
      [String(items[0].id), 'item.share', '2', 'QUEUE', true],
    ]);
  });
});

describe('WooCommerce products (through the stand-in)', () => {
  it('carry price, sale price, SKU, stock, image and gallery; a stock change is an item.updated', async () => {
    const upload = async (name: string, alt: string) => {
      const media = await wp
        .rest('/wp/v2/media', { method: 'POST', body: PNG, headers: { 'content-type': 'image/png', 'content-disposition': `attachment; filename="${name}"` } })
        .then(json);
      return post(`/wp/v2/media/${media.id}`, { alt_text: alt });
    };
    const [cover, side, back] = [await upload('cover.png', 'Front'), await upload('side.png', 'Side'), await upload('back.png', 'Back')];
    const category = await post('/wp/v2/product_cat', { name: 'Mugs' });
    receiver.clear();
    const product = await post('/wp/v2/product', {
      title: 'Blue mug',
      content: 'A mug that is blue.',
      status: 'publish',
      featured_media: cover.id,
      product_cat: [category.id],
      meta: {
        _price: '19.99',
        _regular_price: '24.99',
        _sale_price: '19.99',
        _sku: 'MUG-1',
        _stock_status: 'instock',
        _stock: '5',
        _product_image_gallery: `${side.id},${back.id}`,
      },
    });
    const [event] = receiver.events();
    expect(receiver.events()).toHaveLength(1);
    expect(event.json.type).toBe('item.published');
    expect(event.json.item).toMatchObject({
      id: String(product.id),
      post_type: 'product',
      title: 'Blue mug',
      categories: ['Mugs'],
      image: { url: cover.source_url, alt: 'Front', width: 1, height: 1 },
      gallery: [
        { url: side.source_url, alt: 'Side' },
        { url: back.source_url, alt: 'Back' },
      ],
      product: { price: '19.99', regular_price: '24.99', sale_price: '19.99', currency: 'EUR', sku: 'MUG-1', in_stock: true, stock_quantity: 5 },
    });

    receiver.clear();
    await post(`/wp/v2/product/${product.id}`, { meta: { _stock_status: 'outofstock', _stock: '0' } });
    expect(receiver.events().map((e) => [e.json.type, e.json.item.product.in_stock, e.json.item.product.stock_quantity])).toEqual([['item.updated', false, 0]]);
  });
});

describe('WooCommerce products saved as its data store does (the post first, its meta after)', () => {
  it('item.published carries the price written after wp_insert_post; a stock change alone sends item.updated once', async () => {
    const id = Number(
      await wp.evalPhp(`$product = new WC_Product(0);
$product->set_props_for_test(array('post_title' => 'Green mug', 'post_status' => 'publish'), array('_price' => '9.50', '_regular_price' => '12.00', '_sku' => 'MUG-2', '_stock_status' => 'instock', '_stock' => '3'));
echo $product->save();`),
    );
    expect(receiver.events().map((e) => [e.json.type, e.json.item.id, e.json.item.product])).toEqual([
      ['item.published', String(id), { price: '9.50', regular_price: '12.00', sale_price: '', currency: 'EUR', sku: 'MUG-2', in_stock: true, stock_quantity: 3 }],
    ]);

    receiver.clear();
    await wp.evalPhp(
      `$product = wc_get_product(${id}); $product->set_props_for_test(array('post_title' => 'Green mug, on sale'), array('_price' => '7.00', '_sale_price' => '7.00')); $product->save();`,
    );
    expect(receiver.events().map((e) => [e.json.type, e.json.item.title, e.json.item.product.price])).toEqual([['item.updated', 'Green mug, on sale', '7.00']]);

    receiver.clear();
    // Meta alone, no wp_update_post: only WooCommerce's stock hooks say it changed; one event for both.
    await wp.evalPhp(`wc_update_product_stock(${id}, 0); wc_update_product_stock_status(${id}, 'outofstock');`);
    expect(receiver.events().map((e) => [e.json.type, e.json.item.product.in_stock, e.json.item.product.stock_quantity])).toEqual([['item.updated', false, 0]]);

    receiver.clear();
    const draft = Number(await wp.evalPhp(`echo wp_insert_post(array('post_type' => 'product', 'post_title' => 'Unreleased', 'post_status' => 'draft'));`));
    await wp.evalPhp(`wc_update_product_stock(${draft}, 4);`);
    expect(receiver.events()).toHaveLength(0);
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

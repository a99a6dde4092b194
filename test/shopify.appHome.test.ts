// The store owner's page of the Shopify app (/shopify/app): opened from the admin with Shopify's signed launch (the
// loopback Shopify signs it), it shows the shop's source and works with its own page token; its forms write through
// updateSource and importCatalog, only with that token and from PostFlow's (or Shopify admin's) origin.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePageToken } from '../plugins/shopify/src/appHomeToken.js';
import { shopifyAppHomeServices } from '../src/services/shopifyAppHome.js';
import { createSourceHost } from '../src/services/sources.js';
import type { FetchedItem } from '../src/sources/types.js';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { connectFakeSource, installFakeSource, product, sendEvent, setRules, waitForEvents, type FakeSource } from './helpers/fakeSource.js';

let shopify: ShopifyFake;
let mastodon: MastodonFake;
let t: TestApp;
let fake: FakeSource;
let publicUrl: string;
/** The catalog import waits on this until a test lets it go (so "one is running" is a state, not a race). */
let releaseImport: () => void = () => {};
let importGate: Promise<void> = Promise.resolve();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  shopify = await startShopifyFake();
  mastodon = await startMastodonFake();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    env: { PORT: String(port), POSTFLOW_PUBLIC_URL: publicUrl, SHOPIFY_API_KEY: shopify.apiKey, SHOPIFY_API_SECRET: shopify.apiSecret, SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin },
  });
  fake = installFakeSource(t);
  // The test's store can also stream its catalog (the real connector's bulk export is test/shopify.import.test.ts's).
  t.app.services.sources.register({
    ...fake.connector,
    async *importItems(): AsyncIterable<FetchedItem> {
      await importGate;
      yield product('p-imported', {}, { title: 'Imported linen towel' });
    },
  });
}, 60_000);
afterAll(async () => {
  releaseImport();
  await t?.stop();
  await mastodon?.stop();
  await shopify?.stop();
});

const MARKUP = '<img src=x onerror=alert(1)> "Linen" & Co';

/** A workspace with a Mastodon channel, a connected shop whose rules post to it, and one product received. */
async function shop() {
  const token = await signUp(t);
  const channel = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Shop news');
  const other = await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Second <b>channel</b>');
  const { sourceId, shop: name } = await connectFakeSource(t, token);
  // A grant the loopback Shopify honours: the app page checks it with one Admin call before showing itself.
  await createSourceHost(t.app.services).saveCredentials(sourceId, { shop: name, ...shopify.grantToken(name) });
  await setRules(t, token, sourceId, { channelIds: [channel.id], templates: { default: 'New: {{ title }} {{ url }}' }, timing: { mode: 'DELAY', delayMinutes: 600 } });
  const id = `p-${sourceId.slice(0, 8)}`;
  fake.set(id, product(id, {}, { title: MARKUP }));
  await sendEvent(t, sourceId, `e-${id}`, id);
  await waitForEvents(t, token, sourceId, 1);
  return { token, sourceId, shop: name, channel: channel.id, other: other.id, itemId: id };
}

const launchUrl = (name: string) => `${publicUrl}/shopify/app?${shopify.appLaunchQuery(name).toString()}`;
const tokenOf = (html: string) => /name="page_token" value="([^"]+)"/.exec(html)![1]!;

async function open(name: string): Promise<{ html: string; token: string; response: Response }> {
  const response = await fetch(launchUrl(name), { redirect: 'manual' });
  expect(response.status).toBe(200);
  const html = await response.text();
  return { html, token: tokenOf(html), response };
}

function post(path: string, fields: [string, string][], options: { origin?: string | null; json?: boolean } = {}) {
  const origin = options.origin === undefined ? publicUrl : options.origin;
  return fetch(`${publicUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(origin && { origin }), ...(options.json && { accept: 'application/json' }) },
    body: new URLSearchParams(fields).toString(),
  });
}

const rulesOf = async (sourceId: string) => (await t.app.database.prisma.source.findUniqueOrThrow({ where: { id: sourceId } })).rules as Record<string, unknown>;
const updates = async (sourceId: string) =>
  (await t.app.database.pool.query(`SELECT via, actor_id AS "actorId", details FROM audit_events WHERE target_id = $1 AND action = 'source.updated' ORDER BY at`, [sourceId])).rows;

describe('the Shopify app page', () => {
  it('refuses without a good launch or page token, a forged or expired token, and a foreign Origin: 401/403, nothing written', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    const before = await rulesOf(s.sourceId);
    const auditBefore = (await updates(s.sourceId)).length;
    expect((await fetch(`${publicUrl}/shopify/app`)).status).toBe(401);
    expect((await fetch(`${publicUrl}/shopify/app?page_token=not-a-token`)).status).toBe(401);

    const write = (pageToken: string | null, origin?: string | null) =>
      post(
        '/shopify/app/settings',
        [...(pageToken === null ? [] : [['page_token', pageToken] as [string, string]]), ['channel', s.other], ['template.default', 'Hacked {{ title }}']],
        {
          origin,
        },
      );
    expect((await write(null)).status).toBe(401);
    // The signature of another body: a token for another source, or another shop, is not forged by editing it.
    const [body, signature] = token.split('.');
    const edited = Buffer.from(Buffer.from(body!, 'base64url').toString().replace(s.shop, 'other-shop.myshopify.com')).toString('base64url');
    expect((await write(`${edited}.${signature}`)).status).toBe(401);
    expect((await write(`${body}.${'A'.repeat(signature!.length)}`)).status).toBe(401);
    const { mac } = shopifyAppHomeServices(t.app.services);
    const expired = issuePageToken(mac, s.shop, s.sourceId, new Date(Date.now() - 3_601_000)).token;
    const refused = await write(expired);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('more than an hour ago');
    expect((await fetch(`${publicUrl}/shopify/app?page_token=${expired}`)).status).toBe(401);
    // A good token, but the form comes from another site (or says nowhere): refused before anything is read.
    expect((await write(token, 'https://evil.example')).status).toBe(403);
    expect((await write(token, null)).status).toBe(403);
    expect((await write(token, 'null')).status).toBe(403);
    // Shopify's signed launch itself is no write token.
    const launch = shopify.appLaunchQuery(s.shop);
    expect((await post('/shopify/app/settings', [...launch.entries(), ['channel', s.other]])).status).toBe(401);

    expect(await rulesOf(s.sourceId)).toEqual(before);
    expect(await updates(s.sourceId)).toHaveLength(auditBefore);
    // The good token still works, from Shopify's admin too (it embeds the page).
    expect((await write(token, 'https://admin.shopify.com')).status).toBe(303);
  });

  it('renders the channels, the rules, the template per network, the preview and the events, every text escaped, embeddable in the admin', async () => {
    const s = await shop();
    const { html, response } = await open(s.shop);
    expect(html).toContain(`${s.shop} is connected to PostFlow: active.`);
    expect(html).toMatch(new RegExp(`<input type="checkbox" name="channel" value="${s.channel}" checked> Shop news \\(MASTODON\\)`));
    expect(html).toContain(`<input type="checkbox" name="channel" value="${s.other}"> Second &lt;b&gt;channel&lt;/b&gt; (MASTODON)`);
    expect(html).toContain('<input type="checkbox" name="event" value="PUBLISHED" checked>');
    expect(html).toContain('<input type="checkbox" name="event" value="ON_SALE">');
    expect(html).toContain('<option value="DELAY" selected>');
    expect(html).toContain('name="delayMinutes" min="1" value="600"');
    expect(html).toMatch(/<textarea id="f-template-default" name="template.default"[^>]*>New: \{\{ title \}\} \{\{ url \}\}<\/textarea>/);
    expect(html).toContain('name="template.MASTODON"');
    // The product's title, with markup, everywhere it shows: the picker, the preview, never as HTML.
    const escaped = '&lt;img src=x onerror=alert(1)&gt; &quot;Linen&quot; &amp; Co';
    expect(html).toContain(`<option value="${s.itemId}" selected>${escaped}</option>`);
    expect(html).toContain(`<pre>New: ${escaped} https://linen.example.com/products/${s.itemId}?utm_source=mastodon`);
    expect(html).not.toContain('<img');
    expect(html).toMatch(new RegExp(`<td>${s.itemId}</td><td>upserted</td><td class="outcome-POST_CREATED">POST_CREATED</td>`));
    // No inline script: the one script is PostFlow's own file, allowed by the CSP.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/shopify/app/app.js" defer>']);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`frame-ancestors https://admin.shopify.com https://${s.shop}`);
    const script = await fetch(`${publicUrl}/shopify/app/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain("addEventListener('input'");
    // The other pages keep refusing frames.
    const other = await fetch(`${publicUrl}/shopify/app`);
    expect(other.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('saves valid rules through updateSource (audited as the system), then sends the browser back with the page token', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    const saved = await post('/shopify/app/settings', [
      ['page_token', token],
      ['channel', s.channel],
      ['channel', s.other],
      ['event', 'PUBLISHED'],
      ['event', 'ON_SALE'],
      ['timing', 'DELAY'],
      ['delayMinutes', '90'],
      ['priority', '7'],
      ['requiresApproval', 'on'],
      ['template.default', 'Fresh: {{ title }}\r\n{{ url }}'],
      ['template.MASTODON', 'Toot: {{ title }} {{ url }}'],
    ]);
    expect(saved.status).toBe(303);
    const location = new URL(saved.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${publicUrl}/shopify/app`);
    expect(location.searchParams.get('page_token')).toBe(token);
    expect(await rulesOf(s.sourceId)).toMatchObject({
      channelIds: [s.channel, s.other],
      events: ['PUBLISHED', 'ON_SALE'],
      timing: { mode: 'DELAY', delayMinutes: 90 },
      priority: 7,
      requiresApproval: true,
      templates: { default: 'Fresh: {{ title }}\n{{ url }}', byNetwork: { MASTODON: 'Toot: {{ title }} {{ url }}' }, byChannel: {} },
      utm: { enabled: true, medium: 'social' },
    });
    // Audited like any updateSource: the owner's setRules before, then the page's, as the workspace's system actor,
    // saying it came from the app page (and not which shop: shop/redact leaves no name in the audit).
    expect(await updates(s.sourceId)).toEqual([
      { via: 'SESSION', actorId: expect.any(String), details: { fields: ['rules'] } },
      { via: 'SYSTEM', actorId: null, details: { fields: ['rules'], via: 'shopify_app' } },
    ]);
    const back = await fetch(location.href);
    expect(back.status).toBe(200);
    const html = await back.text();
    expect(html).toContain('Saved: the rules apply');
    expect(html).toContain(`<pre>Toot: `);
    expect(tokenOf(html)).toBe(token);
  });

  it('may turn approval on but never off: an OFF is refused at its field and changes nothing', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    const fields = (approval: boolean): [string, string][] => [
      ['page_token', token],
      ['channel', s.channel],
      ['event', 'PUBLISHED'],
      ['timing', 'DELAY'],
      ['delayMinutes', '600'],
      ['priority', '0'],
      ...(approval ? ([['requiresApproval', 'on']] as [string, string][]) : []),
      ['template.default', 'New: {{ title }} {{ url }}'],
    ];
    expect((await post('/shopify/app/settings', fields(true))).status).toBe(303);
    expect((await rulesOf(s.sourceId)).requiresApproval).toBe(true);
    const refused = await post('/shopify/app/settings', fields(false));
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('approval can be turned on from the Shopify app but not off');
    expect((await rulesOf(s.sourceId)).requiresApproval).toBe(true);
    expect(await updates(s.sourceId)).toHaveLength(2);
    // The page says so before anyone tries.
    expect((await open(s.shop)).html).toContain('approval is turned off only in PostFlow');
  });

  it('shows an invalid template’s error at its field with line and column, and changes nothing', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    const before = await rulesOf(s.sourceId);
    const refused = await post('/shopify/app/settings', [
      ['page_token', token],
      ['channel', s.channel],
      ['event', 'PUBLISHED'],
      ['timing', 'SMART'],
      ['priority', '3'],
      ['template.default', 'Fine {{ title }}'],
      ['template.MASTODON', 'New: {{ title }}\n{{ nope }}'],
    ]);
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toMatch(/<p class="error" data-error-for="template.MASTODON">line 2, column 4: unknown field &quot;nope&quot;/);
    expect(html).toContain('<p class="error" data-error-for="template.default"></p>');
    // The form keeps what the owner typed.
    expect(html).toContain('New: {{ title }}\n{{ nope }}</textarea>');
    expect(html).toContain('<option value="SMART" selected>');
    expect(await rulesOf(s.sourceId)).toEqual(before);
    expect(await updates(s.sourceId)).toEqual([{ via: 'SESSION', actorId: expect.any(String), details: { fields: ['rules'] } }]);
  });

  it('previews a draft without saving it: the page again without script, JSON for the live preview, errors with their position', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    const before = await rulesOf(s.sourceId);
    const draft: [string, string][] = [
      ['page_token', token],
      ['channel', s.channel],
      ['item', s.itemId],
      ['template.default', 'Draft: {{ title | upcase }} {{ price }}'],
    ];
    const page = await post('/shopify/app/preview', draft);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<pre>Draft: &lt;IMG SRC=X ONERROR=ALERT(1)&gt; &quot;LINEN&quot; &amp; CO €19.90</pre>');
    expect(html).toContain('Draft: {{ title | upcase }} {{ price }}</textarea>');
    const live = await post('/shopify/app/preview', draft, { json: true });
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({
      previews: [{ channelName: 'Shop news', platform: 'MASTODON', text: `Draft: ${MARKUP.toUpperCase()} €19.90`, fits: true, fit: 'Fits MASTODON as written.' }],
      note: null,
      issues: {},
    });
    const broken = await post('/shopify/app/preview', [...draft.slice(0, 3), ['template.default', '{{ title | upcase ']], { json: true });
    expect(broken.status).toBe(422);
    expect(await broken.json()).toMatchObject({ previews: [], issues: { 'template.default': ['line 1, column 1: output "{{ title | upcase " not closed'] } });
    expect(await rulesOf(s.sourceId)).toEqual(before);
    // The preview is a form like the others: a foreign origin gets nothing.
    expect((await post('/shopify/app/preview', draft, { origin: 'https://evil.example', json: true })).status).toBe(403);
  });

  it('starts the catalog import through importCatalog, shows its progress, and refuses a second while it runs', async () => {
    const s = await shop();
    const { token } = await open(s.shop);
    importGate = new Promise((resolve) => (releaseImport = resolve));
    const started = await post('/shopify/app/import', [['page_token', token]]);
    expect(started.status).toBe(303);
    expect(new URL(started.headers.get('location')!).searchParams.get('done')).toBe('import');
    const running = await t.app.database.prisma.sourceImport.findFirstOrThrow({ where: { sourceId: s.sourceId } });
    expect(running).toMatchObject({ status: 'RUNNING', startedVia: 'SYSTEM', startedBy: null });
    const [audit] = (await t.app.database.pool.query(`SELECT via, details FROM audit_events WHERE target_id = $1 AND action = 'import.started'`, [s.sourceId])).rows;
    expect(audit).toEqual({ via: 'SYSTEM', details: { importId: running.id, via: 'shopify_app' } });
    const page = await (await fetch(started.headers.get('location')!)).text();
    expect(page).toContain('The catalog import has started');
    expect(page).toMatch(/Last import, started [^:]+:[^<]*<strong>running<\/strong>/);
    const again = await post('/shopify/app/import', [['page_token', token]]);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('An import of this source is running already');
    releaseImport();
    await eventually(async () => (await t.app.database.prisma.sourceImport.findFirst({ where: { sourceId: s.sourceId, status: 'COMPLETED' } })) ?? undefined, 15_000, 'the import');
    const after = await (await fetch(`${publicUrl}/shopify/app?page_token=${token}`)).text();
    expect(after).toContain('<strong>completed</strong>. 1 products read, 1 handled, 1 posts made, 0 skipped, 0 errors');
    expect(after).toContain('Imported linen towel');
  });
});

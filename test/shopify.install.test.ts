// The Shopify install lifecycle (issue 13, section 2): the scopes asked for, a late uninstall retry after a reinstall
// from Shopify's admin, the hold and release of every open delivery, a stopped store moving to another workspace,
// the ticket's person's role when it is redeemed, and a new shop installed from Shopify claimed by its owner signing
// in here. PostFlow against the loopback Shopify; the merchant's browser is fetch with a cookie jar.
import { createServer } from 'node:net';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { productPayload } from './fakes/shopifyProducts.js';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { eventually, signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel } from './helpers/scenario.js';
import { setRules } from './helpers/fakeSource.js';
import { errorOf } from './helpers/api.js';
import { browser, formTokenOf, type Browser } from './helpers/shopifyBrowser.js';

const PASSWORD = 'correct horse';
let shopify: ShopifyFake;
let mastodon: MastodonFake;
let t: TestApp;
let publicUrl: string;
let owner: string;
let workspaceId: string;
let channelId: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  shopify = await startShopifyFake();
  shopify.retryDelaysMs = [];
  mastodon = await startMastodonFake();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    env: { PORT: String(port), POSTFLOW_PUBLIC_URL: publicUrl, SHOPIFY_API_KEY: shopify.apiKey, SHOPIFY_API_SECRET: shopify.apiSecret, SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin },
  });
  owner = await signUp(t);
  workspaceId = await workspaceOf(owner);
  channelId = (await createChannel(t, owner, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, 'Shop news')).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await mastodon?.stop();
  await shopify?.stop();
});

const sql = <R = any>(text: string, values: unknown[] = []) => t.app.database.pool.query(text, values).then((r) => r.rows as R[]);
const workspaceOf = async (token: string) => (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, token)).workspace.id;
const liveSource = (shop: string) => t.app.database.prisma.source.findFirst({ where: { externalId: shop, deletedAt: null } });
const START = `mutation($shop: String!, $backInStock: Boolean) { connectShopifyStart(shop: $shop, backInStock: $backInStock) { url scopes } }`;
const startLink = (token: string, shop: string, backInStock?: boolean) =>
  t.ok<{ connectShopifyStart: { url: string; scopes: string[] } }>(START, { shop, backInStock }, token).then((d) => d.connectShopifyStart);

/** A browser through Shopify's approval page back to the callback; answers the callback's response. */
async function approve(b: Browser, started: Response): Promise<Response> {
  expect(started.status).toBe(303);
  const approved = await b.get(started.headers.get('location')!);
  return b.get(approved.headers.get('location')!);
}
/** connectShopifyStart's link followed in a browser. */
const viaTicket = async (link: string, b = browser()) => ({ b, callback: await approve(b, await b.get(link)) });
/** The app opened from the shop's Shopify admin (its signed launch): OAuth at once, no ticket. */
const fromShopify = async (shop: string, b = browser()) => ({ b, callback: await approve(b, await b.get(`${publicUrl}/shopify/app?${shopify.appLaunchQuery(shop)}`)) });

async function productPost(shop: string, sourceId: string, title: string) {
  await shopify.createProduct(shop, { title });
  return eventually(
    async () => t.app.database.prisma.post.findFirst({ where: { sourceId, content: { contains: title } }, include: { deliveries: true } }),
    15_000,
    `the post of ${title}`,
  );
}
const delivery = (id: string) => t.app.database.prisma.delivery.findUniqueOrThrow({ where: { id } });
const hasJob = async (deliveryId: string) => (await sql(`SELECT 1 FROM graphile_worker.jobs WHERE key = $1`, [`publish:${deliveryId}`])).length === 1;
const uninstall = (shop: string, triggeredAt: string, eventId?: string) =>
  shopify.sendWebhook(shop, 'app/uninstalled', { id: 1, domain: shop }, { to: `${publicUrl}/shopify/webhooks`, triggeredAt, eventId });

describe('installing from PostFlow', () => {
  it('asks for read_inventory only when back-in-stock posts are wanted, and takes a pasted shop address', async () => {
    const plain = await startLink(owner, 'https://Scope-Shop.myshopify.com/admin');
    expect(new URL(plain.url).searchParams.get('shop')).toBe('scope-shop.myshopify.com');
    expect(plain.scopes).toEqual(['read_products']);
    const b = browser();
    const started = await b.get(plain.url);
    expect(new URL(started.headers.get('location')!).searchParams.get('scope')).toBe('read_products');

    const stock = await startLink(owner, 'scope-shop.myshopify.com', true);
    expect(stock.scopes).toEqual(['read_products', 'read_inventory']);
    expect((await sql(`SELECT scopes FROM shopify_install_tickets WHERE shop = 'scope-shop.myshopify.com' ORDER BY created_at DESC LIMIT 1`))[0].scopes).toEqual(stock.scopes);
    const { callback } = await viaTicket(stock.url);
    expect(callback.status).toBe(303);
    expect(shopify.subscriptions('scope-shop.myshopify.com').map((s) => s.topic)).toContain('INVENTORY_LEVELS_UPDATE');

    const refused = errorOf(await t.gql(START, { shop: 'not a shop' }, owner));
    expect([refused.extensions?.code, refused.extensions?.issues?.[0]?.path]).toEqual(['VALIDATION_FAILED', ['shop']]);
  }, 30_000);

  it('refuses a ticket whose person is no longer an ADMIN or OWNER of the workspace when it is redeemed', async () => {
    const adminEmail = `admin-${Date.now()}@example.com`;
    const { inviteMember } = await t.ok(`mutation($email: String!) { inviteMember(email: $email, role: ADMIN) { link } }`, { email: adminEmail }, owner);
    const invitation = new URL(inviteMember.link).pathname.split('/').at(-1);
    const admin = (await t.ok(`mutation($token: String!) { acceptInvitation(token: $token, password: "${PASSWORD}") { token } }`, { token: invitation })).acceptInvitation.token;
    const { url } = await startLink(admin, 'demoted.myshopify.com');
    const [{ id: adminId }] = await sql(`SELECT id FROM users WHERE email = $1`, [adminEmail]);
    await t.ok(`mutation($userId: ID!) { changeRole(userId: $userId, role: EDITOR) { role } }`, { userId: adminId }, owner);
    const { callback } = await viaTicket(url);
    expect(callback.status).toBe(400);
    expect(await callback.text()).toContain('was used already or has expired');
    expect(await liveSource('demoted.myshopify.com')).toBeNull();
  }, 30_000);
});

describe('uninstalling and installing again', () => {
  const SHOP = 'late-retry.myshopify.com';

  it('holds every open delivery, releases each to what it was, and ignores a late retry of the uninstall', async () => {
    await viaTicket((await startLink(owner, SHOP)).url);
    const source = (await liveSource(SHOP))!;
    const rules = { channelIds: [channelId], templates: { byNetwork: { MASTODON: '{{ title }} {{ url }}' }, byChannel: {} }, timing: { mode: 'DELAY', delayMinutes: 600 } };
    await setRules(t, owner, source.id, rules);
    const timed = (await productPost(SHOP, source.id, 'Linen towel')).deliveries[0]!;
    const late = (await productPost(SHOP, source.id, 'Linen sheet')).deliveries[0]!;
    await setRules(t, owner, source.id, { ...rules, requiresApproval: true });
    const awaiting = (await productPost(SHOP, source.id, 'Linen quilt')).deliveries[0]!;
    expect([timed.status, late.status, awaiting.status]).toEqual(['SCHEDULED', 'SCHEDULED', 'AWAITING_APPROVAL']);

    const uninstalledAt = new Date().toISOString();
    expect((await uninstall(SHOP, uninstalledAt, 'evt-uninstall'))[0]!.status).toBe(200);
    const held = await sql<{ delivery_id: string; held_from: string }>(`SELECT delivery_id, held_from FROM source_held_deliveries WHERE source_id = $1`, [source.id]);
    expect(Object.fromEntries(held.map((h) => [h.delivery_id, h.held_from]))).toEqual({ [timed.id]: 'SCHEDULED', [late.id]: 'SCHEDULED', [awaiting.id]: 'AWAITING_APPROVAL' });
    expect((await delivery(awaiting.id)).status).toBe('DRAFT');
    // One held post's time passes while the store is away: it goes to the queue, not into the past.
    await sql(`UPDATE deliveries SET scheduled_at = now() - interval '1 minute' WHERE id = $1`, [late.id]);
    const reinstalledAt = Date.now();

    const { callback } = await fromShopify(SHOP);
    expect(callback.status).toBe(303);
    expect(new URL(callback.headers.get('location')!).searchParams.get('released')).toBe('3');
    const back = (await liveSource(SHOP))!;
    expect([back.id, back.status]).toEqual([source.id, 'ACTIVE']);
    expect(back.connectedAt.getTime()).toBeGreaterThan(Date.parse(uninstalledAt));
    const [reconnected] = await sql(`SELECT via, actor_id FROM audit_events WHERE target_id = $1 AND action = 'source.reconnected' ORDER BY at DESC LIMIT 1`, [source.id]);
    expect(reconnected).toEqual({ via: 'SYSTEM', actor_id: null });
    expect(await delivery(timed.id)).toMatchObject({ status: 'SCHEDULED', scheduledAt: timed.scheduledAt });
    expect(await hasJob(timed.id)).toBe(true);
    // Back to exactly what it was, its reason the one approval clears when it decides.
    expect(await delivery(awaiting.id)).toMatchObject({ status: 'AWAITING_APPROVAL', scheduledAt: awaiting.scheduledAt, scheduleReason: 'Waiting for approval' });
    expect(await hasJob(awaiting.id)).toBe(false);
    // Queued: no time, or the one the smart scheduler has given it since (it may be out already), never the passed one.
    const queued = await delivery(late.id);
    expect(queued.status).not.toBe('DRAFT');
    expect(queued.scheduledAt === null || queued.scheduledAt.getTime() >= reinstalledAt - 1_000).toBe(true);

    // Shopify's retry of the first uninstall, hours later: the reinstall answered it already.
    expect((await uninstall(SHOP, uninstalledAt, 'evt-uninstall'))[0]!.status).toBe(200);
    expect((await liveSource(SHOP))!.status).toBe('ACTIVE');
    expect(await delivery(timed.id)).toMatchObject({ status: 'SCHEDULED' });
    // A new uninstall still stops it.
    await uninstall(SHOP, new Date().toISOString());
    expect((await liveSource(SHOP))!.status).toBe('UNINSTALLED');
  }, 60_000);
});

describe('opening the app of a connected shop', () => {
  const launch = (shop: string, b = browser()) => b.get(`${publicUrl}/shopify/app?${shopify.appLaunchQuery(shop)}`);

  it('goes through OAuth when the stored grant is refused, so a late uninstall then leaves the source running', async () => {
    const SHOP = 'quiet-reinstall.myshopify.com';
    await viaTicket((await startLink(owner, SHOP)).url);
    expect((await launch(SHOP)).status).toBe(200);
    // Uninstalled and installed again from Shopify without OAuth: the token PostFlow holds is revoked, and the
    // uninstall's webhook is still on its way.
    const uninstalledAt = new Date().toISOString();
    shopify.expireAccessTokens(SHOP);
    const { callback } = await fromShopify(SHOP);
    expect(callback.status).toBe(303);
    expect((await liveSource(SHOP))!.connectedAt.getTime()).toBeGreaterThan(Date.parse(uninstalledAt));
    await uninstall(SHOP, uninstalledAt);
    expect((await liveSource(SHOP))!.status).toBe('ACTIVE');
    expect((await launch(SHOP)).status).toBe(200);
  }, 30_000);

  it('asks Shopify for the scopes its rules need, and the page says plainly which are missing', async () => {
    const SHOP = 'restock-later.myshopify.com';
    await viaTicket((await startLink(owner, SHOP)).url);
    const opened = await launch(SHOP);
    expect(opened.status).toBe(200);
    const token = /name="page_token" value="([^"]+)"/.exec(await opened.text())![1]!;
    const saved = await fetch(`${publicUrl}/shopify/app/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: publicUrl },
      body: new URLSearchParams([
        ['page_token', token],
        ['channel', channelId],
        ['event', 'BACK_IN_STOCK'],
        ['timing', 'DELAY'],
        ['delayMinutes', '600'],
        ['priority', '0'],
        ['template.default', 'Back: {{ title }} {{ url }}'],
      ]).toString(),
    });
    expect(saved.status).toBe(303);
    const page = await (await fetch(saved.headers.get('location')!)).text();
    expect(page).toContain('The shop has not granted PostFlow read_inventory');

    const again = await launch(SHOP);
    expect(again.status).toBe(303);
    expect(new URL(again.headers.get('location')!).searchParams.get('scope')).toBe('read_products,read_inventory');
    const { callback } = await fromShopify(SHOP);
    expect(callback.status).toBe(303);
    expect(shopify.subscriptions(SHOP).map((s) => s.topic)).toContain('INVENTORY_LEVELS_UPDATE');
    const granted = await launch(SHOP);
    expect(granted.status).toBe(200);
    expect(await granted.text()).not.toContain('has not granted');
  }, 30_000);
});

describe('a store moving between workspaces', () => {
  const SHOP = 'moving-store.myshopify.com';

  it('stays a CONFLICT while active elsewhere; once stopped it is retired there and starts anew here', async () => {
    await viaTicket((await startLink(owner, SHOP)).url);
    const first = (await liveSource(SHOP))!;
    await setRules(t, owner, first.id, { channelIds: [channelId], timing: { mode: 'DELAY', delayMinutes: 600 } });
    const held = (await productPost(SHOP, first.id, 'Wool blanket')).deliveries[0]!;
    const other = await signUp(t);
    expect(errorOf(await t.gql(START, { shop: SHOP }, other)).extensions?.code).toBe('CONFLICT');

    await uninstall(SHOP, new Date().toISOString());
    const { callback } = await viaTicket((await startLink(other, SHOP)).url);
    expect(callback.status).toBe(303);
    const moved = (await liveSource(SHOP))!;
    expect(moved.workspaceId).toBe(await workspaceOf(other));
    expect(moved.id).not.toBe(first.id);
    const retired = await t.app.database.prisma.source.findUniqueOrThrow({ where: { id: first.id } });
    expect(retired.deletedAt).not.toBeNull();
    expect(retired.credentialsSealed).toBeNull();
    expect(await delivery(held.id)).toMatchObject({ status: 'CANCELLED', scheduleReason: 'Cancelled: the store was connected to another workspace' });
    const [audit] = await sql(`SELECT workspace_id, via, details FROM audit_events WHERE target_id = $1 AND action = 'source.retired'`, [first.id]);
    expect(audit).toEqual({ workspace_id: workspaceId, via: 'SYSTEM', details: { kind: 'SHOPIFY', cancelledDeliveries: 1 } });
    const { sources } = await t.ok<{ sources: { id: string }[] }>(`{ sources { id } }`, {}, owner);
    expect(sources.map((s) => s.id)).not.toContain(first.id);
  }, 60_000);
});

describe('a new shop installed from Shopify', () => {
  const problemOf = async (response: Response) => /class="problem" role="alert">([^<]*)</.exec(await response.text())?.[1];
  const pendingOf = (shop: string) =>
    sql<{ user_id: string | null; credentials_sealed: string; token_hash: string }>(`SELECT * FROM shopify_pending_installs WHERE shop = $1`, [shop]);

  /** Installed from Shopify's admin: the callback keeps the grant and sends the browser to the claim page. */
  async function claimStarted(shop: string): Promise<{ b: Browser; formToken: string }> {
    const { b, callback } = await fromShopify(shop);
    expect([callback.status, callback.headers.get('location')]).toEqual([303, `${publicUrl}/shopify/claim`]);
    const page = await b.get(`${publicUrl}/shopify/claim`);
    expect(page.status).toBe(200);
    return { b, formToken: formTokenOf(await page.text()) };
  }

  it('waits for its owner to sign in (the same refusal whatever was wrong), then joins the ADMIN or OWNER workspace picked', async () => {
    const SHOP = 'fresh-linen.myshopify.com';
    const email = `owner-${Date.now()}@example.com`;
    const person = await signUp(t, email);
    const personal = await workspaceOf(person);
    const { secret } = (await t.ok(`mutation { enableTwoFactorStart { secret } }`, {}, person)).enableTwoFactorStart;
    const { recoveryCodes } = (await t.ok(`mutation($code: String!) { enableTwoFactorFinish(code: $code) { recoveryCodes } }`, { code: await generate({ secret }) }, person))
      .enableTwoFactorFinish;
    // The person is an EDITOR of the first workspace too: not one a shop may join through them.
    const { inviteMember } = await t.ok(`mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link } }`, { email }, owner);
    await t.ok(`mutation($token: String!) { acceptInvitation(token: $token) { token } }`, { token: new URL(inviteMember.link).pathname.split('/').at(-1) }, person);

    const { b, formToken } = await claimStarted(SHOP);
    const cookie = b.jar.get('postflow_shopify_install')!;
    expect([cookie.path, cookie.attributes]).toEqual(['/shopify/claim', expect.arrayContaining(['HttpOnly', 'SameSite=Lax'])]);
    const [pending] = await pendingOf(SHOP);
    expect(pending!.token_hash).not.toBe(cookie.value);
    expect(pending!.credentials_sealed).not.toMatch(/shpat_|shprt_/);
    expect(await liveSource(SHOP)).toBeNull();

    const signIn = (form: Record<string, string>, options?: { origin?: string | null }) =>
      b.post(`${publicUrl}/shopify/claim/sign-in`, { form_token: formToken, ...form }, options);
    expect((await signIn({ email, password: PASSWORD, code: recoveryCodes[0] }, { origin: null })).status).toBe(403);
    expect((await signIn({ email, password: PASSWORD, code: recoveryCodes[0] }, { origin: 'https://elsewhere.example' })).status).toBe(403);
    expect((await signIn({ email, password: PASSWORD, code: recoveryCodes[0], form_token: 'forged' })).status).toBe(403);
    const refusals = [
      await signIn({ email, password: 'not the password', code: '' }),
      await signIn({ email: `nobody-${Date.now()}@example.com`, password: PASSWORD, code: '' }),
      await signIn({ email, password: PASSWORD, code: '' }),
      await signIn({ email, password: PASSWORD, code: '000000' === (await generate({ secret })) ? '111111' : '000000' }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(new Set(await Promise.all(refusals.map(problemOf)))).toEqual(new Set(['The email, the password or the two-factor code is not right.']));
    expect((await pendingOf(SHOP))[0]!.user_id).toBeNull();

    const sessionsBefore = (await sql(`SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [email]))[0].n;
    const signedIn = await signIn({ email, password: PASSWORD, code: recoveryCodes[0] });
    expect([signedIn.status, signedIn.headers.get('location')]).toEqual([303, `${publicUrl}/shopify/claim`]);
    expect((await sql(`SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [email]))[0].n).toBe(sessionsBefore);
    const picker = await (await b.get(`${publicUrl}/shopify/claim`)).text();
    expect(picker).toContain(`Signed in as ${email}`);
    expect(picker).toContain(`value="${personal}"`);
    expect(picker).not.toContain(`value="${workspaceId}"`);
    expect(picker).not.toMatch(/<script/i);

    const finish = (workspace: string) => b.post(`${publicUrl}/shopify/claim/finish`, { form_token: formToken, workspace });
    expect((await finish(workspaceId)).status).toBe(403);
    expect(await pendingOf(SHOP)).toHaveLength(1);
    const done = await finish(personal);
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get('location')!).pathname).toBe('/shopify/connected');
    expect(b.jar.has('postflow_shopify_install')).toBe(false);
    const source = (await liveSource(SHOP))!;
    expect([source.workspaceId, source.status]).toEqual([personal, 'ACTIVE']);
    const [connected] = await sql(`SELECT via, actor_id FROM audit_events WHERE target_id = $1 AND action = 'source.connected'`, [source.id]);
    expect(connected.actor_id).toBe((await sql(`SELECT id FROM users WHERE email = $1`, [email]))[0].id);
    expect(shopify.subscriptions(SHOP).map((s) => s.topic)).toContain('APP_UNINSTALLED');
    expect(await pendingOf(SHOP)).toEqual([]);
    // Taken once: the same form again finds nothing.
    b.jar.set('postflow_shopify_install', cookie);
    expect((await finish(personal)).status).toBe(410);
  }, 60_000);

  it('lets a new owner create an account where sign-up is open, and the shop joins its workspace', async () => {
    const SHOP = 'brand-new.myshopify.com';
    const { b, formToken } = await claimStarted(SHOP);
    const email = `new-${Date.now()}@example.com`;
    const created = await b.post(`${publicUrl}/shopify/claim/sign-up`, { form_token: formToken, email, password: 'vivid-ocean-lantern-42', workspaceName: 'Brand new' });
    expect(created.status).toBe(303);
    const page = await (await b.get(`${publicUrl}/shopify/claim`)).text();
    const [{ id: newWorkspace }] = await sql(`SELECT w.id FROM workspaces w JOIN memberships m ON m.workspace_id = w.id JOIN users u ON u.id = m.user_id WHERE u.email = $1`, [
      email,
    ]);
    expect(page).toContain(`value="${newWorkspace}"`);
    expect((await b.post(`${publicUrl}/shopify/claim/finish`, { form_token: formToken, workspace: newWorkspace })).status).toBe(303);
    expect((await liveSource(SHOP))!.workspaceId).toBe(newWorkspace);
    // A shop's product webhook now reaches its source.
    const product = await shopify.createProduct(SHOP, { title: 'First product' }, { webhook: false });
    expect((await shopify.sendWebhook(SHOP, 'products/create', productPayload(SHOP, product)))[0]!.status).toBe(200);
  }, 30_000);
});

describe('a new shop installed from Shopify, more', () => {
  const pendingOf = (shop: string) => sql(`SELECT 1 FROM shopify_pending_installs WHERE shop = $1`, [shop]);

  it("goes on as started from Shopify when the browser still has another shop's ticket, which stays good", async () => {
    const b = browser();
    const left = await startLink(owner, 'left-behind.myshopify.com');
    expect((await b.get(left.url)).status).toBe(303);
    const { callback } = await fromShopify('fresh-from-admin.myshopify.com', b);
    expect(callback.status).toBe(303);
    expect(new URL(callback.headers.get('location')!).pathname).toBe('/shopify/claim');
    expect(await pendingOf('fresh-from-admin.myshopify.com')).toHaveLength(1);
    expect(await sql(`SELECT 1 FROM shopify_install_tickets WHERE shop = 'left-behind.myshopify.com'`)).toHaveLength(1);
  }, 30_000);

  it('deletes the pending installs of a shop on shop/redact', async () => {
    const SHOP = 'redacted-pending.myshopify.com';
    await fromShopify(SHOP);
    expect(await pendingOf(SHOP)).toHaveLength(1);
    const [sent] = await shopify.sendWebhook(SHOP, 'shop/redact', { shop_id: 1, shop_domain: SHOP }, { to: `${publicUrl}/shopify/webhooks` });
    expect(sent!.status).toBe(200);
    expect(await pendingOf(SHOP)).toHaveLength(0);
  }, 30_000);
});

describe('a new shop installed from Shopify where sign-up is by invitation', () => {
  it('offers no account creation and refuses one', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const invited = await startTestApp({
      env: {
        PORT: String(port),
        POSTFLOW_PUBLIC_URL: url,
        POSTFLOW_SIGNUP: 'invite',
        SHOPIFY_API_KEY: shopify.apiKey,
        SHOPIFY_API_SECRET: shopify.apiSecret,
        SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin,
      },
    });
    try {
      // The instance's first account is always taken (sign-up's own rule): the refusal is for everyone after.
      await signUp(invited);
      const b = browser();
      const callback = await approve(b, await b.get(`${url}/shopify/app?${shopify.appLaunchQuery('invite-only.myshopify.com')}`));
      expect(callback.headers.get('location')).toBe(`${url}/shopify/claim`);
      const page = await (await b.get(`${url}/shopify/claim`)).text();
      expect(page).not.toContain('/shopify/claim/sign-up');
      const refused = await b.post(`${url}/shopify/claim/sign-up`, {
        form_token: formTokenOf(page),
        email: `x-${Date.now()}@example.com`,
        password: 'vivid-ocean-lantern-42',
        workspaceName: 'X',
      });
      expect(refused.status).toBe(403);
      expect((await invited.app.database.pool.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(1);
    } finally {
      await invited.stop();
    }
  }, 60_000);
});

// Plans charged through Shopify's Billing API (issue 13: "a shop that installed through Shopify pays through Shopify's
// Billing API (appSubscriptionCreate), not Stripe"): PostFlow with SHOPIFY_BILLING=test against the loopback Shopify
// (test/fakes/shopifyBilling.ts), and a loopback Stripe for the one-provider-at-a-time rule. The merchant approving
// the charge is a GET of the fake's confirmation page, which sends the signed app_subscriptions/update and redirects
// to PostFlow's return page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShopifyFake, type ShopifyFake } from './fakes/shopifyFake.js';
import { startStripeFake, type StripeFake } from './fakes/stripeFake.js';
import { eventually, signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { browser } from './helpers/shopifyBrowser.js';
import { freePort } from './helpers/ports.js';
import { ConfigError, loadConfig } from '../src/config.js';

const SHOP = 'linen-pays.myshopify.com';
const CHECKOUT = `mutation($id: ID!, $plan: PaidPlan!) { startShopifyCheckout(sourceId: $id, plan: $plan) { url } }`;
const BILLING = `{ billing { enabled provider plan subscriptionId status currentPeriodEnd } }`;

let shopify: ShopifyFake;
let stripe: StripeFake;
let t: TestApp;
let publicUrl: string;

beforeAll(async () => {
  shopify = await startShopifyFake();
  shopify.retryDelaysMs = [];
  stripe = await startStripeFake();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  t = await startTestApp({
    env: {
      PORT: String(port),
      POSTFLOW_PUBLIC_URL: publicUrl,
      SHOPIFY_API_KEY: shopify.apiKey,
      SHOPIFY_API_SECRET: shopify.apiSecret,
      SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin,
      SHOPIFY_BILLING: 'test',
      SHOPIFY_PRICE_PRO: '29.00',
      SHOPIFY_PRICE_AGENCY: '99.00',
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_PRICE_PRO: 'price_pro',
      STRIPE_PRICE_AGENCY: 'price_agency',
      STRIPE_API_URL: stripe.url,
    },
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await stripe?.stop();
  await shopify?.stop();
});

const codes = (result: { errors?: GraphQLErrorShape[] }) => (result.errors ?? []).map((e) => e.extensions?.code);
const workspaceOf = async (token: string) => (await t.ok(`{ workspace { id } }`, {}, token)).workspace.id as string;
const planOf = async (workspaceId: string) => (await t.app.database.pool.query(`SELECT plan FROM workspaces WHERE id = $1`, [workspaceId])).rows[0].plan as string;
const planChanges = async (workspaceId: string) =>
  (await t.app.database.pool.query(`SELECT details FROM audit_events WHERE workspace_id = $1 AND action = 'plan.changed' ORDER BY at, id`, [workspaceId])).rows.map(
    (r) => r.details as Record<string, unknown>,
  );

/** Until the queued shopify_billing_sync jobs (the webhooks') have all run. */
const synced = () =>
  eventually(
    async () => (await t.app.database.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'shopify_billing_sync'`)).rows[0].n === 0,
    20_000,
    'the Shopify billing syncs',
  );

/** connectShopifyStart, then the owner's browser through Shopify's approval: the shop's source. */
async function install(token: string, shop: string): Promise<string> {
  const { connectShopifyStart } = await t.ok(`mutation($shop: String!) { connectShopifyStart(shop: $shop) { url } }`, { shop }, token);
  const owner = browser();
  const started = await owner.get(connectShopifyStart.url);
  const approved = await owner.get(started.headers.get('location')!);
  expect((await owner.get(approved.headers.get('location')!)).status).toBe(303);
  return (await t.app.database.prisma.source.findFirstOrThrow({ where: { externalId: shop, deletedAt: null } })).id;
}

describe('plans charged through Shopify', () => {
  let token: string;
  let workspaceId: string;
  let sourceId: string;

  it('asks Shopify for a test charge of the plan, and an approval grants it', async () => {
    token = await signUp(t);
    workspaceId = await workspaceOf(token);
    sourceId = await install(token, SHOP);
    expect(shopify.subscriptions(SHOP).map((s) => s.topic)).toContain('APP_SUBSCRIPTIONS_UPDATE');
    const { url } = (await t.ok(CHECKOUT, { id: sourceId, plan: 'PRO' }, token)).startShopifyCheckout;
    expect(url.startsWith(`${shopify.shopOrigin.replace('{shop}', SHOP)}/admin/charges/`)).toBe(true);
    const create = shopify.graphqlRequests.find((r) => r.query.includes('appSubscriptionCreate'))!;
    expect(create.variables).toMatchObject({
      name: 'PostFlow PRO',
      test: true,
      lineItems: [{ plan: { appRecurringPricingDetails: { price: { amount: '29.00', currencyCode: 'USD' }, interval: 'EVERY_30_DAYS' } } }],
    });
    expect(String((create.variables as { returnUrl: string }).returnUrl).startsWith(`${publicUrl}/shopify/billing/return?source=${sourceId}&signature=`)).toBe(true);
    expect((await t.ok(BILLING, {}, token)).billing).toMatchObject({ enabled: true, provider: 'SHOPIFY', plan: 'UNLIMITED', status: 'PENDING' });

    const approved = await fetch(url, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    // The signed webhook came (and was queued) before the fake redirected the merchant; its job applies it.
    expect(shopify.deliveries.filter((d) => d.topic === 'app_subscriptions/update').map((d) => d.status)).toEqual([200]);
    await synced();
    expect(await planOf(workspaceId)).toBe('PRO');
    const [subscription] = shopify.billing.subscriptions(SHOP);
    expect((await t.ok(BILLING, {}, token)).billing).toMatchObject({ provider: 'SHOPIFY', plan: 'PRO', status: 'ACTIVE', subscriptionId: subscription!.id });
    expect((await planChanges(workspaceId)).at(-1)).toMatchObject({ from: 'UNLIMITED', to: 'PRO', source: 'shopify', via: 'webhook', status: 'ACTIVE' });

    const page = await fetch(approved.headers.get('location')!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('the PRO plan is active');
  }, 40_000);

  it('refuses a forged app_subscriptions/update with 401 and changes nothing', async () => {
    const before = shopify.graphqlRequests.length;
    const [id] = shopify.billing.subscriptions(SHOP).map((s) => s.id);
    const [forged] = await shopify.sendWebhook(
      SHOP,
      'app_subscriptions/update',
      { app_subscription: { admin_graphql_api_id: id, status: 'CANCELLED' } },
      { to: `${publicUrl}/shopify/webhooks`, hmacSecret: 'not-the-secret' },
    );
    expect(forged!.status).toBe(401);
    expect(shopify.graphqlRequests.length).toBe(before);
    expect(await planOf(workspaceId)).toBe('PRO');
  }, 20_000);

  it('refuses a Stripe checkout while the shop pays, and a return link PostFlow did not make', async () => {
    const refused = await t.gql(`mutation { startCheckout(plan: AGENCY) { url } }`, {}, token);
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ provider: 'SHOPIFY' });
    const forged = await fetch(`${publicUrl}/shopify/billing/return?source=${sourceId}&signature=AAAA`);
    expect(forged.status).toBe(400);
  }, 20_000);

  it('changes the plan when only the return page tells PostFlow (no webhook), the old charge replaced', async () => {
    const { url } = (await t.ok(CHECKOUT, { id: sourceId, plan: 'AGENCY' }, token)).startShopifyCheckout;
    const approved = await fetch(`${url}&webhook=0`, { redirect: 'manual' });
    expect(approved.status).toBe(302);
    expect(await planOf(workspaceId)).toBe('PRO');
    expect(shopify.billing.subscriptions(SHOP).map((s) => s.status)).toEqual(['CANCELLED', 'ACTIVE']);
    const page = await fetch(approved.headers.get('location')!);
    expect(await page.text()).toContain('the AGENCY plan is active');
    expect(await planOf(workspaceId)).toBe('AGENCY');
    expect((await planChanges(workspaceId)).at(-1)).toMatchObject({ from: 'PRO', to: 'AGENCY', via: 'return' });
    // The replaced charge's own CANCELLED update, arriving late, takes nothing away: the shop's ACTIVE charge is read.
    const [old] = shopify.billing.subscriptions(SHOP);
    await shopify.sendWebhook(SHOP, 'app_subscriptions/update', { app_subscription: { admin_graphql_api_id: old!.id, status: 'CANCELLED' } });
    await synced();
    expect(await planOf(workspaceId)).toBe('AGENCY');
  }, 30_000);

  it('grants nothing for a charge of the other mode (a live charge on a test server, a test one on a live server)', async () => {
    const owner = await signUp(t);
    const id = await workspaceOf(owner);
    const shop = 'linen-other-mode.myshopify.com';
    const source = await install(owner, shop);
    await t.ok(CHECKOUT, { id: source, plan: 'AGENCY' }, owner);
    const before = await planOf(id);
    // The shop's only ACTIVE charge named as PostFlow's is not of this server's mode (SHOPIFY_BILLING=test).
    const other = shopify.billing.add(shop, { name: 'PostFlow PRO', test: false });
    await shopify.sendWebhook(shop, 'app_subscriptions/update', { app_subscription: { admin_graphql_api_id: other.id, status: 'ACTIVE' } });
    await synced();
    expect(await planOf(id)).toBe(before);
    expect((await t.ok(BILLING, {}, owner)).billing).toMatchObject({ provider: 'SHOPIFY', status: 'PENDING' });
    expect(await planChanges(id)).toHaveLength(0);
  }, 30_000);

  it('goes back to FREE when the merchant cancels the charge', async () => {
    const active = shopify.billing.subscriptions(SHOP).find((s) => s.status === 'ACTIVE')!;
    // Shopify's Admin API down for longer than one read retries: the webhook is still answered at once (Shopify
    // waits 5 seconds), and the queued job reads again later.
    shopify.failNext(503, 4);
    await shopify.billing.setStatus(SHOP, active.id, 'CANCELLED');
    expect(shopify.deliveries.at(-1)).toMatchObject({ topic: 'app_subscriptions/update', status: 200 });
    const failed = await eventually(async () => {
      const { rows } = await t.app.database.pool.query(`SELECT id, last_error FROM graphile_worker.jobs WHERE task_identifier = 'shopify_billing_sync'`);
      return rows[0]?.last_error ? (rows[0].id as string) : null;
    }, 20_000);
    expect(await planOf(workspaceId)).toBe('AGENCY');
    await t.app.database.pool.query(`SELECT graphile_worker.reschedule_jobs(ARRAY[$1::bigint], run_at := now())`, [failed]);
    await synced();
    expect(await planOf(workspaceId)).toBe('FREE');
    expect((await t.ok(BILLING, {}, token)).billing).toMatchObject({ provider: 'SHOPIFY', plan: 'FREE', status: 'CANCELLED' });
    expect((await planChanges(workspaceId)).at(-1)).toMatchObject({ from: 'AGENCY', to: 'FREE', source: 'shopify', status: 'CANCELLED' });
    // A repeat of the update changes nothing more.
    const changes = (await planChanges(workspaceId)).length;
    await shopify.sendWebhook(SHOP, 'app_subscriptions/update', { app_subscription: { admin_graphql_api_id: active.id, status: 'CANCELLED' } });
    await synced();
    expect(await planChanges(workspaceId)).toHaveLength(changes);
  }, 40_000);

  it('ends the plan a shop paid for when the app is uninstalled (Shopify cancels its charges)', async () => {
    const owner = await signUp(t);
    const id = await workspaceOf(owner);
    const shop = 'linen-leaves.myshopify.com';
    const source = await install(owner, shop);
    const { url } = (await t.ok(CHECKOUT, { id: source, plan: 'PRO' }, owner)).startShopifyCheckout;
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    await synced();
    expect(await planOf(id)).toBe('PRO');
    const [uninstalled] = await shopify.sendWebhook(shop, 'app/uninstalled', { id: 1, domain: shop });
    expect(uninstalled!.status).toBe(200);
    await synced();
    expect(await planOf(id)).toBe('FREE');
    expect((await t.ok(BILLING, {}, owner)).billing).toMatchObject({ provider: 'SHOPIFY', status: 'CANCELLED' });
  }, 30_000);

  /** A new workspace whose shop pays PRO through Shopify. */
  async function payingShop(shop: string): Promise<{ owner: string; id: string; source: string }> {
    const owner = await signUp(t);
    const id = await workspaceOf(owner);
    const source = await install(owner, shop);
    const { url } = (await t.ok(CHECKOUT, { id: source, plan: 'PRO' }, owner)).startShopifyCheckout;
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    await synced();
    expect(await planOf(id)).toBe('PRO');
    return { owner, id, source };
  }

  it('ends the plan when the app is uninstalled from a shop a person had disconnected first', async () => {
    const shop = 'linen-unplugged.myshopify.com';
    const { owner, id, source } = await payingShop(shop);
    await t.ok(`mutation($id: ID!) { disconnectSource(id: $id) { status } }`, { id: source }, owner);
    // The app is still installed in the shop, and Shopify still charges it: the plan stays.
    expect(await planOf(id)).toBe('PRO');
    const [uninstalled] = await shopify.sendWebhook(shop, 'app/uninstalled', { id: 1, domain: shop });
    expect(uninstalled!.status).toBe(200);
    await synced();
    expect(await planOf(id)).toBe('FREE');
    expect((await t.ok(BILLING, {}, owner)).billing).toMatchObject({ provider: 'SHOPIFY', status: 'CANCELLED' });
    expect((await planChanges(id)).at(-1)).toMatchObject({ from: 'PRO', to: 'FREE', source: 'shopify', via: 'uninstall' });
  }, 40_000);

  it('ends the old workspace’s plan when its shop is installed into another workspace', async () => {
    const shop = 'linen-moves.myshopify.com';
    const { owner, id, source } = await payingShop(shop);
    await t.ok(`mutation($id: ID!) { disconnectSource(id: $id) { status } }`, { id: source }, owner);
    const other = await signUp(t);
    const moved = await install(other, shop);
    expect(moved).not.toBe(source);
    expect(await planOf(id)).toBe('FREE');
    expect((await t.ok(BILLING, {}, owner)).billing).toMatchObject({ provider: 'SHOPIFY', status: 'CANCELLED' });
    expect((await planChanges(id)).at(-1)).toMatchObject({ from: 'PRO', to: 'FREE', source: 'shopify', status: 'CANCELLED' });
    // The shop's updates now find the new workspace's source, which pays for nothing yet.
    const [charge] = shopify.billing.subscriptions(shop);
    await shopify.sendWebhook(shop, 'app_subscriptions/update', { app_subscription: { admin_graphql_api_id: charge!.id, status: 'ACTIVE' } });
    await synced();
    expect(await planOf(id)).toBe('FREE');
  }, 40_000);

  it('refuses a Stripe checkout while a Shopify charge waits for approval, until it is a day old', async () => {
    const owner = await signUp(t);
    const id = await workspaceOf(owner);
    const source = await install(owner, 'linen-pending.myshopify.com');
    await t.ok(CHECKOUT, { id: source, plan: 'PRO' }, owner);
    const refused = await t.gql(`mutation { startCheckout(plan: PRO) { url } }`, {}, owner);
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ provider: 'SHOPIFY' });
    await t.app.database.pool.query(`UPDATE shopify_billing_accounts SET checkout_started_at = now() - interval '25 hours' WHERE workspace_id = $1`, [id]);
    expect((await t.ok(`mutation { startCheckout(plan: PRO) { url } }`, {}, owner)).startCheckout.url).toBeTruthy();
  }, 40_000);

  it('refuses a Shopify checkout while a Stripe checkout may still be paid for', async () => {
    const owner = await signUp(t);
    const source = await install(owner, 'linen-checkout.myshopify.com');
    await t.ok(`mutation { startCheckout(plan: PRO) { url } }`, {}, owner);
    const refused = await t.gql(CHECKOUT, { id: source, plan: 'PRO' }, owner);
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ provider: 'STRIPE' });
  }, 40_000);

  it('refuses a Shopify checkout while Stripe bills the workspace, and another workspace’s shop', async () => {
    const owner = await signUp(t);
    const { url } = (await t.ok(`mutation { startCheckout(plan: PRO) { url } }`, {}, owner)).startCheckout;
    const { session } = stripe.completeCheckout(url.split('/').at(-1)!);
    expect((await stripe.deliver(`${publicUrl}/stripe/webhooks`, stripe.event('checkout.session.completed', session))).status).toBe(200);
    const shop = await install(owner, 'linen-stripe.myshopify.com');
    const refused = await t.gql(CHECKOUT, { id: shop, plan: 'PRO' }, owner);
    expect(codes(refused)).toEqual(['CONFLICT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ provider: 'STRIPE' });
    expect(codes(await t.gql(CHECKOUT, { id: sourceId, plan: 'PRO' }, owner))).toEqual(['NOT_FOUND']);
  }, 40_000);
});

describe('without SHOPIFY_BILLING', () => {
  it('answers BILLING_DISABLED, and the settings refuse a half-configured billing', async () => {
    const off = await startTestApp({ env: { SHOPIFY_API_KEY: shopify.apiKey, SHOPIFY_API_SECRET: shopify.apiSecret, SHOPIFY_SHOP_ORIGIN: shopify.shopOrigin } });
    try {
      const owner = await signUp(off);
      const result = await off.gql(CHECKOUT, { id: '00000000-0000-4000-8000-000000000000', plan: 'PRO' }, owner);
      expect(codes(result)).toEqual(['BILLING_DISABLED']);
      expect((await off.ok(BILLING, {}, owner)).billing).toMatchObject({ enabled: false, provider: null });
    } finally {
      await off.stop();
    }
    const half = () => loadConfig({ SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's', SHOPIFY_BILLING: 'on', SHOPIFY_PRICE_PRO: '29.00' });
    expect(half).toThrow(ConfigError);
    expect(half).toThrow(/SHOPIFY_PRICE_AGENCY/);
    expect(() => loadConfig({ SHOPIFY_BILLING: 'test', SHOPIFY_PRICE_PRO: '1', SHOPIFY_PRICE_AGENCY: '2' })).toThrow(/SHOPIFY_BILLING: test needs the Shopify app/);
  }, 40_000);
});

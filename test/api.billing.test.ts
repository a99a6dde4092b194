// Billing with Stripe (issue 12, section 4), against a loopback Stripe (test/fakes/stripeFake.ts) whose webhooks are
// signed by its own HMAC: checkout and portal links for the OWNER only, one customer per workspace; signed webhooks
// that set the plan, refused when forged, wrongly keyed or stale, applied once however often they come and whatever
// their order; a cancellation back to FREE that keeps scheduled posts; and a server without Stripe.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startStripeFake, type FakeSubscription, type StripeFake } from './fakes/stripeFake.js';
import { signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { publishJobs } from './helpers/api.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { hashPassword } from '../src/security/passwords.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const PRICES = { PRO: 'price_pro_monthly', AGENCY: 'price_agency_monthly' };
const CHECKOUT = `mutation($plan: PaidPlan!) { startCheckout(plan: $plan) { url } }`;
const PORTAL = `mutation { billingPortal { url } }`;
const BILLING = `{ billing { enabled plan customerId subscriptionId status currentPeriodEnd cancelAtPeriodEnd lastPaymentFailedAt } }`;

let t: TestApp;
let stripe: StripeFake;
let mastodon: MastodonFake;
let webhookUrl: string;

beforeAll(async () => {
  stripe = await startStripeFake();
  mastodon = await startMastodonFake();
  t = await startTestApp({
    env: {
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_PRICE_PRO: PRICES.PRO,
      STRIPE_PRICE_AGENCY: PRICES.AGENCY,
      STRIPE_API_URL: stripe.url,
      // An instance that sells plans starts everyone on FREE.
      POSTFLOW_DEFAULT_PLAN: 'FREE',
    },
  });
  webhookUrl = `${t.app.httpUrl}/stripe/webhooks`;
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await stripe?.stop();
  await mastodon?.stop();
});

const codes = (result: { errors?: GraphQLErrorShape[] }) => (result.errors ?? []).map((e) => e.extensions?.code);
const query = (sql: string, values: unknown[]) => t.app.database.pool.query(sql, values).then((r) => r.rows);
const planOf = async (workspaceId: string) => (await query(`SELECT plan FROM workspaces WHERE id = $1`, [workspaceId]))[0].plan as string;
const billingOf = async (token: string) => (await t.ok(BILLING, {}, token)).billing;
const planChanges = (workspaceId: string) =>
  query(`SELECT via, actor_id, details FROM audit_events WHERE workspace_id = $1 AND action = 'plan.changed' ORDER BY at, id`, [workspaceId]);
const requestsTo = (path: string) => stripe.requests.filter((r) => r.path === path);

/** A new workspace (on FREE, the default here) and its owner's session. */
async function workspace(): Promise<{ token: string; id: string; email: string }> {
  const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
  const token = (await t.ok(`mutation($e: String!, $p: String!) { signup(email: $e, password: $p, workspaceName: "Shop") { token } }`, { e: email, p: PASSWORD })).signup.token;
  return { token, id: (await t.ok(`{ workspace { id } }`, {}, token)).workspace.id, email };
}

/** A member of the workspace with this role, written as an accepted invitation would be. */
async function member(workspaceId: string, role: string): Promise<string> {
  const email = `${role.toLowerCase()}-${randomBytes(4).toString('hex')}@example.com`;
  const user = await query(`INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, await hashPassword(PASSWORD)]);
  await query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, user[0].id, role]);
  return (await t.ok(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: email, p: PASSWORD })).login.token;
}

/** Checkout started by the owner and paid on Stripe's side; answers the session's id and the new subscription. */
async function paidCheckout(token: string, plan: 'PRO' | 'AGENCY', status = 'active'): Promise<{ session: Record<string, unknown>; subscription: FakeSubscription }> {
  const { url } = (await t.ok(CHECKOUT, { plan }, token)).startCheckout;
  return stripe.completeCheckout(url.split('/').at(-1), status);
}

/** A workspace whose PRO checkout completed and whose webhook was applied. */
async function subscribed(plan: 'PRO' | 'AGENCY' = 'PRO') {
  const ws = await workspace();
  const { session, subscription } = await paidCheckout(ws.token, plan);
  const delivered = await stripe.deliver(webhookUrl, stripe.event('checkout.session.completed', session));
  expect(delivered).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
  return { ...ws, subscription };
}

describe('checkout and portal links', () => {
  it("gives the owner a Checkout link for the plan's price, with the workspace's customer created once and reused", async () => {
    const { token, id, email } = await workspace();
    const before = stripe.requests.length;
    const first = (await t.ok(CHECKOUT, { plan: 'PRO' }, token)).startCheckout.url;
    expect(first).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);

    const customers = stripe.requests.slice(before).filter((r) => r.path === '/v1/customers');
    expect(customers).toHaveLength(1);
    expect(customers[0]).toMatchObject({
      method: 'POST',
      authorized: true,
      idempotencyKey: `postflow-customer-${id}`,
      params: { email, name: 'Shop', metadata: { workspace_id: id } },
    });
    const customerId = (await billingOf(token)).customerId as string;
    expect(stripe.customers.has(customerId)).toBe(true);

    await t.ok(CHECKOUT, { plan: 'AGENCY' }, token);
    const sessions = stripe.requests.slice(before).filter((r) => r.path === '/v1/checkout/sessions');
    expect(stripe.requests.slice(before).filter((r) => r.path === '/v1/customers')).toHaveLength(1);
    expect(sessions.map((s) => s.params)).toEqual([
      expect.objectContaining({ mode: 'subscription', customer: customerId, client_reference_id: id, line_items: [{ price: PRICES.PRO, quantity: '1' }] }),
      expect.objectContaining({ mode: 'subscription', customer: customerId, client_reference_id: id, line_items: [{ price: PRICES.AGENCY, quantity: '1' }] }),
    ]);
    const { publicUrl } = t.app.services.config;
    expect(sessions[0]!.params.success_url).toBe(`${publicUrl}/billing/return?checkout=success&session_id={CHECKOUT_SESSION_ID}`);
    expect(sessions[0]!.params.cancel_url).toBe(`${publicUrl}/billing/return?checkout=cancelled`);
    expect((await fetch(`${t.app.httpUrl}/billing/return?checkout=cancelled`)).status).toBe(200);
    expect(await billingOf(token)).toEqual({
      enabled: true,
      plan: 'FREE',
      customerId,
      subscriptionId: null,
      status: null,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      lastPaymentFailedAt: null,
    });
  });

  it('lets only the OWNER, signed in, start a checkout or open the portal; ADMINs read the billing state', async () => {
    const { id } = await workspace();
    const admin = await member(id, 'ADMIN');
    const viewer = await member(id, 'VIEWER');
    const calls = stripe.requests.length;
    for (const operation of [CHECKOUT, PORTAL]) {
      const refused = await t.gql(operation, { plan: 'PRO' }, admin);
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0]!.message).toMatch(/needs the OWNER role \(you are ADMIN\)/);
    }
    expect(stripe.requests.length).toBe(calls);
    expect((await billingOf(admin)).plan).toBe('FREE');
    expect(codes(await t.gql(BILLING, {}, viewer))).toEqual(['FORBIDDEN']);
  });

  it('answers NOT_FOUND for the portal before the first checkout, then a portal session for the customer', async () => {
    const { token } = await workspace();
    const refused = await t.gql(PORTAL, {}, token);
    expect(codes(refused)).toEqual(['NOT_FOUND']);
    expect(refused.errors![0]!.message).toMatch(/no Stripe customer yet: subscribe first \(startCheckout\)/);
    await t.ok(CHECKOUT, { plan: 'PRO' }, token);
    const { url } = (await t.ok(PORTAL, {}, token)).billingPortal;
    expect(url).toMatch(/^https:\/\/billing\.stripe\.test\/p\/session\/bps_/);
    expect(requestsTo('/v1/billing_portal/sessions').at(-1)!.params).toEqual({
      customer: (await billingOf(token)).customerId,
      return_url: `${t.app.services.config.publicUrl}/billing/return?portal=done`,
    });
  });
});

describe('signed webhooks', () => {
  it('upgrades the plan on a completed checkout, audited as the system, and then refuses a second checkout', async () => {
    const { token, id, subscription } = await subscribed('PRO');
    expect(await planOf(id)).toBe('PRO');
    expect(await billingOf(token)).toMatchObject({ plan: 'PRO', subscriptionId: subscription.id, status: 'active', cancelAtPeriodEnd: false });
    expect(new Date((await billingOf(token)).currentPeriodEnd).getTime()).toBe(subscription.items.data[0]!.current_period_end * 1000);
    expect(await planChanges(id)).toEqual([
      { via: 'SYSTEM', actor_id: null, details: expect.objectContaining({ from: 'FREE', to: 'PRO', source: 'stripe', subscriptionId: subscription.id }) },
    ]);
    // Stripe was asked for the subscription itself, not taken at the event's word.
    expect(requestsTo(`/v1/subscriptions/${subscription.id}`).length).toBeGreaterThan(0);
    expect(codes(await t.gql(CHECKOUT, { plan: 'AGENCY' }, token))).toEqual(['CONFLICT']);
  });

  it('refuses a forged signature, a wrong secret, a stale timestamp or no signature with 400, changing nothing', async () => {
    const { token, id } = await workspace();
    const { subscription } = await paidCheckout(token, 'AGENCY');
    const event = stripe.event('customer.subscription.created', subscription);
    const payload = JSON.stringify(event);
    const forged = payload.replace(PRICES.AGENCY, PRICES.PRO);
    const attempts = [
      { what: 'a wrong secret', body: payload, options: { secret: `whsec_${randomBytes(24).toString('base64url')}` } },
      { what: 'a body changed after signing', body: forged, options: { signature: stripe.sign(payload) } },
      { what: 'ten minutes old', body: payload, options: { timestamp: Math.floor(Date.now() / 1000) - 600 } },
      { what: 'no signature', body: payload, options: { signature: null } },
      { what: 'garbage', body: payload, options: { signature: 'v1=deadbeef' } },
    ];
    for (const attempt of attempts) {
      const answer = await stripe.deliver(webhookUrl, attempt.body, attempt.options);
      expect(answer.status, attempt.what).toBe(400);
    }
    expect(await planOf(id)).toBe('FREE');
    expect(await query(`SELECT id FROM stripe_events WHERE id = $1`, [event.id])).toEqual([]);
    expect(await planChanges(id)).toEqual([]);
    // The same event, signed right, is accepted: the refusals were the signature's.
    expect((await stripe.deliver(webhookUrl, payload)).status).toBe(200);
    expect(await planOf(id)).toBe('AGENCY');
  });

  it('applies an event once, however often and however simultaneously it is delivered', async () => {
    const { token, id } = await workspace();
    const { subscription } = await paidCheckout(token, 'PRO');
    const event = stripe.event('customer.subscription.created', subscription);
    const answers = await Promise.all([1, 2, 3].map(() => stripe.deliver(webhookUrl, event)));
    expect(answers.map((a) => a.body.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    // Stripe now says canceled, but a replay of the old event is recognised and changes nothing.
    stripe.updateSubscription(subscription.id, { status: 'canceled' });
    expect((await stripe.deliver(webhookUrl, event)).body.outcome).toBe('duplicate');
    expect(await planOf(id)).toBe('PRO');
    expect(await planChanges(id)).toHaveLength(1);
  });

  it('does not regress on an older event arriving late: the subscription is read from Stripe', async () => {
    const { token, id, subscription } = await subscribed('PRO');
    const older = stripe.event('customer.subscription.updated', subscription, new Date(Date.now() - 60_000));
    const upgraded = stripe.updateSubscription(subscription.id, { price: PRICES.AGENCY });
    expect((await stripe.deliver(webhookUrl, stripe.event('customer.subscription.updated', upgraded))).body.outcome).toBe('applied');
    expect(await planOf(id)).toBe('AGENCY');
    // Its snapshot says PRO; Stripe says AGENCY now.
    expect((await stripe.deliver(webhookUrl, older)).body.outcome).toBe('applied');
    expect(await planOf(id)).toBe('AGENCY');
    expect((await billingOf(token)).plan).toBe('AGENCY');
  });

  it('keeps the plan while past_due and shows it, with the failed payment recorded', async () => {
    const { token, id, subscription } = await subscribed('PRO');
    const pastDue = stripe.updateSubscription(subscription.id, { status: 'past_due' });
    const failedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const invoice = {
      id: `in_${randomBytes(6).toString('hex')}`,
      object: 'invoice',
      customer: pastDue.customer,
      status: 'open',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: {} }, quote_details: null },
    };
    expect((await stripe.deliver(webhookUrl, stripe.event('invoice.payment_failed', invoice, failedAt))).body.outcome).toBe('applied');
    expect(await billingOf(token)).toMatchObject({ plan: 'PRO', status: 'past_due', lastPaymentFailedAt: failedAt.toISOString() });
    const audited = await query(`SELECT via, details FROM audit_events WHERE workspace_id = $1 AND action = 'billing.payment_failed'`, [id]);
    expect(audited).toEqual([{ via: 'SYSTEM', details: expect.objectContaining({ invoiceId: invoice.id, source: 'stripe' }) }]);
  });

  it('ignores events about customers it does not know, once, and answers 200', async () => {
    const stranger = { id: 'sub_unknown', object: 'subscription', customer: 'cus_unknown', status: 'active', cancel_at_period_end: false, items: { object: 'list', data: [] } };
    const event = stripe.event('customer.subscription.updated', stranger);
    expect(await stripe.deliver(webhookUrl, event)).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    expect((await stripe.deliver(webhookUrl, event)).body.outcome).toBe('duplicate');
  });

  it('refuses a body over the cap with 413', async () => {
    const huge = JSON.stringify({ id: 'evt_huge', padding: 'x'.repeat(1024 * 1024) });
    expect((await stripe.deliver(webhookUrl, huge)).status).toBe(413);
  });
});

describe('a cancellation', () => {
  it('downgrades to FREE, keeps scheduled posts scheduled and publishing, and refuses a channel over the limit', async () => {
    const { token, id, subscription } = await subscribed('PRO');
    const channels: { id: string }[] = [];
    for (let i = 0; i < 4; i++) channels.push(await createChannel(t, token, 'MASTODON', { instanceUrl: mastodon.url, accessToken: mastodon.accessToken }, `m-${i}`));
    const tomorrow = Date.now() + 86_400_000;
    const later = [];
    for (const [i, channel] of channels.entries())
      later.push(await createPost(t, token, { content: `later ${i}`, channelIds: [channel.id], scheduledAt: new Date(tomorrow + i * 60_000).toISOString() }));
    const soon = await createPost(t, token, { content: `soon ${id}`, channelIds: [channels[0]!.id], scheduledAt: new Date(Date.now() + 2_000).toISOString() });

    const canceled = stripe.updateSubscription(subscription.id, { status: 'canceled' });
    expect((await stripe.deliver(webhookUrl, stripe.event('customer.subscription.deleted', canceled))).body.outcome).toBe('applied');
    expect(await planOf(id)).toBe('FREE');
    expect(await billingOf(token)).toMatchObject({ plan: 'FREE', status: 'canceled' });
    expect((await planChanges(id)).map((c) => [c.details.from, c.details.to])).toEqual([
      ['FREE', 'PRO'],
      ['PRO', 'FREE'],
    ]);

    const statuses = await query(`SELECT status, count(*)::int AS n FROM deliveries WHERE workspace_id = $1 GROUP BY status`, [id]);
    expect(statuses).toEqual([{ status: 'SCHEDULED', n: 5 }]);
    for (const post of later) expect(await publishJobs(t, post.deliveries[0]!.id)).toHaveLength(1);
    const refused = await t.gql(
      `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`,
      { input: { platform: 'MASTODON', name: 'one more', credentials: { instanceUrl: mastodon.url, accessToken: mastodon.accessToken } } },
      token,
    );
    expect(codes(refused)).toEqual(['PLAN_LIMIT']);
    expect(refused.errors![0]!.extensions).toMatchObject({ limit: 'channels', plan: 'FREE', max: 3, current: 4 });
    expect((await waitForDelivery(t, token, soon.id, ['PUBLISHED', 'FAILED'], 20_000)).status).toBe('PUBLISHED');
    expect(await query(`SELECT count(*)::int AS n FROM posts WHERE workspace_id = $1`, [id])).toEqual([{ n: 5 }]);
    // Free again: a new checkout may start.
    expect((await t.ok(CHECKOUT, { plan: 'PRO' }, token)).startCheckout.url).toBeTruthy();
  }, 60_000);
});

describe('without Stripe', () => {
  it('answers BILLING_DISABLED, shows billing off, and serves no /stripe/webhooks', async () => {
    const plain = await startTestApp();
    try {
      const token = await signUp(plain);
      for (const operation of [CHECKOUT, PORTAL]) expect(codes(await plain.gql(operation, { plan: 'PRO' }, token))).toEqual(['BILLING_DISABLED']);
      expect((await plain.ok(`{ billing { enabled plan customerId } }`, {}, token)).billing).toEqual({ enabled: false, plan: 'UNLIMITED', customerId: null });
      const event = stripe.event('customer.subscription.created', { id: 'sub_x', object: 'subscription' });
      expect((await stripe.deliver(`${plain.app.httpUrl}/stripe/webhooks`, event)).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });

  it('refuses to start with a secret key but without the webhook secret or the prices', () => {
    const env = { POSTFLOW_DATA_DIR: '/tmp/unused', STRIPE_SECRET_KEY: 'sk_test_123' };
    const problems = (() => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems.map((p) => p.split(':')[0])).toEqual(['STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICE_PRO', 'STRIPE_PRICE_AGENCY']);
    expect(problems.join('\n')).not.toContain('sk_test_123');
    expect(() => loadConfig({ ...env, STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_PRICE_PRO: 'price_a', STRIPE_PRICE_AGENCY: 'price_a' })).toThrow(
      /must differ from STRIPE_PRICE_PRO/,
    );
    expect(loadConfig({ POSTFLOW_DATA_DIR: '/tmp/unused' }).billing).toBeNull();
  });
});

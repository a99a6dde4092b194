// The loopback Shopify's Billing API, from shopify.dev: appSubscriptionCreate makes a PENDING recurring charge and
// answers its confirmationUrl, the merchant's approval page. A GET of that page (the test playing the merchant)
// approves: the charge turns ACTIVE (an ACTIVE one it replaces is CANCELLED, as Shopify's STANDARD replacement does),
// app_subscriptions/update is sent signed, and the browser is redirected to the returnUrl with charge_id. The
// merchant cancelling (or the app's appSubscriptionCancel) sends the update again. currentAppInstallation lists the
// ACTIVE ones; node(id) finds any.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendText } from './httpFake.js';
import { gid } from './shopifyProducts.js';

export type FakeSubscriptionStatus = 'ACTIVE' | 'CANCELLED' | 'DECLINED' | 'EXPIRED' | 'FROZEN' | 'PENDING';

export interface FakeAppSubscription {
  id: string;
  number: number;
  shop: string;
  name: string;
  status: FakeSubscriptionStatus;
  test: boolean;
  price: { amount: string; currencyCode: string };
  interval: string;
  returnUrl: string;
  signature: string;
  createdAt: string;
  currentPeriodEnd: string | null;
}

interface LineItemInput {
  plan: { appRecurringPricingDetails?: { price: { amount: string | number; currencyCode: string }; interval?: string } | null };
}

export interface FakeBillingDeps {
  baseUrl(): string;
  nextId(): number;
  /** Sends app_subscriptions/update to the shop's subscribers. */
  notify(shop: string, payload: unknown): Promise<unknown>;
}

/** The approval page's path: /shops/<shop>/admin/charges/<number>/confirm_recurring_application_charge. */
export const CONFIRM_PATH = /^\/shops\/([a-z0-9-]+\.myshopify\.com)\/admin\/charges\/(\d+)\/confirm_recurring_application_charge$/;

export function createFakeBilling(deps: FakeBillingDeps) {
  const all = new Map<number, FakeAppSubscription>();
  const mine = (shop: string) => [...all.values()].filter((s) => s.shop === shop);
  const node = (s: FakeAppSubscription) => ({
    __typename: 'AppSubscription',
    id: s.id,
    name: s.name,
    status: s.status,
    test: s.test,
    trialDays: 0,
    createdAt: s.createdAt,
    currentPeriodEnd: s.currentPeriodEnd,
    returnUrl: s.returnUrl,
    lineItems: [
      { id: gid('AppSubscriptionLineItem', `${s.number}?v=1&index=0`), plan: { pricingDetails: { __typename: 'AppRecurringPricing', interval: s.interval, price: s.price } } },
    ],
  });
  const payload = (s: FakeAppSubscription) => ({
    app_subscription: {
      admin_graphql_api_id: s.id,
      name: s.name,
      status: s.status,
      admin_graphql_api_shop_id: gid('Shop', 548380009),
      created_at: s.createdAt,
      updated_at: new Date().toISOString(),
      currency: s.price.currencyCode,
      price: s.price.amount,
      interval: s.interval.toLowerCase(),
      capped_amount: null,
    },
  });

  async function setStatus(s: FakeAppSubscription, status: FakeSubscriptionStatus, webhook: boolean): Promise<void> {
    s.status = status;
    if (status === 'ACTIVE') s.currentPeriodEnd = new Date(Date.now() + 30 * 86_400_000).toISOString();
    if (webhook) await deps.notify(s.shop, payload(s));
  }

  function create(shop: string, args: { name: string; lineItems: LineItemInput[]; returnUrl: string; test?: boolean | null }) {
    const userError = (field: string[], message: string) => ({ appSubscription: null, confirmationUrl: null, userErrors: [{ field, message }] });
    const recurring = args.lineItems.map((l) => l.plan.appRecurringPricingDetails).filter((d) => !!d);
    if (recurring.length !== 1 || args.lineItems.length !== 1) return userError(['lineItems'], 'Exactly one recurring line item is supported by this fake');
    const pricing = recurring[0]!;
    if (!(Number(pricing.price.amount) > 0)) return userError(['lineItems', '0', 'plan', 'appRecurringPricingDetails', 'price'], 'Price must be greater than 0');
    if (!/^https?:\/\//.test(args.returnUrl)) return userError(['returnUrl'], 'Return url is invalid');
    if (!args.name.trim()) return userError(['name'], "Name can't be blank");
    const number = deps.nextId();
    const subscription: FakeAppSubscription = {
      id: gid('AppSubscription', number),
      number,
      shop,
      name: args.name,
      status: 'PENDING',
      test: args.test === true,
      price: { amount: Number(pricing.price.amount).toFixed(2), currencyCode: pricing.price.currencyCode },
      interval: pricing.interval ?? 'EVERY_30_DAYS',
      returnUrl: args.returnUrl,
      signature: randomBytes(12).toString('hex'),
      createdAt: new Date().toISOString(),
      currentPeriodEnd: null,
    };
    all.set(number, subscription);
    const confirmationUrl = `${deps.baseUrl()}/shops/${shop}/admin/charges/${number}/confirm_recurring_application_charge?signature=${subscription.signature}`;
    return { appSubscription: node(subscription), confirmationUrl, userErrors: [] };
  }

  return {
    subscriptions: (shop: string) => mine(shop),
    /** Root fields of the shop's Admin API. */
    fields(shop: string) {
      return {
        currentAppInstallation: () => ({
          id: gid('AppInstallation', 1),
          activeSubscriptions: mine(shop)
            .filter((s) => s.status === 'ACTIVE')
            .map(node),
        }),
        appSubscriptionCreate: (args: Parameters<typeof create>[1]) => create(shop, args),
        appSubscriptionCancel: async ({ id }: { id: string }) => {
          const found = mine(shop).find((s) => s.id === id);
          if (!found || found.status !== 'ACTIVE') return { appSubscription: null, userErrors: [{ field: ['id'], message: 'Subscription not found or not active' }] };
          await setStatus(found, 'CANCELLED', true);
          return { appSubscription: node(found), userErrors: [] };
        },
      };
    },
    node: (shop: string, id: string) => {
      const found = mine(shop).find((s) => s.id === id);
      return found ? node(found) : null;
    },
    /**
     * The merchant's approval page, answered by approving (or with ?decline=1, declining); ?webhook=0 approves without
     * sending app_subscriptions/update, so that only the return page tells PostFlow.
     */
    async confirm(shop: string, number: number, url: URL, res: ServerResponse): Promise<void> {
      const found = all.get(number);
      if (!found || found.shop !== shop || url.searchParams.get('signature') !== found.signature) return sendText(res, 404, 'This charge does not exist');
      if (found.status !== 'PENDING') return sendText(res, 422, `This charge is ${found.status.toLowerCase()}`);
      const webhook = url.searchParams.get('webhook') !== '0';
      if (url.searchParams.get('decline') === '1') await setStatus(found, 'DECLINED', webhook);
      else {
        for (const replaced of mine(shop).filter((s) => s.status === 'ACTIVE')) await setStatus(replaced, 'CANCELLED', webhook);
        await setStatus(found, 'ACTIVE', webhook);
      }
      const back = new URL(found.returnUrl);
      back.searchParams.set('charge_id', String(number));
      res.writeHead(302, { Location: back.href });
      res.end();
    },
    /** A charge PostFlow did not make now (a test charge on a live server, say): ACTIVE at once, with no webhook. */
    add(shop: string, charge: { name: string; test: boolean }): FakeAppSubscription {
      const number = deps.nextId();
      const subscription: FakeAppSubscription = {
        id: gid('AppSubscription', number),
        number,
        shop,
        name: charge.name,
        status: 'ACTIVE',
        test: charge.test,
        price: { amount: '1.00', currencyCode: 'USD' },
        interval: 'EVERY_30_DAYS',
        returnUrl: 'https://example.com/',
        signature: randomBytes(12).toString('hex'),
        createdAt: new Date().toISOString(),
        currentPeriodEnd: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      };
      all.set(number, subscription);
      return subscription;
    },
    /** The merchant cancels the app's charge in their admin (or Shopify freezes it, or it expires). */
    async setStatus(shop: string, id: string, status: FakeSubscriptionStatus, options: { webhook?: boolean } = {}): Promise<void> {
      const found = mine(shop).find((s) => s.id === id);
      if (!found) throw new Error(`no subscription ${id} in ${shop}`);
      await setStatus(found, status, options.webhook !== false);
    },
  };
}

export type FakeBilling = ReturnType<typeof createFakeBilling>;

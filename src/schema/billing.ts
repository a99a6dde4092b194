// Billing with Stripe (issue 12, section 4): the OWNER's checkout and portal links, and the workspace's billing
// state. Who may call what is src/domain/roles.ts's table; the resolvers hand over to src/services/billing.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { PlanEnum } from './enums.js';
import { PAID_PLANS, billingPortal, billingStatus, startCheckout, type BillingStatus } from '../services/billing.js';
import { startShopifyCheckout } from '../services/shopifyBilling.js';

const PaidPlanEnum = builder.enumType('PaidPlan', {
  description: 'A plan sold through Stripe (STRIPE_PRICE_PRO, STRIPE_PRICE_AGENCY) or Shopify (SHOPIFY_PRICE_PRO, SHOPIFY_PRICE_AGENCY).',
  values: PAID_PLANS,
});

const BillingProviderEnum = builder.enumType('BillingProvider', {
  values: {
    STRIPE: { description: 'Stripe Checkout and its Billing Portal (startCheckout, billingPortal).' },
    SHOPIFY: { description: "A shop's charge through Shopify's Billing API (startShopifyCheckout); changed or cancelled in the shop's admin." },
  } as const,
});

const BillingLinkType = builder.objectRef<{ url: string }>('BillingLink').implement({
  fields: (t) => ({ url: t.exposeString('url', { description: "Stripe's page: send the person there. It expires (a checkout after 24 hours, a portal session sooner)." }) }),
});

const BillingType = builder.objectRef<BillingStatus>('Billing').implement({
  description: "The workspace's Stripe subscription, as Stripe's webhooks last reported it.",
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', {
      description: 'Whether this server sells plans through Stripe (STRIPE_SECRET_KEY). Without it, only an instance administrator sets plans.',
    }),
    provider: t.field({
      type: BillingProviderEnum,
      nullable: true,
      description: 'Who the workspace pays through (one at a time), or last paid through; null before any subscription. The fields below are that provider’s.',
      resolve: (b) => b.provider,
    }),
    plan: t.field({ type: PlanEnum, description: "The workspace's plan now.", resolve: (b) => b.plan }),
    customerId: t.exposeString('customerId', { nullable: true, description: 'The Stripe customer (cus_…), created at the first startCheckout.' }),
    subscriptionId: t.exposeString('subscriptionId', { nullable: true, description: "Stripe's sub_…, or Shopify's gid://shopify/AppSubscription/…." }),
    status: t.exposeString('status', {
      nullable: true,
      description:
        "Stripe's status of the subscription: active and trialing give its plan; past_due keeps it while Stripe retries the payment; " +
        "canceled, unpaid, incomplete_expired and paused mean FREE. Shopify's (provider SHOPIFY): ACTIVE gives its plan, PENDING waits for the " +
        "merchant's approval, CANCELLED, DECLINED, EXPIRED and FROZEN mean FREE.",
    }),
    currentPeriodEnd: t.expose('currentPeriodEnd', { type: 'DateTime', nullable: true, description: 'When the period paid for ends (the next renewal).' }),
    cancelAtPeriodEnd: t.exposeBoolean('cancelAtPeriodEnd', { description: 'Cancelled, taking effect at currentPeriodEnd (the plan stays until then).' }),
    lastPaymentFailedAt: t.expose('lastPaymentFailedAt', { type: 'DateTime', nullable: true, description: 'When Stripe last reported a failed payment (invoice.payment_failed).' }),
  }),
});

builder.queryFields((t) => ({
  billing: t.field({
    type: BillingType,
    description: "The workspace's plan and Stripe subscription.",
    resolve: (_root, _args, ctx) => billingStatus(ctx.services, requireAuth(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  startCheckout: t.field({
    type: BillingLinkType,
    description:
      "A Stripe Checkout link to subscribe to a plan. Once paid, Stripe's webhook sets the plan. BILLING_DISABLED without Stripe on this server; " +
      'CONFLICT while a subscription runs (change plans in billingPortal).',
    args: { plan: t.arg({ type: PaidPlanEnum, required: true }) },
    resolve: (_root, args, ctx) => startCheckout(ctx.services, requireAuth(ctx), args.plan),
  }),
  startShopifyCheckout: t.field({
    type: BillingLinkType,
    description:
      "Shopify's approval page of a recurring charge for a plan, billed to the shop of a Shopify source of this workspace (appSubscriptionCreate). " +
      'Once the merchant approves, Shopify tells PostFlow and the plan is set. BILLING_DISABLED unless SHOPIFY_BILLING is on; CONFLICT while ' +
      'a Stripe subscription runs (one provider at a time) or while another shop pays; with a charge of the same shop active, the new one replaces it.',
    args: { sourceId: t.arg.id({ required: true }), plan: t.arg({ type: PaidPlanEnum, required: true }) },
    resolve: (_root, args, ctx) => startShopifyCheckout(ctx.services, requireAuth(ctx), String(args.sourceId), args.plan),
  }),
  billingPortal: t.field({
    type: BillingLinkType,
    description: "A Stripe Billing Portal link: change the plan or the card, see invoices, cancel. NOT_FOUND before the workspace's first checkout.",
    resolve: (_root, _args, ctx) => billingPortal(ctx.services, requireAuth(ctx)),
  }),
}));

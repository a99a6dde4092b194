// Billing with Stripe (issue 12, section 4): the OWNER's checkout and portal links, and the workspace's billing
// state. Who may call what is src/domain/roles.ts's table; the resolvers hand over to src/services/billing.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { PlanEnum } from './enums.js';
import { PAID_PLANS, billingPortal, billingStatus, startCheckout, type BillingStatus } from '../services/billing.js';

const PaidPlanEnum = builder.enumType('PaidPlan', { description: 'A plan sold through Stripe (STRIPE_PRICE_PRO, STRIPE_PRICE_AGENCY).', values: PAID_PLANS });

const BillingLinkType = builder.objectRef<{ url: string }>('BillingLink').implement({
  fields: (t) => ({ url: t.exposeString('url', { description: "Stripe's page: send the person there. It expires (a checkout after 24 hours, a portal session sooner)." }) }),
});

const BillingType = builder.objectRef<BillingStatus>('Billing').implement({
  description: "The workspace's Stripe subscription, as Stripe's webhooks last reported it.",
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', {
      description: 'Whether this server sells plans through Stripe (STRIPE_SECRET_KEY). Without it, only an instance administrator sets plans.',
    }),
    plan: t.field({ type: PlanEnum, description: "The workspace's plan now.", resolve: (b) => b.plan }),
    customerId: t.exposeString('customerId', { nullable: true, description: 'The Stripe customer (cus_…), created at the first startCheckout.' }),
    subscriptionId: t.exposeString('subscriptionId', { nullable: true }),
    status: t.exposeString('status', {
      nullable: true,
      description:
        "Stripe's status of the subscription: active and trialing give its plan; past_due keeps it while Stripe retries the payment; " +
        'canceled, unpaid, incomplete_expired and paused mean FREE.',
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
  billingPortal: t.field({
    type: BillingLinkType,
    description: "A Stripe Billing Portal link: change the plan or the card, see invoices, cancel. NOT_FOUND before the workspace's first checkout.",
    resolve: (_root, _args, ctx) => billingPortal(ctx.services, requireAuth(ctx)),
  }),
}));

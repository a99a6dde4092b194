// Stripe, through its own library (the stripe package): the few API calls billing makes, and the verification of
// its webhooks. STRIPE_API_URL is the operator's origin (api.stripe.com, or a proxy or a test's fake), set like the
// networks' *_API_URL: not a user's URL, so the outbound guard does not apply to it. What comes back is narrowed here
// to the facts billing reads, so src/services/billing.ts does not depend on the library's shapes.
import Stripe from 'stripe';
import type { BillingConfig } from '../config.js';

export interface StripeSubscription {
  id: string;
  customerId: string;
  /** Stripe's status: active, trialing, past_due, canceled, unpaid, incomplete, incomplete_expired, paused (more may come). */
  status: string;
  /** The price of its first item (PostFlow sells one price per subscription). */
  priceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

interface EventBase {
  id: string;
  type: string;
  created: Date;
}

/** A verified webhook event, reduced to what billing acts on. */
export type StripeBillingEvent =
  | (EventBase & { kind: 'checkout_completed'; workspaceId: string | null; customerId: string | null; subscriptionId: string | null })
  | (EventBase & { kind: 'subscription'; subscription: StripeSubscription })
  | (EventBase & { kind: 'payment_failed'; customerId: string | null; subscriptionId: string | null; invoiceId: string })
  | (EventBase & { kind: 'other' });

export interface StripeClient {
  /** A customer for a workspace. The idempotency key makes two simultaneous first checkouts share one customer. */
  createCustomer(input: { workspaceId: string; name: string; email: string }): Promise<string>;
  /** A Checkout Session in subscription mode for one price; answers its URL. */
  createCheckoutSession(input: { customerId: string; priceId: string; workspaceId: string; successUrl: string; cancelUrl: string }): Promise<string>;
  /** A Billing Portal session for the customer; answers its URL. */
  createPortalSession(input: { customerId: string; returnUrl: string }): Promise<string>;
  /** The subscription as Stripe has it now; null when Stripe does not know it. */
  retrieveSubscription(id: string): Promise<StripeSubscription | null>;
  /** The event, when the Stripe-Signature header verifies with STRIPE_WEBHOOK_SECRET within 5 minutes; else null. */
  verifyWebhook(payload: Buffer, signature: string | undefined): StripeBillingEvent | null;
}

const idOf = (value: string | { id: string } | null | undefined): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);

export function subscriptionFacts(subscription: Stripe.Subscription): StripeSubscription {
  const item = subscription.items.data[0];
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer) ?? '',
    status: subscription.status,
    priceId: item?.price.id ?? null,
    currentPeriodEnd: item?.current_period_end ? new Date(item.current_period_end * 1000) : null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
  };
}

function billingEventOf(event: Stripe.Event): StripeBillingEvent {
  const base = { id: event.id, type: event.type, created: new Date(event.created * 1000) };
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      return {
        ...base,
        kind: 'checkout_completed',
        workspaceId: session.mode === 'subscription' ? session.client_reference_id : null,
        customerId: idOf(session.customer),
        subscriptionId: idOf(session.subscription),
      };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return { ...base, kind: 'subscription', subscription: subscriptionFacts(event.data.object) };
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      return {
        ...base,
        kind: 'payment_failed',
        customerId: idOf(invoice.customer),
        subscriptionId: idOf(invoice.parent?.subscription_details?.subscription),
        invoiceId: invoice.id ?? '',
      };
    }
    default:
      return { ...base, kind: 'other' };
  }
}

export function createStripeClient(config: BillingConfig, timeoutMs: number): StripeClient {
  const origin = new URL(config.apiUrl);
  const https = origin.protocol === 'https:';
  const stripe = new Stripe(config.secretKey, {
    host: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: origin.port || (https ? 443 : 80),
    protocol: https ? 'https' : 'http',
    timeout: timeoutMs,
    // One retry of a call that failed on the network, with the library's Idempotency-Key, so it cannot act twice.
    maxNetworkRetries: 1,
    telemetry: false,
    appInfo: { name: 'PostFlow' },
  });
  return {
    async createCustomer({ workspaceId, name, email }) {
      const customer = await stripe.customers.create({ name, email, metadata: { workspace_id: workspaceId } }, { idempotencyKey: `postflow-customer-${workspaceId}` });
      return customer.id;
    },
    async createCheckoutSession({ customerId, priceId, workspaceId, successUrl, cancelUrl }) {
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: workspaceId,
        line_items: [{ price: priceId, quantity: 1 }],
        subscription_data: { metadata: { workspace_id: workspaceId } },
        success_url: successUrl,
        cancel_url: cancelUrl,
      });
      if (!session.url) throw new Error(`Stripe answered checkout session ${session.id} without a URL`);
      return session.url;
    },
    async createPortalSession({ customerId, returnUrl }) {
      return (await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl })).url;
    },
    async retrieveSubscription(id) {
      try {
        return subscriptionFacts(await stripe.subscriptions.retrieve(id));
      } catch (error) {
        if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
        throw error;
      }
    },
    verifyWebhook(payload, signature) {
      if (!signature) return null;
      try {
        return billingEventOf(stripe.webhooks.constructEvent(payload, signature, config.webhookSecret));
      } catch {
        // A wrong, forged or stale signature (the library's 5-minute tolerance), or a body that is not an event.
        return null;
      }
    },
  };
}

// What the Shopify plugin does for billing (plugins/shopify/src/billing.ts implements it; src/app.ts hands it over in
// ServiceDeps), apart from the rules (src/services/shopifyBilling.ts), so that deps.ts can name it without a cycle.
import type { ConnectedSource } from '../sources/types.js';

export interface ShopifySubscription {
  /** gid://shopify/AppSubscription/N */
  id: string;
  name: string;
  /** Shopify's AppSubscriptionStatus: ACTIVE, PENDING, CANCELLED, DECLINED, EXPIRED, FROZEN (ACCEPTED, deprecated). */
  status: string;
  test: boolean;
  currentPeriodEnd: Date | null;
}

/** What the Shopify plugin does for billing (plugins/shopify/src/billing.ts), handed over by src/app.ts. */
export interface ShopifyBillingGateway {
  /** appSubscriptionCreate: a recurring charge every 30 days, waiting for the merchant's approval at confirmationUrl. */
  createSubscription(
    source: ConnectedSource,
    request: { name: string; amount: string; currencyCode: 'USD'; returnUrl: string; test: boolean },
  ): Promise<{ subscriptionId: string; confirmationUrl: string }>;
  /** currentAppInstallation's ACTIVE subscriptions, and the one named (whatever its status), as Shopify has them now. */
  readSubscriptions(source: ConnectedSource, knownId: string | null): Promise<{ active: ShopifySubscription[]; known: ShopifySubscription | null }>;
}

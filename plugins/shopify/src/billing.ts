// Shopify's Billing API, for PostFlow's plans charged to a shop (src/services/shopifyBilling.ts decides; this speaks
// the Admin API): appSubscriptionCreate makes a recurring charge every 30 days that the merchant approves at its
// confirmationUrl, and currentAppInstallation's activeSubscriptions (with node(id) for the one PostFlow made, whatever
// its status) says what the shop pays now. Every call goes through admin.ts (the cost bucket waited out, 5xx retried)
// with a session whose token the connector renews ahead of expiry.
import type { ConnectedSource } from '../../../src/sources/types.js';
import { adminGraphql, type AdminOptions, type UserError } from './admin.js';
import type { ShopifyClient } from './client.js';
import type { ShopifyConnector } from './connector.js';
import { ShopifyApiError } from './errors.js';

export interface AppSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
  currentPeriodEnd: Date | null;
}

export interface SubscriptionRequest {
  name: string;
  /** A decimal, e.g. 29.00. */
  amount: string;
  currencyCode: 'USD';
  returnUrl: string;
  test: boolean;
}

const SUBSCRIPTION_FIELDS = 'id name status test currentPeriodEnd';

interface RawSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
  currentPeriodEnd: string | null;
}

const subscriptionOf = (raw: RawSubscription): AppSubscription => ({
  id: raw.id,
  name: raw.name,
  status: raw.status,
  test: raw.test,
  currentPeriodEnd: raw.currentPeriodEnd ? new Date(raw.currentPeriodEnd) : null,
});

export function createShopifyBilling(client: ShopifyClient, connector: ShopifyConnector, options: AdminOptions = {}) {
  return {
    async createSubscription(source: ConnectedSource, request: SubscriptionRequest): Promise<{ subscriptionId: string; confirmationUrl: string }> {
      const { data } = await adminGraphql<{
        appSubscriptionCreate: { appSubscription: { id: string } | null; confirmationUrl: string | null; userErrors: UserError[] };
      }>(
        client,
        await connector.session(source),
        `mutation PostFlowSubscribe($name: String!, $lineItems: [AppSubscriptionLineItemInput!]!, $returnUrl: URL!, $test: Boolean) {
          appSubscriptionCreate(name: $name, lineItems: $lineItems, returnUrl: $returnUrl, test: $test) {
            appSubscription { id } confirmationUrl userErrors { field message }
          }
        }`,
        {
          name: request.name,
          lineItems: [{ plan: { appRecurringPricingDetails: { price: { amount: request.amount, currencyCode: request.currencyCode }, interval: 'EVERY_30_DAYS' } } }],
          returnUrl: request.returnUrl,
          test: request.test,
        },
        options,
      );
      const { appSubscription, confirmationUrl, userErrors } = data.appSubscriptionCreate;
      if (!appSubscription || !confirmationUrl || userErrors.length) {
        throw new ShopifyApiError('userErrors', `the charge was not created: ${userErrors.map((e) => e.message).join('; ') || 'no confirmation URL'}`, false);
      }
      // The merchant's browser goes there: only Shopify's own https page (or the operator's SHOPIFY_SHOP_ORIGIN) will do.
      if (!/^https?:\/\//.test(confirmationUrl)) throw new ShopifyApiError('graphql', 'the charge came back without a usable confirmation URL', false);
      return { subscriptionId: appSubscription.id, confirmationUrl };
    },

    async readSubscriptions(source: ConnectedSource, knownId: string | null): Promise<{ active: AppSubscription[]; known: AppSubscription | null }> {
      const installation = `currentAppInstallation { activeSubscriptions { ${SUBSCRIPTION_FIELDS} } }`;
      const { data } = await adminGraphql<{ currentAppInstallation: { activeSubscriptions: RawSubscription[] }; node?: Partial<RawSubscription> | null }>(
        client,
        await connector.session(source),
        knownId
          ? `query PostFlowSubscriptions($id: ID!) { ${installation} node(id: $id) { ... on AppSubscription { ${SUBSCRIPTION_FIELDS} } } }`
          : `query PostFlowSubscriptions { ${installation} }`,
        knownId ? { id: knownId } : {},
        options,
      );
      const known = data.node?.id ? subscriptionOf(data.node as RawSubscription) : null;
      return { active: data.currentAppInstallation.activeSubscriptions.map(subscriptionOf), known };
    },
  };
}

import type pg from 'pg';
import type { Prisma } from '../db/database.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { Secrets } from '../security/secrets.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Throttles } from './throttles.js';
import type { Mailer } from '../integrations/mail.js';
import type { StripeClient } from '../integrations/stripe.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { ShopifyBillingGateway } from './shopifyBillingGateway.js';

/** What the services need, handed over by the composition root (src/app.ts). */
export interface ServiceDeps {
  prisma: Prisma;
  /** The pool under prisma: every write goes through the store (src/store/) on it. */
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  config: Config;
  logger: Logger;
  /** Attempts counted in PostgreSQL: logins, signups, refused credentials, each workspace's API budget. */
  throttles: Throttles;
  /** Outgoing mail, when SMTP_URL is set; null: invitation links are only returned to the inviter. */
  mailer: Mailer | null;
  /** Stripe, when STRIPE_SECRET_KEY is set (src/services/billing.ts); absent or null: billing is off. */
  stripe?: StripeClient | null;
  /** The connectors of content sources (Shopify...), by kind (src/sources/registry.ts). */
  sources: SourceRegistry;
  /** Shopify's Billing API through the Shopify app (src/services/shopifyBilling.ts), set with the app; absent or null: not wired. */
  shopifyBilling?: ShopifyBillingGateway | null;
  /** The Shopify app's own knowledge the services need (src/app.ts, from the plugin's client), when it is configured. */
  shopifyApp?: ShopifyAppChecks | null;
}

export interface ShopifyAppChecks {
  /** The shop's myshopify.com name from what a person typed, or a ValidationError naming `field`. */
  shopName(input: string, field?: (string | number)[]): string;
}

// The settings of the outside services PostFlow can be wired to: outgoing mail (SMTP), billing (Stripe) and the Shopify
// app. src/config.ts reads them with every other setting (nothing else reads process.env); this file says what each
// needs, so that a half-configured service is named at start-up, never half-working.
import { z } from 'zod';

export interface ShopifyConfig {
  /** The app's client id and secret (Dev Dashboard, or `shopify app env show`); the secret also signs webhooks. */
  apiKey: string;
  apiSecret: string;
  /** SHOPIFY_SCOPES: the access scopes asked for at install. */
  scopes: string[];
  /** SHOPIFY_SHOP_ORIGIN: where a shop's OAuth and Admin API are, `{shop}` standing for its myshopify.com name. */
  shopOrigin: string;
  /** The Admin API version, e.g. 2026-07. */
  apiVersion: string;
  /** SHOPIFY_BILLING: plans sold through Shopify's Billing API to workspaces with a shop; null when off. */
  billing: ShopifyBillingConfig | null;
}

export interface ShopifyBillingConfig {
  /** SHOPIFY_BILLING=test: charges made with `test: true` (no money moves; what development stores need). */
  test: boolean;
  /** SHOPIFY_PRICE_PRO / _AGENCY: what each plan costs every 30 days, in USD (a decimal, e.g. 29.00). */
  prices: { PRO: string; AGENCY: string };
}

export interface BillingConfig {
  secretKey: string;
  /** The signing secret of the webhook endpoint (whsec_…), which verifies POST /stripe/webhooks. */
  webhookSecret: string;
  /** The Stripe price of each plan sold: checkout uses it, and a subscription's price says its plan. */
  prices: { PRO: string; AGENCY: string };
  /** STRIPE_API_URL: the operator's own origin (api.stripe.com, or a proxy or fake), not a user's URL. */
  apiUrl: string;
}

/** A price in USD: up to 6 digits, cents optional, above 0. */
const PRICE = /^(?!0+(\.0{1,2})?$)\d{1,6}(\.\d{1,2})?$/;

export const SERVICE_ENV = {
  SMTP_URL: z
    .string()
    .refine(isSmtpUrl, 'must be an smtp:// or smtps:// URL, e.g. smtps://user:password@mail.example.com:465 (smtp:// upgrades with STARTTLS when the server offers it)')
    .optional(),
  SMTP_FROM: z.string().trim().min(3).max(320).optional(),
  STRIPE_SECRET_KEY: z.string().trim().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().trim().min(1).optional(),
  STRIPE_PRICE_PRO: z.string().trim().min(1).optional(),
  STRIPE_PRICE_AGENCY: z.string().trim().min(1).optional(),
  STRIPE_API_URL: z.string().refine(isOrigin, 'must be an http(s) origin without a path, e.g. https://api.stripe.com').default('https://api.stripe.com'),
  SHOPIFY_API_KEY: z.string().trim().min(1).optional(),
  SHOPIFY_API_SECRET: z.string().trim().min(1).optional(),
  SHOPIFY_SCOPES: z
    .string()
    .regex(/^\s*[a-z_]+(\s*,\s*[a-z_]+)*\s*$/, 'must be a comma-separated list of Shopify access scopes, e.g. read_products,read_inventory')
    .default('read_products'),
  SHOPIFY_SHOP_ORIGIN: z
    .string()
    .refine(isShopOrigin, 'must be an http(s) URL with {shop} where the shop name goes and no query, e.g. https://{shop} (the default) or http://127.0.0.1:8080/shops/{shop}')
    .default('https://{shop}'),
  SHOPIFY_API_VERSION: z
    .string()
    .regex(/^\d{4}-(01|04|07|10)$/, "must be a Shopify Admin API version (YYYY-MM, a quarter's first month), e.g. 2026-07")
    .default('2026-07'),
  SHOPIFY_BILLING: z.enum(['off', 'test', 'on']).default('off'),
  SHOPIFY_PRICE_PRO: z.string().trim().regex(PRICE, 'must be a price in USD greater than 0, e.g. 29.00').optional(),
  SHOPIFY_PRICE_AGENCY: z.string().trim().regex(PRICE, 'must be a price in USD greater than 0, e.g. 99.00').optional(),
};

type ServiceEnv = z.infer<z.ZodObject<typeof SERVICE_ENV>>;

export interface Services {
  mail: { smtpUrl: string; from: string } | null;
  billing: BillingConfig | null;
  shopify: ShopifyConfig | null;
  /** What is missing or contradicts, for ConfigError. */
  problems: string[];
}

export function servicesFrom(e: ServiceEnv): Services {
  const problems: string[] = [];
  const mail = e.SMTP_URL ? { smtpUrl: e.SMTP_URL, from: e.SMTP_FROM ?? `PostFlow <postflow@${new URL(e.SMTP_URL).hostname}>` } : null;
  return { mail, billing: billingFrom(e, problems), shopify: shopifyFrom(e, problems), problems };
}

/**
 * Billing is on with STRIPE_SECRET_KEY, and then needs the rest: a half-configured billing would sell plans whose
 * payments never arrive. Only the names of what is missing are printed, never a key.
 */
function billingFrom(e: ServiceEnv, problems: string[]): BillingConfig | null {
  const { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_PRICE_PRO: pro, STRIPE_PRICE_AGENCY: agency } = e;
  if (!secretKey) return null;
  const missing = (name: string, what: string) => problems.push(`${name}: must be set with STRIPE_SECRET_KEY: ${what}`);
  if (!webhookSecret) missing('STRIPE_WEBHOOK_SECRET', 'the signing secret of the webhook endpoint (whsec_…, in the Stripe dashboard), which verifies POST /stripe/webhooks');
  if (!pro) missing('STRIPE_PRICE_PRO', 'the Stripe price id (price_…) of the PRO plan');
  if (!agency) missing('STRIPE_PRICE_AGENCY', 'the Stripe price id (price_…) of the AGENCY plan');
  if (pro && pro === agency) problems.push("STRIPE_PRICE_AGENCY: must differ from STRIPE_PRICE_PRO (a subscription's price says which plan was bought)");
  if (!webhookSecret || !pro || !agency || pro === agency) return null;
  return { secretKey, webhookSecret, prices: { PRO: pro, AGENCY: agency }, apiUrl: e.STRIPE_API_URL.replace(/\/+$/, '') };
}

/** On with both SHOPIFY_API_KEY and SHOPIFY_API_SECRET; one without the other is a mistake, named (never the value). */
function shopifyFrom(e: ServiceEnv, problems: string[]): ShopifyConfig | null {
  const { SHOPIFY_API_KEY: apiKey, SHOPIFY_API_SECRET: apiSecret } = e;
  if (!apiKey && !apiSecret) {
    if (e.SHOPIFY_BILLING !== 'off')
      problems.push(`SHOPIFY_BILLING: ${e.SHOPIFY_BILLING} needs the Shopify app (SHOPIFY_API_KEY and SHOPIFY_API_SECRET): plans are charged through it`);
    return null;
  }
  if (!apiKey) problems.push('SHOPIFY_API_KEY: must be set with SHOPIFY_API_SECRET: the client id of the Shopify app');
  if (!apiSecret) problems.push('SHOPIFY_API_SECRET: must be set with SHOPIFY_API_KEY: the client secret of the Shopify app');
  if (!apiKey || !apiSecret) return null;
  const scopes = e.SHOPIFY_SCOPES.split(',').map((scope) => scope.trim());
  return { apiKey, apiSecret, scopes, shopOrigin: e.SHOPIFY_SHOP_ORIGIN.replace(/\/+$/, ''), apiVersion: e.SHOPIFY_API_VERSION, billing: shopifyBillingFrom(e, problems) };
}

/** SHOPIFY_BILLING on (or test) needs a price per plan: a charge without one could not be made. */
function shopifyBillingFrom(e: ServiceEnv, problems: string[]): ShopifyBillingConfig | null {
  if (e.SHOPIFY_BILLING === 'off') return null;
  const { SHOPIFY_PRICE_PRO: pro, SHOPIFY_PRICE_AGENCY: agency } = e;
  if (!pro) problems.push(`SHOPIFY_PRICE_PRO: must be set with SHOPIFY_BILLING=${e.SHOPIFY_BILLING}: what the PRO plan costs every 30 days, in USD (e.g. 29.00)`);
  if (!agency) problems.push(`SHOPIFY_PRICE_AGENCY: must be set with SHOPIFY_BILLING=${e.SHOPIFY_BILLING}: what the AGENCY plan costs every 30 days, in USD (e.g. 99.00)`);
  if (!pro || !agency) return null;
  return { test: e.SHOPIFY_BILLING === 'test', prices: { PRO: pro, AGENCY: agency } };
}

function isShopOrigin(value: string): boolean {
  if (value.split('{shop}').length !== 2) return false;
  try {
    const url = new URL(value.replace('{shop}', 'example.myshopify.com'));
    return /^https?:$/.test(url.protocol) && !url.username && !url.password && !url.search && !url.hash;
  } catch {
    return false;
  }
}

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return /^smtps?:$/.test(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value.replace(/\/+$/, '');
  } catch {
    return false;
  }
}

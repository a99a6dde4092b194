// What the Shopify app needs from PostFlow's settings (src/config.ts's ShopifyConfig has this shape; the plugin
// does not import the configuration module), and the app's own addresses under /shopify/.

export interface ShopifySettings {
  apiKey: string;
  apiSecret: string;
  scopes: readonly string[];
  /** A URL template: `{shop}` stands for the shop's myshopify.com name (https://{shop} unless a proxy or fake). */
  shopOrigin: string;
  /** The Admin API version, e.g. 2026-07. */
  apiVersion: string;
}

export interface ShopifyAppOptions {
  settings: ShopifySettings;
  /** POSTFLOW_PUBLIC_URL: where Shopify sends the merchant back and delivers webhooks. */
  publicUrl: string;
  /** POSTFLOW_OUTBOUND_ALLOW's entries. */
  outboundAllow: readonly string[];
  /** One time limit per HTTP exchange with Shopify. */
  requestTimeoutMs: number;
}

export const SHOPIFY_PATHS = {
  app: '/shopify/app',
  authCallback: '/shopify/auth/callback',
  webhooks: '/shopify/webhooks',
} as const;

/** The base URL of one shop (no trailing slash): SHOPIFY_SHOP_ORIGIN with the shop's name put in. */
export function shopBaseUrl(shopOrigin: string, shop: string): string {
  return shopOrigin.replace('{shop}', shop).replace(/\/+$/, '');
}

/** The origin every shop shares when SHOPIFY_SHOP_ORIGIN names one (a proxy, a fake); null for https://{shop}. */
export function fixedShopOrigin(shopOrigin: string): string | null {
  const a = new URL(shopBaseUrl(shopOrigin, 'a.myshopify.com')).origin;
  const b = new URL(shopBaseUrl(shopOrigin, 'b.myshopify.com')).origin;
  return a === b ? a : null;
}

// The one @shopify/shopify-api instance, built from PostFlow's settings. The library builds https://<shop> itself
// for OAuth's authorize, token and refresh URLs; SHOPIFY_SHOP_ORIGIN is honoured by rewriting that origin in the
// library's abstract fetch. That fetch is a module-level variable of the library, shared by every instance in the
// process: it is set here, and a second client asking for another origin while the first is open is refused rather
// than silently redirecting the first one's requests. The library's fetch only ever reaches a *.myshopify.com name (sanitizeShop)
// or the operator's SHOPIFY_SHOP_ORIGIN: never a URL a user chose, so it is Node's fetch with a time limit.
// PostFlow's own Admin API calls (admin.ts) go through the guarded transport instead.
import '@shopify/shopify-api/adapters/node';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import { LogSeverity, shopifyApi, type ApiVersion, type Shopify } from '@shopify/shopify-api';
import { ValidationError } from '../../../src/domain/errors.js';
import { createOutboundPolicy, type OutboundPolicy } from '../../../src/security/outbound/policy.js';
import { fixedShopOrigin, shopBaseUrl, type ShopifyAppOptions, type ShopifySettings } from './config.js';

export interface ShopifyClient {
  readonly api: Shopify;
  readonly settings: ShopifySettings;
  readonly publicUrl: string;
  /** For the Admin API and the bulk download: a fixed SHOPIFY_SHOP_ORIGIN is the operator's, so exempt. */
  readonly outbound: OutboundPolicy;
  readonly timeoutMs: number;
  /** The shop's myshopify.com name (lowercased), or a ValidationError naming `field`. */
  shopName(input: string, field?: (string | number)[]): string;
  /** shopName of what a person typed or pasted: the name, its https:// address or its admin's address. */
  typedShopName(input: string, field?: (string | number)[]): string;
  /** Where this shop's OAuth and Admin API are (SHOPIFY_SHOP_ORIGIN with the shop put in). */
  shopUrl(shop: string): string;
  /** Lets go of the library's process-wide fetch (when PostFlow stops): another origin may then take it. */
  close(): void;
}

const MYSHOPIFY = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

/** The origin the library's fetch sends shops to, and how many clients (PostFlows in this process) use it. */
let installed: { shopOrigin: string; clients: number } | null = null;

/** Points the library's fetch at shopOrigin; the function returned lets go of it (once the last client does, another origin may take it). */
function installShopFetch(shopOrigin: string, timeoutMs: number): () => void {
  if (installed !== null && installed.shopOrigin !== shopOrigin) {
    throw new Error(`@shopify/shopify-api's fetch is process-wide and already sends shops to ${installed.shopOrigin}; one SHOPIFY_SHOP_ORIGIN per process`);
  }
  if (installed === null) {
    const nodeFetch = globalThis.fetch;
    setAbstractFetchFunc((input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const target = MYSHOPIFY.test(url.hostname) ? `${shopBaseUrl(shopOrigin, url.hostname)}${url.pathname}${url.search}` : url.href;
      return nodeFetch(target, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    });
    installed = { shopOrigin, clients: 0 };
  }
  const mine = installed;
  mine.clients += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    mine.clients -= 1;
    if (mine.clients === 0 && installed === mine) installed = null;
  };
}

export function createShopifyClient(options: ShopifyAppOptions): ShopifyClient {
  const { settings, requestTimeoutMs } = options;
  const release = installShopFetch(settings.shopOrigin, requestTimeoutMs);
  const publicUrl = new URL(options.publicUrl);
  const api = shopifyApi({
    apiKey: settings.apiKey,
    apiSecretKey: settings.apiSecret,
    scopes: [...settings.scopes],
    hostName: publicUrl.host,
    hostScheme: publicUrl.protocol === 'http:' ? 'http' : 'https',
    apiVersion: settings.apiVersion as ApiVersion,
    // PostFlow serves /shopify/app itself (not inside the Shopify admin), so no App Bridge session tokens.
    isEmbeddedApp: false,
    // The library's info lines name shops and its debug lines carry OAuth state: keep only its warnings, dropped.
    logger: { level: LogSeverity.Warning, log: async () => {} },
  });
  const shopName = (input: string, field: (string | number)[] = ['shop']): string => {
    const trimmed = input.trim().toLowerCase();
    const clean = trimmed.length <= 255 ? api.utils.sanitizeShop(trimmed) : null;
    // sanitizeShop also takes shopify.com, myshopify.io and admin URLs; a shop PostFlow connects is *.myshopify.com.
    if (!clean || !MYSHOPIFY.test(clean)) throw ValidationError.single(field, 'shopDomain', 'must be a shop name of the form your-store.myshopify.com');
    return clean;
  };
  const fixed = fixedShopOrigin(settings.shopOrigin);
  const outbound = createOutboundPolicy({ allow: options.outboundAllow, exempt: fixed ? [fixed] : [] });
  return {
    api,
    settings,
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    outbound,
    timeoutMs: requestTimeoutMs,
    shopName,
    close: release,
    typedShopName(input, field = ['shop']) {
      // What a person pastes: the bare name, its https:// address, or their admin's https://admin.shopify.com/store/<name>.
      const address = input
        .trim()
        .toLowerCase()
        .replace(/^https?:\/\//, '');
      return shopName(/^admin\.shopify\.com\/store\/[^/?#]+/.exec(address)?.[0] ?? address.replace(/[/?#].*$/, ''), field);
    },
    shopUrl: (shop) => shopBaseUrl(settings.shopOrigin, shop),
  };
}

// What can go wrong talking to Shopify, typed so the callers (routes, jobs) can answer without reading messages:
// a request Shopify did not sign or a merchant's browser lost (ShopifyRefused: answer 401/400, write nothing), a
// shop whose access is gone (ShopifyNeedsReconnect: the source shows "reconnect"), and the Admin API failing
// (ShopifyApiError, retryable or not).

export type RefusalReason = 'bot' | 'state' | 'hmac' | 'timestamp' | 'shop' | 'host' | 'grant';

export class ShopifyRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'ShopifyRefused';
  }
}

/** The shop refused PostFlow's credentials (401, or a refresh token refused): only a new install helps. */
export class ShopifyNeedsReconnect extends Error {
  constructor(
    readonly shop: string,
    message: string,
  ) {
    super(message);
    this.name = 'ShopifyNeedsReconnect';
  }
}

export type ApiErrorKind = 'throttled' | 'server' | 'network' | 'graphql' | 'userErrors' | 'download' | 'bulk';

export class ShopifyApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    message: string,
    /** Trying again later may succeed (throttling, 5xx, the network). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ShopifyApiError';
  }
}

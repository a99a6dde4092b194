// What the Shopify app's routes get from PostFlow (src/app.ts builds it from the services): every connector's
// SourceHost, plus the install tickets of connectShopifyStart, the uninstall hold and the app page's status. The
// plugin imports no service or store; these are its only ways in.
import type { Actor } from '../../../src/domain/audit.js';
import type { ConnectedSource, SourceCredentials, SourceHost, SourceInstallRequest } from '../../../src/sources/types.js';
import type { AppHomeHost } from './appHomeHost.js';

export interface ShopifyAppHost {
  sources: SourceHost;
  /** An install ticket (connectShopifyStart's) that is this shop's and still good, with the scopes to ask for; it stays for the callback. */
  checkTicket(ticket: string, shop: string): Promise<{ scopes: string[] } | null>;
  /**
   * The callback's: takes this shop's ticket (once) and answers the workspace and person it binds the install to;
   * 'EXPIRED' when it is not good any more; 'OTHER_SHOP', the ticket left in place, when it is no ticket of this shop.
   */
  redeemTicket(ticket: string, shop: string): Promise<{ workspaceId: string; actor: Actor } | 'EXPIRED' | 'OTHER_SHOP'>;
  /**
   * app/uninstalled (X-Shopify-Triggered-At): the source stops and its posts not yet out are held (how many
   * deliveries); not stopped, with the reason, when it was triggered before the source was last connected.
   */
  uninstall(sourceId: string, triggeredAt: Date | null): Promise<{ stopped: true; heldDeliveries: number } | { stopped: false; reason: string }>;
  /** A reinstall: what the uninstall held goes back; answers how many deliveries. */
  release(sourceId: string, actor: Actor): Promise<number>;
  /** An install (sources.install's checks) and the release of what an uninstall held, in one transaction. */
  connect(install: SourceInstallRequest): Promise<{ sourceId: string; reconnected: boolean; released: number }>;
  /** An active source's stored grant and the scopes it lacks for its rules (appPage checks both); null without one. */
  grant(sourceId: string): Promise<{ source: ConnectedSource; missingScopes: string[] } | null>;
  /** shop/redact: the install tickets and pending installs naming the shop, deleted (its source is erased on its own). */
  redactShop(shop: string): Promise<void>;
  status(sourceId: string): Promise<{ name: string; status: string; recentEvents: number; heldDeliveries: number } | null>;
  /** The store owner's page (/shopify/app): what it shows of the shop's source, and its writes (appHome.ts). */
  appHome: AppHomeHost;
  /** The scopes an install started from Shopify asks for (SHOPIFY_SCOPES, read_inventory when the shop's rules want stock). */
  installScopes(shop: string): Promise<string[]>;
  /** A new shop installed from Shopify, kept until its owner signs in here and picks a workspace (src/services/shopifyClaim.ts). */
  claims: ShopifyClaimHost;
  /** Plans charged through Shopify's Billing API (src/services/shopifyBilling.ts); null when SHOPIFY_BILLING is off. */
  billing: ShopifyBillingHost | null;
  /** The address a request came from, as PostFlow's throttles count it (trusted proxies' X-Forwarded-For). */
  clientIp(request: import('node:http').IncomingMessage): string;
  logger: PluginLogger;
}

export interface ClaimPerson {
  email: string;
  /** The person's workspaces where they may connect a source (ADMIN or OWNER). */
  workspaces: { id: string; name: string; role: string }[];
}

/** Why a sign-in or a sign-up for an install did not go through (the same REFUSED whatever was wrong with a login). */
export type ClaimRefusal = {
  refused: 'REFUSED' | 'RATE_LIMITED' | 'GONE' | 'SIGNUP_CLOSED' | 'INVALID' | 'NOT_ALLOWED' | 'CONFLICT' | 'PLAN_LIMIT';
  message: string;
};

export interface ShopifyClaimHost {
  /** Keeps the tokens Shopify granted for `shop` (sealed, 30 minutes); answers the browser's token (only its hash is kept). */
  open(shop: string, credentials: SourceCredentials): Promise<{ token: string; expiresAt: Date }>;
  /** The pending install of a browser's token: its shop, and the person signed in for it; null when gone or expired. */
  find(token: string): Promise<{ shop: string; person: ClaimPerson | null; signupOpen: boolean } | null>;
  /** The token every form of the pending install carries (an HMAC of the browser's token with a server key). */
  formToken(token: string): string;
  checkFormToken(token: string, formToken: string): boolean;
  /** The accounts service's login checks and throttles; the person is then signed in for this install only. */
  signIn(token: string, login: { email: string; password: string; code: string | null }, clientIp: string): Promise<ClaimPerson | ClaimRefusal>;
  /** A new account (sign-up's checks and throttles, its own workspace), signed in for this install. */
  signUp(token: string, account: { email: string; password: string; workspaceName: string }, clientIp: string): Promise<ClaimPerson | ClaimRefusal>;
  /** Takes the pending install (once) into a workspace where the person is ADMIN or OWNER, and releases what it held. */
  finish(token: string, workspaceId: string): Promise<{ sourceId: string; shop: string; credentials: SourceCredentials; releasedDeliveries: number } | ClaimRefusal>;
}

export interface ShopifyBillingHost {
  /** app_subscriptions/update, app/uninstalled: queues a read of the shop's subscriptions (the plan set then), if the shop pays for a workspace. */
  queueSync(sourceId: string, cause: { via: 'webhook' | 'uninstall'; eventId: string }): Promise<void>;
  /** The return page's: its signed link checked (null when not PostFlow's), then the same as sync. */
  returned(sourceId: string, signature: string): Promise<{ plan: string; status: string | null } | null>;
}

/** PostFlow's logger as the plugin uses it (secrets are redacted there). */
export interface PluginLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A route as PostFlow's route table takes it (src/server/routes.ts), without importing the server. */
export interface PluginRoute {
  path: string;
  methods?: readonly string[];
  handle: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => unknown;
}

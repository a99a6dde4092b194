// What the Shopify app's routes get from PostFlow (src/app.ts builds it from the services): every connector's
// SourceHost, plus the install tickets of connectShopifyStart, the uninstall hold and the app page's status. The
// plugin imports no service or store; these are its only ways in.
import type { Actor } from '../../../src/domain/audit.js';
import type { SourceHost } from '../../../src/sources/types.js';

export interface ShopifyAppHost {
  sources: SourceHost;
  /** Whether an install ticket (connectShopifyStart's) is this shop's and still good; it stays for the callback. */
  checkTicket(ticket: string, shop: string): Promise<boolean>;
  /** The callback's: takes the ticket (once) and answers the workspace and person it binds the install to. */
  redeemTicket(ticket: string, shop: string): Promise<{ workspaceId: string; actor: Actor } | null>;
  /** app/uninstalled: the source stops and its posts not yet out are held; answers how many deliveries. */
  uninstall(sourceId: string): Promise<number>;
  /** A reinstall: what the uninstall held goes back; answers how many deliveries. */
  release(sourceId: string, actor: Actor): Promise<number>;
  status(sourceId: string): Promise<{ name: string; status: string; recentEvents: number; heldDeliveries: number } | null>;
  logger: PluginLogger;
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

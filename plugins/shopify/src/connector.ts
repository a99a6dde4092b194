// The Shopify source connector (src/sources/types.ts): a source's credentials as this plugin keeps them, and the
// product fetched through the Admin API with an access token renewed ahead of its expiry. Shopify's refresh tokens
// rotate (the old pair is dead once the call returns), so a renewal runs under the source's lock (renewUnderLock:
// SourceHost.renewCredentials, the row locked across processes), looks again at the pair stored now (another process
// may have just renewed it) and has the new pair stored before the lock is let go. Within a process, renewals of one
// source are shared.
import type { ConnectedSource, SourceConnector, SourceCredentials } from '../../../src/sources/types.js';
import { fetchInventoryItemProduct, fetchProduct, type AdminOptions, type AdminSession } from './admin.js';
import { importProducts, type BulkWaitOptions } from './import.js';
import type { ShopifyClient } from './client.js';
import { ShopifyNeedsReconnect } from './errors.js';
import { needsRefresh, refreshAccess, type InstalledShop } from './oauth.js';
import { isInventoryItemGid } from './products.js';

export interface ShopifyCredentials {
  shop: string;
  accessToken: string;
  /** ISO instants (credentials are stored as JSON); null for a non-expiring token. */
  accessTokenExpiresAt: string | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: string | null;
  scopes: string[];
}

export function credentialsOf(installed: InstalledShop): ShopifyCredentials {
  return {
    shop: installed.shop,
    accessToken: installed.accessToken,
    accessTokenExpiresAt: installed.accessTokenExpiresAt?.toISOString() ?? null,
    refreshToken: installed.refreshToken,
    refreshTokenExpiresAt: installed.refreshTokenExpiresAt?.toISOString() ?? null,
    scopes: installed.scopes,
  };
}

/** The stored credentials, checked: anything else is a source that must be reconnected. */
export function readCredentials(raw: SourceCredentials, shop: string): ShopifyCredentials {
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : null);
  const accessToken = text('accessToken');
  if (!accessToken) throw new ShopifyNeedsReconnect(shop, `${shop} has no stored access token`);
  return {
    shop: text('shop') ?? shop,
    accessToken,
    accessTokenExpiresAt: text('accessTokenExpiresAt'),
    refreshToken: text('refreshToken'),
    refreshTokenExpiresAt: text('refreshTokenExpiresAt'),
    scopes: Array.isArray(raw.scopes) ? raw.scopes.filter((s): s is string => typeof s === 'string') : [],
  };
}

export interface ShopifyConnectorOptions {
  /**
   * Runs `renew` under the source's lock with its credentials as stored now, stores what it answers (null: keep them)
   * before letting go, and answers the credentials in force (SourceHost.renewCredentials).
   */
  renewUnderLock(source: ConnectedSource, renew: (current: SourceCredentials) => Promise<SourceCredentials | null>): Promise<SourceCredentials>;
  now?: () => Date;
  admin?: AdminOptions;
  /** The catalog import's polling of its bulk operation. */
  bulkWaits?: BulkWaitOptions;
}

export interface ShopifyConnector extends SourceConnector {
  /** An Admin API session for the source, its token renewed first when it expires within REFRESH_AHEAD_MS. */
  session(source: ConnectedSource): Promise<AdminSession>;
}

export function createShopifyConnector(client: ShopifyClient, options: ShopifyConnectorOptions): ShopifyConnector {
  const now = options.now ?? (() => new Date());
  const renewing = new Map<string, Promise<ShopifyCredentials>>();

  const expiring = (held: ShopifyCredentials) => needsRefresh(held.accessTokenExpiresAt ? new Date(held.accessTokenExpiresAt) : null, now());

  async function renew(source: ConnectedSource): Promise<ShopifyCredentials> {
    const inForce = await options.renewUnderLock(source, async (current) => {
      const held = readCredentials(current, source.externalId);
      if (!expiring(held)) return null; // renewed by another process while this one waited for the lock
      if (!held.refreshToken) throw new ShopifyNeedsReconnect(held.shop, `${held.shop}'s access token expired and there is no refresh token`);
      const tokens = await refreshAccess(client, held.shop, held.refreshToken);
      return { ...credentialsOf({ shop: held.shop, ...tokens }) };
    });
    return readCredentials(inForce, source.externalId);
  }

  async function session(source: ConnectedSource): Promise<AdminSession> {
    let held = readCredentials(source.credentials, source.externalId);
    if (expiring(held)) {
      let pending = renewing.get(source.id);
      if (!pending) {
        pending = renew(source).finally(() => renewing.delete(source.id));
        renewing.set(source.id, pending);
      }
      held = await pending;
    }
    return { shop: held.shop, accessToken: held.accessToken };
  }

  return {
    kind: 'SHOPIFY',
    itemKind: 'PRODUCT',
    session,
    async fetchItem(source, externalId) {
      return fetchProduct(client, await session(source), externalId, options.admin);
    },
    // inventory_levels/update is queued under its inventory item: the job asks whose product that is before fetching it.
    async resolveChange(source, change) {
      if (!isInventoryItemGid(change.externalId)) return change;
      const product = await fetchInventoryItemProduct(client, await session(source), change.externalId, options.admin);
      return product ? { ...change, kind: 'UPSERTED', externalId: product } : null;
    },
    missingScopes: (credentials, events) => missingScopes(readScopes(credentials), events),
    importItems: (source, importOptions) => importProducts(client, () => session(source), importOptions, { admin: options.admin, waits: options.bulkWaits }),
  };
}

/** Back-in-stock posts need inventory_levels/update, which Shopify sends only to an app granted read_inventory. */
export function missingScopes(granted: readonly string[], events: readonly string[]): string[] {
  const inventory = granted.includes('read_inventory') || granted.includes('write_inventory');
  return events.includes('BACK_IN_STOCK') && !inventory ? ['read_inventory'] : [];
}

const readScopes = (raw: SourceCredentials) => (Array.isArray(raw.scopes) ? raw.scopes.filter((s): s is string => typeof s === 'string') : []);

// The Shopify app's side of PostFlow (issue 13, section 2): an install started from PostFlow (connectShopifyStart:
// a ticket binding the merchant's browser to the caller's workspace and person, and the scopes to ask for), the store
// uninstalling the app (the source stops, its posts not yet out are held; a late retry of an uninstall that a
// reinstall already answered is ignored) and a reinstall releasing them, and the small status the app page shows.
// The plugin's routes reach these through the host src/app.ts builds; an install started from Shopify for a shop
// PostFlow does not know is src/services/shopifyClaim.ts's.
import { createHash, randomBytes } from 'node:crypto';
import type { PoolClient } from 'pg';
import { conflict } from '../domain/errors.js';
import { systemActor, type Actor } from '../domain/audit.js';
import type { Auth } from '../domain/auth.js';
import { storedSourceRules } from '../domain/sourceRules.js';
import type { SourceStatus } from '../generated/prisma/enums.js';
import { transaction } from '../store/sql.js';
import { findLiveSourceOfStore, findSource, stopSourceRow } from '../store/sources.js';
import { holdSourceDeliveries, releaseSourceDeliveries } from '../store/sourceHolds.js';
import { deleteExpiredInstallTickets, deleteShopInstallTickets, findInstallTicket, insertInstallTicket, takeInstallTicket, type InstallTicket } from '../store/shopifyInstalls.js';
import { deleteShopPendingInstalls } from '../store/shopifyClaims.js';
import type { ConnectedSource, SourceCredentials } from '../sources/types.js';
import { installSource, type SourceInstall } from './sources.js';
import { missingScopesOf } from './sourceScopes.js';
import { recordAudit } from '../store/audit.js';
import type { ServiceDeps, ShopifyAppChecks } from './deps.js';

/** An install link is good this long: the merchant follows it at once, through Shopify's approval page. */
export const INSTALL_TICKET_MS = 10 * 60_000;
export const SHOPIFY_AUTH_PATH = '/shopify/auth';
/** Back-in-stock posts read inventory levels (inventory_levels/update); asked for only when they are wanted. */
export const INVENTORY_SCOPE = 'read_inventory';

const hashTicket = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/** The plugin's checks, or the CONFLICT of a server without the Shopify app. */
function shopifyAppOf(deps: Pick<ServiceDeps, 'config' | 'shopifyApp'>): { scopes: readonly string[]; checks: ShopifyAppChecks } {
  if (!deps.config.shopify || !deps.shopifyApp) throw conflict('This server has no Shopify app configured (SHOPIFY_API_KEY and SHOPIFY_API_SECRET)');
  return { scopes: deps.config.shopify.scopes, checks: deps.shopifyApp };
}

/**
 * connectShopifyStart: the PostFlow URL the shop's owner opens; it starts Shopify's authorization for this workspace,
 * asking for SHOPIFY_SCOPES, and read_inventory too when back-in-stock posts are wanted (`backInStock`, or the rules
 * of the shop's source here already have them).
 */
export async function startShopifyInstall(
  deps: Pick<ServiceDeps, 'pool' | 'config' | 'shopifyApp'>,
  auth: Auth,
  input: { shop: string; backInStock?: boolean | null },
): Promise<{ url: string; expiresAt: Date; scopes: string[] }> {
  const app = shopifyAppOf(deps);
  const shop = app.checks.shopName(input.shop, ['shop']);
  const existing = await findLiveSourceOfStore(deps.pool, 'SHOPIFY', shop, { lock: false });
  if (existing && existing.workspaceId !== auth.workspaceId && existing.status === 'ACTIVE') {
    throw conflict(`${shop} is connected to another workspace: disconnect it there first`, { kind: 'SHOPIFY' });
  }
  const rulesWantStock = existing?.workspaceId === auth.workspaceId && storedSourceRules(existing.rules).events.includes('BACK_IN_STOCK');
  const scopes = [...new Set([...app.scopes, ...(input.backInStock || rulesWantStock ? [INVENTORY_SCOPE] : [])])];
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + INSTALL_TICKET_MS);
  await transaction(deps.pool, async (client) => {
    // Tickets are few and short-lived: each new one clears the expired ones (no housekeeping task needed).
    await deleteExpiredInstallTickets(client);
    await insertInstallTicket(client, {
      ticketHash: hashTicket(ticket),
      workspaceId: auth.workspaceId,
      userId: auth.userId,
      sessionId: auth.sessionId ?? null,
      shop,
      scopes,
      expiresAt,
    });
    await recordAudit(client, { actor: auth, action: 'source.install_started', target: { type: 'workspace', id: auth.workspaceId }, details: { kind: 'SHOPIFY', scopes } });
  });
  const url = new URL(`${deps.config.publicUrl}${SHOPIFY_AUTH_PATH}`);
  url.searchParams.set('shop', shop);
  url.searchParams.set('ticket', ticket);
  return { url: url.href, expiresAt, scopes };
}

/** A ticket that is this shop's and still good, with the scopes to ask for (GET /shopify/auth looks before sending the owner to Shopify). */
export async function checkInstallTicket(deps: Pick<ServiceDeps, 'pool'>, ticket: string, shop: string): Promise<{ scopes: string[] } | null> {
  const found = await findInstallTicket(deps.pool, hashTicket(ticket), shop);
  return found && { scopes: found.scopes };
}

/**
 * The callback's: this shop's ticket taken (once), and who the install is for; 'EXPIRED' when it is not good any more;
 * 'OTHER_SHOP' (the ticket left in place) when it is no ticket of this shop, as a leftover cookie of another may be.
 */
export async function redeemInstallTicket(
  deps: Pick<ServiceDeps, 'pool'>,
  ticket: string,
  shop: string,
): Promise<{ workspaceId: string; actor: Actor } | 'EXPIRED' | 'OTHER_SHOP'> {
  const taken: InstallTicket | 'UNUSABLE' | 'NONE' = await takeInstallTicket(deps.pool, hashTicket(ticket), shop);
  if (taken === 'NONE') return 'OTHER_SHOP';
  if (taken === 'UNUSABLE') return 'EXPIRED';
  return {
    workspaceId: taken.workspaceId,
    actor: { workspaceId: taken.workspaceId, userId: taken.userId, via: 'session', ...(taken.sessionId && { sessionId: taken.sessionId }) },
  };
}

export type UninstallOutcome = { stopped: true; heldDeliveries: number } | { stopped: false; reason: string };

/**
 * app/uninstalled: the source stops (UNINSTALLED, its credentials erased) and its posts not yet out are held, not
 * deleted. Shopify retries a webhook for hours: an uninstall triggered before the source was last connected was
 * answered by that reinstall already, and changes nothing; nor does one for a source already stopped.
 */
export async function uninstallSource(deps: Pick<ServiceDeps, 'pool'>, sourceId: string, triggeredAt: Date | null): Promise<UninstallOutcome> {
  return transaction(deps.pool, async (client) => {
    const source = await findSource(client, sourceId, { lock: true });
    if (!source || source.status !== 'ACTIVE') return { stopped: false, reason: `the source is ${source ? source.status.toLowerCase() : 'gone'}` };
    if (triggeredAt && triggeredAt < source.connectedAt) {
      return { stopped: false, reason: `triggered at ${triggeredAt.toISOString()}, before the source was connected again (${source.connectedAt.toISOString()})` };
    }
    await stopSourceRow(client, sourceId, 'UNINSTALLED');
    const held = await holdSourceDeliveries(client, sourceId);
    await recordAudit(client, {
      actor: systemActor(source.workspaceId),
      action: 'source.uninstalled',
      target: { type: 'source', id: sourceId },
      details: { kind: source.kind, heldDeliveries: held.length },
    });
    return { stopped: true, heldDeliveries: held.length };
  });
}

/** After a reinstall: what the uninstall held goes back to what it was (a timed post to its time if still ahead, else the queue). */
export async function releaseHeldPosts(deps: Pick<ServiceDeps, 'pool'>, sourceId: string, actor: Actor): Promise<number> {
  return transaction(deps.pool, (client) => releaseHeldIn(client, sourceId, actor));
}

/**
 * An install (or reconnect) and the release of what the uninstall held, in one transaction: an uninstall committing
 * between them would find the source active, hold afresh, and the release would then let those go.
 */
export async function connectShop(deps: Pick<ServiceDeps, 'pool' | 'secrets'>, install: SourceInstall): Promise<{ sourceId: string; reconnected: boolean; released: number }> {
  try {
    return await transaction(deps.pool, async (client) => {
      const installed = await installSource(client, deps, install);
      return { ...installed, released: await releaseHeldIn(client, installed.sourceId, install.actor) };
    });
  } catch (error) {
    // Two installs of one store at once: the unique index let one in (as createOrReconnectSource says).
    if ((error as { code?: string }).code === '23505') throw conflict(`${install.externalId} was connected meanwhile: try again`, { kind: install.kind });
    throw error;
  }
}

/** releaseHeldPosts in the caller's transaction (an install finished and released at once). */
export async function releaseHeldIn(client: PoolClient, sourceId: string, actor: Actor): Promise<number> {
  const released = await releaseSourceDeliveries(client, sourceId);
  if (released > 0) await recordAudit(client, { actor, action: 'source.posts_released', target: { type: 'source', id: sourceId }, details: { deliveries: released } });
  return released;
}

export interface ShopifySourceStatus {
  name: string;
  status: SourceStatus;
  /** Events received in the last 7 days. */
  recentEvents: number;
  heldDeliveries: number;
}

/** What the app page shows a merchant who opens the app from their admin: no more than the shop's own source's state. */
export async function shopifySourceStatus(deps: Pick<ServiceDeps, 'prisma'>, sourceId: string): Promise<ShopifySourceStatus | null> {
  const source = await deps.prisma.source.findFirst({ where: { id: sourceId, deletedAt: null }, select: { name: true, status: true } });
  if (!source) return null;
  const since = new Date(Date.now() - 7 * 86_400_000);
  const [recentEvents, heldDeliveries] = await Promise.all([
    deps.prisma.sourceEvent.count({ where: { sourceId, receivedAt: { gte: since } } }),
    deps.prisma.sourceHeldDelivery.count({ where: { sourceId } }),
  ]);
  return { name: source.name, status: source.status, recentEvents, heldDeliveries };
}

/** The scopes an install started from Shopify asks for: read_inventory too when the shop's source has back-in-stock rules. */
export async function installScopesOf(deps: Pick<ServiceDeps, 'pool' | 'config'>, shop: string): Promise<string[]> {
  const base = deps.config.shopify?.scopes ?? [];
  const source = await findLiveSourceOfStore(deps.pool, 'SHOPIFY', shop, { lock: false });
  const wantsStock = source !== null && storedSourceRules(source.rules).events.includes('BACK_IN_STOCK');
  return [...new Set([...base, ...(wantsStock ? [INVENTORY_SCOPE] : [])])];
}

/**
 * What appPage checks before showing an active shop's page: the grant stored (the plugin makes one cheap Admin call
 * with it) and the scopes it lacks for the source's rules. Null when the source is gone or holds no credentials.
 */
export async function shopGrantOf(deps: Pick<ServiceDeps, 'pool' | 'secrets' | 'sources'>, sourceId: string): Promise<{ source: ConnectedSource; missingScopes: string[] } | null> {
  const source = await findSource(deps.pool, sourceId);
  if (!source?.credentialsSealed || source.status !== 'ACTIVE') return null;
  const credentials = JSON.parse(deps.secrets.open(source.credentialsSealed)) as SourceCredentials;
  return { source: { id: source.id, externalId: source.externalId, credentials }, missingScopes: missingScopesOf(deps, source) };
}

/**
 * shop/redact: what PostFlow keeps of the shop outside its source (erased on its own): the install tickets and the
 * pending installs naming it, with their sealed tokens, whether or not a source exists.
 */
export async function redactShopInstalls(deps: Pick<ServiceDeps, 'pool'>, shop: string): Promise<void> {
  await transaction(deps.pool, async (client) => {
    await deleteShopInstallTickets(client, shop);
    await deleteShopPendingInstalls(client, shop);
  });
}

/** These services bound to the deps: the part of the Shopify app's host that is not every connector's (src/app.ts). */
export function shopifyAppServices(deps: Pick<ServiceDeps, 'pool' | 'prisma' | 'config' | 'secrets' | 'sources'>) {
  return {
    checkTicket: (ticket: string, shop: string) => checkInstallTicket(deps, ticket, shop),
    redeemTicket: (ticket: string, shop: string) => redeemInstallTicket(deps, ticket, shop),
    uninstall: (sourceId: string, triggeredAt: Date | null) => uninstallSource(deps, sourceId, triggeredAt),
    release: (sourceId: string, actor: Actor) => releaseHeldPosts(deps, sourceId, actor),
    connect: (install: SourceInstall) => connectShop(deps, install),
    grant: (sourceId: string) => shopGrantOf(deps, sourceId),
    redactShop: (shop: string) => redactShopInstalls(deps, shop),
    status: (sourceId: string) => shopifySourceStatus(deps, sourceId),
    installScopes: (shop: string) => installScopesOf(deps, shop),
  };
}

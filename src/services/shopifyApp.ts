// The Shopify app's side of PostFlow (issue 13, section 2): an install started from PostFlow (connectShopifyStart:
// a ticket binding the merchant's browser to the caller's workspace and person), the store uninstalling the app
// (the source stops, its posts not yet out are held) and a reinstall releasing them, and the small status the app
// page shows. The plugin's routes reach these through the host src/app.ts builds (createShopifyAppHost).
import { createHash, randomBytes } from 'node:crypto';
import { ValidationError, conflict } from '../domain/errors.js';
import { systemActor, type Actor } from '../domain/audit.js';
import type { Auth } from '../domain/auth.js';
import type { SourceStatus } from '../generated/prisma/enums.js';
import { transaction } from '../store/sql.js';
import { findLiveSourceOfStore, findSource, stopSourceRow } from '../store/sources.js';
import { holdSourceDeliveries, releaseSourceDeliveries } from '../store/sourceHolds.js';
import { deleteExpiredInstallTickets, findInstallTicket, insertInstallTicket, takeInstallTicket, type InstallTicket } from '../store/shopifyInstalls.js';
import { recordAudit } from '../store/audit.js';
import type { ServiceDeps } from './deps.js';

/** An install link is good this long: the merchant follows it at once, through Shopify's approval page. */
export const INSTALL_TICKET_MS = 10 * 60_000;
export const SHOPIFY_AUTH_PATH = '/shopify/auth';
const MYSHOPIFY = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const hashTicket = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/** A shop's myshopify.com name from what a person typed (an admin URL or the bare name), or a ValidationError. */
export function shopNameOf(input: string, field: (string | number)[] = ['shop']): string {
  let text = input.trim().toLowerCase();
  if (/^https?:\/\//.test(text)) {
    try {
      text = new URL(text).hostname;
    } catch {
      /* refused below */
    }
  }
  if (!MYSHOPIFY.test(text) || text.length > 255) throw ValidationError.single(field, 'shopDomain', 'must be a shop name of the form your-store.myshopify.com');
  return text;
}

/** connectShopifyStart: the PostFlow URL the shop's owner opens; it starts Shopify's authorization for this workspace. */
export async function startShopifyInstall(deps: Pick<ServiceDeps, 'pool' | 'config'>, auth: Auth, input: { shop: string }): Promise<{ url: string; expiresAt: Date }> {
  if (!deps.config.shopify) throw conflict('This server has no Shopify app configured (SHOPIFY_API_KEY and SHOPIFY_API_SECRET)');
  const shop = shopNameOf(input.shop);
  const existing = await findLiveSourceOfStore(deps.pool, 'SHOPIFY', shop, { lock: false });
  if (existing && existing.workspaceId !== auth.workspaceId) throw conflict(`${shop} is connected to another workspace: disconnect it there first`, { kind: 'SHOPIFY' });
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + INSTALL_TICKET_MS);
  await transaction(deps.pool, async (client) => {
    // Tickets are few and short-lived: each new one clears the expired ones (no housekeeping task needed).
    await deleteExpiredInstallTickets(client);
    await insertInstallTicket(client, { ticketHash: hashTicket(ticket), workspaceId: auth.workspaceId, userId: auth.userId, sessionId: auth.sessionId ?? null, shop, expiresAt });
    await recordAudit(client, { actor: auth, action: 'source.install_started', target: { type: 'workspace', id: auth.workspaceId }, details: { kind: 'SHOPIFY' } });
  });
  const url = new URL(`${deps.config.publicUrl}${SHOPIFY_AUTH_PATH}`);
  url.searchParams.set('shop', shop);
  url.searchParams.set('ticket', ticket);
  return { url: url.href, expiresAt };
}

/** Whether a ticket is this shop's and still good (GET /shopify/auth checks before sending the owner to Shopify). */
export async function checkInstallTicket(deps: Pick<ServiceDeps, 'pool'>, ticket: string, shop: string): Promise<boolean> {
  return (await findInstallTicket(deps.pool, hashTicket(ticket), shop)) !== null;
}

/** The callback's: the ticket taken (once), and who the install is for; null when it is not good any more. */
export async function redeemInstallTicket(deps: Pick<ServiceDeps, 'pool'>, ticket: string, shop: string): Promise<{ workspaceId: string; actor: Actor } | null> {
  const taken: InstallTicket | null = await takeInstallTicket(deps.pool, hashTicket(ticket), shop);
  if (!taken) return null;
  return {
    workspaceId: taken.workspaceId,
    actor: { workspaceId: taken.workspaceId, userId: taken.userId, via: 'session', ...(taken.sessionId && { sessionId: taken.sessionId }) },
  };
}

/**
 * app/uninstalled: the source stops (UNINSTALLED, its credentials erased) and its posts not yet out are held, not
 * deleted. Nothing happens for a source already stopped. Answers how many deliveries were held.
 */
export async function uninstallSource(deps: Pick<ServiceDeps, 'pool'>, sourceId: string): Promise<number> {
  return transaction(deps.pool, async (client) => {
    const source = await findSource(client, sourceId, { lock: true });
    if (!source || source.status !== 'ACTIVE') return 0;
    await stopSourceRow(client, sourceId, 'UNINSTALLED');
    const held = await holdSourceDeliveries(client, sourceId);
    await recordAudit(client, {
      actor: systemActor(source.workspaceId),
      action: 'source.uninstalled',
      target: { type: 'source', id: sourceId },
      details: { kind: source.kind, heldDeliveries: held.length },
    });
    return held.length;
  });
}

/** After a reinstall: what the uninstall held goes back (a timed post to its time if still ahead, else the queue). */
export async function releaseHeldPosts(deps: Pick<ServiceDeps, 'pool'>, sourceId: string, actor: Actor): Promise<number> {
  return transaction(deps.pool, async (client) => {
    const released = await releaseSourceDeliveries(client, sourceId);
    if (released > 0) await recordAudit(client, { actor, action: 'source.posts_released', target: { type: 'source', id: sourceId }, details: { deliveries: released } });
    return released;
  });
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

/** These services bound to the deps: the part of the Shopify app's host that is not every connector's (src/app.ts). */
export function shopifyAppServices(deps: Pick<ServiceDeps, 'pool' | 'prisma'>) {
  return {
    checkTicket: (ticket: string, shop: string) => checkInstallTicket(deps, ticket, shop),
    redeemTicket: (ticket: string, shop: string) => redeemInstallTicket(deps, ticket, shop),
    uninstall: (sourceId: string) => uninstallSource(deps, sourceId),
    release: (sourceId: string, actor: Actor) => releaseHeldPosts(deps, sourceId, actor),
    status: (sourceId: string) => shopifySourceStatus(deps, sourceId),
  };
}

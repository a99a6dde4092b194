// The store owner's page of the Shopify app (/shopify/app, issue 13: channels, templates with a live preview, rules,
// import progress, recent events): what it shows of the shop's one source, and its writes, each through the service
// the API uses (updateSource, previewSourcePost, importCatalog) as the system actor of the source's workspace, so
// they are checked and audited like any other. What proves the shop is the page's own token
// (plugins/shopify/src/appHomeToken.ts), signed with the key derived here; the plugin reaches these through its host.
import { createHmac, hkdfSync } from 'node:crypto';
import { ValidationError, notFound } from '../domain/errors.js';
import { systemActor, type Actor } from '../domain/audit.js';
import type { SourceItem } from '../domain/sourceItems.js';
import { storedSourceRules, type SourceRules } from '../domain/sourceRules.js';
import { previewSourcePost, updateSource, type SourcePostPreview } from './sources.js';
import { importCatalog } from './sourceImports.js';
import { missingScopesOf } from './sourceScopes.js';
import type { ServiceDeps } from './deps.js';

/** The page lists this many of the source's latest events, and offers this many recent items to preview against. */
export const APP_HOME_EVENTS = 20;
export const APP_HOME_ITEMS = 10;
/** What every write of the page adds to its audit event. */
const VIA_APP = { via: 'shopify_app' } as const;

export interface AppHomeView {
  source: { id: string; name: string; externalId: string; status: string; rules: SourceRules; heldDeliveries: number };
  /** The workspace's channels, oldest first: the rules may name any of them. */
  channels: { id: string; name: string; platform: string; paused: boolean; needsReconnect: boolean }[];
  /** The items most recently received, newest first. */
  items: { externalId: string; title: string; published: boolean }[];
  lastImport: {
    status: string;
    exportedObjects: number;
    seen: number;
    processed: number;
    postsCreated: number;
    skipped: number;
    errors: number;
    lastError: string | null;
    startedAt: Date;
    finishedAt: Date | null;
  } | null;
  events: { eventId: string; change: string; itemExternalId: string | null; outcome: string; reason: string; receivedAt: Date }[];
  /** The access the shop has not granted for what its rules ask (read_inventory for back-in-stock posts). */
  missingScopes: string[];
}

type AppHomeDeps = Pick<ServiceDeps, 'prisma' | 'pool' | 'providers' | 'secrets' | 'sources'>;

export async function appHomeView(deps: Pick<ServiceDeps, 'prisma' | 'secrets' | 'sources'>, sourceId: string): Promise<AppHomeView | null> {
  const source = await deps.prisma.source.findFirst({ where: { id: sourceId, deletedAt: null } });
  if (!source) return null;
  const [channels, items, lastImport, events, heldDeliveries] = await Promise.all([
    deps.prisma.channel.findMany({
      where: { workspaceId: source.workspaceId, deletedAt: null },
      select: { id: true, name: true, platform: true, paused: true, needsReconnect: true },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    }),
    deps.prisma.sourceItem.findMany({
      where: { sourceId, deletedAt: null },
      select: { externalId: true, snapshot: true, published: true },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: APP_HOME_ITEMS,
    }),
    deps.prisma.sourceImport.findFirst({ where: { sourceId }, orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] }),
    deps.prisma.sourceEvent.findMany({ where: { sourceId }, orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }], take: APP_HOME_EVENTS }),
    deps.prisma.sourceHeldDelivery.count({ where: { sourceId } }),
  ]);
  return {
    source: { id: source.id, name: source.name, externalId: source.externalId, status: source.status, rules: storedSourceRules(source.rules), heldDeliveries },
    missingScopes: missingScopesOf(deps, source),
    channels,
    items: items.map((i) => ({ externalId: i.externalId, title: (i.snapshot as Partial<SourceItem> | null)?.title || i.externalId, published: i.published })),
    lastImport: lastImport && {
      status: lastImport.status,
      exportedObjects: lastImport.exportedObjects,
      seen: lastImport.seen,
      processed: lastImport.processed,
      postsCreated: lastImport.postsCreated,
      skipped: lastImport.skipped,
      errors: lastImport.errors,
      lastError: lastImport.lastError,
      startedAt: lastImport.startedAt,
      finishedAt: lastImport.finishedAt,
    },
    events: events.map((e) => ({ eventId: e.eventId, change: e.change, itemExternalId: e.itemExternalId, outcome: e.outcome, reason: e.reason, receivedAt: e.receivedAt })),
  };
}

/** The page acts for the shop, not for a person: the workspace's system actor, as the store's own events do. */
async function actorOf(deps: Pick<ServiceDeps, 'prisma'>, sourceId: string): Promise<Actor> {
  const source = await deps.prisma.source.findFirst({ where: { id: sourceId, deletedAt: null }, select: { workspaceId: true } });
  if (!source) throw notFound('Source', sourceId);
  return systemActor(source.workspaceId);
}

/**
 * Whoever Shopify lets open the app (its staff permissions decide) may change the rules here, but may only add the
 * approval step, never remove it: a workspace that wants its people to approve posts keeps that, whatever a store's
 * staff member does. Each save is audited as the page's, by what it is, not by the shop (shop/redact leaves no name).
 */
export async function saveAppRules(deps: AppHomeDeps, sourceId: string, rules: unknown): Promise<void> {
  const actor = await actorOf(deps, sourceId);
  const stored = await deps.prisma.source.findFirst({ where: { id: sourceId, deletedAt: null }, select: { rules: true } });
  const asked = rules && typeof rules === 'object' ? (rules as { requiresApproval?: unknown }).requiresApproval : undefined;
  if (stored && storedSourceRules(stored.rules).requiresApproval && asked !== true) {
    throw ValidationError.single(
      ['input', 'rules', 'requiresApproval'],
      'approvalStays',
      'approval can be turned on from the Shopify app but not off: a workspace ADMIN turns it off in PostFlow',
    );
  }
  await updateSource(deps, actor, sourceId, { rules }, VIA_APP);
}

/** These bound to the deps: the app page's part of the Shopify app's host (src/app.ts). */
export function shopifyAppHomeServices(deps: AppHomeDeps) {
  // Its own key, derived from the server's secret: a page token is no session token, and cannot be taken for one.
  const key = Buffer.from(hkdfSync('sha256', deps.secrets.sessionSigningKey, Buffer.alloc(0), 'postflow:shopify-app-page:v1', 32));
  return {
    mac: (message: string) => createHmac('sha256', key).update(message).digest('base64url'),
    view: (sourceId: string) => appHomeView(deps, sourceId),
    saveRules: (sourceId: string, rules: unknown) => saveAppRules(deps, sourceId, rules),
    preview: async (sourceId: string, itemId: string, draftRules?: unknown): Promise<SourcePostPreview[]> =>
      previewSourcePost(deps, await actorOf(deps, sourceId), sourceId, itemId, null, draftRules),
    startImport: async (sourceId: string): Promise<string> => importCatalog(deps, await actorOf(deps, sourceId), sourceId, VIA_APP),
  };
}

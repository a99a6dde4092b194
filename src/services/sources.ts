// Content sources (issue 13): created and reconnected by their connector's install, their rules changed by the
// workspace's ADMINs (checked whole before saving: structure, templates with their line and column, channels),
// disconnected, and previewed against a stored item. The events they send are src/services/sourcePosts.ts's.
import type { PoolClient } from 'pg';
import type { Source } from '../generated/prisma/client.js';
import { ValidationError, conflict, notFound, type ValidationIssue } from '../domain/errors.js';
import { systemActor, type Actor } from '../domain/audit.js';
import type { ItemKind, SourceItem } from '../domain/sourceItems.js';
import { DEFAULT_RULES, parseSourceRules, storedSourceRules, type SourceRules } from '../domain/sourceRules.js';
import { checkTemplate } from '../templates/engine.js';
import type { LinkCard } from '../templates/compose.js';
import type { SourceCredentials, SourceHost, SourceInstallRequest, SourceKind } from '../sources/types.js';
import { transaction } from '../store/sql.js';
import {
  findLiveSourceOfStore,
  insertSource,
  reconnectSourceRow,
  stopSourceRow,
  updateSourceCredentials,
  updateSourceRow,
  lockSourceCredentials,
  deleteSourceRow,
  findSource,
  retireSourceRow,
} from '../store/sources.js';
import { cancelHeldDeliveries } from '../store/sourceHolds.js';
import { enqueueSourceEvent } from '../store/jobs.js';
import { recordAudit } from '../store/audit.js';
import { refuseOverPlan } from './plans.js';
import { endShopifyBillingOfRetiredSource } from './shopifyBillingApply.js';
import { composeForChannels } from './sourceCompose.js';
import { isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';

export const MAX_SOURCE_NAME = 200;

/** What kind of items each kind of source sends: the template fields follow from it. */
export const ITEM_KIND_OF: Readonly<Record<SourceKind, ItemKind>> = { SHOPIFY: 'PRODUCT', WORDPRESS: 'ARTICLE', FEED: 'ARTICLE' };

export type SourceInstall = SourceInstallRequest;

/** The services a connector's routes use, bound to the deps (src/app.ts hands it to the plugin). */
export function createSourceHost(deps: Pick<ServiceDeps, 'pool' | 'secrets'>): SourceHost {
  return {
    install: (request) => createOrReconnectSource(deps, request),
    findByStore: async (kind, externalId) => {
      const source = await findLiveSourceOfStore(deps.pool, kind, externalId, { lock: false });
      return source && { id: source.id, workspaceId: source.workspaceId, status: source.status };
    },
    saveCredentials: (sourceId, credentials) => updateSourceCredentials(deps.pool, sourceId, deps.secrets.seal(JSON.stringify(credentials))),
    receive: (event) => enqueueSourceEvent(deps.pool, event),
    erase: (sourceId) =>
      transaction(deps.pool, async (client) => {
        const source = await findSource(client, sourceId, { lock: true });
        if (!source) return;
        await deleteSourceRow(client, sourceId);
        await recordAudit(client, { actor: systemActor(source.workspaceId), action: 'source.erased', target: { type: 'source', id: sourceId }, details: { kind: source.kind } });
      }),
    renewCredentials: (sourceId, renew) =>
      transaction(deps.pool, async (client) => {
        const sealed = await lockSourceCredentials(client, sourceId);
        if (!sealed) throw conflict(`Source ${sourceId} has no credentials: it must be installed again`, { sourceId });
        const current = JSON.parse(deps.secrets.open(sealed)) as SourceCredentials;
        const renewed = await renew(current);
        if (renewed) await updateSourceCredentials(client, sourceId, deps.secrets.seal(JSON.stringify(renewed)));
        return renewed ?? current;
      }),
  };
}

/**
 * A connector's install: a new source (within the plan's `sources`), or the store's existing one active again with
 * the new credentials. A store is one workspace's at a time: installing it into another while it is ACTIVE there is
 * a CONFLICT; a stopped one (disconnected, uninstalled) there is retired and the store starts anew here.
 */
export async function createOrReconnectSource(deps: Pick<ServiceDeps, 'pool' | 'secrets'>, install: SourceInstall): Promise<{ sourceId: string; reconnected: boolean }> {
  try {
    return await transaction(deps.pool, (client) => installSource(client, deps, install));
  } catch (error) {
    // Two installs of one store at once: the unique index let one in.
    if ((error as { code?: string }).code === '23505') throw conflict(`${install.externalId} was connected meanwhile: try again`, { kind: install.kind });
    throw error;
  }
}

export const RETIRED_REASON = 'Cancelled: the store was connected to another workspace';

/** createOrReconnectSource's work in the caller's transaction (an install that must commit with something else). */
export async function installSource(client: PoolClient, deps: Pick<ServiceDeps, 'secrets'>, install: SourceInstall): Promise<{ sourceId: string; reconnected: boolean }> {
  const name = install.name.trim().slice(0, MAX_SOURCE_NAME) || install.externalId;
  const credentialsSealed = deps.secrets.seal(JSON.stringify(install.credentials));
  let existing = await findLiveSourceOfStore(client, install.kind, install.externalId, { lock: true });
  if (existing && existing.workspaceId !== install.workspaceId) {
    if (existing.status === 'ACTIVE') throw conflict(`${install.externalId} is connected to another workspace: disconnect it there first`, { kind: install.kind });
    // Stopped there: that workspace keeps the posts it made, loses the source, and what an uninstall held is cancelled.
    const cancelled = await cancelHeldDeliveries(client, existing.id, RETIRED_REASON);
    // Its Shopify charges were cancelled at the uninstall: a plan the shop was paying for there ends with it.
    await endShopifyBillingOfRetiredSource(client, existing.id);
    await retireSourceRow(client, existing.id);
    await recordAudit(client, {
      actor: systemActor(existing.workspaceId),
      action: 'source.retired',
      target: { type: 'source', id: existing.id },
      details: { kind: install.kind, cancelledDeliveries: cancelled.length },
    });
    existing = null;
  }
  // An active source re-installed takes no new place in the plan; a new or a stopped one does.
  if (existing?.status !== 'ACTIVE') await refuseOverPlan(client, install.workspaceId, 'sources', 1);
  if (existing) {
    await reconnectSourceRow(client, existing.id, credentialsSealed);
    await recordAudit(client, { actor: install.actor, action: 'source.reconnected', target: { type: 'source', id: existing.id }, details: { kind: install.kind } });
    return { sourceId: existing.id, reconnected: true };
  }
  const sourceId = await insertSource(client, { ...install, name, credentialsSealed, rules: DEFAULT_RULES });
  await recordAudit(client, {
    actor: install.actor,
    action: 'source.connected',
    target: { type: 'source', id: sourceId },
    // Ids only: shop/redact erases the store's name everywhere but here would keep it (the source row names it).
    details: { kind: install.kind },
  });
  return { sourceId, reconnected: false };
}

/** The caller's workspace's source, or NOT_FOUND (another workspace's is not found either). */
export async function findSourceOf(deps: Pick<ServiceDeps, 'prisma'>, workspaceId: string, id: string): Promise<Source> {
  const source = isUuid(id) ? await deps.prisma.source.findFirst({ where: { id, workspaceId, deletedAt: null } }) : null;
  if (!source) throw notFound('Source', id);
  return source;
}

/** Rules checked whole: their structure, every template (line and column), every channel (in this workspace). */
export async function checkSourceRules(deps: Pick<ServiceDeps, 'prisma'>, workspaceId: string, kind: SourceKind, value: unknown, base: (string | number)[]): Promise<SourceRules> {
  const { rules, issues } = parseSourceRules(value, base);
  if (!rules) throw new ValidationError(issues);
  const found: ValidationIssue[] = [];
  const templates: [(string | number)[], string][] = [
    ...(rules.templates.default !== undefined ? [[['templates', 'default'], rules.templates.default] as [string[], string]] : []),
    ...Object.entries(rules.templates.byNetwork).map(([network, t]) => [['templates', 'byNetwork', network], t!] as [string[], string]),
    ...Object.entries(rules.templates.byChannel).map(([channel, t]) => [['templates', 'byChannel', channel], t] as [string[], string]),
  ];
  for (const [path, template] of templates) {
    for (const issue of checkTemplate(template, ITEM_KIND_OF[kind])) {
      found.push({ path: [...base, ...path], rule: issue.rule, message: `line ${issue.line}, column ${issue.column}: ${issue.message}`, line: issue.line, column: issue.column });
    }
  }
  const named = [...new Set([...rules.channelIds, ...Object.keys(rules.templates.byChannel)])];
  const live = new Set((await deps.prisma.channel.findMany({ where: { workspaceId, deletedAt: null, id: { in: named } }, select: { id: true } })).map((c) => c.id));
  rules.channelIds.forEach((id, i) => {
    if (!live.has(id)) found.push({ path: [...base, 'channelIds', i], rule: 'exists', message: `channel ${id} does not exist in this workspace` });
  });
  for (const id of Object.keys(rules.templates.byChannel)) {
    if (!live.has(id)) found.push({ path: [...base, 'templates', 'byChannel', id], rule: 'exists', message: `channel ${id} does not exist in this workspace` });
  }
  if (found.length) throw new ValidationError(found);
  return rules;
}

export interface UpdateSourceInput {
  name?: string | null;
  rules?: unknown;
}

/** `auditDetails`: what the audit event says besides the fields (the Shopify app page's { via: 'shopify_app' }). */
export async function updateSource(
  deps: Pick<ServiceDeps, 'prisma' | 'pool'>,
  auth: Actor,
  id: string,
  input: UpdateSourceInput,
  auditDetails: Record<string, unknown> = {},
): Promise<string> {
  const source = await findSourceOf(deps, auth.workspaceId, id);
  const name = input.name?.trim();
  if (input.name != null && (!name || name.length > MAX_SOURCE_NAME)) {
    throw ValidationError.single(['input', 'name'], name ? 'maxLength' : 'required', `a name is 1 to ${MAX_SOURCE_NAME} characters`);
  }
  const rules = input.rules == null ? undefined : await checkSourceRules(deps, auth.workspaceId, source.kind, input.rules, ['input', 'rules']);
  await transaction(deps.pool, async (client) => {
    await updateSourceRow(client, source.id, { name, rules });
    await recordAudit(client, {
      actor: auth,
      action: 'source.updated',
      target: { type: 'source', id: source.id },
      details: { fields: [...(name ? ['name'] : []), ...(rules ? ['rules'] : [])], ...auditDetails },
    });
  });
  return source.id;
}

/**
 * Stops a source: it takes no more events, and its credentials are erased (connecting it again is a new install).
 * The posts it made stay as they are: they are the workspace's posts now, each cancellable like any other.
 */
export async function disconnectSource(deps: Pick<ServiceDeps, 'prisma' | 'pool'>, auth: Actor, id: string): Promise<string> {
  const source = await findSourceOf(deps, auth.workspaceId, id);
  await transaction(deps.pool, async (client) => {
    await stopSourceRow(client, source.id, 'DISCONNECTED');
    await recordAudit(client, { actor: auth, action: 'source.disconnected', target: { type: 'source', id: source.id }, details: { kind: source.kind } });
  });
  return source.id;
}

export interface SourcePostPreview {
  channelId: string;
  platform: string;
  channelName: string;
  text: string;
  fits: boolean;
  droppedHashtags: number;
  droppedWords: number;
  link: string | null;
  card: LinkCard | null;
  mediaUrls: string[];
}

/**
 * The post each target channel (or the one named) would get for a stored item, under the source's current rules, or
 * under `draftRules` not saved yet (the Shopify app page's, as the owner types): checked as updateSource checks them.
 */
export async function previewSourcePost(
  deps: Pick<ServiceDeps, 'prisma' | 'providers'>,
  auth: Actor,
  sourceId: string,
  itemId: string,
  channelId?: string | null,
  draftRules?: unknown,
): Promise<SourcePostPreview[]> {
  const source = await findSourceOf(deps, auth.workspaceId, sourceId);
  const item = await deps.prisma.sourceItem.findFirst({ where: { sourceId: source.id, OR: [{ externalId: itemId }, ...(isUuid(itemId) ? [{ id: itemId }] : [])] } });
  if (!item) throw notFound('Item', itemId);
  const rules = draftRules === undefined ? storedSourceRules(source.rules) : await checkSourceRules(deps, auth.workspaceId, source.kind, draftRules, ['input', 'rules']);
  const ids = channelId ? [channelId] : rules.channelIds;
  const channels = await deps.prisma.channel.findMany({ where: { workspaceId: auth.workspaceId, deletedAt: null, id: { in: ids.filter(isUuid) } } });
  if (channelId && !channels.length) throw ValidationError.single(['channelId'], 'exists', `channel ${channelId} does not exist in this workspace`);
  const ordered = ids.flatMap((id) => channels.filter((c) => c.id === id));
  const composed = composeForChannels(deps.providers, rules, source.name, item.snapshot as unknown as SourceItem, ordered);
  return composed.channels.map((c) => ({
    channelId: c.channel.id,
    platform: c.channel.platform,
    channelName: c.channel.name,
    text: c.text,
    fits: c.fits,
    droppedHashtags: c.droppedHashtags,
    droppedWords: c.droppedWords,
    link: c.link,
    card: c.card,
    mediaUrls: composed.mediaUrls,
  }));
}

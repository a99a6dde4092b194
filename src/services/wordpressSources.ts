// WordPress sites as content sources (issue 14, section 2). An ADMIN creates the source (createSource), which answers
// once with the site key the plugin names itself by (only its SHA-256 is kept) and the Standard Webhooks signing
// secret (sealed like channel credentials); rotateSourceSecret replaces both at once. The plugin's routes
// (plugins/wordpress/src/) reach PostFlow through the host built here: the site by its key, the answers of ping and
// status. Its events go through the same sources engine as Shopify's (src/services/sourcePosts.ts).
import { createHash, randomBytes } from 'node:crypto';
import { ValidationError, conflict, type ValidationIssue } from '../domain/errors.js';
import type { Actor } from '../domain/audit.js';
import { DEFAULT_RULES } from '../domain/sourceRules.js';
import type { ItemChange, SourceKind } from '../sources/types.js';
import { enqueueSourceEventOnce } from '../store/jobs.js';
import { transaction } from '../store/sql.js';
import { findLiveSourceInWorkspace, findSource, insertSource, reconnectSourceRow } from '../store/sources.js';
import {
  findItemDeliveries,
  findLiveChannelIds,
  findSiteSummary,
  findSourceBySiteKeyHash,
  findUsableChannels,
  isEventHandled,
  updateSiteCredentials,
} from '../store/wordpressSources.js';
import { recordAudit } from '../store/audit.js';
import { refuseOverPlan } from './plans.js';
import { MAX_SOURCE_NAME, createSourceHost, findSourceOf } from './sources.js';
import type { ServiceDeps } from './deps.js';

export const MAX_SOURCE_URL = 2048;

export interface CreateSourceInput {
  kind: SourceKind;
  name: string;
  url: string;
}

/** A source's name and URL checked: the URL absolute, http(s), and allowed by the outbound URL guard. */
export async function checkSourceInput(deps: Pick<ServiceDeps, 'providers'>, input: { name: string; url: string }): Promise<{ name: string; url: URL }> {
  const issues: ValidationIssue[] = [];
  const name = input.name.trim();
  if (!name || name.length > MAX_SOURCE_NAME)
    issues.push({ path: ['input', 'name'], rule: name ? 'maxLength' : 'required', message: `a name is 1 to ${MAX_SOURCE_NAME} characters` });
  let url: URL | null = null;
  if (input.url.length > MAX_SOURCE_URL) issues.push({ path: ['input', 'url'], rule: 'maxLength', message: `a URL is at most ${MAX_SOURCE_URL} characters` });
  else {
    try {
      url = new URL(input.url.trim());
    } catch {
      issues.push({ path: ['input', 'url'], rule: 'url', message: 'an absolute http or https URL, as https://blog.example.com' });
    }
  }
  if (url) {
    // The same check every URL a user gives gets: scheme, user info, private and loopback addresses (by DNS too).
    const refused = await deps.providers.outbound.check(url.href);
    if (refused) issues.push({ path: ['input', 'url'], rule: 'outbound', message: refused.message });
  }
  if (issues.length) throw new ValidationError(issues);
  url!.hash = '';
  return { name, url: url! };
}

/** A site's URL as its source's external id: no query, no trailing slash (the live index keeps one source per site in a workspace). */
export function siteIdOf(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export const hashSiteKey = (siteKey: string) => createHash('sha256').update(siteKey).digest('hex');

export interface SiteCredentials {
  siteKey: string;
  signingSecret: string;
}

/** "pfs_" + 32 base64url characters; "whsec_" + base64 of 32 random bytes (Standard Webhooks' secret format). */
function newSiteCredentials(): SiteCredentials {
  return { siteKey: `pfs_${randomBytes(24).toString('base64url')}`, signingSecret: `whsec_${randomBytes(32).toString('base64')}` };
}

/**
 * A new WordPress source (within the plan's `sources`), or the workspace's disconnected one for the same site
 * connected again; answers the site key and secret, shown this once. A site connected and active already in this
 * workspace is a CONFLICT (rotateSourceSecret gives an active one a new pair); other workspaces' sources of the
 * same URL are not looked at.
 */
export async function createWordPressSource(
  deps: Pick<ServiceDeps, 'pool' | 'secrets' | 'providers'>,
  auth: Actor,
  input: CreateSourceInput,
): Promise<{ sourceId: string } & SiteCredentials> {
  const { name, url } = await checkSourceInput(deps, input);
  const externalId = siteIdOf(url);
  const credentials = newSiteCredentials();
  const sealed = deps.secrets.seal(JSON.stringify({ signingSecret: credentials.signingSecret }));
  try {
    const sourceId = await transaction(deps.pool, async (client) => {
      // Within the caller's workspace only: a URL proves no ownership, so another workspace's source of the same site
      // neither blocks this one nor is revealed (the plugin's requests name their source by site key, never by URL).
      const existing = await findLiveSourceInWorkspace(client, auth.workspaceId, 'WORDPRESS', externalId, { lock: true });
      if (existing?.status === 'ACTIVE') throw conflict(`${externalId} is connected already: rotateSourceSecret gives it a new site key and secret`, { sourceId: existing.id });
      await refuseOverPlan(client, auth.workspaceId, 'sources', 1);
      let id: string;
      if (existing) {
        await reconnectSourceRow(client, existing.id, sealed);
        id = existing.id;
      } else {
        id = await insertSource(client, { workspaceId: auth.workspaceId, kind: 'WORDPRESS', name, externalId, credentialsSealed: sealed, rules: DEFAULT_RULES });
      }
      await updateSiteCredentials(client, id, hashSiteKey(credentials.siteKey), sealed);
      await recordAudit(client, { actor: auth, action: existing ? 'source.reconnected' : 'source.connected', target: { type: 'source', id }, details: { kind: 'WORDPRESS' } });
      return id;
    });
    return { sourceId, ...credentials };
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw conflict(`${externalId} was connected meanwhile: try again`, { kind: 'WORDPRESS' });
    throw error;
  }
}

/** A new site key and secret for a connected WordPress source; the old pair is refused from the commit on. */
export async function rotateSourceSecret(deps: Pick<ServiceDeps, 'pool' | 'secrets' | 'prisma'>, auth: Actor, id: string): Promise<{ sourceId: string } & SiteCredentials> {
  const source = await findSourceOf(deps, auth.workspaceId, id);
  if (source.kind !== 'WORDPRESS') throw ValidationError.single(['id'], 'kind', `a ${source.kind} source has no site key or signing secret: only WORDPRESS sources do`);
  const credentials = newSiteCredentials();
  const sealed = deps.secrets.seal(JSON.stringify({ signingSecret: credentials.signingSecret }));
  await transaction(deps.pool, async (client) => {
    const row = await findSource(client, source.id, { lock: true });
    if (row?.status !== 'ACTIVE') throw conflict('the source is disconnected: createSource with its URL connects the site again', { sourceId: source.id });
    await updateSiteCredentials(client, source.id, hashSiteKey(credentials.siteKey), sealed);
    await recordAudit(client, { actor: auth, action: 'source.secret_rotated', target: { type: 'source', id: source.id }, details: { kind: 'WORDPRESS' } });
  });
  return { sourceId: source.id, ...credentials };
}

/** What the plugin's routes get (plugins/wordpress/src/host.ts's WordPressHost, without the logger). */
export function wordpressHostServices(deps: Pick<ServiceDeps, 'pool' | 'secrets'>) {
  return {
    sources: createSourceHost(deps),
    async findSite(siteKey: string) {
      const row = await findSourceBySiteKeyHash(deps.pool, hashSiteKey(siteKey));
      if (!row) return null;
      const signingSecret = row.credentialsSealed ? ((JSON.parse(deps.secrets.open(row.credentialsSealed)) as { signingSecret?: string }).signingSecret ?? null) : null;
      return { sourceId: row.id, workspaceId: row.workspaceId, status: row.status, signingSecret };
    },
    handledEvent: (sourceId: string, eventId: string) => isEventHandled(deps.pool, sourceId, eventId),
    queueEvent: (event: { sourceId: string; eventId: string; change: ItemChange }) => enqueueSourceEventOnce(deps.pool, event),
    async foreignChannels(sourceId: string, channelIds: string[]) {
      const source = await findSource(deps.pool, sourceId);
      const live = new Set(source ? await findLiveChannelIds(deps.pool, source.workspaceId, channelIds) : []);
      return channelIds.filter((id) => !live.has(id));
    },
    async ping(sourceId: string) {
      const summary = await findSiteSummary(deps.pool, sourceId);
      if (!summary) throw conflict(`Source ${sourceId} no longer exists`);
      return { ...summary, channels: await findUsableChannels(deps.pool, summary.workspace.id) };
    },
    async deliveries(sourceId: string, itemIds: string[]) {
      const byItem = new Map<string, ItemDeliveryAnswer[]>();
      for (const d of await findItemDeliveries(deps.pool, sourceId, itemIds)) {
        const list = byItem.get(d.itemId) ?? [];
        list.push({
          id: d.id,
          channel: { id: d.channelId, name: d.channelName, network: d.network },
          status: d.status,
          scheduled_at: d.scheduledAt?.toISOString() ?? null,
          published_at: d.publishedAt?.toISOString() ?? null,
          external_url: d.externalUrl,
          error: d.lastError,
        });
        byItem.set(d.itemId, list);
      }
      return byItem;
    },
  };
}

/** One delivery as GET /wordpress/status answers it (snake_case, as the plugin reads it). */
export interface ItemDeliveryAnswer {
  id: string;
  channel: { id: string; name: string; network: string };
  status: string;
  scheduled_at: string | null;
  published_at: string | null;
  external_url: string | null;
  error: string | null;
}

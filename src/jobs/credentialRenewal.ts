// Renewing a channel's access: ahead of expiry (the refresh_tokens job) and once after a 401 at publish time.
// One renewal per channel at a time, across every worker: platforms that rotate refresh tokens (X, VK) invalidate
// the old one on use, so two concurrent renewals would leave the loser holding a dead token and the channel
// disconnected for nothing. The second one waits, sees the credentials changed, and uses the new ones.
import type pg from 'pg';
import { transaction } from '../store/sql.js';
import { markNeedsReconnect, updateChannelRow } from '../store/channels.js';
import type { ProviderRegistry } from '../integrations/registry.js';
import type { ClassifiedFailure, PlatformName } from '../integrations/types.js';
import type { Secrets } from '../security/secrets.js';
import type { Logger } from '../logger.js';

export interface RenewalDeps {
  pool: pg.Pool;
  providers: ProviderRegistry;
  secrets: Secrets;
  logger: Logger;
}

export type Renewal = { ok: true; credentials: unknown } | { ok: false; failure: ClassifiedFailure };

/**
 * Renews the channel's credentials unless someone already replaced `staleSealed` (then the current ones are
 * returned). A refusal marks the channel needsReconnect with the reason, which holds its deliveries and is pushed
 * to channelUpdated subscribers; an unreachable platform changes nothing (the caller retries later).
 */
export async function renewChannelCredentials(deps: RenewalDeps, channelId: string, staleSealed: string): Promise<Renewal> {
  return transaction(deps.pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('postflow:renew:' || $1, 0))`, [channelId]);
    const { rows } = await client.query<{ platform: PlatformName; credentials_encrypted: string; deleted: boolean }>(
      `SELECT platform::text AS platform, credentials_encrypted, deleted_at IS NOT NULL AS deleted FROM channels WHERE id = $1`,
      [channelId],
    );
    const channel = rows[0];
    if (!channel || channel.deleted) {
      return { ok: false, failure: { kind: 'PERMANENT', errorClass: 'CHANNEL_GONE', message: 'The channel was deleted', responseCode: null, retryAfterMs: null } };
    }
    if (channel.credentials_encrypted !== staleSealed) {
      return { ok: true, credentials: JSON.parse(deps.secrets.open(channel.credentials_encrypted)) as unknown };
    }
    const provider = deps.providers.get(channel.platform);
    if (!provider.refresh) {
      return {
        ok: false,
        failure: { kind: 'AUTH', errorClass: 'NOT_RENEWABLE', message: `${channel.platform} access cannot be renewed without the user`, responseCode: null, retryAfterMs: null },
      };
    }
    let credentials: unknown;
    try {
      credentials = await provider.refresh(JSON.parse(deps.secrets.open(staleSealed)));
    } catch (error) {
      const failure = provider.classifyFailure(error);
      deps.logger.warn('renewing channel access failed', { channelId, kind: failure.kind, errorClass: failure.errorClass });
      if (failure.kind === 'AUTH') await markNeedsReconnect(client, channelId, failure.message);
      return { ok: false, failure };
    }
    await updateChannelRow(client, channelId, {
      credentialsEncrypted: deps.secrets.seal(JSON.stringify(credentials)),
      credentialsExpireAt: provider.credentialsExpireAt?.(credentials) ?? null,
      needsReconnect: false,
      authError: null,
    });
    return { ok: true, credentials };
  });
}

/** The periodic job: renews every live channel's access that expires within `aheadMs`. */
export async function refreshExpiringTokens(deps: RenewalDeps, aheadMs: number): Promise<{ renewed: number; failed: number }> {
  const platforms = deps.providers.platforms();
  const leadOf = (platform: PlatformName) => Math.max(aheadMs, deps.providers.get(platform).renewAheadMs ?? 0);
  const longest = Math.max(...platforms.map(leadOf));
  const { rows } = await deps.pool.query<{ id: string; platform: PlatformName; credentials_encrypted: string; expire_at: Date }>(
    `SELECT id, platform::text AS platform, credentials_encrypted, credentials_expire_at AS expire_at FROM channels
      WHERE deleted_at IS NULL AND NOT needs_reconnect AND credentials_expire_at < now() + make_interval(secs => $1 / 1000.0)
      ORDER BY credentials_expire_at`,
    [longest],
  );
  let renewed = 0;
  let failed = 0;
  // One at a time: a handful of channels expire in any window, and each renewal is one short call.
  for (const row of rows.filter((r) => r.expire_at.getTime() - Date.now() < leadOf(r.platform))) {
    const outcome = await renewChannelCredentials(deps, row.id, row.credentials_encrypted);
    if (outcome.ok) renewed += 1;
    else failed += 1;
  }
  return { renewed, failed };
}

// Channels: one connected account on one network. Credentials are checked against the network on connect and
// stored sealed; only the handle and non-secret settings are ever shown.
import type { Channel } from '../generated/prisma/client.js';
import { ValidationError, notFound } from '../domain/errors.js';
import type { PlatformName, Provider } from '../integrations/types.js';
import { transaction } from '../store/sql.js';
import { insertChannel, updateChannelRow } from '../store/channels.js';
import { cancelChannelDeliveries, requeueHeldDeliveries } from '../store/deliveries.js';
import { Issues, isUuid, isValidTimezone } from './validation.js';
import type { ServiceDeps } from './deps.js';
import { applyPolicyPatch, type PolicyPatch } from './policies.js';
import { policyOf } from './scheduling.js';
import { requestSmartSchedule } from '../store/jobs.js';
import { defaultPolicy } from '../scheduling/policy.js';
import { limitsFor } from '../integrations/limits.js';
import { refuseOverPlan } from './plans.js';
import { recordAudit } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';

export interface ChannelInput {
  platform?: PlatformName | null;
  name?: string | null;
  timezone?: string | null;
  credentials?: unknown;
  /** Only on creation: the posting policy to start with (the platform's defaults fill what is left out). */
  policy?: PolicyPatch | null;
}

export async function createChannel(deps: ServiceDeps, auth: Actor, input: ChannelInput): Promise<Channel> {
  const { workspaceId } = auth;
  const issues = new Issues();
  const platform = input.platform;
  if (!platform || !deps.providers.platforms().includes(platform)) {
    issues.add(['input', 'platform'], 'oneOf', `platform must be one of ${deps.providers.platforms().join(', ')}`);
  }
  checkNameAndZone(issues, input, true);
  const credentials = platform && deps.providers.platforms().includes(platform) ? parseCredentials(deps, issues, platform, input.credentials) : null;
  const policy = input.policy && platform ? applyPolicyPatch(defaultPolicy(limitsFor(platform)), input.policy, platform, issues, ['input', 'policy']) : null;
  issues.throwIfAny();
  // Refused before the network is asked when the plan is full already; the locked count below is what decides.
  await refuseOverPlan(deps.pool, workspaceId, 'channels', 1, { lock: false });
  const connected = await connectAccount(deps, platform!, credentials, ['input', 'credentials']);
  const id = await transaction(deps.pool, async (client) => {
    await refuseOverPlan(client, workspaceId, 'channels', 1);
    return insertChannel(client, { workspaceId, platform: platform!, name: input.name!.trim(), timezone: input.timezone ?? 'UTC', ...connected, policy });
  });
  // No transaction to share: the channel row is one statement, so the event follows it.
  await recordAudit(deps.pool, { actor: auth, action: 'channel.connected', target: { type: 'channel', id }, details: { platform, accountHandle: connected.accountHandle } });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id } });
}

export async function updateChannel(deps: ServiceDeps, auth: Actor, id: string, input: ChannelInput): Promise<Channel> {
  const channel = await findChannel(deps, auth.workspaceId, id);
  const issues = new Issues();
  checkNameAndZone(issues, input, false);
  const credentials = input.credentials != null ? parseCredentials(deps, issues, channel.platform, input.credentials) : null;
  issues.throwIfAny();
  const connected = credentials ? await connectAccount(deps, channel.platform, keepRefreshToken(deps, channel, credentials), ['input', 'credentials']) : null;
  await transaction(deps.pool, async (client) => {
    await updateChannelRow(client, id, { ...(input.name != null && { name: input.name.trim() }), ...(input.timezone != null && { timezone: input.timezone }), ...connected });
    if (connected && channel.needsReconnect) await requeueHeldDeliveries(client, id);
    if (connected) await recordAudit(client, { actor: auth, action: 'channel.reconnected', target: { type: 'channel', id }, details: { accountHandle: connected.accountHandle } });
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id } });
}

/** Puts new credentials on an existing channel (a reconnect), releasing what waited for it. */
export async function reconnectChannel(deps: ServiceDeps, auth: Actor, channel: Channel, connected: ConnectedColumns): Promise<Channel> {
  await transaction(deps.pool, async (client) => {
    await updateChannelRow(client, channel.id, { ...connected });
    if (channel.needsReconnect) await requeueHeldDeliveries(client, channel.id);
    await recordAudit(client, { actor: auth, action: 'channel.reconnected', target: { type: 'channel', id: channel.id }, details: { accountHandle: connected.accountHandle } });
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id: channel.id } });
}

export async function setChannelPaused(deps: ServiceDeps, auth: Actor, id: string, paused: boolean): Promise<Channel> {
  await findChannel(deps, auth.workspaceId, id);
  await transaction(deps.pool, async (client) => {
    await updateChannelRow(client, id, { paused });
    // A paused channel's due deliveries are held (left SCHEDULED, not published); resuming queues them again.
    if (!paused) await requeueHeldDeliveries(client, id);
    await recordAudit(client, { actor: auth, action: paused ? 'channel.paused' : 'channel.resumed', target: { type: 'channel', id } });
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id } });
}

/** Removes the channel from use; its unpublished deliveries are cancelled, its published history is kept. */
export async function deleteChannel(deps: ServiceDeps, auth: Actor, id: string): Promise<Channel> {
  await findChannel(deps, auth.workspaceId, id);
  await transaction(deps.pool, async (client) => {
    await cancelChannelDeliveries(client, id);
    await updateChannelRow(client, id, { deletedAt: new Date(), paused: true });
    await recordAudit(client, { actor: auth, action: 'channel.deleted', target: { type: 'channel', id } });
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id } });
}

export async function findChannel(deps: Pick<ServiceDeps, 'prisma'>, workspaceId: string, id: string): Promise<Channel> {
  const channel = isUuid(id) ? await deps.prisma.channel.findFirst({ where: { id, workspaceId, deletedAt: null } }) : null;
  if (!channel) throw notFound('Channel', id);
  return channel;
}

function checkNameAndZone(issues: Issues, input: ChannelInput, required: boolean): void {
  if (required || input.name != null) {
    const name = input.name?.trim() ?? '';
    issues.check(name.length >= 1 && name.length <= 100, ['input', 'name'], 'length', 'name must be 1 to 100 characters');
  }
  if (input.timezone != null) {
    issues.check(isValidTimezone(input.timezone), ['input', 'timezone'], 'timezone', `"${input.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  }
}

/** Checks the credentials' shape, adding to the other issues of the input so a client sees every problem at once. */
export function parseCredentials(deps: ServiceDeps, issues: Issues, platform: PlatformName, rawCredentials: unknown): unknown {
  const parsed = deps.providers.get(platform).credentialsSchema.safeParse(rawCredentials ?? {});
  if (!parsed.success) issues.fromZod(['input', 'credentials'], parsed.error);
  return parsed.data;
}

/** The channel columns a connected account sets: who it is, its sealed credentials, when they expire, its app. */
export interface ConnectedColumns {
  accountHandle: string;
  settings: object;
  credentialsEncrypted: string;
  credentialsExpireAt: Date | null;
  appKey: string | null;
  needsReconnect: false;
  authError: null;
}

/** An account the network accepted: who it is, and the credentials to store (the network may have completed them). */
export interface CheckedAccount {
  accountHandle: string;
  settings: object;
  credentials: unknown;
}

/** Checks credentials with the network; a refusal is reported under `path` with the network's reason. */
export async function checkAccount(deps: ServiceDeps, platform: PlatformName, credentials: unknown, path: (string | number)[]): Promise<CheckedAccount> {
  const provider = deps.providers.get(platform);
  await refuseUserUrls(deps, provider, credentials, path);
  try {
    const account = await provider.connect(credentials);
    return { accountHandle: account.accountHandle, settings: account.settings as object, credentials: account.credentials ?? credentials };
  } catch (error) {
    const failure = provider.classifyFailure(error);
    // A redirect (or a name that changed its address since) can still lead a connect call somewhere refused.
    const rule = failure.errorClass === 'OUTBOUND_REFUSED' ? 'outbound' : 'connect';
    throw ValidationError.single(path, rule, `Could not connect to ${platform} with these credentials: ${failure.message}`);
  }
}

/** The URLs a user chose, checked against the outbound policy before the network is called, each under its field. */
async function refuseUserUrls(deps: ServiceDeps, provider: Provider, credentials: unknown, path: (string | number)[]): Promise<void> {
  const issues = new Issues();
  for (const { field, url } of provider.userUrls?.(credentials) ?? []) {
    const refused = await deps.providers.outboundFor(provider.platform).check(url);
    if (refused) issues.add([...path, field], 'outbound', refused.message);
  }
  issues.throwIfAny();
}

export function connectedColumns(deps: ServiceDeps, platform: PlatformName, checked: CheckedAccount): ConnectedColumns {
  const provider = deps.providers.get(platform);
  return {
    accountHandle: checked.accountHandle,
    settings: checked.settings,
    credentialsEncrypted: deps.secrets.seal(JSON.stringify(checked.credentials)),
    credentialsExpireAt: provider.credentialsExpireAt?.(checked.credentials) ?? null,
    appKey: provider.appKey?.(checked.credentials) ?? null,
    needsReconnect: false,
    authError: null,
  };
}

async function connectAccount(deps: ServiceDeps, platform: PlatformName, credentials: unknown, path: (string | number)[]): Promise<ConnectedColumns> {
  return connectedColumns(deps, platform, await checkAccount(deps, platform, credentials, path));
}

/**
 * Reconnecting must not lose the refresh token: some platforms send one only on the first consent, and a scheduler
 * that dropped it made people reconnect every day.
 */
export function keepRefreshToken(deps: Pick<ServiceDeps, 'secrets'>, channel: Pick<Channel, 'credentialsEncrypted'>, credentials: unknown): unknown {
  if (!credentials || typeof credentials !== 'object' || (credentials as { refreshToken?: unknown }).refreshToken) return credentials;
  try {
    const previous = JSON.parse(deps.secrets.open(channel.credentialsEncrypted)) as { refreshToken?: unknown };
    return typeof previous.refreshToken === 'string' ? { ...credentials, refreshToken: previous.refreshToken } : credentials;
  } catch {
    return credentials;
  }
}

export async function updateChannelPolicy(deps: ServiceDeps, auth: Actor, channelId: string, patch: PolicyPatch): Promise<Channel> {
  const channel = await findChannel(deps, auth.workspaceId, channelId);
  const issues = new Issues();
  const policy = applyPolicyPatch(policyOf(channel), patch, channel.platform, issues, ['policy']);
  issues.throwIfAny();
  await transaction(deps.pool, async (client) => {
    await updateChannelRow(client, channelId, { policy });
    // Pending deliveries may fit now; scheduled ones are checked again when they fall due.
    await requestSmartSchedule(client);
    await recordAudit(client, {
      actor: auth,
      action: 'channel.policy_updated',
      target: { type: 'channel', id: channelId },
      details: { fields: Object.entries(patch).flatMap(([field, value]) => (value === undefined ? [] : [field])) },
    });
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id: channelId } });
}

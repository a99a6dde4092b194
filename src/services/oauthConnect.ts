// Connecting an account through the network's own authorization page (OAuth 2.0 authorization code with PKCE):
//   start:  the state and PKCE verifier are kept server-side (sealed), the client gets the URL to send the user to;
//   finish: the state is consumed once, the code exchanged, the account checked, and a channel created, or the
//           existing channel for that account reconnected (keeping its refresh token, releasing held deliveries).
import { recordAudit } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';
import { randomBytes } from 'node:crypto';
import type { Channel } from '../generated/prisma/client.js';
import { ValidationError } from '../domain/errors.js';
import { pkcePair } from '../integrations/oauth.js';
import type { OAuthApp, PlatformName, Provider } from '../integrations/types.js';
import { insertChannel } from '../store/channels.js';
import { insertOAuthState, takeOAuthState } from '../store/connections.js';
import { transaction } from '../store/sql.js';
import { refuseOverPlan } from './plans.js';
import { checkAccount, connectedColumns, findChannel, keepRefreshToken, reconnectChannel } from './channels.js';
import type { ServiceDeps } from './deps.js';
import { forgetRegisteredApp, isUnknownClient, registeredApp } from './registeredApps.js';
import { Issues, isHttpUrl, isUuid, isValidTimezone } from './validation.js';

/** How long a user has to approve on the network's page. */
export const OAUTH_STATE_TTL_MS = 15 * 60_000;

export interface ConnectStartInput {
  platform: PlatformName;
  /** Where the network sends the user back, with ?code&state: your app's page, which then calls connectChannelFinish. */
  redirectUri: string;
  name?: string | null;
  timezone?: string | null;
  /** The user's server, for networks without a central one (Mastodon). */
  instanceUrl?: string | null;
  /** The channel's own app at the network, instead of the operator's (X limits per app). */
  app?: { clientId: string; clientSecret?: string | null } | null;
  /** Which account to post as when one login reaches several: { pageId }, { organizationId }, { boardId }... */
  account?: Record<string, unknown> | null;
  /** Reconnect this channel instead of creating one. */
  channelId?: string | null;
}

export interface ConnectStart {
  authorizeUrl: string;
  state: string;
  expiresAt: Date;
}

interface StoredSecrets {
  verifier: string;
  app: OAuthApp;
  ownApp: boolean;
  /** The app came from registered_oauth_apps (Mastodon), to forget if the server no longer knows it. */
  registered?: boolean;
}

interface StoredRequest {
  name: string | null;
  timezone: string | null;
  instanceUrl: string | null;
  account: Record<string, unknown>;
  channelId: string | null;
}

function oauthProvider(deps: ServiceDeps, issues: Issues, platform: PlatformName | null | undefined): Provider | null {
  if (!platform || !deps.providers.platforms().includes(platform)) {
    issues.add(['input', 'platform'], 'oneOf', `platform must be one of ${deps.providers.platforms().join(', ')}`);
    return null;
  }
  const provider = deps.providers.get(platform);
  if (!provider.oauth) {
    const withOAuth = deps.providers.platforms().filter((p) => deps.providers.get(p).oauth);
    issues.add(['input', 'platform'], 'oauth', `${platform} is not connected through an authorization page: use createChannel with credentials (OAuth: ${withOAuth.join(', ')})`);
    return null;
  }
  return provider;
}

export async function connectChannelStart(deps: ServiceDeps, workspaceId: string, input: ConnectStartInput): Promise<ConnectStart> {
  const issues = new Issues();
  const provider = oauthProvider(deps, issues, input.platform);
  issues.check(isHttpUrl(input.redirectUri), ['input', 'redirectUri'], 'url', 'redirectUri must be an http(s) URL registered with the network');
  if (input.name != null) {
    const name = input.name.trim();
    issues.check(name.length >= 1 && name.length <= 100, ['input', 'name'], 'length', 'name must be 1 to 100 characters');
  }
  if (input.timezone != null) {
    issues.check(isValidTimezone(input.timezone), ['input', 'timezone'], 'timezone', `"${input.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  }
  const oauth = provider?.oauth;
  if (oauth?.needsInstanceUrl) {
    issues.check(
      input.instanceUrl != null && isHttpUrl(input.instanceUrl),
      ['input', 'instanceUrl'],
      'required',
      `${input.platform} needs the URL of your server, e.g. https://mastodon.social`,
    );
  }
  if (input.app) issues.check(input.app.clientId.trim() !== '', ['input', 'app', 'clientId'], 'required', 'clientId must not be empty');
  if (oauth && !oauth.needsInstanceUrl && !input.app && !oauth.configuredApp()) {
    issues.add(['input', 'app'], 'required', `No ${input.platform} app is configured on this server (${input.platform}_CLIENT_ID): give the channel's own app as input.app`);
  }
  let reconnecting: Channel | null = null;
  if (input.channelId != null) {
    reconnecting = isUuid(input.channelId) ? await deps.prisma.channel.findFirst({ where: { id: input.channelId, workspaceId, deletedAt: null } }) : null;
    issues.check(reconnecting !== null, ['input', 'channelId'], 'exists', `channel ${input.channelId} does not exist in this workspace`);
    if (reconnecting)
      issues.check(
        reconnecting.platform === input.platform,
        ['input', 'channelId'],
        'platform',
        `channel ${input.channelId} is a ${reconnecting.platform} channel, not ${input.platform}`,
      );
  }
  issues.throwIfAny();
  // The user's server is called (its app registered, later its token endpoint): refused before any of that.
  const refused = oauth?.needsInstanceUrl ? await deps.providers.outboundFor(input.platform).check(input.instanceUrl!) : null;
  if (refused) throw ValidationError.single(['input', 'instanceUrl'], 'outbound', refused.message);

  const instanceUrl = input.instanceUrl?.replace(/\/+$/, '') ?? null;
  let app: OAuthApp;
  if (input.app) app = { clientId: input.app.clientId.trim(), clientSecret: input.app.clientSecret ?? null };
  else if (oauth!.registerApp) app = await registeredApp(deps, provider!, { platform: input.platform, instanceUrl: instanceUrl!, redirectUri: input.redirectUri });
  else app = oauth!.configuredApp()!;

  const { verifier, challenge } = pkcePair();
  const state = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + OAUTH_STATE_TTL_MS);
  const secrets: StoredSecrets = { verifier, app, ownApp: input.app != null, registered: !input.app && oauth!.registerApp !== undefined };
  const request: StoredRequest = {
    name: input.name?.trim() ?? null,
    timezone: input.timezone ?? null,
    instanceUrl,
    account: input.account ?? {},
    channelId: reconnecting?.id ?? null,
  };
  await insertOAuthState(deps.pool, {
    state,
    workspaceId,
    platform: input.platform,
    redirectUri: input.redirectUri,
    secretsSealed: deps.secrets.seal(JSON.stringify(secrets)),
    request,
    expiresAt,
  });
  const authorizeUrl = oauth!.authorizeUrl({ app, redirectUri: input.redirectUri, state, codeChallenge: challenge, instanceUrl, account: request.account });
  return { authorizeUrl, state, expiresAt };
}

/** `account` adds what the network put in the redirect beside the code (VK ID's device_id) to the account chosen at start. */
export async function connectChannelFinish(deps: ServiceDeps, auth: Actor, state: string, code: string, account: Record<string, unknown> = {}): Promise<Channel> {
  const { workspaceId } = auth;
  const issues = new Issues();
  issues.check(typeof code === 'string' && code !== '', ['code'], 'required', 'code must be the code the network added to the redirect');
  issues.throwIfAny();
  // Consumed whatever happens next: a state is good for one try, as the authorization code is.
  const taken = await takeOAuthState<StoredRequest>(deps.pool, state, workspaceId);
  const row = taken && { ...taken, platform: taken.platform as PlatformName };
  if (!row) throw ValidationError.single(['state'], 'unknown', 'This connection was never started here, or was already finished: start again with connectChannelStart');
  if (row.expired) throw ValidationError.single(['state'], 'expired', 'This connection took too long to approve: start again with connectChannelStart');

  const provider = deps.providers.get(row.platform);
  const secrets = JSON.parse(deps.secrets.open(row.secrets_sealed)) as StoredSecrets;
  const request = row.request;
  let credentials: unknown;
  try {
    credentials = await provider.oauth!.finish({
      app: secrets.app,
      redirectUri: row.redirect_uri,
      code,
      codeVerifier: secrets.verifier,
      instanceUrl: request.instanceUrl,
      account: { ...request.account, ...account },
      ownApp: secrets.ownApp,
    });
  } catch (error) {
    const failure = provider.classifyFailure(error);
    if (secrets.registered && request.instanceUrl && isUnknownClient(failure)) {
      await forgetRegisteredApp(deps, { platform: row.platform, instanceUrl: request.instanceUrl, redirectUri: row.redirect_uri }, secrets.app.clientId);
      throw ValidationError.single(
        ['code'],
        'exchange',
        `${row.platform} no longer knows PostFlow's app on ${request.instanceUrl} (${failure.message}): start again with connectChannelStart, which registers a new one`,
      );
    }
    throw ValidationError.single(['code'], 'exchange', `${row.platform} refused the authorization: ${failure.message}`);
  }
  const parsed = provider.credentialsSchema.safeParse(credentials);
  if (!parsed.success) throw new Error(`${row.platform} finish() returned credentials its own schema refuses: ${parsed.error.message}`);

  const checked = await checkAccount(deps, row.platform, parsed.data, ['code']);
  // The same account connected again is a reconnect of its channel, not a second channel posting twice.
  const target = request.channelId
    ? await findChannel(deps, workspaceId, request.channelId)
    : await deps.prisma.channel.findFirst({ where: { workspaceId, platform: row.platform, accountHandle: checked.accountHandle, deletedAt: null }, orderBy: { createdAt: 'asc' } });
  if (target) {
    return reconnectChannel(deps, auth, target, connectedColumns(deps, row.platform, { ...checked, credentials: keepRefreshToken(deps, target, checked.credentials) }));
  }
  // Only a new channel counts against the plan: a reconnect (above) never does.
  const id = await transaction(deps.pool, async (client) => {
    await refuseOverPlan(client, workspaceId, 'channels', 1);
    return insertChannel(client, {
      workspaceId,
      platform: row.platform,
      name: request.name ?? checked.accountHandle.slice(0, 100),
      timezone: request.timezone ?? 'UTC',
      ...connectedColumns(deps, row.platform, checked),
      policy: null,
    });
  });
  await recordAudit(deps.pool, {
    actor: auth,
    action: 'channel.connected',
    target: { type: 'channel', id },
    details: { platform: row.platform, accountHandle: checked.accountHandle },
  });
  return deps.prisma.channel.findUniqueOrThrow({ where: { id } });
}

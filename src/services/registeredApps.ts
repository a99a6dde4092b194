// PostFlow's app on servers where every server registers its own apps (Mastodon). Registering on each connect would
// leave one app per connection in the server's admin list and run into its registration rate limit, so an app is
// registered once per server and redirect URI and reused from then on, by every workspace: the app identifies
// PostFlow, not a user. A server that has since forgotten the app answers invalid_client; the app is then dropped
// here, and the next connect registers a new one.
import { ValidationError } from '../domain/errors.js';
import type { ClassifiedFailure, OAuthApp, PlatformName, Provider } from '../integrations/types.js';
import { deleteRegisteredApp, insertRegisteredApp } from '../store/connections.js';
import type { ServiceDeps } from './deps.js';

interface AppKey {
  platform: PlatformName;
  instanceUrl: string;
  redirectUri: string;
}

/** One spelling per server: the URL parser lowercases the host and drops a default port; trailing slashes go too. */
export function instanceKey(instanceUrl: string): string {
  const url = new URL(instanceUrl);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export async function registeredApp(deps: ServiceDeps, provider: Provider, key: AppKey): Promise<OAuthApp> {
  const where = { platform: key.platform, instanceUrl: instanceKey(key.instanceUrl), redirectUri: key.redirectUri };
  const stored = async () => {
    const row = await deps.prisma.registeredOAuthApp.findUnique({ where: { platform_instanceUrl_redirectUri: where } });
    return row && { clientId: row.clientId, clientSecret: row.clientSecretSealed ? deps.secrets.open(row.clientSecretSealed) : null };
  };
  const known = await stored();
  if (known) return known;

  let app: OAuthApp;
  try {
    app = await provider.oauth!.registerApp!(key.instanceUrl, key.redirectUri);
  } catch (error) {
    const failure = provider.classifyFailure(error);
    const rule = failure.errorClass === 'OUTBOUND_REFUSED' ? 'outbound' : 'connect';
    throw ValidationError.single(['input', 'instanceUrl'], rule, `Could not register PostFlow on ${key.instanceUrl}: ${failure.message}`);
  }
  // Two connects racing on a new server both register; the first app stored is the one both use from now on.
  await insertRegisteredApp(deps.pool, where, { clientId: app.clientId, clientSecretSealed: app.clientSecret ? deps.secrets.seal(app.clientSecret) : null });
  return (await stored()) ?? app;
}

/** The token endpoint does not know this client (RFC 6749 invalid_client, 401): the server no longer has our app. */
export function isUnknownClient(failure: ClassifiedFailure): boolean {
  return failure.kind === 'AUTH' && failure.responseCode === 401;
}

/** Only this app: a newer registration stored meanwhile is kept. */
export async function forgetRegisteredApp(deps: ServiceDeps, key: AppKey, clientId: string): Promise<void> {
  await deleteRegisteredApp(deps.pool, { platform: key.platform, instanceUrl: instanceKey(key.instanceUrl), redirectUri: key.redirectUri }, clientId);
}

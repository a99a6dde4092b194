// Connecting through a network's authorization page. The network sends the person back to a real path,
// <origin>/admin/connect/callback?code&state (the server serves the console's index.html there); this module, loaded
// with the app, takes code and state out of the address at once (so they stay neither in the address bar nor in
// the history) and moves to #/channels, where the list finishes the connection (connectChannelFinish) once.
import { gql } from '../../graphql';
import { CHANNEL_FIELDS, type ChannelRecord } from '../../dataProvider/channels';

const CALLBACK = /\/connect\/callback\/?$/;

export interface OAuthReturn {
  code: string | null;
  state: string | null;
  /** The network's own refusal (?error=access_denied&error_description=...). */
  error: string | null;
  /** What else the network put in the redirect (VK ID's device_id), for connectChannelFinish's account. */
  account: Record<string, string>;
}

/** The console's base (/admin/), from where it is loaded. */
function consoleBase(): string {
  return window.location.pathname.replace(CALLBACK, '/').replace(/[^/]*$/, '');
}

/** Where the network sends the person back: the same for start and finish (the server compares them). */
export function redirectUri(): string {
  return `${window.location.origin}${consoleBase()}connect/callback`;
}

function takeReturn(): OAuthReturn | null {
  if (typeof window === 'undefined' || !CALLBACK.test(window.location.pathname)) return null;
  const query = new URLSearchParams(window.location.search);
  const taken: OAuthReturn = {
    code: query.get('code'),
    state: query.get('state'),
    error: query.get('error_description') ?? query.get('error'),
    account: query.get('device_id') ? { deviceId: query.get('device_id')! } : {},
  };
  window.history.replaceState(null, '', `${consoleBase()}#/channels`);
  return taken;
}

/** Read once, when the app loads (before the router reads the address). */
const pending: OAuthReturn | null = takeReturn();
let finishing: Promise<ChannelRecord> | null = null;

export function pendingReturn(): OAuthReturn | null {
  return pending;
}

/** connectChannelFinish for the return the page was loaded with: called once, whatever renders twice. */
export function finishPendingConnection(): Promise<ChannelRecord> {
  if (!finishing) {
    const { code, state, error, account } = pending!;
    finishing =
      error || !code || !state
        ? Promise.reject(new Error(error ?? 'the network sent no code back'))
        : gql<{ connectChannelFinish: ChannelRecord }>(
            `mutation ConnectFinish($state: String!, $code: String!, $account: JSON) { connectChannelFinish(state: $state, code: $code, account: $account) { ${CHANNEL_FIELDS} } }`,
            { state, code, account: Object.keys(account).length ? account : null },
          ).then((data) => data.connectChannelFinish);
  }
  return finishing;
}

export interface ConnectStartInput {
  platform: string;
  channelId?: string;
  instanceUrl?: string;
  name?: string;
  timezone?: string;
  app?: { clientId: string; clientSecret?: string };
  account?: Record<string, unknown>;
}

/** connectChannelStart, then off to the network's page. */
export async function startConnection(input: ConnectStartInput): Promise<void> {
  const data = await gql<{ connectChannelStart: { authorizeUrl: string } }>(
    'mutation ConnectStart($input: ConnectChannelStartInput!) { connectChannelStart(input: $input) { authorizeUrl state expiresAt } }',
    { input: { ...input, redirectUri: redirectUri() } },
  );
  window.location.assign(data.connectChannelStart.authorizeUrl);
}

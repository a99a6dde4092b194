// Threads (graph.threads.net): a container (TEXT, IMAGE, or a CAROUSEL of IMAGE items) then threads_publish. Threads
// fetches images from their URLs itself. A container publishes once, so a retry with the checkpointed container
// cannot post twice (see publishThroughContainer). Tokens: a short-lived token from the code, exchanged for a
// long-lived one (60 days) that can be refreshed while it is still valid and at least 24 h old.
// Sources: developers.facebook.com/docs/threads/posts, .../threads/get-started/get-access-tokens-and-permissions,
// .../threads/get-started/long-lived-tokens, .../threads/troubleshooting.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { classifyGraphFailure, graphGet, graphPost, idOf, type GraphCall } from './metaGraph.js';
import { containerPublishResult, containerStatusOf, publishThroughContainer, type ContainerSteps, type ContainerTuning } from './metaContainers.js';
import {
  classifyTokenFailure,
  codeFlowUrl,
  configuredApp,
  credentialsFromTokens,
  exchangeCode,
  expiryOf,
  oauthCredentialFields,
  platformSettings,
  renewed,
  tokenByGet,
  type TokenSet,
} from './oauth.js';
import type {
  ChannelAccess,
  ChannelSettings,
  ClassifiedFailure,
  ConnectedAccount,
  ContentVerdict,
  PostContent,
  Provider,
  ProviderOptions,
  PublishRequest,
  PublishResult,
} from './types.js';

export const threadsCredentialsSchema = z.object({
  threadsUserId: z.string().regex(/^\d+$/, 'threadsUserId must be the numeric Threads user id (GET /me?fields=id)'),
  ...oauthCredentialFields,
});

export type ThreadsCredentials = z.infer<typeof threadsCredentialsSchema>;

export const THREADS_API_VERSION = 'v1.0';
export const THREADS_SCOPES = ['threads_basic', 'threads_content_publish'];

export function createThreadsProvider(options: ProviderOptions, tuning: ContainerTuning = {}): Provider<ThreadsCredentials> {
  // The authorization window moved to threads.com; threads.net still redirects there.
  const settings = platformSettings(options, 'THREADS', { apiUrl: 'https://graph.threads.net', authUrl: 'https://threads.net' });
  const base = `${settings.apiUrl}/${THREADS_API_VERSION}`;
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const call = (credentials: ThreadsCredentials, label: string): GraphCall => ({ base, accessToken: credentials.accessToken, timeoutMs, outbound, label });

  /** GET {apiUrl}/access_token (th_exchange_token) and /refresh_access_token (th_refresh_token) take query parameters. */
  async function tokenGet(path: string, params: Record<string, string>, operation: string): Promise<TokenSet> {
    return tokenByGet(`${settings.apiUrl}${path}?${new URLSearchParams(params)}`, operation, timeoutMs, outbound);
  }

  function steps(request: PublishRequest, credentials: ThreadsCredentials): ContainerSteps {
    const user = encodeURIComponent(credentials.threadsUserId);
    const createContainer = async (params: Record<string, string | boolean>) =>
      idOf((await graphPost(call(credentials, '/{threads-user-id}/threads'), `/${user}/threads`, params)).body, 'POST /{threads-user-id}/threads');
    return {
      label: 'Threads',
      pollIntervalMs: tuning.containerPollIntervalMs ?? 3000,
      pollAttempts: tuning.containerPollAttempts ?? 20,
      async readStatus(containerId) {
        const res = await graphGet<{ status?: unknown; error_message?: unknown } | null>(call(credentials, '/{threads-container-id}'), `/${encodeURIComponent(containerId)}`, {
          fields: 'status,error_message',
        });
        return { status: containerStatusOf(res.body?.status), detail: typeof res.body?.error_message === 'string' ? res.body.error_message : null };
      },
      async create() {
        const [first, ...rest] = request.mediaUrls;
        if (first === undefined) return createContainer({ media_type: 'TEXT', text: request.text });
        if (rest.length === 0) return createContainer({ media_type: 'IMAGE', image_url: first, text: request.text });
        const children: string[] = [];
        for (const url of request.mediaUrls) children.push(await createContainer({ media_type: 'IMAGE', image_url: url, is_carousel_item: true }));
        return createContainer({ media_type: 'CAROUSEL', children: children.join(','), text: request.text });
      },
      async publish(containerId) {
        const res = await graphPost(call(credentials, '/{threads-user-id}/threads_publish'), `/${user}/threads_publish`, { creation_id: containerId });
        return { id: idOf(res.body, 'POST /{threads-user-id}/threads_publish'), headers: res.headers };
      },
      async findPublished(since) {
        const res = await graphGet<{ data?: { id?: unknown; text?: unknown; timestamp?: unknown }[] } | null>(call(credentials, '/{threads-user-id}/threads'), `/${user}/threads`, {
          fields: 'id,text,timestamp',
          limit: 25,
        });
        const match = (res.body?.data ?? []).find((m) => (m.text ?? '') === request.text && Date.parse(String(m.timestamp)) >= since.getTime());
        return match?.id === undefined ? null : String(match.id);
      },
    };
  }

  return {
    platform: 'THREADS',
    idempotent: true,
    credentialsSchema: threadsCredentialsSchema,

    async connect(credentials: ThreadsCredentials): Promise<ConnectedAccount<ThreadsCredentials>> {
      const res = await graphGet<{ id?: unknown; username?: unknown } | null>(call(credentials, '/me'), '/me', { fields: 'id,username' });
      const username = typeof res.body?.username === 'string' ? res.body.username : '';
      if (username === '') throw new Error('GET /me answered without a username');
      const id = res.body?.id === undefined ? credentials.threadsUserId : String(res.body.id);
      // The token decides whose account this is; a mistyped threadsUserId is corrected rather than refused.
      return {
        accountHandle: `@${username}`,
        settings: { threadsUserId: id, username },
        ...(id !== credentials.threadsUserId && { credentials: { ...credentials, threadsUserId: id } }),
      };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('THREADS', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<ThreadsCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const outcome = await publishThroughContainer(request, steps(request, credentials));
      return containerPublishResult(outcome, call(credentials, '/{threads-media-id}'));
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      return classifyGraphFailure(error, { label: 'Threads', idempotent: true });
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      // PKCE is sent as for any OAuth 2.0 server; Threads' docs do not mention it (unverified that it is checked).
      authorizeUrl: (request) => codeFlowUrl(`${settings.authUrl}/oauth/authorize`, request, THREADS_SCOPES.join(',')),
      async finish(request) {
        const short = await exchangeCode(
          { tokenUrl: `${settings.apiUrl}/oauth/access_token`, clientAuth: 'body', timeoutMs, outbound, operation: 'POST /oauth/access_token' },
          request,
        );
        const long = await tokenGet(
          '/access_token',
          { grant_type: 'th_exchange_token', client_secret: request.app.clientSecret ?? '', access_token: short.accessToken },
          'GET /access_token (th_exchange_token)',
        );
        // The token answer's user_id is a JSON number of 17 digits or so, past what a double holds exactly: the id
        // comes from /me, where the Graph API gives it as a string.
        const me = await graphGet<{ id?: unknown } | null>({ base, accessToken: long.accessToken, timeoutMs, outbound, label: '/me' }, '/me', { fields: 'id' }).catch(
          (error: unknown) => {
            throw classifyTokenFailure(error);
          },
        );
        // The long-lived token renews itself: there is no refresh token to keep.
        return { threadsUserId: String(me.body?.id ?? ''), ...credentialsFromTokens({ ...long, refreshToken: null }, request.app, request.ownApp) };
      },
    },

    /** The long-lived token renews itself (no refresh token); it must still be valid, so this runs ahead of expiry. */
    async refresh(credentials: ThreadsCredentials): Promise<ThreadsCredentials> {
      const tokens = await tokenGet('/refresh_access_token', { grant_type: 'th_refresh_token', access_token: credentials.accessToken }, 'GET /refresh_access_token');
      return renewed(credentials, tokens);
    },

    credentialsExpireAt: (credentials) => expiryOf(credentials),
    // Threads renews only a token that is still valid: a week's margin rides out an outage of the renewal.
    renewAheadMs: 7 * 86_400_000,
  };
}

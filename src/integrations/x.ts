// X (Twitter API v2) with OAuth 2.0 user tokens. A post is POST /2/tweets; a text split by "---" lines is a thread,
// posted as a reply chain and checkpointed tweet by tweet so a retry continues after the last part that went out.
// X has no idempotency key: an answer lost after sending is UNKNOWN. Limits are counted per user (x-rate-limit-*,
// x-user-limit-24hour-*) and per app (x-app-limit-24hour-*), so every channel on one app shares the app's budget.
import { z } from 'zod';
import { checkContentRules, threadParts } from './contentRules.js';
import { ClassifiedError, HttpFailure, classifyFailure, downloadMedia, failedBeforePosting, httpRequest, parseRetryAfter } from './http.js';
import {
  appFor,
  codeFlowUrl,
  configuredApp,
  credentialsFromTokens,
  exchangeCode,
  expiryOf,
  oauthCredentialFields,
  platformSettings,
  refreshGrantFor,
  refreshWithGrant,
  type TokenEndpoint,
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
  RateLimitHint,
  RateLimitScope,
} from './types.js';

export const X_API_URL = 'https://api.x.com';
export const X_AUTH_URL = 'https://x.com';
/** offline.access is what makes X return a refresh token; media.write is needed by POST /2/media/upload. */
export const X_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];

export const xCredentialsSchema = z.object({ ...oauthCredentialFields });

export type XCredentials = z.infer<typeof xCredentialsSchema>;

interface ThreadProgress {
  /** Ids of the thread's tweets already published, in order. */
  tweetIds: string[];
}

/** X's error sentence: the first of errors[].message (it names the bad field), a v2 problem's detail, an OAuth error_description, or the title. */
export function xErrorMessage(body: unknown): string | null {
  if (typeof body === 'string') return body.trim() === '' ? null : body.trim().slice(0, 500);
  if (!body || typeof body !== 'object') return null;
  const record = body as Record<string, unknown>;
  const errors = Array.isArray(record.errors) ? (record.errors as { message?: unknown }[]) : [];
  const firstError = errors.map((e) => e?.message).find((m): m is string => typeof m === 'string' && m !== '');
  for (const candidate of [firstError, record.detail, record.error_description, record.error, record.title]) {
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return null;
}

function problemType(body: unknown): string {
  const type = (body as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : '';
}

/** An epoch-seconds reset header as a Date; null when absent or unreadable. */
function resetAt(headers: Headers, name: string): Date | null {
  const seconds = Number(headers.get(name));
  return headers.get(name) !== null && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}

const LIMIT_HEADERS: { prefix: string; scope: RateLimitScope }[] = [
  { prefix: 'x-app-limit-24hour', scope: 'APP' },
  // Seen on POST /2/tweets next to the 15-minute window (documented by X's SDKs, not the API reference: unverified).
  { prefix: 'x-user-limit-24hour', scope: 'ACCOUNT' },
  { prefix: 'x-rate-limit', scope: 'ACCOUNT' },
];

/** The limits an answer says are used up, app first (it is the one shared by every channel). */
export function exhaustedLimits(headers: Headers): RateLimitHint[] {
  const hints: RateLimitHint[] = [];
  for (const { prefix, scope } of LIMIT_HEADERS) {
    const until = resetAt(headers, `${prefix}-reset`);
    if (headers.get(`${prefix}-remaining`) === '0' && until) hints.push({ scope, until });
  }
  return hints;
}

function mergeHints(into: RateLimitHint[], more: RateLimitHint[]): RateLimitHint[] {
  const byScope = new Map(into.map((h) => [h.scope, h]));
  for (const hint of more) {
    const seen = byScope.get(hint.scope);
    if (!seen || hint.until > seen.until) byScope.set(hint.scope, hint);
  }
  return [...byScope.values()];
}

export function createXProvider(options: ProviderOptions): Provider<XCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const settings = platformSettings(options, 'X', { apiUrl: X_API_URL, authUrl: X_AUTH_URL });
  // Confidential clients authenticate with HTTP Basic; public ones (no secret) send client_id in the form.
  const tokenEndpoint: TokenEndpoint = { tokenUrl: `${settings.apiUrl}/2/oauth2/token`, clientAuth: 'basic', timeoutMs, outbound, operation: 'POST /2/oauth2/token' };

  function call<T>(credentials: XCredentials, method: 'GET' | 'POST', path: string, extras: { json?: unknown; body?: FormData } = {}) {
    return httpRequest<T>({
      method,
      url: `${settings.apiUrl}${path}`,
      operation: `${method} ${path}`,
      timeoutMs,
      outbound,
      headers: { Authorization: `Bearer ${credentials.accessToken}` },
      json: extras.json,
      body: extras.body,
    });
  }

  async function uploadImage(credentials: XCredentials, mediaUrl: string): Promise<string> {
    const blob = await downloadMedia(mediaUrl, timeoutMs, outbound);
    if (blob.type.startsWith('video/')) {
      throw new ClassifiedError({
        kind: 'PERMANENT',
        errorClass: 'X_VIDEO_UNSUPPORTED',
        message: `${mediaUrl} is a video: PostFlow publishes images only to X (videos need X's chunked upload)`,
        responseCode: null,
        retryAfterMs: null,
      });
    }
    // One-shot upload: the raw bytes in a multipart "media" field (docs.x.com, POST /2/media/upload).
    const form = new FormData();
    form.append('media', blob, new URL(mediaUrl).pathname.split('/').pop() || 'image');
    form.append('media_category', blob.type === 'image/gif' ? 'tweet_gif' : 'tweet_image');
    const res = await call<{ data?: { id?: unknown }; media_id_string?: unknown } | null>(credentials, 'POST', '/2/media/upload', { body: form });
    const id = res.body?.data?.id ?? res.body?.media_id_string;
    if (typeof id !== 'string' || id === '') throw new Error('POST /2/media/upload answered without a media id');
    return id;
  }

  function tweetUrl(channelSettings: ChannelSettings, id: string): string {
    const username = channelSettings.username;
    return typeof username === 'string' && username !== '' ? `https://x.com/${username}/status/${id}` : `https://x.com/i/web/status/${id}`;
  }

  const provider: Provider<XCredentials> = {
    platform: 'X',
    idempotent: false,
    credentialsSchema: xCredentialsSchema,

    async connect(credentials: XCredentials): Promise<ConnectedAccount<XCredentials>> {
      const me = await call<{ data?: { id?: unknown; username?: unknown } } | null>(credentials, 'GET', '/2/users/me');
      const userId = me.body?.data?.id;
      const username = me.body?.data?.username;
      if (typeof userId !== 'string' || typeof username !== 'string' || username === '') {
        throw new Error('GET /2/users/me answered without a user id and username');
      }
      return { accountHandle: `@${username}`, settings: { userId, username } };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('X', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<XCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const parts = threadParts(request.text);
      const saved = (request.progress as Partial<ThreadProgress> | null)?.tweetIds;
      const tweetIds = Array.isArray(saved) ? saved.filter((id): id is string => typeof id === 'string').slice(0, parts.length) : [];
      let rateLimits: RateLimitHint[] = [];
      let responseCode = 200;

      // Media belongs to the first tweet only; once it is out, a retry has no use for the images.
      let mediaIds: string[] = [];
      if (tweetIds.length === 0 && request.mediaUrls.length > 0) {
        try {
          for (const url of request.mediaUrls) mediaIds.push(await uploadImage(credentials, url));
        } catch (error) {
          failedBeforePosting(error);
        }
      }

      for (let index = tweetIds.length; index < parts.length; index += 1) {
        const previous = tweetIds[index - 1];
        const body: Record<string, unknown> = { text: parts[index] };
        if (mediaIds.length > 0) body.media = { media_ids: mediaIds };
        if (previous) body.reply = { in_reply_to_tweet_id: previous };
        let res;
        try {
          res = await call<{ data?: { id?: unknown } } | null>(credentials, 'POST', '/2/tweets', { json: body });
        } catch (error) {
          if (index === 0) throw error;
          // Say which part failed and that the earlier ones are out, whatever the failure is.
          const failure = provider.classifyFailure(error);
          throw new ClassifiedError(
            { ...failure, message: `${failure.message} (post ${index + 1} of the thread; posts 1-${index} are published, the first as ${tweetIds[0]})` },
            { cause: error },
          );
        }
        const id = res.body?.data?.id;
        if (typeof id !== 'string' || id === '') throw new Error('POST /2/tweets answered without a tweet id');
        tweetIds.push(id);
        mediaIds = [];
        responseCode = res.status;
        rateLimits = mergeHints(rateLimits, exhaustedLimits(res.headers));
        if (parts.length > 1) await request.checkpoint({ tweetIds: [...tweetIds] } satisfies ThreadProgress);
      }

      const first = tweetIds[0]!;
      return { externalId: first, externalUrl: tweetUrl(channel.settings, first), responseCode, ...(rateLimits.length > 0 && { rateLimits }) };
    },

    // GET /2/users/:id/tweets lists the account's own tweets, newest first; a thread is found by its first post.
    async findPublished(lookup, channel) {
      const userId = channel.settings.userId;
      if (typeof userId !== 'string' || userId === '') return null;
      const query = new URLSearchParams({ max_results: '100', start_time: new Date(lookup.since.getTime() - 60_000).toISOString(), 'tweet.fields': 'created_at' });
      const res = await call<{ data?: { id?: unknown; text?: unknown }[] } | null>(channel.credentials, 'GET', `/2/users/${encodeURIComponent(userId)}/tweets?${query}`);
      const first = threadParts(lookup.text)[0];
      const found = (res.body?.data ?? []).find((t) => t.text === first && typeof t.id === 'string');
      return found ? { externalId: found.id as string, externalUrl: tweetUrl(channel.settings, found.id as string), responseCode: res.status } : null;
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: false,
        platformMessage: (failure) => xErrorMessage(failure.body),
        // Retry-After is not sent by X; the reset headers say when the exhausted window ends.
        retryAfterMs: (failure) => {
          const [hint] = exhaustedLimits(failure.headers);
          const until = hint?.until ?? resetAt(failure.headers, 'x-rate-limit-reset');
          return until ? Math.max(0, until.getTime() - Date.now()) : null;
        },
        // An app-only token, a token without the needed scope, a suspended or locked account: only the user can fix
        // these (the wording for scopes and locks is unverified).
        forbiddenIsAuth: (failure) => problemType(failure.body).endsWith('/unsupported-authentication') || /scope|suspended|locked/i.test(xErrorMessage(failure.body) ?? ''),
        authMessage: (message) => `The X access token expired or was revoked: reconnect the channel${message ? ` (X: ${message})` : ''}`,
      });
      if (!(error instanceof HttpFailure)) return classified;
      if (classified.kind === 'RATE_LIMITED') {
        const [exhausted] = exhaustedLimits(error.headers);
        const scope = exhausted?.scope ?? 'ACCOUNT';
        const retryAfterMs = parseRetryAfter(error.headers.get('retry-after')) ?? classified.retryAfterMs;
        const message = scope === 'APP' ? `The X app's daily post limit is used up (shared by every channel on this app)` : classified.message;
        return { ...classified, retryAfterMs, rateLimitScope: scope, message };
      }
      if (error.status === 403 && /duplicate content/i.test(classified.message)) {
        return { ...classified, kind: 'PERMANENT', errorClass: 'X_DUPLICATE_CONTENT' };
      }
      return classified;
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      authorizeUrl: (request) => codeFlowUrl(`${settings.authUrl}/i/oauth2/authorize`, request, X_SCOPES.join(' ')),
      async finish(request) {
        return credentialsFromTokens(await exchangeCode(tokenEndpoint, request), request.app, request.ownApp);
      },
    },

    // X rotates refresh tokens: the answer's one replaces the old, which stops working.
    async refresh(credentials: XCredentials): Promise<XCredentials> {
      const grant = refreshGrantFor(credentials, settings, 'X', 'The X token has no refresh token (was offline.access granted?): reconnect the channel');
      return refreshWithGrant(tokenEndpoint, credentials, grant);
    },

    credentialsExpireAt: (credentials) => expiryOf(credentials),

    appKey(credentials: XCredentials): string | null {
      return `X:${appFor(credentials, settings)?.clientId ?? 'default'}`;
    },
  };
  return provider;
}

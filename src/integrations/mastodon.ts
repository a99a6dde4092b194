// Mastodon (any instance, REST API v1/v2). Statuses honour Idempotency-Key for an hour, which makes a
// retry after a lost answer safe: the instance returns the status it already created.
// There is no central server, so there is no operator app either: connecting registers PostFlow as an app on the
// user's instance (POST /api/v1/apps) and runs the OAuth code flow there. Access tokens do not expire and there
// are no refresh tokens; a revoked token needs a reconnect.
import { CONTENT_RULES, checkContentRules } from './contentRules.js';
import { z } from 'zod';
import { ClassifiedError, HttpFailure, classifyFailure, downloadMedia, genericPlatformMessage, httpRequest, sleep, trimSlash } from './http.js';
import { codeFlowUrl, exchangeCode } from './oauth.js';
import type {
  ChannelAccess,
  ChannelSettings,
  ClassifiedFailure,
  ConnectedAccount,
  ContentVerdict,
  OAuthApp,
  PostContent,
  Provider,
  ProviderOptions,
  PublishRequest,
  PublishResult,
  RateLimitHint,
} from './types.js';

export const mastodonCredentialsSchema = z.object({
  instanceUrl: z.url({ protocol: /^https?$/, error: 'instanceUrl must be an http(s) URL' }),
  accessToken: z.string().min(1, 'accessToken must not be empty'),
});

export type MastodonCredentials = z.infer<typeof mastodonCredentialsSchema>;

/** What PostFlow asks for: reading the account and instance, writing statuses and media. */
export const MASTODON_SCOPES = 'read write';
export const MASTODON_APP_NAME = 'PostFlow';

export interface MastodonTuning {
  /** Delay between polls of a media attachment the instance is still processing. */
  mediaPollIntervalMs?: number;
  /** Polls before giving up on a media attachment (the attempt is retried later; posting is idempotent). */
  mediaPollAttempts?: number;
  /** Shown on the instance's "authorized apps" page next to the app name (PostFlow's public URL). */
  appWebsite?: string;
}

interface InstanceLimits {
  maxCharacters: number;
  maxMediaAttachments: number;
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function statusesConfig(body: unknown): Record<string, unknown> {
  const configuration = (body as { configuration?: { statuses?: unknown } } | null)?.configuration;
  const statuses = configuration?.statuses;
  return statuses && typeof statuses === 'object' ? (statuses as Record<string, unknown>) : {};
}

/** The account's 5-minute window, when this answer used it up: later calls would get 429 until it resets. */
function usedUpLimit(headers: Headers): RateLimitHint[] {
  if (headers.get('x-ratelimit-remaining')?.trim() !== '0') return [];
  const reset = Date.parse(headers.get('x-ratelimit-reset') ?? '');
  return Number.isNaN(reset) ? [] : [{ scope: 'ACCOUNT', until: new Date(reset) }];
}

function instanceBase(instanceUrl: string | null): string {
  if (!instanceUrl) throw new Error('Mastodon needs the URL of the instance to connect to');
  return trimSlash(instanceUrl);
}

/** The instance's own sentence from a JSON error body; an HTML page (not Mastodon at all, a proxy) says nothing useful. */
function jsonMessage(body: unknown): string | null {
  return body && typeof body === 'object' ? genericPlatformMessage(body) : null;
}

export function createMastodonProvider(options: ProviderOptions, tuning: MastodonTuning = {}): Provider<MastodonCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const pollIntervalMs = tuning.mediaPollIntervalMs ?? 1000;
  const pollAttempts = tuning.mediaPollAttempts ?? 30;

  interface CallExtras {
    json?: unknown;
    body?: FormData;
    headers?: Record<string, string>;
    /** The path as shown in errors, when the real one carries an id. */
    label?: string;
  }

  function call<T>(credentials: MastodonCredentials, method: 'GET' | 'POST', path: string, extras: CallExtras = {}) {
    return httpRequest<T>({
      method,
      url: `${trimSlash(credentials.instanceUrl)}${path}`,
      operation: `${method} ${extras.label ?? path}`,
      timeoutMs,
      outbound,
      headers: { Authorization: `Bearer ${credentials.accessToken}`, ...extras.headers },
      json: extras.json,
      body: extras.body,
    });
  }

  async function readLimits(credentials: MastodonCredentials): Promise<InstanceLimits> {
    let v2: Record<string, unknown> = {};
    try {
      v2 = statusesConfig((await call(credentials, 'GET', '/api/v2/instance')).body);
    } catch (error) {
      // Instances before Mastodon 4.0 (and some forks) only have the v1 endpoint.
      if (!(error instanceof HttpFailure) || (error.status !== 404 && error.status !== 410)) throw error;
    }
    let maxCharacters = positiveInt(v2.max_characters);
    let maxMedia = positiveInt(v2.max_media_attachments);
    if (maxCharacters === null) {
      const res = await call<{ max_toot_chars?: unknown } | null>(credentials, 'GET', '/api/v1/instance');
      const v1 = statusesConfig(res.body);
      // max_toot_chars is how glitch-soc and older forks advertised a raised limit.
      maxCharacters = positiveInt(v1.max_characters) ?? positiveInt(res.body?.max_toot_chars);
      maxMedia ??= positiveInt(v1.max_media_attachments);
    }
    return {
      maxCharacters: maxCharacters ?? CONTENT_RULES.MASTODON.maxLength,
      maxMediaAttachments: maxMedia ?? CONTENT_RULES.MASTODON.maxMedia,
    };
  }

  async function uploadMedia(credentials: MastodonCredentials, mediaUrl: string): Promise<string> {
    const blob = await downloadMedia(mediaUrl, timeoutMs, outbound);
    const form = new FormData();
    const name = new URL(mediaUrl).pathname.split('/').pop() || 'media';
    form.append('file', blob, name);
    const res = await call<{ id?: unknown } | null>(credentials, 'POST', '/api/v2/media', { body: form });
    const id = String(res.body?.id ?? '');
    if (id === '') throw new Error('POST /api/v2/media answered without an id');
    if (res.status !== 202) return id;
    // 202: the instance is still transcoding; attaching it now would be refused with a 422.
    for (let attempt = 0; attempt < pollAttempts; attempt += 1) {
      await sleep(pollIntervalMs);
      const poll = await call(credentials, 'GET', `/api/v1/media/${encodeURIComponent(id)}`, { label: '/api/v1/media/:id' });
      // 206 Partial Content means "still processing".
      if (poll.status === 200) return id;
    }
    throw new ClassifiedError({
      kind: 'RETRYABLE',
      errorClass: 'MEDIA_PROCESSING',
      message: `Mastodon was still processing media ${mediaUrl} after ${pollAttempts} checks`,
      responseCode: 206,
      retryAfterMs: null,
    });
  }

  return {
    platform: 'MASTODON',
    idempotent: true,
    credentialsSchema: mastodonCredentialsSchema,
    userUrls: (credentials) => [{ field: 'instanceUrl', url: credentials.instanceUrl }],

    async connect(credentials: MastodonCredentials): Promise<ConnectedAccount<MastodonCredentials>> {
      const base = trimSlash(credentials.instanceUrl);
      const me = await call<{ acct?: unknown; username?: unknown } | null>(credentials, 'GET', '/api/v1/accounts/verify_credentials');
      const acct = String(me.body?.acct ?? me.body?.username ?? '');
      if (acct === '') throw new Error('verify_credentials answered without an account name');
      const limits = await readLimits(credentials);
      return {
        accountHandle: `@${acct}@${new URL(base).host}`,
        settings: { ...limits, instanceUrl: base },
      };
    },

    checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict {
      return checkContentRules('MASTODON', content, settings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<MastodonCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const mediaIds: string[] = [];
      // Sequential on purpose: Mastodon throttles media uploads per account.
      for (const url of request.mediaUrls) mediaIds.push(await uploadMedia(credentials, url));
      const res = await call<{ id?: unknown; url?: unknown; uri?: unknown } | null>(credentials, 'POST', '/api/v1/statuses', {
        headers: { 'Idempotency-Key': request.idempotencyKey },
        json: { status: request.text, media_ids: mediaIds, visibility: 'public' },
      });
      const id = res.body?.id;
      if (id === undefined || id === null) throw new Error('POST /api/v1/statuses answered without an id');
      // url is the human page; uri (the ActivityPub id) is the fallback some servers leave alone.
      const link = [res.body?.url, res.body?.uri].find((v): v is string => typeof v === 'string' && v !== '') ?? null;
      const rateLimits = usedUpLimit(res.headers);
      return { externalId: String(id), externalUrl: link, responseCode: res.status, ...(rateLimits.length > 0 && { rateLimits }) };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: true,
        platformMessage: (failure) => genericPlatformMessage(failure.body),
        // Mastodon's throttle answers carry the window's end rather than Retry-After.
        retryAfterMs: (failure) => {
          const reset = Date.parse(failure.headers.get('x-ratelimit-reset') ?? '');
          return Number.isNaN(reset) ? null : Math.max(0, reset - Date.now());
        },
        // A 403 is a credential problem only when the token lacks a scope or the login is disabled.
        forbiddenIsAuth: (failure) => /outside the authorized scopes|login is (currently )?disabled|suspended|confirmed e-?mail/i.test(genericPlatformMessage(failure.body) ?? ''),
        authMessage: (message) => `The access token was revoked or is invalid: reconnect the channel${message ? ` (Mastodon: ${message})` : ''}`,
      });
      // The one 422 that goes away by itself: media attached before the instance finished transcoding it.
      if (classified.responseCode === 422 && /not finished processing/i.test(classified.message)) {
        return { ...classified, kind: 'RETRYABLE', errorClass: 'MEDIA_PROCESSING' };
      }
      return classified;
    },

    oauth: {
      // Apps are registered per instance at connect time; there is nothing for the operator to configure.
      configuredApp: () => null,
      needsInstanceUrl: true,

      async registerApp(instanceUrl: string, redirectUri: string): Promise<OAuthApp> {
        const base = instanceBase(instanceUrl);
        let res;
        try {
          res = await httpRequest<{ client_id?: unknown; client_secret?: unknown } | null>({
            method: 'POST',
            url: `${base}/api/v1/apps`,
            operation: 'POST /api/v1/apps',
            timeoutMs,
            outbound,
            // redirect_uris as one string: the array form is Mastodon 4.3+ only.
            json: { client_name: MASTODON_APP_NAME, redirect_uris: redirectUri, scopes: MASTODON_SCOPES, ...(tuning.appWebsite && { website: tuning.appWebsite }) },
          });
        } catch (error) {
          if (!(error instanceof HttpFailure) || error.status === 429 || error.status >= 500) throw error;
          const message = jsonMessage(error.body);
          throw new ClassifiedError(
            {
              kind: 'PERMANENT',
              errorClass: 'MASTODON_APP_REFUSED',
              message: `${new URL(base).host} refused to register PostFlow (HTTP ${error.status}${message ? `: ${message}` : ', is it a Mastodon server?'})`,
              responseCode: error.status,
              retryAfterMs: null,
            },
            { cause: error },
          );
        }
        const { client_id: clientId, client_secret: clientSecret } = res.body ?? {};
        if (typeof clientId !== 'string' || clientId === '' || typeof clientSecret !== 'string' || clientSecret === '') {
          throw new ClassifiedError({
            kind: 'PERMANENT',
            errorClass: 'MASTODON_APP_REFUSED',
            message: `${new URL(base).host} answered POST /api/v1/apps without a client_id and client_secret: is it a Mastodon server?`,
            responseCode: res.status,
            retryAfterMs: null,
          });
        }
        return { clientId, clientSecret };
      },

      // PKCE is honoured from Mastodon 4.3 (mastodon/mastodon#31129); older instances ignore the extra parameters.
      authorizeUrl: (request) => codeFlowUrl(`${instanceBase(request.instanceUrl)}/oauth/authorize`, request, MASTODON_SCOPES),

      async finish(request): Promise<MastodonCredentials> {
        const base = instanceBase(request.instanceUrl);
        try {
          const tokens = await exchangeCode({ tokenUrl: `${base}/oauth/token`, clientAuth: 'body', timeoutMs, outbound, operation: 'POST /oauth/token' }, request);
          return { instanceUrl: base, accessToken: tokens.accessToken };
        } catch (error) {
          const cause = error instanceof Error ? error.cause : undefined;
          if (!(error instanceof ClassifiedError) || error.failure.kind !== 'AUTH' || !(cause instanceof HttpFailure)) throw error;
          // The shared token helper words refusals for renewals; here it is the authorization code that was refused.
          const message = jsonMessage(cause.body);
          throw new ClassifiedError(
            { ...error.failure, errorClass: 'MASTODON_CODE_REFUSED', message: `Mastodon refused the authorization code${message ? ` (${message})` : ''}: connect again` },
            { cause },
          );
        }
      },
    },

    // Mastodon access tokens live until the user or an admin revokes them.
    credentialsExpireAt: () => null,
  };
}

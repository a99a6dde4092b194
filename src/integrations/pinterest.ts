// Pinterest (API v5). A post is a Pin on one board: POST /v5/pins with the image given by URL (Pinterest fetches it),
// 2-5 images as a carousel. Pinterest has no idempotency key, so an answer lost after sending is UNKNOWN.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError, HttpFailure, classifyFailure, genericPlatformMessage, httpRequest } from './http.js';
import {
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
import { findUrls } from './textLength.js';
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
} from './types.js';

export const PINTEREST_API_URL = 'https://api.pinterest.com';
export const PINTEREST_AUTH_URL = 'https://www.pinterest.com';
export const PINTEREST_SCOPES = ['boards:read', 'pins:read', 'pins:write', 'user_accounts:read'];
export const PINTEREST_MAX_LINK_LENGTH = 2048;

const boardId = z.string().regex(/^\d+$/, 'boardId must be the numeric id of a Pinterest board');

export const pinterestCredentialsSchema = z.object({
  ...oauthCredentialFields,
  /** The board Pins go to; connect() picks the account's first board when none is given. */
  boardId: boardId.nullish(),
});

export type PinterestCredentials = z.infer<typeof pinterestCredentialsSchema>;

interface Board {
  id?: unknown;
  name?: unknown;
}

/** The Pin's destination link: the first URL in the text, when Pinterest would take it. */
export function pinLink(text: string): string | null {
  const first = findUrls(text)[0]?.text;
  return first && first.length <= PINTEREST_MAX_LINK_LENGTH ? first : null;
}

/**
 * Pinterest's rate-limit reset header (unverified: its docs name no header): epoch seconds when it is that large,
 * seconds from now otherwise.
 */
function resetInMs(headers: Headers, now = Date.now()): number | null {
  const value = Number(headers.get('x-ratelimit-reset') ?? '');
  if (!Number.isFinite(value) || value <= 0) return null;
  return value > 1_000_000_000 ? Math.max(0, value * 1000 - now) : value * 1000;
}

function noBoard(message: string): ClassifiedError {
  return new ClassifiedError({ kind: 'PERMANENT', errorClass: 'PINTEREST_NO_BOARD', message, responseCode: null, retryAfterMs: null });
}

export function createPinterestProvider(options: ProviderOptions): Provider<PinterestCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const settings = platformSettings(options, 'PINTEREST', { apiUrl: PINTEREST_API_URL, authUrl: PINTEREST_AUTH_URL });
  const tokenEndpoint: TokenEndpoint = { tokenUrl: `${settings.apiUrl}/v5/oauth/token`, clientAuth: 'basic', timeoutMs, outbound, operation: 'POST /v5/oauth/token' };

  function call<T>(credentials: PinterestCredentials, method: 'GET' | 'POST', path: string, extras: { json?: unknown; label?: string } = {}) {
    return httpRequest<T>({
      method,
      url: `${settings.apiUrl}${path}`,
      operation: `${method} ${extras.label ?? path}`,
      timeoutMs,
      outbound,
      headers: { Authorization: `Bearer ${credentials.accessToken}` },
      json: extras.json,
    });
  }

  async function chooseBoard(credentials: PinterestCredentials): Promise<{ id: string; name: string }> {
    if (credentials.boardId) {
      try {
        const res = await call<Board | null>(credentials, 'GET', `/v5/boards/${credentials.boardId}`, { label: '/v5/boards/:id' });
        return { id: credentials.boardId, name: typeof res.body?.name === 'string' ? res.body.name : credentials.boardId };
      } catch (error) {
        if (error instanceof HttpFailure && error.status === 404) throw noBoard(`The Pinterest account has no board ${credentials.boardId}`);
        throw error;
      }
    }
    const res = await call<{ items?: Board[] } | null>(credentials, 'GET', '/v5/boards?page_size=25', { label: '/v5/boards' });
    const first = (res.body?.items ?? []).find((b) => typeof b.id === 'string' || typeof b.id === 'number');
    if (!first) throw noBoard('The Pinterest account has no board: create one on Pinterest, then connect again');
    return { id: String(first.id), name: typeof first.name === 'string' ? first.name : String(first.id) };
  }

  function mediaSource(mediaUrls: string[]): Record<string, unknown> {
    if (mediaUrls.length === 1) return { source_type: 'image_url', url: mediaUrls[0] };
    return { source_type: 'multiple_image_urls', items: mediaUrls.map((url) => ({ url })) };
  }

  return {
    platform: 'PINTEREST',
    idempotent: false,
    credentialsSchema: pinterestCredentialsSchema,

    async connect(credentials: PinterestCredentials): Promise<ConnectedAccount<PinterestCredentials>> {
      const me = await call<{ username?: unknown } | null>(credentials, 'GET', '/v5/user_account');
      const username = typeof me.body?.username === 'string' ? me.body.username : '';
      if (username === '') throw new Error('GET /v5/user_account answered without a username');
      const board = await chooseBoard(credentials);
      return {
        // The board is part of the handle: two boards of one account are two channels.
        accountHandle: `@${username}/${board.name}`,
        settings: { username, boardId: board.id, boardName: board.name },
        credentials: { ...credentials, boardId: board.id },
      };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('PINTEREST', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<PinterestCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const board = typeof channel.settings.boardId === 'string' ? channel.settings.boardId : credentials.boardId;
      if (!board) throw noBoard('No Pinterest board is chosen for this channel: reconnect it');
      if (request.mediaUrls.length === 0) {
        throw new ClassifiedError({ kind: 'PERMANENT', errorClass: 'PINTEREST_NO_IMAGE', message: 'A Pin needs an image', responseCode: null, retryAfterMs: null });
      }
      const link = pinLink(request.text);
      const res = await call<{ id?: unknown } | null>(credentials, 'POST', '/v5/pins', {
        json: { board_id: board, description: request.text, ...(link && { link }), media_source: mediaSource(request.mediaUrls) },
      });
      const id = res.body?.id;
      if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new Error('POST /v5/pins answered without an id');
      const rateLimits: RateLimitHint[] = [];
      const until = resetInMs(res.headers);
      if (res.headers.get('x-ratelimit-remaining') === '0' && until !== null) rateLimits.push({ scope: 'ACCOUNT', until: new Date(Date.now() + until) });
      return {
        externalId: String(id),
        externalUrl: `https://www.pinterest.com/pin/${String(id)}/`,
        responseCode: res.status,
        ...(rateLimits.length > 0 && { rateLimits }),
      };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: false,
        platformMessage: (failure) => genericPlatformMessage(failure.body),
        retryAfterMs: (failure) => resetInMs(failure.headers),
        forbiddenIsAuth: (failure) => /scope/i.test(genericPlatformMessage(failure.body) ?? ''),
        authMessage: (message) => `The Pinterest access token expired or was revoked: reconnect the channel${message ? ` (Pinterest: ${message})` : ''}`,
      });
      if (!(error instanceof HttpFailure)) return classified;
      // Pinterest answers 429 also when it takes the Pin for spam (a blocked link): waiting does not help.
      if (error.status === 429 && /spam/i.test(classified.message)) return { ...classified, kind: 'PERMANENT', errorClass: 'PINTEREST_SPAM', retryAfterMs: null };
      // Pinterest could not fetch the image: no Pin was made, and the image host may answer next time (unverified wording).
      if (error.status === 400 && /fetch.*image|image.*(url|fetch)/i.test(classified.message)) return { ...classified, kind: 'RETRYABLE', errorClass: 'MEDIA_FETCH_FAILED' };
      return classified;
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      // Pinterest's docs do not mention PKCE (unverified that it is checked; extra parameters are ignored).
      authorizeUrl: (request) => codeFlowUrl(`${settings.authUrl}/oauth/`, request, PINTEREST_SCOPES.join(',')),
      async finish(request) {
        const tokens = await exchangeCode(tokenEndpoint, request);
        const chosen = request.account.boardId;
        const board = typeof chosen === 'string' || typeof chosen === 'number' ? String(chosen) : null;
        return { ...credentialsFromTokens(tokens, request.app, request.ownApp), ...(board && { boardId: board }) };
      },
    },

    // With continuous refresh (the default for apps since 2025) each refresh answers a new refresh token.
    async refresh(credentials: PinterestCredentials): Promise<PinterestCredentials> {
      const grant = refreshGrantFor(credentials, settings, 'PINTEREST', 'The channel has no Pinterest refresh token: reconnect it');
      return refreshWithGrant(tokenEndpoint, credentials, grant);
    },

    credentialsExpireAt: (credentials) => expiryOf(credentials),
  };
}

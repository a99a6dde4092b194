// VK (VKontakte) API 5.199: every method is POST {apiUrl}/method/<name> with a form body, and every answer is HTTP
// 200 with either { response } or { error: { error_code, error_msg } }, so failures are read from the body.
// Accounts connect through VK ID (id.vk.com): OAuth 2.1 authorization code with PKCE, bound to a device_id that the
// redirect carries and that every refresh must repeat; access tokens last an hour and refresh tokens rotate.
//
// wall.post takes a guid that VK's method reference describes as "a unique identifier to prevent the same post being
// sent again, valid for one hour": PostFlow sends the delivery's idempotency key, which makes a retry within the hour
// safe. What VK answers for a repeated guid (the first post's id, or a new post) is unverified.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError, classifyFailure, downloadMedia, genericPlatformMessage, httpRequest } from './http.js';
import {
  appFor,
  cannotRenew,
  codeFlowUrl,
  configuredApp,
  credentialsFromTokens,
  exchangeCode,
  expiryOf,
  oauthCredentialFields,
  platformSettings,
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
} from './types.js';

export const VK_API_VERSION = '5.199';
// wall and photos to post with images, groups to post on a community's wall (unverified: VK grants "wall" to new apps
// only on request to devsupport@corp.vk.com).
const VK_SCOPES = 'vkid.personal_info wall photos groups';

export const vkCredentialsSchema = z.object({
  ...oauthCredentialFields,
  /** Whose wall: a user id, or minus a community's id (-123 for vk.com/club123). The token's own wall when absent. */
  ownerId: z
    .number()
    .int('ownerId must be a whole number')
    .refine((id) => id !== 0, 'ownerId must be a user id or a negative community id (-123 for club123)')
    .nullish(),
  /** The VK ID device_id the authorization was given to; refreshing needs it. */
  deviceId: z.string().min(1, 'deviceId must not be empty').nullish(),
  userId: z.number().int().positive().nullish(),
});

export type VkCredentials = z.infer<typeof vkCredentialsSchema>;

/** An { error } answer of the VK API. */
export class VkApiError extends Error {
  readonly method: string;
  readonly code: number;
  readonly vkMessage: string;

  constructor(method: string, code: number, vkMessage: string) {
    super(`VK ${method} failed: ${vkMessage} (error ${code})`);
    this.name = 'VkApiError';
    this.method = method;
    this.code = code;
    this.vkMessage = vkMessage;
  }
}

// VK announces no reset time for any limit, so these waits are PostFlow's choices (docs/networks/vk.md).
/** Error 6, "Too many requests per second": user tokens get 3 calls a second. */
export const VK_PER_SECOND_WAIT_MS = 1000;
/** Error 9, "Flood control": VK says neither why nor for how long. Each retry waits this again, up to the attempt limit. */
export const VK_FLOOD_CONTROL_WAIT_MS = 2 * 60 * 1000;

/** Until the next midnight in Moscow (UTC+3 all year): when VK's daily counters are assumed to restart (unverified). */
export function untilNextMoscowDay(now: number = Date.now()): number {
  const day = 24 * 60 * 60 * 1000;
  const offset = 3 * 60 * 60 * 1000;
  return Math.floor((now + offset) / day) * day + day - offset - now;
}

export function classifyVkError(error: VkApiError): ClassifiedFailure {
  const base = { errorClass: `VK_ERROR_${error.code}`, responseCode: 200, retryAfterMs: null };
  const detail = `${error.vkMessage} (VK error ${error.code})`;
  switch (error.code) {
    case 5: // User authorization failed: the token expired or was revoked.
    case 17: // Validation required: the user must confirm something in the browser.
      return { ...base, kind: 'AUTH', message: `VK refused the access token: ${detail}. Renew or reconnect the channel` };
    case 7: // Permission denied: the token lacks a scope.
      return { ...base, kind: 'AUTH', message: `VK refused the action: ${detail}. Reconnect the channel granting wall and photos access` };
    case 6:
      return { ...base, kind: 'RATE_LIMITED', retryAfterMs: VK_PER_SECOND_WAIT_MS, message: `Rate limited by VK: ${detail}` };
    case 9:
      return { ...base, kind: 'RATE_LIMITED', retryAfterMs: VK_FLOOD_CONTROL_WAIT_MS, message: `Rate limited by VK: ${detail}` };
    case 29: // A method's daily quota.
      return { ...base, kind: 'RATE_LIMITED', retryAfterMs: untilNextMoscowDay(), message: `Rate limited by VK until tomorrow: ${detail}` };
    case 214:
      // 214 is any refusal to add a post; only "you can only add 50 posts a day" passes by itself.
      if (/a day|per day|limit/i.test(error.vkMessage)) {
        return { ...base, kind: 'RATE_LIMITED', errorClass: 'VK_DAILY_POST_LIMIT', retryAfterMs: untilNextMoscowDay(), message: `VK's daily post limit is reached: ${detail}` };
      }
      return { ...base, kind: 'PERMANENT', message: `VK refused the post: ${detail}` };
    case 1: // Unknown error
    case 10: // Internal server error
    case 14: // Captcha needed: asked when posting too fast; later it usually is not.
      return { ...base, kind: 'RETRYABLE', message: `VK failed: ${detail}` };
    default:
      return { ...base, kind: 'PERMANENT', message: `VK refused the request: ${detail}` };
  }
}

interface VkUser {
  id?: unknown;
  first_name?: unknown;
  last_name?: unknown;
  screen_name?: unknown;
}

interface VkGroup {
  id?: unknown;
  name?: unknown;
  screen_name?: unknown;
}

export function createVkProvider(options: ProviderOptions): Provider<VkCredentials> {
  const settings = platformSettings(options, 'VK', { apiUrl: 'https://api.vk.com', authUrl: 'https://id.vk.com' });
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const tokenEndpoint: TokenEndpoint = { tokenUrl: `${settings.authUrl}/oauth2/auth`, clientAuth: 'body', timeoutMs, outbound, operation: 'POST /oauth2/auth' };
  // VK ID authenticates token calls with the PKCE verifier or the device's refresh token; the app's secret is not sent.
  const publicClient = (clientId: string) => ({ clientId, clientSecret: null });
  // VK ID wants a state on token calls too; nothing comes back to check it against.
  const tokenState = () => randomBytes(16).toString('base64url');

  async function api<T>(credentials: VkCredentials, method: string, params: Record<string, string> = {}): Promise<T> {
    const form = new URLSearchParams({ ...params, access_token: credentials.accessToken, v: VK_API_VERSION });
    const res = await httpRequest<{ response?: T; error?: { error_code?: unknown; error_msg?: unknown } } | null>({
      method: 'POST',
      url: `${settings.apiUrl}/method/${method}`,
      operation: `POST /method/${method}`,
      timeoutMs,
      outbound,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const error = res.body?.error;
    if (error) throw new VkApiError(method, Number(error.error_code ?? 0), String(error.error_msg ?? 'unknown error'));
    if (res.body?.response === undefined) throw new Error(`VK ${method} answered without a response`);
    return res.body.response;
  }

  /** Uploads one image to the wall's album (getWallUploadServer, the upload, saveWallPhoto): "photo<owner>_<id>". */
  async function uploadPhoto(credentials: VkCredentials, url: string, groupId: string | null): Promise<string> {
    const group: Record<string, string> = groupId === null ? {} : { group_id: groupId };
    const server = await api<{ upload_url?: unknown }>(credentials, 'photos.getWallUploadServer', group);
    if (typeof server.upload_url !== 'string') throw new Error('photos.getWallUploadServer answered without an upload_url');
    const form = new FormData();
    form.append('photo', await downloadMedia(url, timeoutMs, outbound), new URL(url).pathname.split('/').pop() || 'photo.jpg');
    const upload = await httpRequest<{ server?: unknown; photo?: unknown; hash?: unknown; error?: unknown } | null>({
      method: 'POST',
      url: server.upload_url,
      operation: 'POST photo upload',
      timeoutMs,
      outbound,
      body: form,
    });
    const { server: uploadServer, photo, hash } = upload.body ?? {};
    if (typeof photo !== 'string' || photo === '[]' || typeof hash !== 'string' || upload.body?.error) {
      throw new ClassifiedError({
        kind: 'PERMANENT',
        errorClass: 'VK_PHOTO_REFUSED',
        message: `VK did not accept the image ${url}${upload.body?.error ? ` (${genericPlatformMessage(upload.body)})` : ''}`,
        responseCode: upload.status,
        retryAfterMs: null,
      });
    }
    const saved = await api<{ id?: unknown; owner_id?: unknown }[]>(credentials, 'photos.saveWallPhoto', { ...group, photo, server: String(uploadServer), hash });
    const first = saved[0];
    if (first?.id === undefined || first.owner_id === undefined) throw new Error('photos.saveWallPhoto answered without a photo');
    return `photo${String(first.owner_id)}_${String(first.id)}`;
  }

  return {
    platform: 'VK',
    idempotent: true,
    credentialsSchema: vkCredentialsSchema,

    async connect(credentials: VkCredentials): Promise<ConnectedAccount<VkCredentials>> {
      const users = await api<VkUser[]>(credentials, 'users.get', { fields: 'screen_name' });
      const user = users[0];
      if (typeof user?.id !== 'number') throw new Error('VK users.get answered without a user');
      const ownerId = credentials.ownerId ?? user.id;
      if (ownerId < 0) {
        const answer = await api<{ groups?: VkGroup[] } | VkGroup[]>(credentials, 'groups.getById', { group_id: String(-ownerId) });
        // 5.199 wraps the list in { groups }; older versions answered the bare list.
        const group = (Array.isArray(answer) ? answer : (answer.groups ?? []))[0];
        if (!group) throw new Error(`VK knows no community ${-ownerId}`);
        const screenName = typeof group.screen_name === 'string' && group.screen_name !== '' ? group.screen_name : `club${-ownerId}`;
        return {
          accountHandle: `@${screenName}`,
          settings: { ownerId, community: true, name: String(group.name ?? screenName), userId: user.id },
          credentials: { ...credentials, ownerId, userId: user.id },
        };
      }
      const screenName = typeof user.screen_name === 'string' && user.screen_name !== '' ? user.screen_name : `id${user.id}`;
      return {
        accountHandle: `@${screenName}`,
        settings: { ownerId, community: false, name: `${String(user.first_name ?? '')} ${String(user.last_name ?? '')}`.trim(), userId: user.id },
        credentials: { ...credentials, ownerId, userId: user.id },
      };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('VK', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<VkCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const ownerId = credentials.ownerId ?? (typeof channel.settings.ownerId === 'number' ? channel.settings.ownerId : null);
      const groupId = ownerId !== null && ownerId < 0 ? String(-ownerId) : null;
      const saved = request.progress?.attachments;
      const attachments = Array.isArray(saved) ? saved.filter((a): a is string => typeof a === 'string') : [];
      // Photos a failed attempt already saved are reused: uploading them again would leave copies in the wall album.
      for (const url of request.mediaUrls.slice(attachments.length)) {
        attachments.push(await uploadPhoto(credentials, url, groupId));
        await request.checkpoint({ attachments: [...attachments] });
      }
      // Without photos, VK shows the first link as a preview card when it is attached (one link per post at most).
      const link = attachments.length === 0 ? findUrls(request.text)[0] : undefined;
      if (link) attachments.push(link.text);
      const { post_id: postId } = await api<{ post_id?: unknown }>(credentials, 'wall.post', {
        ...(ownerId !== null && { owner_id: String(ownerId) }),
        ...(groupId !== null && { from_group: '1' }),
        ...(request.text !== '' && { message: request.text }),
        ...(attachments.length > 0 && { attachments: attachments.join(',') }),
        guid: request.idempotencyKey,
      });
      if (postId === undefined) throw new Error('VK wall.post answered without a post_id');
      return {
        externalId: ownerId === null ? String(postId) : `${ownerId}_${String(postId)}`,
        externalUrl: ownerId === null ? null : `https://vk.com/wall${ownerId}_${String(postId)}`,
        responseCode: 200,
      };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      if (error instanceof VkApiError) return classifyVkError(error);
      return classifyFailure(error, { idempotent: true });
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      authorizeUrl: (request) => codeFlowUrl(`${settings.authUrl}/authorize`, request, VK_SCOPES),
      async finish(request): Promise<VkCredentials> {
        const deviceId = request.account.deviceId;
        if (typeof deviceId !== 'string' || deviceId === '') {
          throw new ClassifiedError({
            kind: 'PERMANENT',
            errorClass: 'VK_DEVICE_ID_MISSING',
            message: 'VK ID redirects with a device_id next to the code: pass it as account.deviceId',
            responseCode: null,
            retryAfterMs: null,
          });
        }
        const tokens = await exchangeCode(tokenEndpoint, request, { app: publicClient(request.app.clientId), params: { device_id: deviceId, state: tokenState() } });
        const userId = Number(tokens.raw.user_id);
        const ownerId = Number(request.account.ownerId ?? (Number.isInteger(userId) ? userId : NaN));
        return {
          ...credentialsFromTokens(tokens, request.app, request.ownApp),
          deviceId,
          ...(Number.isInteger(userId) && userId > 0 && { userId }),
          ...(Number.isInteger(ownerId) && ownerId !== 0 && { ownerId }),
        };
      },
    },

    async refresh(credentials: VkCredentials): Promise<VkCredentials> {
      const app = appFor(credentials, settings);
      if (!app || !credentials.refreshToken || !credentials.deviceId) {
        throw cannotRenew('The VK access cannot be renewed without the user (no refresh token, device id or app): reconnect the channel', 'NOT_RENEWABLE');
      }
      // VK ID rotates refresh tokens: the one just used no longer works.
      const grant = { app: publicClient(app.clientId), refreshToken: credentials.refreshToken };
      return refreshWithGrant(tokenEndpoint, credentials, grant, { device_id: credentials.deviceId, state: tokenState() });
    },

    credentialsExpireAt: (credentials: VkCredentials) => expiryOf(credentials),
  };
}

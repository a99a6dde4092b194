// Discord through a channel webhook: the webhook URL carries its own token, so there is no app, no OAuth and nothing
// to renew. Executing a webhook with ?wait=true answers the created message (without it, Discord answers 204 and a
// message that failed to save is never reported). Webhook executions carry no idempotency key: an answer lost after
// sending leaves the outcome unknown.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError, HttpFailure, classifyFailure, genericPlatformMessage, httpRequest } from './http.js';
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

// https://discord.com/api/webhooks/{id}/{token}, optionally with an API version (/api/v10/...). Any http(s) host is
// accepted (discordapp.com, canary.discord.com, a proxy, a test fake); the path is what makes it a webhook.
const WEBHOOK_PATH = /^\/api(?:\/v\d+)?\/webhooks\/\d+\/[\w-]+\/?$/;

export const discordCredentialsSchema = z.object({
  webhookUrl: z.url({ protocol: /^https?$/, error: 'webhookUrl must be an http(s) URL' }).refine((url) => WEBHOOK_PATH.test(new URL(url).pathname), {
    error: 'webhookUrl must be a Discord webhook URL like https://discord.com/api/webhooks/{id}/{token} (Channel settings, Integrations, Webhooks, Copy Webhook URL)',
  }),
});

export type DiscordCredentials = z.infer<typeof discordCredentialsSchema>;

/** Discord's limit on embeds per message; each image is one embed. */
const MAX_EMBEDS = 10;

// JSON error codes (discord.com/developers/docs/topics/opcodes-and-status-codes#json).
const UNKNOWN_WEBHOOK = 10015;
const INVALID_WEBHOOK_TOKEN = 50027;

interface DiscordErrorBody {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  retry_after?: unknown;
  global?: unknown;
}

function errorBody(body: unknown): DiscordErrorBody {
  return body && typeof body === 'object' ? (body as DiscordErrorBody) : {};
}

/** The field errors of a 50035 Invalid Form Body: { content: { _errors: [{ message }] } } as "content: message". */
function fieldErrors(errors: unknown, path: string[] = []): string[] {
  if (!errors || typeof errors !== 'object') return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(errors as Record<string, unknown>)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const item of value) {
        const message = (item as { message?: unknown }).message;
        if (typeof message === 'string') out.push(`${path.join('.') || 'body'}: ${message}`);
      }
    } else {
      out.push(...fieldErrors(value, [...path, key]));
    }
  }
  return out;
}

function platformMessage(failure: HttpFailure): string | null {
  const body = errorBody(failure.body);
  const message = typeof body.message === 'string' ? body.message : genericPlatformMessage(failure.body);
  const details = fieldErrors(body.errors);
  return message && details.length > 0 ? `${message} (${details.join('; ')})` : message;
}

/** The webhook URL with these query parameters added, keeping any it had (thread_id). */
function withQuery(webhookUrl: string, params: Record<string, string>): string {
  const url = new URL(webhookUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

function rateLimitHints(headers: Headers): RateLimitHint[] | undefined {
  if (headers.get('x-ratelimit-remaining') !== '0') return undefined;
  const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
  if (!Number.isFinite(resetAfter) || resetAfter < 0) return undefined;
  return [{ scope: 'ACCOUNT', until: new Date(Date.now() + Math.ceil(resetAfter * 1000)) }];
}

export function createDiscordProvider(options: ProviderOptions): Provider<DiscordCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;

  return {
    platform: 'DISCORD',
    idempotent: false,
    credentialsSchema: discordCredentialsSchema,
    userUrls: (credentials) => [{ field: 'webhookUrl', url: credentials.webhookUrl }],

    async connect(credentials: DiscordCredentials): Promise<ConnectedAccount<DiscordCredentials>> {
      // Reading a webhook with its token needs no other authentication.
      const res = await httpRequest<{ id?: unknown; name?: unknown; channel_id?: unknown; guild_id?: unknown } | null>({
        url: credentials.webhookUrl,
        operation: 'GET /webhooks/:id/:token',
        timeoutMs,
        outbound,
      });
      const id = res.body?.id;
      if (typeof id !== 'string') throw new Error('Discord answered the webhook URL without a webhook id');
      const name = typeof res.body?.name === 'string' && res.body.name !== '' ? res.body.name : `webhook ${id}`;
      return {
        accountHandle: name,
        settings: { webhookId: id, channelId: res.body?.channel_id ?? null, guildId: res.body?.guild_id ?? null },
      };
    },

    checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict {
      return checkContentRules('DISCORD', content, settings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<DiscordCredentials>): Promise<PublishResult> {
      if (request.mediaUrls.length > MAX_EMBEDS) {
        throw new ClassifiedError({
          kind: 'PERMANENT',
          errorClass: 'DISCORD_TOO_MANY_IMAGES',
          message: `Discord shows at most ${MAX_EMBEDS} images in a message`,
          responseCode: null,
          retryAfterMs: null,
        });
      }
      // Images by URL, as embeds: Discord fetches and caches them, so nothing is uploaded.
      const embeds = request.mediaUrls.map((url) => ({ image: { url } }));
      const res = await httpRequest<{ id?: unknown; channel_id?: unknown } | null>({
        method: 'POST',
        url: withQuery(channel.credentials.webhookUrl, { wait: 'true' }),
        operation: 'POST /webhooks/:id/:token',
        timeoutMs,
        outbound,
        json: { ...(request.text !== '' && { content: request.text }), ...(embeds.length > 0 && { embeds }) },
      });
      const id = res.body?.id;
      if (typeof id !== 'string') throw new Error('Discord answered the webhook execution without a message id');
      const channelId = typeof res.body?.channel_id === 'string' ? res.body.channel_id : channel.settings.channelId;
      const guildId = channel.settings.guildId;
      const rateLimits = rateLimitHints(res.headers);
      return {
        externalId: id,
        externalUrl: typeof guildId === 'string' && typeof channelId === 'string' ? `https://discord.com/channels/${guildId}/${channelId}/${id}` : null,
        responseCode: res.status,
        ...(rateLimits && { rateLimits }),
      };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: false,
        platformMessage,
        // Only without a Retry-After header (which the shared classifier reads first, in whole seconds rounded up):
        // the body's retry_after, in seconds with a fraction. Even a global 429 ({ global: true }, counted per IP
        // for webhooks) blocks only this channel: it lasts about a second, and another channel gets its own 429.
        retryAfterMs: (failure) => {
          const retryAfter = Number(errorBody(failure.body).retry_after ?? failure.headers.get('x-ratelimit-reset-after'));
          return Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.ceil(retryAfter * 1000) : null;
        },
        authMessage: (message) => `The Discord webhook no longer accepts posts${message ? ` (${message})` : ''}: create a new webhook and reconnect the channel`,
      });
      if (error instanceof HttpFailure) {
        const code = errorBody(error.body).code;
        // A deleted webhook answers 404 Unknown Webhook; a regenerated token 401 Invalid Webhook Token. Either way the
        // URL is dead and only a new one helps.
        if (code === UNKNOWN_WEBHOOK || code === INVALID_WEBHOOK_TOKEN || (error.status === 404 && code === undefined)) {
          return {
            ...classified,
            kind: 'AUTH',
            errorClass: code === INVALID_WEBHOOK_TOKEN ? 'DISCORD_INVALID_WEBHOOK_TOKEN' : 'DISCORD_UNKNOWN_WEBHOOK',
            message: `The Discord webhook no longer accepts posts (${platformMessage(error) ?? `HTTP ${error.status}`}): create a new webhook and reconnect the channel`,
          };
        }
      }
      return classified;
    },
  };
}

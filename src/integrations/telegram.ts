// Telegram Bot API. It has no idempotency key, so a request that may have reached Telegram must never be
// retried blindly: a channel would show the post twice.
import { checkContentRules } from './contentRules.js';
import { z } from 'zod';
import { HttpFailure, classifyFailure, httpRequest, trimSlash } from './http.js';
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

export const telegramCredentialsSchema = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'botToken must look like "123456:ABC-DEF..." (from @BotFather)'),
  chatId: z.union([z.string().regex(/^(@[A-Za-z][A-Za-z0-9_]{3,}|-?\d+)$/, 'chatId must be "@channelname" or a numeric chat id'), z.number().int()]),
});

export type TelegramCredentials = z.infer<typeof telegramCredentialsSchema>;

interface TelegramChat {
  id: number;
  type?: string;
  title?: string;
  username?: string;
  first_name?: string;
}

interface TelegramMessage {
  message_id: number;
  chat: TelegramChat;
}

interface TelegramEnvelope<T> {
  ok: boolean;
  result: T;
}

/** The public link of a message, when the chat has one. */
export function telegramMessageUrl(chat: TelegramChat, messageId: number): string | null {
  if (chat.username) return `https://t.me/${chat.username}/${messageId}`;
  const id = String(chat.id);
  // Supergroups and channels have ids "-100<internal id>"; t.me/c links use the internal id (members only).
  if (id.startsWith('-100')) return `https://t.me/c/${id.slice(4)}/${messageId}`;
  return null;
}

function description(failure: HttpFailure): string | null {
  const body = failure.body as { description?: unknown } | null;
  if (body && typeof body === 'object' && typeof body.description === 'string') return body.description;
  return typeof failure.body === 'string' && failure.body !== '' ? failure.body.slice(0, 500) : null;
}

export function createTelegramProvider(options: ProviderOptions): Provider<TelegramCredentials> {
  const base = trimSlash(options.telegramApiUrl);
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;

  async function call<T>(token: string, method: string, params: Record<string, unknown>): Promise<T> {
    const res = await httpRequest<TelegramEnvelope<T>>({
      method: 'POST',
      url: `${base}/bot${token}/${method}`,
      // The token is part of the URL: errors name only the method.
      operation: `Telegram ${method}`,
      timeoutMs,
      outbound,
      json: params,
    });
    if (!res.body || res.body.ok !== true) {
      throw new HttpFailure(`Telegram ${method}`, res.status, res.headers, res.body);
    }
    return res.body.result;
  }

  return {
    platform: 'TELEGRAM',
    idempotent: false,
    credentialsSchema: telegramCredentialsSchema,

    async connect(credentials: TelegramCredentials): Promise<ConnectedAccount<TelegramCredentials>> {
      // getMe first: a bad token then reads as "Unauthorized" instead of a misleading chat error.
      await call(credentials.botToken, 'getMe', {});
      const chat = await call<TelegramChat>(credentials.botToken, 'getChat', { chat_id: credentials.chatId });
      const handle = chat.username ? `@${chat.username}` : (chat.title ?? chat.first_name ?? String(chat.id));
      return {
        accountHandle: handle,
        settings: { chatType: chat.type ?? null, chatUsername: chat.username ?? null },
      };
    },

    checkContent(content: PostContent, settings: ChannelSettings): ContentVerdict {
      return checkContentRules('TELEGRAM', content, settings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<TelegramCredentials>): Promise<PublishResult> {
      const { botToken, chatId } = channel.credentials;
      const [first, ...rest] = request.mediaUrls;
      let message: TelegramMessage;
      if (first === undefined) {
        message = await call(botToken, 'sendMessage', { chat_id: chatId, text: request.text });
      } else if (rest.length === 0) {
        const caption = request.text === '' ? {} : { caption: request.text };
        message = await call(botToken, 'sendPhoto', { chat_id: chatId, photo: first, ...caption });
      } else {
        const media = request.mediaUrls.map((url, index) => ({
          type: 'photo',
          media: url,
          ...(index === 0 && request.text !== '' ? { caption: request.text } : {}),
        }));
        const messages = await call<TelegramMessage[]>(botToken, 'sendMediaGroup', { chat_id: chatId, media });
        const head = messages[0];
        if (!head) throw new Error('Telegram sendMediaGroup answered with no messages');
        message = head;
      }
      return {
        externalId: String(message.message_id),
        externalUrl: telegramMessageUrl(message.chat, message.message_id),
        responseCode: 200,
      };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: false,
        platformMessage: description,
        errorClass: (status) => `TELEGRAM_${status}`,
        retryAfterMs: (failure) => {
          const seconds = (failure.body as { parameters?: { retry_after?: unknown } } | null)?.parameters?.retry_after;
          return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : null;
        },
        // Every 403 from the Bot API means the bot lost access to the chat (kicked, blocked, not admin).
        forbiddenIsAuth: () => true,
        authMessage: (message) =>
          message?.startsWith('Forbidden')
            ? `The bot lost access to the chat (Telegram: ${message}): add it back and reconnect the channel`
            : `The bot token was revoked or is invalid (Telegram: ${message ?? 'Unauthorized'}): reconnect the channel`,
      });
      // The one 400 worth its own name: the chat id no longer leads anywhere, so every later post fails too.
      if (classified.responseCode === 400 && /chat not found/i.test(classified.message)) {
        return { ...classified, errorClass: 'TELEGRAM_CHAT_NOT_FOUND' };
      }
      return classified;
    },
  };
}

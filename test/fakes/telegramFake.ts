// A loopback Telegram Bot API: POST /bot<token>/<method> with JSON, urlencoded or multipart parameters,
// answering { ok: true, result } or { ok: false, error_code, description, parameters? } with the HTTP status
// equal to error_code, as api.telegram.org does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { Holder, ResponseScript, parseBody, sendJson, sendText, startHttpServer, waitFor, type FakeServer } from './httpFake.js';

export interface TelegramFakeChat {
  id: number;
  type: 'channel' | 'supergroup' | 'group' | 'private';
  title?: string;
  username?: string;
}

export interface TelegramFakeOptions {
  token?: string;
  bot?: { id: number; username: string; first_name: string };
  chats?: TelegramFakeChat[];
}

export interface TelegramScriptedResponse {
  status: number;
  /** Defaults per status: "Too Many Requests: retry after N", "Unauthorized", "Internal Server Error"... */
  description?: string;
  /** For 429: parameters.retry_after in seconds (default 5). */
  retryAfter?: number;
  /** Replaces the whole body (a string is sent as HTML, like a proxy's 502 page). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TelegramSentMessage {
  method: string;
  chatId: number;
  messageId: number;
  text?: string;
  caption?: string;
  photo?: string;
  mediaGroupId?: string;
  receivedAt: Date;
}

export interface TelegramRequest {
  method: string;
  token: string;
  params: Record<string, unknown>;
  contentType: string;
  receivedAt: Date;
  /** error_code or 200; null while held. */
  responseStatus: number | null;
}

export interface TelegramFake extends FakeServer {
  token: string;
  chats: TelegramFakeChat[];
  messages: TelegramSentMessage[];
  requests: TelegramRequest[];
  /** Scripts the next `count` calls of `method` (default: any of sendMessage/sendPhoto/sendMediaGroup). */
  failNext(count: number, response: TelegramScriptedResponse, method?: string): void;
  /** Accept send* calls but answer only on releaseSends(); deliver=false also defers posting the message. */
  holdSends(options?: { deliver?: boolean }): void;
  releaseSends(): Promise<void>;
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  waitForRequests(method: string, count: number, timeoutMs?: number): Promise<void>;
  /** The next send* call posts its message but is never answered (the client times out). */
  loseNextSendAnswer(): void;
  /** The bot is removed from the chat: later calls about it get 403. */
  kickBot(chatId: number): void;
  /** Every later call with the old token gets 401. */
  revokeToken(): void;
}

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendMediaGroup']);
const SEND_ROUTE = 'send*';

class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {
    super(description);
  }
}

function params(parsed: Awaited<ReturnType<typeof parseBody>>, query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = Object.fromEntries(query);
  if (parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object') Object.assign(out, parsed.value);
  if (parsed.kind === 'form' || parsed.kind === 'multipart') {
    for (const [key, value] of parsed.value.entries()) out[key] = value;
  }
  // Outside JSON bodies, arrays and objects travel JSON-serialised in one field.
  if (typeof out.media === 'string') {
    try {
      out.media = JSON.parse(out.media) as unknown;
    } catch {
      throw new BotApiError(400, "Bad Request: can't parse media JSON object");
    }
  }
  return out;
}

export async function startTelegramFake(options: TelegramFakeOptions = {}): Promise<TelegramFake> {
  let token = options.token ?? '123456789:AAtest-Token_forFake';
  const bot = options.bot ?? { id: 123456789, username: 'postflow_test_bot', first_name: 'PostFlow Test' };
  const chats: TelegramFakeChat[] = options.chats ?? [
    { id: -1001234567890, type: 'channel', title: 'My Channel', username: 'mychannel' },
    { id: -1009876543210, type: 'channel', title: 'Private Channel' },
  ];
  const kicked = new Set<number>();
  const messages: TelegramSentMessage[] = [];
  const requests: TelegramRequest[] = [];
  const script = new ResponseScript<TelegramScriptedResponse>();
  const holder = new Holder();
  let deliverWhileHeld = true;
  let answersToLose = 0;
  const nextMessageId = new Map<number, number>();
  let mediaGroupSeq = 13_000_000_000_000;

  function findChat(chatId: unknown): TelegramFakeChat {
    if (chatId === undefined || chatId === '') throw new BotApiError(400, 'Bad Request: chat_id is empty');
    const raw = String(chatId);
    const chat = raw.startsWith('@') ? chats.find((c) => c.username?.toLowerCase() === raw.slice(1).toLowerCase()) : chats.find((c) => String(c.id) === raw);
    if (!chat) throw new BotApiError(400, 'Bad Request: chat not found');
    if (kicked.has(chat.id)) {
      throw new BotApiError(403, `Forbidden: bot was kicked from the ${chat.type === 'channel' ? 'channel' : 'group'} chat`);
    }
    return chat;
  }

  function chatEntity(chat: TelegramFakeChat) {
    return { id: chat.id, type: chat.type, ...(chat.title ? { title: chat.title } : {}), ...(chat.username ? { username: chat.username } : {}) };
  }

  function message(method: string, chat: TelegramFakeChat, extra: Partial<TelegramSentMessage>) {
    const messageId = nextMessageId.get(chat.id) ?? 100;
    nextMessageId.set(chat.id, messageId + 1);
    messages.push({ method, chatId: chat.id, messageId, receivedAt: new Date(), ...extra });
    return {
      message_id: messageId,
      ...(chat.type === 'channel' ? { sender_chat: chatEntity(chat) } : { from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username } }),
      chat: chatEntity(chat),
      date: Math.floor(Date.now() / 1000),
      ...(extra.text !== undefined ? { text: extra.text } : {}),
      ...(extra.photo !== undefined ? { photo: [{ file_id: `AgAC${messageId}`, file_unique_id: `AQAD${messageId}`, width: 1, height: 1, file_size: 68 }] } : {}),
      ...(extra.caption !== undefined ? { caption: extra.caption } : {}),
      ...(extra.mediaGroupId !== undefined ? { media_group_id: extra.mediaGroupId } : {}),
    };
  }

  function checkCaption(caption: unknown): string | undefined {
    if (caption === undefined || caption === null) return undefined;
    const text = String(caption);
    if (text.length > 1024) throw new BotApiError(400, 'Bad Request: message caption is too long');
    return text;
  }

  function checkPhoto(photo: unknown): string {
    if (typeof photo !== 'string' || photo === '') throw new BotApiError(400, 'Bad Request: there is no photo in the request');
    if (!/^https?:\/\//.test(photo)) throw new BotApiError(400, 'Bad Request: wrong HTTP URL specified');
    return photo;
  }

  // Performs a Bot API method; throws BotApiError for the errors Telegram reports.
  function perform(method: string, p: Record<string, unknown>): unknown {
    switch (method) {
      case 'getMe':
        return { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username, can_join_groups: true };
      case 'getChat':
        return chatEntity(findChat(p.chat_id));
      case 'sendMessage': {
        const chat = findChat(p.chat_id);
        const text = typeof p.text === 'string' ? p.text : '';
        if (text.trim() === '') throw new BotApiError(400, 'Bad Request: message text is empty');
        // Telegram counts UTF-16 code units, so String.length is the exact rule.
        if (text.length > 4096) throw new BotApiError(400, 'Bad Request: message is too long');
        return message(method, chat, { text });
      }
      case 'sendPhoto': {
        const chat = findChat(p.chat_id);
        const photo = checkPhoto(p.photo);
        return message(method, chat, { photo, caption: checkCaption(p.caption) });
      }
      case 'sendMediaGroup': {
        const chat = findChat(p.chat_id);
        const media = p.media;
        if (!Array.isArray(media)) throw new BotApiError(400, 'Bad Request: field "media" must be an Array');
        if (media.length < 2 || media.length > 10) throw new BotApiError(400, 'Bad Request: wrong number of media in the album: must be 2-10');
        const items = media.map((item: { type?: unknown; media?: unknown; caption?: unknown }) => {
          if (item.type !== 'photo' && item.type !== 'video') throw new BotApiError(400, 'Bad Request: unsupported media type in the group');
          return { photo: checkPhoto(item.media), caption: checkCaption(item.caption) };
        });
        const mediaGroupId = String((mediaGroupSeq += 1));
        return items.map((item) => message(method, chat, { ...item, mediaGroupId }));
      }
      default:
        throw new BotApiError(404, 'Not Found');
    }
  }

  function sendScripted(res: ServerResponse, r: TelegramScriptedResponse): void {
    if (typeof r.body === 'string') return sendText(res, r.status, r.body, r.headers);
    const defaults: Record<number, string> = {
      400: 'Bad Request: chat not found',
      401: 'Unauthorized',
      403: 'Forbidden: bot was kicked from the channel chat',
      429: `Too Many Requests: retry after ${r.retryAfter ?? 5}`,
      500: 'Internal Server Error',
      502: 'Bad Gateway',
    };
    const body = r.body ?? {
      ok: false,
      error_code: r.status,
      description: r.description ?? defaults[r.status] ?? 'Internal Server Error',
      ...(r.status === 429 ? { parameters: { retry_after: r.retryAfter ?? 5 } } : {}),
    };
    sendJson(res, r.status, body, r.headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, reqToken = '', method = ''] = match;
    const entry: TelegramRequest = {
      method,
      token: reqToken,
      params: {},
      contentType: req.headers['content-type'] ?? '',
      receivedAt: new Date(),
      responseStatus: null,
    };
    requests.push(entry);
    const fail = (code: number, description: string) => {
      entry.responseStatus = code;
      sendJson(res, code, { ok: false, error_code: code, description });
    };
    try {
      entry.params = params(await parseBody(req, raw), url.searchParams);
    } catch (error) {
      if (error instanceof BotApiError) return fail(error.code, error.description);
      throw error;
    }
    const scripted = script.take(method) ?? (SEND_METHODS.has(method) ? script.take(SEND_ROUTE) : undefined);
    if (scripted) {
      entry.responseStatus = scripted.status;
      return sendScripted(res, scripted);
    }
    if (reqToken !== token) return fail(401, 'Unauthorized');

    const run = () => {
      try {
        return { ok: true as const, result: perform(method, entry.params) };
      } catch (error) {
        if (error instanceof BotApiError) return { ok: false as const, error };
        throw error;
      }
    };
    const answer = (outcome: ReturnType<typeof run>) => {
      if (!outcome.ok) return fail(outcome.error.code, outcome.error.description);
      entry.responseStatus = 200;
      sendJson(res, 200, { ok: true, result: outcome.result });
    };
    if (SEND_METHODS.has(method) && answersToLose > 0) {
      answersToLose -= 1;
      run();
      return;
    }
    if (SEND_METHODS.has(method) && holder.isHolding) {
      // No idempotency on Telegram: a delivered-but-unanswered message is exactly the double-post risk.
      const done = deliverWhileHeld ? run() : null;
      holder.park(() => answer(done ?? run()));
      return;
    }
    answer(run());
  }

  const server = await startHttpServer(handle);
  return {
    ...server,
    get token() {
      return token;
    },
    chats,
    messages,
    requests,
    failNext: (count, response, method = SEND_ROUTE) => script.failNext(count, response, method),
    holdSends: (holdOptions = {}) => {
      deliverWhileHeld = holdOptions.deliver ?? true;
      holder.hold();
    },
    releaseSends: () => holder.release(),
    waitForHeld: (count, timeoutMs) => holder.waitForHeld(count, timeoutMs),
    waitForRequests: (method, count, timeoutMs) => waitFor(() => requests.filter((r) => r.method === method).length >= count, timeoutMs, `${count} ${method} request(s)`),
    loseNextSendAnswer: () => {
      answersToLose += 1;
    },
    kickBot: (chatId) => {
      kicked.add(chatId);
    },
    revokeToken: () => {
      token = `${token}-revoked`;
    },
  };
}

const CONTRACT_VALIDATION_MESSAGE = 'Bad Request: message is too long';

/** The contract suite's view of the fake. Bot tokens do not expire, so there is no renewal to refuse. */
export function telegramContractFake(fake: TelegramFake): ContractFake {
  return {
    url: fake.url,
    stop: () => fake.stop(),
    // An album is one post: its first message carries the caption, the rest share its media_group_id.
    createdTexts: () =>
      fake.messages.filter((m, i, all) => m.mediaGroupId === undefined || all.findIndex((o) => o.mediaGroupId === m.mediaGroupId) === i).map((m) => m.text ?? m.caption ?? ''),
    validationMessage: CONTRACT_VALIDATION_MESSAGE,
    failNextPublish(kind, options = {}) {
      if (kind === 'validation') fake.failNext(1, { status: 400, description: CONTRACT_VALIDATION_MESSAGE });
      else if (kind === 'server_error') fake.failNext(1, { status: 502 });
      else fake.failNext(1, { status: 429, retryAfter: options.resetInSeconds ?? 5 });
    },
    expireAccessToken: () => fake.revokeToken(),
    revokeRefresh: () => undefined,
    loseNextPublishAnswer: () => fake.loseNextSendAnswer(),
  };
}

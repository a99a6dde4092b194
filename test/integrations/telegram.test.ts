import { describe, expect, it } from 'vitest';
import { createTelegramProvider, telegramMessageUrl, type TelegramCredentials } from '../../src/integrations/telegram.js';
import type { Provider, PublishRequest } from '../../src/integrations/types.js';
import { unusedPort } from '../fakes/httpFake.js';
import { startTelegramFake, type TelegramFake, type TelegramScriptedResponse } from '../fakes/telegramFake.js';
import { LOOPBACK_ALLOWED, classifiedFailureOf, providerOptions, useStoppers } from '../helpers/integration.js';
import { publishRequest } from '../helpers/publishRequest.js';

const stopAfterEach = useStoppers();

async function setup(requestTimeoutMs = 2000): Promise<{ f: TelegramFake; provider: Provider<TelegramCredentials>; creds: TelegramCredentials }> {
  const f = stopAfterEach(await startTelegramFake());
  const provider = createTelegramProvider({ requestTimeoutMs, telegramApiUrl: f.url, outbound: LOOPBACK_ALLOWED });
  return { f, provider, creds: { botToken: f.token, chatId: '@mychannel' } };
}

function request(overrides: Partial<PublishRequest> = {}): PublishRequest {
  return publishRequest({ text: 'Hello channel', mediaUrls: [], ...overrides });
}

const photo = (n: number) => `https://cdn.example.com/photo-${n}.jpg`;

describe('Telegram credentials', () => {
  const schema = createTelegramProvider(providerOptions()).credentialsSchema;
  it('accepts a BotFather token with an @channel or a numeric chat id', () => {
    expect(schema.safeParse({ botToken: '123:AB-c_d', chatId: '@mychannel' }).success).toBe(true);
    expect(schema.safeParse({ botToken: '123:AB-c_d', chatId: '-1001234567890' }).success).toBe(true);
    expect(schema.safeParse({ botToken: '123:AB-c_d', chatId: -1001234567890 }).success).toBe(true);
  });
  it('names the bad fields', () => {
    const bad = schema.safeParse({ botToken: 'not a token', chatId: 'my channel' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(['botToken', 'chatId']);
  });
});

describe('Telegram connect', () => {
  it('verifies the token with getMe, then reads the chat with getChat', async () => {
    const { f, provider, creds } = await setup();
    const account = await provider.connect(creds);
    expect(account).toEqual({ accountHandle: '@mychannel', settings: { chatType: 'channel', chatUsername: 'mychannel' } });
    expect(f.requests.map((r) => r.method)).toEqual(['getMe', 'getChat']);
    expect(f.requests[1]?.params.chat_id).toBe('@mychannel');
  });

  it('uses the title for a chat without a username', async () => {
    const { provider, creds } = await setup();
    const account = await provider.connect({ ...creds, chatId: -1009876543210 });
    expect(account).toEqual({ accountHandle: 'Private Channel', settings: { chatType: 'channel', chatUsername: null } });
  });

  it('a bad token fails at getMe as AUTH; an unknown chat as PERMANENT "chat not found"', async () => {
    const { f, provider, creds } = await setup();
    const auth = await classifiedFailureOf(provider, provider.connect({ ...creds, botToken: '1:nope' }));
    expect(auth).toMatchObject({ kind: 'AUTH', errorClass: 'TELEGRAM_401', responseCode: 401 });
    expect(f.requests.map((r) => r.method)).toEqual(['getMe']);
    const chat = await classifiedFailureOf(provider, provider.connect({ ...creds, chatId: '@nosuchchannel' }));
    expect(chat).toMatchObject({ kind: 'PERMANENT', errorClass: 'TELEGRAM_CHAT_NOT_FOUND', message: 'Bad Request: chat not found' });
  });
});

describe('Telegram checkContent', () => {
  const provider = createTelegramProvider(providerOptions());

  it('allows 4,096 UTF-16 units of text and flags more', () => {
    expect(provider.checkContent({ text: 'x'.repeat(4096), mediaUrls: [] }, {})).toEqual({ counted: 4096, limit: 4096, violations: [] });
    const verdict = provider.checkContent({ text: 'x'.repeat(4097), mediaUrls: [] }, {});
    expect(verdict.violations).toEqual([expect.objectContaining({ field: 'content', rule: 'maxLength' })]);
  });

  it('with media the text is a caption: 4,000 characters break the 1,024 rule', () => {
    const verdict = provider.checkContent({ text: 'x'.repeat(4000), mediaUrls: [photo(1)] }, {});
    expect(verdict).toMatchObject({ counted: 4000, limit: 1024 });
    expect(verdict.violations).toEqual([expect.objectContaining({ field: 'content', rule: 'maxCaptionLength' })]);
    expect(verdict.violations[0]?.message).toContain('1024');
  });

  it('counts an emoji outside the BMP as two units, as Telegram does', () => {
    const verdict = provider.checkContent({ text: '😀'.repeat(513), mediaUrls: [photo(1)] }, {});
    expect(verdict.counted).toBe(1026);
    expect(verdict.violations.map((v) => v.rule)).toEqual(['maxCaptionLength']);
  });

  it('allows at most 10 media', () => {
    const media = Array.from({ length: 11 }, (_, i) => photo(i));
    expect(provider.checkContent({ text: 'x', mediaUrls: media }, {}).violations).toEqual([expect.objectContaining({ field: 'mediaUrls', rule: 'maxMedia' })]);
    expect(provider.checkContent({ text: 'x', mediaUrls: media.slice(1) }, {}).violations).toEqual([]);
  });
});

describe('Telegram publish', () => {
  it('sends text with sendMessage and links the message of a public channel', async () => {
    const { f, provider, creds } = await setup();
    const result = await provider.publish(request(), { credentials: creds, settings: {} });
    expect(f.messages).toEqual([expect.objectContaining({ method: 'sendMessage', chatId: -1001234567890, text: 'Hello channel' })]);
    expect(f.requests[0]?.contentType).toContain('application/json');
    expect(result).toEqual({ externalId: '100', externalUrl: 'https://t.me/mychannel/100', responseCode: 200 });
  });

  it('sends one image with sendPhoto and the text as caption', async () => {
    const { f, provider, creds } = await setup();
    await provider.publish(request({ mediaUrls: [photo(1)] }), { credentials: creds, settings: {} });
    expect(f.messages).toEqual([expect.objectContaining({ method: 'sendPhoto', photo: photo(1), caption: 'Hello channel' })]);
  });

  it('sends 2-10 images as one album with the caption on the first, and returns the first message', async () => {
    const { f, provider, creds } = await setup();
    const result = await provider.publish(request({ mediaUrls: [photo(1), photo(2), photo(3)] }), { credentials: creds, settings: {} });
    expect(f.requests.map((r) => r.method)).toEqual(['sendMediaGroup']);
    expect(f.messages.map((m) => [m.photo, m.caption])).toEqual([
      [photo(1), 'Hello channel'],
      [photo(2), undefined],
      [photo(3), undefined],
    ]);
    expect(new Set(f.messages.map((m) => m.mediaGroupId)).size).toBe(1);
    expect(result.externalId).toBe(String(f.messages[0]?.messageId));
  });

  it('links a private channel through t.me/c without the -100 prefix', async () => {
    const { provider, creds } = await setup();
    const result = await provider.publish(request(), { credentials: { ...creds, chatId: '-1009876543210' }, settings: {} });
    expect(result.externalUrl).toBe('https://t.me/c/9876543210/100');
    expect(telegramMessageUrl({ id: 42, type: 'private' }, 7)).toBeNull();
  });
});

describe('Telegram classifyFailure', () => {
  async function failWith(response: TelegramScriptedResponse) {
    const { f, provider, creds } = await setup();
    f.failNext(1, response);
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(f.messages).toHaveLength(0);
    return failure;
  }

  it('5xx is RETRYABLE', async () => {
    expect(await failWith({ status: 500 })).toMatchObject({ kind: 'RETRYABLE', errorClass: 'TELEGRAM_500', responseCode: 500 });
    expect(await failWith({ status: 502, body: '<html>Bad Gateway</html>' })).toMatchObject({ kind: 'RETRYABLE', errorClass: 'TELEGRAM_502' });
  });

  it('429 is RATE_LIMITED for parameters.retry_after seconds', async () => {
    const failure = await failWith({ status: 429, retryAfter: 17 });
    expect(failure).toMatchObject({ kind: 'RATE_LIMITED', errorClass: 'TELEGRAM_429', retryAfterMs: 17_000 });
    expect(failure.message).toContain('Too Many Requests: retry after 17');
  });

  it('401 (revoked token) is AUTH', async () => {
    const { f, provider, creds } = await setup();
    f.revokeToken();
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'TELEGRAM_401' });
    expect(failure.message).toContain('reconnect the channel');
    expect(failure.message).not.toContain(creds.botToken);
  });

  it('403 (bot kicked from the channel) is AUTH with Telegram’s description', async () => {
    const { f, provider, creds } = await setup();
    f.kickBot(-1001234567890);
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'AUTH', errorClass: 'TELEGRAM_403', responseCode: 403 });
    expect(failure.message).toContain('Forbidden: bot was kicked from the channel chat');
  });

  it('400 is PERMANENT with the description: text and caption over the limits', async () => {
    const { f, provider, creds } = await setup();
    const long = await classifiedFailureOf(provider, provider.publish(request({ text: 'x'.repeat(4097) }), { credentials: creds, settings: {} }));
    expect(long).toMatchObject({ kind: 'PERMANENT', errorClass: 'TELEGRAM_400', message: 'Bad Request: message is too long' });
    const caption = await classifiedFailureOf(provider, provider.publish(request({ text: '😀'.repeat(513), mediaUrls: [photo(1)] }), { credentials: creds, settings: {} }));
    expect(caption).toMatchObject({ kind: 'PERMANENT', message: 'Bad Request: message caption is too long' });
    expect(f.messages).toHaveLength(0);
  });

  it('a timeout is UNKNOWN: the message may be out, and Telegram has no idempotency', async () => {
    const { f, provider, creds } = await setup(150);
    f.holdSends();
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    expect(failure).toMatchObject({ kind: 'UNKNOWN', errorClass: 'TIMEOUT', responseCode: null });
    expect(f.messages).toHaveLength(1);
  });

  it('a connection dropped after sending is UNKNOWN NETWORK', async () => {
    const { f, provider, creds } = await setup();
    f.holdSends();
    const pending = classifiedFailureOf(provider, provider.publish(request(), { credentials: creds, settings: {} }));
    await f.waitForHeld(1);
    await f.stop();
    expect(await pending).toMatchObject({ kind: 'UNKNOWN', errorClass: 'NETWORK' });
  });

  it('connection refused is RETRYABLE NETWORK', async () => {
    const port = await unusedPort();
    const provider = createTelegramProvider({ requestTimeoutMs: 2000, telegramApiUrl: `http://127.0.0.1:${port}`, outbound: LOOPBACK_ALLOWED });
    const failure = await classifiedFailureOf(provider, provider.publish(request(), { credentials: { botToken: '1:a', chatId: '@mychannel' }, settings: {} }));
    expect(failure).toMatchObject({ kind: 'RETRYABLE', errorClass: 'NETWORK' });
  });
});

describe('Telegram fake wire contract', () => {
  it('accepts application/x-www-form-urlencoded with a JSON-encoded media field', async () => {
    const { f } = await setup();
    const body = new URLSearchParams({
      chat_id: '@mychannel',
      media: JSON.stringify([
        { type: 'photo', media: photo(1), caption: 'c' },
        { type: 'photo', media: photo(2) },
      ]),
    });
    const res = await fetch(`${f.url}/bot${f.token}/sendMediaGroup`, { method: 'POST', body });
    const json = (await res.json()) as { ok: boolean; result: { message_id: number; media_group_id: string }[] };
    expect(res.status).toBe(200);
    expect(json.ok).toBe(true);
    expect(json.result).toHaveLength(2);
    expect(f.messages[0]?.caption).toBe('c');
  });

  it('answers errors with the HTTP status equal to error_code', async () => {
    const { f } = await setup();
    const res = await fetch(`${f.url}/bot${f.token}/sendMessage`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ chat_id: '@nosuchchannel', text: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: chat not found' });
  });
});

// A loopback Discord serving one channel webhook the way discord.com does: GET returns the webhook object, POST
// executes it (204 without ?wait=true, the message object with it), JSON error codes (10015 Unknown Webhook on 404,
// 50027 Invalid Webhook Token on 401, 50035 Invalid Form Body on 400), X-RateLimit-* headers on every execution and
// a 429 body { message, retry_after (seconds, with a fraction), global } when the bucket is empty.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { FixedWindowLimiter, ResponseScript, sendJson, startHttpServer, type FakeServer } from './httpFake.js';

export interface DiscordScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DiscordFakeOptions {
  name?: string;
  /** How long Discord takes to execute a webhook (keeps publishes in flight). */
  latencyMs?: number;
  /** Executions per bucket window before a real 429 (default 5). */
  bucketLimit?: number;
  /** Bucket window in ms (default 2000). */
  bucketWindowMs?: number;
  /** The clock the bucket windows follow (default Date.now), so a test can keep several executions in one window. */
  bucketClock?: () => number;
}

export interface DiscordMessage {
  id: string;
  content: string;
  embeds: { image?: { url?: string } }[];
}

export interface ExecuteRequest {
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface DiscordFake extends FakeServer, ContractFake {
  webhookUrl: string;
  webhookId: string;
  channelId: string;
  guildId: string;
  messages: DiscordMessage[];
  executions: ExecuteRequest[];
  failNext(count: number, response: DiscordScriptedResponse): void;
}

const VALIDATION_MESSAGE = 'Invalid Form Body';
const snowflake = () => String(BigInt(Date.now() - 1_420_070_400_000) * 4_194_304n + BigInt(Math.floor(Math.random() * 4_194_304)));

export async function startDiscordFake(options: DiscordFakeOptions = {}): Promise<DiscordFake> {
  const webhookId = snowflake();
  const token = randomBytes(34).toString('base64url');
  const channelId = snowflake();
  const guildId = snowflake();
  const windowMs = options.bucketWindowMs ?? 2000;
  const clock = options.bucketClock ?? Date.now;
  const limiter = new FixedWindowLimiter(options.bucketLimit ?? 5, windowMs, clock);
  const bucket = randomBytes(16).toString('hex');
  const script = new ResponseScript<DiscordScriptedResponse>();
  const messages: DiscordMessage[] = [];
  const executions: ExecuteRequest[] = [];
  let deleted = false;
  let loseNextAnswer = false;

  const webhook = () => ({
    application_id: null,
    avatar: null,
    channel_id: channelId,
    guild_id: guildId,
    id: webhookId,
    name: options.name ?? 'PostFlow announcements',
    type: 1,
    token,
    url: `https://discord.com/api/webhooks/${webhookId}/${token}`,
  });

  function execute(body: Record<string, unknown>): { status: number; body: unknown } {
    const content = typeof body.content === 'string' ? body.content : '';
    const embeds = Array.isArray(body.embeds) ? (body.embeds as DiscordMessage['embeds']) : [];
    if (content.length > 2000) {
      return {
        status: 400,
        body: { message: VALIDATION_MESSAGE, code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } },
      };
    }
    if (embeds.length > 10) {
      return {
        status: 400,
        body: { message: VALIDATION_MESSAGE, code: 50035, errors: { embeds: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 10 or fewer in length.' }] } } },
      };
    }
    if (content === '' && embeds.length === 0) return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    const message = { id: snowflake(), content, embeds };
    messages.push(message);
    return {
      status: 200,
      body: {
        id: message.id,
        type: 0,
        content,
        channel_id: channelId,
        author: { bot: true, id: webhookId, username: webhook().name },
        embeds,
        attachments: [],
        webhook_id: webhookId,
        timestamp: new Date().toISOString(),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([\w-]+)\/?$/.exec(url.pathname);
    if (!match) return sendJson(res, 404, { message: '404: Not Found', code: 0 });
    if (match[1] !== webhookId || deleted) return sendJson(res, 404, { message: 'Unknown Webhook', code: 10015 });
    if (match[2] !== token) return sendJson(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
    if (req.method === 'GET') return sendJson(res, 200, webhook());
    if (req.method !== 'POST') return sendJson(res, 405, { message: '405: Method Not Allowed', code: 0 });

    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { message: 'The request body contains invalid JSON.', code: 50109 });
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    executions.push({ query: Object.fromEntries(url.searchParams), body });
    const rate = limiter.hit(webhookId);
    const resetAfter = (rate.resetAt - clock()) / 1000;
    const headers: Record<string, string> = {
      'X-RateLimit-Bucket': bucket,
      'X-RateLimit-Limit': String(rate.limit),
      'X-RateLimit-Remaining': String(rate.remaining),
      'X-RateLimit-Reset': (rate.resetAt / 1000).toFixed(3),
      'X-RateLimit-Reset-After': resetAfter.toFixed(3),
    };
    const scripted = script.take('execute');
    if (scripted) return sendJson(res, scripted.status, scripted.body ?? { message: '500: Internal Server Error', code: 0 }, { ...headers, ...scripted.headers });
    if (rate.exceeded) {
      return sendJson(
        res,
        429,
        { message: 'You are being rate limited.', retry_after: Number(resetAfter.toFixed(3)), global: false },
        {
          ...headers,
          'Retry-After': String(Math.ceil(resetAfter)),
          'X-RateLimit-Scope': 'user',
        },
      );
    }
    const result = execute(body);
    // Discord answers the message only when asked to wait for it.
    if (loseNextAnswer && result.status === 200) {
      loseNextAnswer = false;
      return;
    }
    if (result.status === 200 && url.searchParams.get('wait') !== 'true') {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    return sendJson(res, result.status, result.body, headers);
  }

  const server = await startHttpServer(handle);
  return {
    ...server,
    webhookUrl: `${server.url}/api/webhooks/${webhookId}/${token}`,
    webhookId,
    channelId,
    guildId,
    messages,
    executions,
    validationMessage: VALIDATION_MESSAGE,
    createdTexts: () => messages.map((m) => m.content),
    failNext: (count, response) => script.failNext(count, response, 'execute'),
    failNextPublish: (kind, failOptions = {}) => {
      if (kind === 'validation') {
        script.failNext(
          1,
          {
            status: 400,
            body: { message: VALIDATION_MESSAGE, code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } },
          },
          'execute',
        );
      }
      if (kind === 'server_error') script.failNext(1, { status: 502, body: { message: '502: Bad Gateway', code: 0 } }, 'execute');
      if (kind === 'rate_limited') {
        const seconds = failOptions.resetInSeconds ?? 60;
        script.failNext(
          1,
          {
            status: 429,
            body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
            headers: { 'Retry-After': String(Math.ceil(seconds)), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset-After': seconds.toFixed(3), 'X-RateLimit-Scope': 'user' },
          },
          'execute',
        );
      }
    },
    // A webhook has no expiring token: the closest is the webhook being deleted.
    expireAccessToken: () => {
      deleted = true;
    },
    revokeRefresh: () => undefined,
    loseNextPublishAnswer: () => {
      loseNextAnswer = true;
    },
  };
}

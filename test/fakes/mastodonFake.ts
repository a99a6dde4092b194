// A loopback Mastodon instance implementing the parts of the REST API PostFlow uses, with Mastodon's own
// wire behaviour: Bearer auth, X-RateLimit-* on every answer, 422 validation errors, async media (202 then
// 206 until processed) and Idempotency-Key (same account + key within an hour returns the first status).
// Its OAuth endpoints (app registration, authorize, token) live in mastodonOAuth.ts; tokens issued there work here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { FixedWindowLimiter, Holder, ResponseScript, parseBody, sendJson, sendText, startHttpServer, waitFor, type FakeServer } from './httpFake.js';
import { createMastodonOAuth, scopeCovers, type MastodonOAuth } from './mastodonOAuth.js';

export type MastodonRoute = 'statuses' | 'media' | 'media_poll' | 'verify_credentials' | 'instance' | '*';

export interface MastodonScriptedResponse {
  status: number;
  /** Defaults to what Mastodon sends for that status ({"error": ...}, or its HTML page for 5xx). */
  body?: unknown;
  headers?: Record<string, string>;
  /** For 429: X-RateLimit-Reset is now + this many seconds (default 300). */
  resetInSeconds?: number;
  /** Adds a Retry-After header (Mastodon itself does not send one). */
  retryAfter?: string | number;
}

export interface MastodonFakeOptions {
  accessToken?: string;
  username?: string;
  maxCharacters?: number;
  maxMediaAttachments?: number;
  /** 'async' answers POST /api/v2/media with 202 and GET /api/v1/media/:id with 206 until processed. */
  mediaProcessing?: 'sync' | 'async';
  /** With async media: how many polls answer 206 before the attachment is ready (default 1). */
  mediaPollsUntilReady?: number;
  /** false: /api/v2/instance answers 404, as on Mastodon before 4.0 (default true). */
  instanceV2?: boolean;
  /** Requests per 5-minute window per token before a real 429 (default 300). */
  rateLimit?: number;
}

export interface FakeStatus {
  id: string;
  text: string;
  idempotencyKey: string | null;
  visibility: string;
  mediaIds: string[];
  receivedAt: Date;
  /** The Status entity as the API returned it. */
  entity: Record<string, unknown>;
}

export interface StatusRequest {
  idempotencyKey: string | null;
  authorization: string | null;
  body: Record<string, unknown>;
  receivedAt: Date;
  /** HTTP status answered; null while held or never answered. */
  responseStatus: number | null;
}

export interface FakeMedia {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  pollsLeft: number;
  attached: boolean;
}

export interface MastodonFake extends FakeServer {
  accessToken: string;
  username: string;
  statuses: FakeStatus[];
  requests: StatusRequest[];
  media: FakeMedia[];
  /** Every request as "METHOD /path". */
  log: string[];
  /** Apps registered and tokens issued through the OAuth endpoints. */
  oauth: MastodonOAuth;
  failNext(count: number, response: MastodonScriptedResponse, route?: MastodonRoute): void;
  /** Accept POST /api/v1/statuses but do not answer until releaseStatuses(); create=false also defers creating. */
  holdStatuses(options?: { create?: boolean }): void;
  releaseStatuses(): Promise<void>;
  waitForHeld(count?: number, timeoutMs?: number): Promise<void>;
  waitForStatusRequests(count: number, timeoutMs?: number): Promise<void>;
  /** The next POST /api/v1/statuses creates the status but is never answered (the client times out). */
  loseNextStatusAnswer(): void;
  /** Every later request with the old token (and any token issued through OAuth) gets 401. */
  revokeToken(): void;
  /** Moves the fake's clock (idempotency expiry, rate-limit windows). */
  advanceClock(ms: number): void;
}

const WINDOW_MS = 5 * 60 * 1000;
const IDEMPOTENCY_TTL_MS = 60 * 60 * 1000;
const ERROR_PAGE = "<!DOCTYPE html><html><body><h1>We're sorry, but something went wrong on our end.</h1></body></html>";

// Mastodon's StatusLengthValidator, written independently of src/ so the fake can catch counting bugs:
// URLs count 23, "@user@domain" counts as "@user", the rest in grapheme clusters.
function countLikeMastodon(text: string): number {
  const rewritten = text
    .replace(/https?:\/\/[^\s<>"]+?(?=[.,;:!?)]*(?:\s|$))/giu, 'x'.repeat(23))
    .replace(/(^|[^\p{L}\p{N}_/@])@([\p{L}\p{N}_.-]*[\p{L}\p{N}_])@[\p{L}\p{N}.-]+\.[\p{L}\p{N}-]+/gu, '$1@$2');
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(rewritten)].length;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function startMastodonFake(options: MastodonFakeOptions = {}): Promise<MastodonFake> {
  let accessToken = options.accessToken ?? 'test-token';
  const username = options.username ?? 'alice';
  const maxCharacters = options.maxCharacters ?? 500;
  const maxMedia = options.maxMediaAttachments ?? 4;
  const rateLimit = options.rateLimit ?? 300;
  const script = new ResponseScript<MastodonScriptedResponse>();
  const holder = new Holder();
  let createWhileHeld = true;
  let answersToLose = 0;
  const oauth = createMastodonOAuth();
  let clockOffset = 0;
  let nextId = 110_000_000_000_000_000n;
  const now = () => Date.now() + clockOffset;
  const newId = () => String((nextId += 1n));
  // A fixed 5-minute window per token, as Mastodon's rack-attack configuration does.
  const limiter = new FixedWindowLimiter(rateLimit, WINDOW_MS, now);
  const idempotency = new Map<string, { statusId: string; at: number }>();
  const statuses: FakeStatus[] = [];
  const requests: StatusRequest[] = [];
  const media: FakeMedia[] = [];
  const log: string[] = [];
  let baseUrl = '';

  const account = () => ({ id: '1', username, acct: username, display_name: 'Alice', url: `${baseUrl}/@${username}` });

  const mediaEntity = (m: FakeMedia) => ({
    id: m.id,
    type: 'image',
    url: m.pollsLeft > 0 ? null : `${baseUrl}/system/media_attachments/files/${m.id}/original/${m.filename}`,
    preview_url: `${baseUrl}/system/media_attachments/files/${m.id}/small/${m.filename}`,
    remote_url: null,
    description: null,
    blurhash: null,
    meta: {},
  });

  function scripted(res: ServerResponse, r: MastodonScriptedResponse, headers: Record<string, string>): void {
    const extra: Record<string, string> = { ...headers, ...r.headers };
    if (r.status === 429) {
      extra['X-RateLimit-Remaining'] = '0';
      extra['X-RateLimit-Reset'] = new Date(now() + (r.resetInSeconds ?? 300) * 1000).toISOString();
    }
    if (r.retryAfter !== undefined) extra['Retry-After'] = String(r.retryAfter);
    if (r.body === undefined && r.status >= 500) return sendText(res, r.status, ERROR_PAGE, extra);
    const defaults: Record<number, string> = {
      401: 'The access token is invalid',
      403: 'This action is not allowed',
      404: 'Record not found',
      422: `Validation failed: Text character limit of ${maxCharacters} exceeded`,
      429: 'Too many requests',
    };
    sendJson(res, r.status, r.body ?? { error: defaults[r.status] ?? 'Something went wrong' }, extra);
  }

  function createStatus(body: Record<string, unknown>, key: string | null): { status: number; body: unknown } {
    if (key) {
      const seen = idempotency.get(`${username}:${key}`);
      const existing = seen && now() - seen.at < IDEMPOTENCY_TTL_MS && statuses.find((s) => s.id === seen.statusId);
      if (existing) return { status: 200, body: existing.entity };
    }
    const text = typeof body.status === 'string' ? body.status : '';
    const mediaIds = (Array.isArray(body.media_ids) ? body.media_ids : []).map(String);
    if (mediaIds.length > maxMedia) return { status: 422, body: { error: `Cannot attach more than ${maxMedia} files` } };
    const attachments = mediaIds.map((id) => media.find((m) => m.id === id && !m.attached));
    const missing = mediaIds.filter((_, i) => !attachments[i]);
    if (missing.length > 0) {
      return { status: 422, body: { error: `Media with ID(s) ${missing.join(', ')} not found. Already attached to another post?` } };
    }
    if (attachments.some((m) => m && m.pollsLeft > 0)) {
      return { status: 422, body: { error: 'Cannot attach files that have not finished processing. Try again in a moment!' } };
    }
    if (text.trim() === '' && mediaIds.length === 0) return { status: 422, body: { error: "Validation failed: Text can't be blank" } };
    if (countLikeMastodon(text) > maxCharacters) {
      return { status: 422, body: { error: `Validation failed: Text character limit of ${maxCharacters} exceeded` } };
    }
    const id = newId();
    const visibility = typeof body.visibility === 'string' ? body.visibility : 'public';
    for (const m of attachments) if (m) m.attached = true;
    const entity = {
      id,
      created_at: new Date(now()).toISOString(),
      in_reply_to_id: null,
      sensitive: false,
      spoiler_text: '',
      visibility,
      language: null,
      uri: `${baseUrl}/users/${username}/statuses/${id}`,
      url: `${baseUrl}/@${username}/${id}`,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      content: `<p>${escapeHtml(text).replace(/\n/g, '<br />')}</p>`,
      reblog: null,
      application: { name: 'PostFlow', website: null },
      account: account(),
      media_attachments: attachments.map((m) => mediaEntity(m as FakeMedia)),
      mentions: [],
      tags: [],
      emojis: [],
      card: null,
      poll: null,
    };
    statuses.push({ id, text, idempotencyKey: key, visibility, mediaIds, receivedAt: new Date(), entity });
    if (key) idempotency.set(`${username}:${key}`, { statusId: id, at: now() });
    return { status: 200, body: entity };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(`${method} ${path}`);
    if (oauth.handles(method, path)) return oauth.handle(req, res, raw);
    const auth = req.headers.authorization ?? null;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : '';
    const rate = limiter.hit(token || (req.socket.remoteAddress ?? 'anonymous'));
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(rate.limit),
      'X-RateLimit-Remaining': String(rate.remaining),
      'X-RateLimit-Reset': new Date(rate.resetAt).toISOString(),
    };

    const route: MastodonRoute | null =
      method === 'POST' && path === '/api/v1/statuses'
        ? 'statuses'
        : method === 'POST' && path === '/api/v2/media'
          ? 'media'
          : method === 'GET' && path.startsWith('/api/v1/media/')
            ? 'media_poll'
            : method === 'GET' && path === '/api/v1/accounts/verify_credentials'
              ? 'verify_credentials'
              : method === 'GET' && (path === '/api/v2/instance' || path === '/api/v1/instance')
                ? 'instance'
                : null;

    let statusRequest: StatusRequest | null = null;
    if (route === 'statuses') {
      const parsed = await parseBody(req, raw);
      const body: Record<string, unknown> =
        parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object'
          ? (parsed.value as Record<string, unknown>)
          : parsed.kind === 'form'
            ? { ...Object.fromEntries(parsed.value), media_ids: parsed.value.getAll('media_ids[]') }
            : {};
      const key = req.headers['idempotency-key'];
      statusRequest = { idempotencyKey: typeof key === 'string' ? key : null, authorization: auth, body, receivedAt: new Date(), responseStatus: null };
      requests.push(statusRequest);
    }
    const answer = (status: number, body: unknown) => {
      if (statusRequest) statusRequest.responseStatus = status;
      sendJson(res, status, body, headers);
    };

    if (route) {
      const r = script.take(route);
      if (r) {
        if (statusRequest) statusRequest.responseStatus = r.status;
        return scripted(res, r, headers);
      }
    }
    if (rate.exceeded) return scripted(res, { status: 429, resetInSeconds: (rate.resetAt - now()) / 1000 }, headers);
    // Instance metadata is public; everything else needs the token, and OAuth tokens only reach their scopes.
    const granted = token === accessToken ? null : oauth.scopesOf(token);
    if (route !== 'instance' && token !== accessToken && granted === null) return answer(401, { error: 'The access token is invalid' });
    const needed = route === 'statuses' ? 'write:statuses' : route === 'media' || route === 'media_poll' ? 'write:media' : route === 'verify_credentials' ? 'read:accounts' : null;
    if (granted && needed && !scopeCovers(granted, needed) && !(needed === 'read:accounts' && granted.includes('profile'))) {
      return answer(403, { error: 'This action is outside the authorized scopes' });
    }

    switch (route) {
      case 'verify_credentials':
        return answer(200, account());
      case 'instance': {
        const statusesConfig = { max_characters: maxCharacters, max_media_attachments: maxMedia, characters_reserved_per_url: 23 };
        if (path === '/api/v2/instance') {
          if (options.instanceV2 === false) return answer(404, { error: 'Record not found' });
          return answer(200, { domain: new URL(baseUrl).host, title: 'Fake Mastodon', version: '4.3.0', configuration: { statuses: statusesConfig } });
        }
        return answer(200, { uri: new URL(baseUrl).host, title: 'Fake Mastodon', version: '3.5.0', max_toot_chars: maxCharacters, configuration: { statuses: statusesConfig } });
      }
      case 'media': {
        const parsed = await parseBody(req, raw);
        const file = parsed.kind === 'multipart' ? parsed.value.get('file') : null;
        if (!file || typeof file === 'string') return answer(422, { error: "Validation failed: File can't be blank" });
        const async = options.mediaProcessing === 'async';
        const m: FakeMedia = {
          id: newId(),
          filename: (file as File).name || 'file',
          contentType: file.type,
          size: file.size,
          pollsLeft: async ? (options.mediaPollsUntilReady ?? 1) : 0,
          attached: false,
        };
        media.push(m);
        return answer(async ? 202 : 200, mediaEntity(m));
      }
      case 'media_poll': {
        const m = media.find((x) => x.id === path.slice('/api/v1/media/'.length));
        if (!m) return answer(404, { error: 'Record not found' });
        const entity = mediaEntity(m);
        if (m.pollsLeft > 0) m.pollsLeft -= 1;
        return answer(entity.url === null ? 206 : 200, entity);
      }
      case 'statuses': {
        const request = statusRequest as StatusRequest;
        if (answersToLose > 0) {
          answersToLose -= 1;
          createStatus(request.body, request.idempotencyKey);
          return;
        }
        if (holder.isHolding) {
          // The instance did (or did not) do the work; only the answer is withheld, like a worker dying
          // after sending or a proxy eating the response.
          const done = createWhileHeld ? createStatus(request.body, request.idempotencyKey) : null;
          holder.park(() => {
            const result = done ?? createStatus(request.body, request.idempotencyKey);
            answer(result.status, result.body);
          });
          return;
        }
        const result = createStatus(request.body, request.idempotencyKey);
        return answer(result.status, result.body);
      }
      default:
        return answer(404, { error: 'Record not found' });
    }
  }

  const server = await startHttpServer(handle);
  baseUrl = server.url;
  return {
    ...server,
    get accessToken() {
      return accessToken;
    },
    username,
    statuses,
    requests,
    media,
    log,
    oauth,
    failNext: (count, response, route = 'statuses') => script.failNext(count, response, route),
    holdStatuses: (holdOptions = {}) => {
      createWhileHeld = holdOptions.create ?? true;
      holder.hold();
    },
    releaseStatuses: () => holder.release(),
    waitForHeld: (count, timeoutMs) => holder.waitForHeld(count, timeoutMs),
    waitForStatusRequests: (count, timeoutMs) => waitFor(() => requests.length >= count, timeoutMs, `${count} status request(s)`),
    loseNextStatusAnswer: () => {
      answersToLose += 1;
    },
    revokeToken: () => {
      accessToken = `revoked-${accessToken}`;
      oauth.revokeAll();
    },
    advanceClock: (ms) => {
      clockOffset += ms;
    },
  };
}

const CONTRACT_VALIDATION_MESSAGE = 'Validation failed: Text character limit of 500 exceeded';

/** The contract suite's view of the fake. Mastodon has no refresh tokens, so revokeRefresh has nothing to revoke. */
export function mastodonContractFake(fake: MastodonFake): ContractFake {
  return {
    url: fake.url,
    stop: () => fake.stop(),
    createdTexts: () => fake.statuses.map((s) => s.text),
    validationMessage: CONTRACT_VALIDATION_MESSAGE,
    failNextPublish(kind, options = {}) {
      if (kind === 'validation') fake.failNext(1, { status: 422, body: { error: CONTRACT_VALIDATION_MESSAGE } });
      else if (kind === 'server_error') fake.failNext(1, { status: 503 });
      else fake.failNext(1, { status: 429, resetInSeconds: options.resetInSeconds ?? 300 });
    },
    expireAccessToken: () => fake.revokeToken(),
    revokeRefresh: () => undefined,
    loseNextPublishAnswer: () => fake.loseNextStatusAnswer(),
  };
}

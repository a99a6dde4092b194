// A loopback X (api.x.com and x.com's OAuth page on one server) implementing what PostFlow uses, with X's wire
// behaviour: Bearer user tokens and their scopes, POST /2/tweets answered 201 {data:{id,text}}, replies that must
// point at an existing tweet, duplicate texts refused with 403, POST /2/media/upload (multipart "media"), GET
// /2/users/me, v2 problem JSON errors, and the rate-limit headers: x-rate-limit-* per user per 15 minutes (epoch
// seconds) and x-app-limit-24hour-* per app on POST /2/tweets. Its OAuth 2.0 (GET /i/oauth2/authorize, POST
// /2/oauth2/token) is the shared OAuthServer with X's rules: PKCE is mandatory, confidential clients authenticate with
// HTTP Basic and public ones name client_id in the form, access tokens last 2 hours, offline.access brings a refresh
// token, and refresh tokens rotate (the used one dies).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { FixedWindowLimiter, parseBody, sendJson, sendText, startHttpServer, type FakeServer } from './httpFake.js';
import { OAuthServer, type OAuthClient, type OAuthGrant, type OAuthTokenRequest } from './oauthServerFake.js';

export type XRoute = 'tweets' | 'media' | 'me' | 'timeline' | '*';

export interface XScriptedResponse {
  status: number;
  /** Defaults to X's problem JSON for that status. */
  body?: unknown;
  headers?: Record<string, string>;
  /** For 429: the exhausted window resets in this many seconds (default 900). */
  resetInSeconds?: number;
  /** For 429: the app's 24-hour limit is the one used up, not the user's 15-minute window. */
  appLimit?: boolean;
  /** Never answer (the client times out); status is then ignored. */
  noAnswer?: boolean;
}

export interface XFakeOptions {
  /** More apps (channels bringing their own). */
  apps?: OAuthClient[];
  username?: string;
  /** POST /2/tweets per user per 15 minutes (default 100). */
  userTweetLimit?: number;
  /** POST /2/tweets per app per 24 hours (default 10,000). */
  appDailyLimit?: number;
}

export interface FakeTweet {
  id: string;
  text: string;
  reply_to: string | null;
  media_ids: string[];
  /** The Authorization header the tweet was created with. */
  authorization: string;
  userId: string;
  clientId: string;
  createdAt: Date;
}

export interface FakeXMedia {
  id: string;
  media_key: string;
  userId: string;
  media_category: string | null;
  contentType: string;
  size: number;
}

export interface XFake extends FakeServer, ContractFake {
  clientId: string;
  clientSecret: string;
  userId: string;
  username: string;
  tweets: FakeTweet[];
  media: FakeXMedia[];
  /** Every request as "METHOD /path". */
  log: string[];
  /** Authorize requests as received (their query parameters). */
  authorizations: URLSearchParams[];
  tokenRequests: OAuthTokenRequest[];
  /** A valid token set for the fake's user, as the token endpoint would issue it (the first app's by default). */
  issueTokens(options?: { clientId?: string; scopes?: string[] }): XTokenSet;
  addApp(app: OAuthClient): void;
  /** The next `count` requests on `route` (whose JSON body matches, when `match` is given) get `response`. */
  failNext(count: number, response: XScriptedResponse, route?: XRoute, match?: (body: Record<string, unknown>) => boolean): void;
}

export interface XTokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** ISO 8601, as stored in credentials. */
  expiresAt: string;
  scope: string;
}

const X_DUPLICATE_MESSAGE = 'You are not allowed to create a Tweet with duplicate content.';
const X_FAKE_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access', 'media.write'];
const CLIENT_ID = 'x-client-id';
const CLIENT_SECRET = 'x-client-secret';
const USER_ID = '1466796521412771840';
const ACCESS_TOKEN_SECONDS = 7200;

function xOAuthServer(apps: OAuthClient[]): OAuthServer {
  const oauthError = (status: number, error: string, description: string) => ({ status, body: { error, error_description: description } });
  return new OAuthServer({
    clients: apps,
    clientAuth: 'basic',
    strictAuthorize: true,
    rotateRefreshTokens: true,
    accessTokenSeconds: ACCESS_TOKEN_SECONDS,
    tokenPrefix: { access: 'x-at-', refresh: 'x-rt-' },
    refreshTokenFor: (scopes) => scopes.includes('offline.access'),
    errors: {
      client: oauthError(401, 'unauthorized_client', 'Missing valid authorization header'),
      code: oauthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.'),
      verifier: oauthError(400, 'invalid_grant', 'Value passed for the code verifier did not match the code challenge.'),
      refresh: oauthError(400, 'invalid_request', 'Value passed for the token was invalid.'),
      grant_type: oauthError(400, 'invalid_request', 'Missing required parameter [grant_type].'),
    },
    refuseAuthorize: (res, why) => sendText(res, 400, `Something went wrong: ${why}`, {}, 'text/plain; charset=utf-8'),
    tokenAnswer: (issued) => ({
      token_type: 'bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      access_token: issued.accessToken,
      scope: issued.scopes.join(' '),
      ...(issued.refreshToken && { refresh_token: issued.refreshToken }),
    }),
  });
}

const TITLES: Record<number, string> = {
  400: 'Invalid Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found Error',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, detail?: string): Record<string, unknown> {
  const title = TITLES[status] ?? 'Error';
  if (status === 400) {
    // X's invalid-request problem names each bad parameter in errors[].
    return {
      errors: [{ message: detail ?? 'Invalid request' }],
      title,
      detail: 'One or more parameters to your request was invalid.',
      type: 'https://api.twitter.com/2/problems/invalid-request',
    };
  }
  return { title, detail: detail ?? title, type: 'about:blank', status };
}

// twitter-text's weighted length, written apart from src/ so the fake catches counting bugs: URLs 23, emoji 2,
// code points outside the light ranges (CJK and most non-Latin scripts) 2.
function weightedLength(text: string): number {
  const withoutUrls = text.normalize('NFC').replace(/https?:\/\/\S+?(?=[.,;:!?)'"]*(?:\s|$))/giu, '\u0000');
  let weight = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(withoutUrls)) {
    if (segment === '\u0000') weight += 23;
    else if (/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(segment)) weight += 2;
    else
      for (const c of segment) {
        const cp = c.codePointAt(0)!;
        const light = cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
        weight += light ? 1 : 2;
      }
  }
  return weight;
}

export async function startXFake(options: XFakeOptions = {}): Promise<XFake> {
  const userId = USER_ID;
  const username = options.username ?? 'alice';
  const oauth = xOAuthServer([{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, ...(options.apps ?? [])]);
  const windowMs = 15 * 60 * 1000;
  const limiters: Record<Exclude<XRoute, '*'>, FixedWindowLimiter> = {
    tweets: new FixedWindowLimiter(options.userTweetLimit ?? 100, windowMs),
    media: new FixedWindowLimiter(500, windowMs),
    me: new FixedWindowLimiter(75, windowMs),
    timeline: new FixedWindowLimiter(900, windowMs),
  };
  const appDaily = new FixedWindowLimiter(options.appDailyLimit ?? 10_000, 24 * 60 * 60 * 1000);
  const script: { route: XRoute; response: XScriptedResponse; match?: (body: Record<string, unknown>) => boolean }[] = [];
  const tweets: FakeTweet[] = [];
  const media: FakeXMedia[] = [];
  const log: string[] = [];
  let loseAnswers = 0;
  let nextId = 1_880_000_000_000_000_000n;
  const newId = () => String((nextId += 1n));
  const epoch = (ms: number) => String(Math.ceil(ms / 1000));

  function takeScripted(route: XRoute, body: Record<string, unknown>): XScriptedResponse | undefined {
    const index = script.findIndex((s) => (s.route === route || s.route === '*') && (!s.match || s.match(body)));
    return index === -1 ? undefined : script.splice(index, 1)[0]!.response;
  }

  function scripted(res: ServerResponse, r: XScriptedResponse, headers: Record<string, string>): void {
    if (r.noAnswer) return;
    const extra = { ...headers };
    if (r.status === 429) {
      const reset = epoch(Date.now() + (r.resetInSeconds ?? 900) * 1000);
      if (r.appLimit) Object.assign(extra, { 'x-app-limit-24hour-remaining': '0', 'x-app-limit-24hour-reset': reset, 'x-app-limit-24hour-limit': '10000' });
      else Object.assign(extra, { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset });
    }
    sendJson(res, r.status, r.body ?? problem(r.status), { ...extra, ...r.headers });
  }

  function createTweet(body: Record<string, unknown>, grant: OAuthGrant, authorization: string): { status: number; body: unknown } {
    const text = typeof body.text === 'string' ? body.text : '';
    const mediaIds = ((body.media as { media_ids?: unknown } | undefined)?.media_ids ?? []) as unknown[];
    const replyTo = (body.reply as { in_reply_to_tweet_id?: unknown } | undefined)?.in_reply_to_tweet_id;
    if (text === '' && mediaIds.length === 0) return { status: 400, body: problem(400, 'Your request must include text or media.') };
    if (!Array.isArray(mediaIds) || mediaIds.length > 4) return { status: 400, body: problem(400, 'The media.media_ids field holds 1 to 4 ids.') };
    for (const id of mediaIds) {
      if (!media.some((m) => m.id === id && m.userId === userId)) return { status: 400, body: problem(400, 'Your media IDs are invalid.') };
    }
    if (replyTo !== undefined && !tweets.some((t) => t.id === replyTo)) {
      return { status: 400, body: problem(400, 'The Tweet you are replying to has been deleted or is not visible to you.') };
    }
    // Unverified wording and status: X documents the 280 weighted limit, not the exact refusal.
    if (weightedLength(text) > 280) return { status: 403, body: problem(403, 'Your Tweet text is too long.') };
    if (text !== '' && tweets.some((t) => t.userId === userId && t.text === text)) return { status: 403, body: problem(403, X_DUPLICATE_MESSAGE) };
    const id = newId();
    tweets.push({
      id,
      text,
      reply_to: typeof replyTo === 'string' ? replyTo : null,
      media_ids: mediaIds.map(String),
      authorization,
      userId,
      clientId: grant.clientId,
      createdAt: new Date(),
    });
    return { status: 201, body: { data: { id, text, edit_history_tweet_ids: [id] } } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    log.push(`${method} ${path}`);
    if (method === 'GET' && path === '/i/oauth2/authorize') return oauth.authorize(res, url.searchParams);
    if (method === 'POST' && path === '/2/oauth2/token') return oauth.token(req, res, raw);

    const route: Exclude<XRoute, '*'> | null =
      method === 'POST' && path === '/2/tweets'
        ? 'tweets'
        : method === 'POST' && path === '/2/media/upload'
          ? 'media'
          : method === 'GET' && path === '/2/users/me'
            ? 'me'
            : method === 'GET' && path === `/2/users/${userId}/tweets`
              ? 'timeline'
              : null;
    if (!route) return sendJson(res, 404, problem(404, `No route for ${method} ${path}`));

    // X answers 401 to a missing, unknown or expired token alike.
    const found = oauth.grantFor(req.headers.authorization);
    const grant = found && !found.expired ? found : null;
    const headers: Record<string, string> = {};
    let throttled = false;
    if (grant) {
      const user = limiters[route].hit(userId);
      Object.assign(headers, { 'x-rate-limit-limit': String(user.limit), 'x-rate-limit-remaining': String(user.remaining), 'x-rate-limit-reset': epoch(user.resetAt) });
      throttled = user.exceeded;
      if (route === 'tweets') {
        // Counted per app: every user of one client id draws on the same 24-hour budget.
        const app = appDaily.hit(grant.clientId);
        Object.assign(headers, {
          'x-app-limit-24hour-limit': String(app.limit),
          'x-app-limit-24hour-remaining': String(app.remaining),
          'x-app-limit-24hour-reset': epoch(app.resetAt),
        });
        throttled ||= app.exceeded;
      }
    }

    const parsed = await parseBody(req, raw);
    const json = parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : {};
    const r = takeScripted(route, json);
    if (r) return scripted(res, r, headers);
    if (!grant) return sendJson(res, 401, problem(401));
    if (throttled) return sendJson(res, 429, problem(429), headers);

    switch (route) {
      case 'me':
        if (!grant.scopes.includes('users.read')) return sendJson(res, 403, problem(403), headers);
        return sendJson(res, 200, { data: { id: userId, name: 'Alice Example', username } }, headers);
      case 'timeline': {
        // GET /2/users/:id/tweets: newest first, from start_time on, at most max_results (5-100).
        if (!grant.scopes.includes('tweet.read') || !grant.scopes.includes('users.read')) return sendJson(res, 403, problem(403), headers);
        const since = url.searchParams.get('start_time');
        const max = Number(url.searchParams.get('max_results') ?? 10);
        if (!Number.isInteger(max) || max < 5 || max > 100) return sendJson(res, 400, problem(400, 'max_results must be between 5 and 100.'), headers);
        const data = tweets
          .filter((t) => t.userId === userId && (!since || t.createdAt >= new Date(since)))
          .reverse()
          .slice(0, max)
          .map((t) => ({ id: t.id, text: t.text, edit_history_tweet_ids: [t.id], created_at: t.createdAt.toISOString() }));
        return sendJson(res, 200, data.length ? { data, meta: { result_count: data.length } } : { meta: { result_count: 0 } }, headers);
      }
      case 'media': {
        if (!grant.scopes.includes('media.write')) return sendJson(res, 403, problem(403), headers);
        const file = parsed.kind === 'multipart' ? parsed.value.get('media') : null;
        if (!file || typeof file === 'string') return sendJson(res, 400, problem(400, 'The media field is required.'), headers);
        if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return sendJson(res, 400, problem(400, `Unsupported media type ${file.type}.`), headers);
        const category = parsed.kind === 'multipart' ? parsed.value.get('media_category') : null;
        const id = newId();
        media.push({ id, media_key: `3_${id}`, userId, media_category: typeof category === 'string' ? category : null, contentType: file.type, size: file.size });
        return sendJson(res, 200, { data: { id, media_key: `3_${id}`, size: file.size, expires_after_secs: 86_400, image: { image_type: file.type, w: 1, h: 1 } } }, headers);
      }
      case 'tweets': {
        if (!grant.scopes.includes('tweet.write')) return sendJson(res, 403, problem(403), headers);
        if (parsed.kind !== 'json') return sendJson(res, 400, problem(400, 'The request body must be JSON.'), headers);
        const result = createTweet(json, grant, req.headers.authorization ?? '');
        // The tweet exists; its answer is never sent (the client times out), as when a proxy eats the response.
        if (result.status === 201 && loseAnswers > 0) {
          loseAnswers -= 1;
          return;
        }
        return sendJson(res, result.status, result.body, headers);
      }
    }
  }

  const server = await startHttpServer(handle);
  return {
    ...server,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    userId,
    username,
    tweets,
    media,
    log,
    authorizations: oauth.authorizations,
    tokenRequests: oauth.tokenRequests,
    issueTokens: (o = {}) => {
      const issued = oauth.issue(o.scopes ?? X_FAKE_SCOPES, o.clientId);
      return { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: new Date(issued.expiresAt).toISOString(), scope: issued.scopes.join(' ') };
    },
    addApp: (app) => oauth.addClient(app),
    failNext: (count, response, route = 'tweets', match) => {
      for (let i = 0; i < count; i += 1) script.push({ route, response, match });
    },
    createdTexts: () => tweets.map((t) => t.text),
    validationMessage: X_DUPLICATE_MESSAGE,
    failNextPublish(kind, o = {}) {
      if (kind === 'validation') script.push({ route: 'tweets', response: { status: 403, body: problem(403, X_DUPLICATE_MESSAGE) } });
      else if (kind === 'server_error') script.push({ route: 'tweets', response: { status: 503 } });
      else script.push({ route: 'tweets', response: { status: 429, resetInSeconds: o.resetInSeconds ?? 900 } });
    },
    expireAccessToken: () => oauth.expireAll(),
    revokeRefresh: () => oauth.revokeRefresh(),
    loseNextPublishAnswer: () => {
      loseAnswers += 1;
    },
  };
}

// A loopback Pinterest: the authorization page of www.pinterest.com (approves at once), the v5 token endpoint (the
// shared OAuthServer: HTTP Basic client auth, PKCE checked when a challenge was sent, refresh tokens rotated as with
// continuous refresh) and the parts of API v5 PostFlow uses, with Pinterest's wire behaviour: {code, message} errors,
// 201 for a new Pin, images fetched by Pinterest from their URLs, carousels of 2-5 images, and a per-user pins_write
// limit reported in X-RateLimit-* headers (the header names are unverified: Pinterest's docs do not list them).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { FixedWindowLimiter, ResponseScript, fetchable, parseBody, sendJson, startHttpServer, type FakeServer } from './httpFake.js';
import { OAuthServer, type OAuthTokenRequest } from './oauthServerFake.js';

export type PinterestRoute = 'pins' | 'boards' | 'user_account' | 'token' | '*';

export interface PinterestScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface PinterestFakeOptions {
  username?: string;
  boards?: { id: string; name: string }[];
  /** Pins per minute per user before a real 429 (default 100). */
  pinsPerMinute?: number;
}

export interface FakePin {
  id: string;
  boardId: string;
  description: string;
  link: string | null;
  title: string | null;
  mediaSource: Record<string, unknown>;
  imageUrls: string[];
  body: Record<string, unknown>;
}

export interface PinterestFake extends FakeServer, ContractFake {
  clientId: string;
  clientSecret: string;
  accessToken: string;
  refreshToken: string;
  boards: { id: string; name: string }[];
  pins: FakePin[];
  log: string[];
  /** Token requests as received (scripted answers aside). */
  tokenRequests: OAuthTokenRequest[];
  failNext(count: number, response: PinterestScriptedResponse, route?: PinterestRoute): void;
}

const AUTH_FAILED = { code: 2, message: 'Authentication failed.' };
const VALIDATION_MESSAGE = 'Invalid parameters. description: must be 500 characters or fewer';
const CLIENT_ID = '1500000';
const CLIENT_SECRET = 'pin-secret';
const ALL_SCOPES = ['boards:read', 'pins:read', 'pins:write', 'user_accounts:read'];

function pinterestOAuthServer(): OAuthServer {
  const invalid = (message: string) => ({ status: 400, body: { code: 1, message } });
  return new OAuthServer({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
    clientAuth: 'basic',
    strictAuthorize: false,
    // Continuous refresh: the old refresh token is spent, a new one (60 days) comes back.
    rotateRefreshTokens: true,
    accessTokenSeconds: 2_592_000,
    tokenPrefix: { access: 'pina-', refresh: 'pinr-' },
    errors: {
      client: { status: 401, body: AUTH_FAILED },
      code: invalid('Invalid authorization code or redirect_uri.'),
      verifier: invalid('invalid_grant: code_verifier does not match the code challenge.'),
      refresh: invalid('Invalid refresh token.'),
      grant_type: invalid('Unsupported grant_type.'),
    },
    refuseAuthorize: (res) => sendJson(res, 400, { code: 1, message: 'Invalid client_id or redirect_uri.' }),
    tokenAnswer: (issued, grantType) => ({
      access_token: issued.accessToken,
      refresh_token: issued.refreshToken,
      response_type: grantType,
      token_type: 'bearer',
      expires_in: 2_592_000,
      refresh_token_expires_in: 5_184_000,
      scope: issued.scopes.join(','),
    }),
  });
}

export async function startPinterestFake(options: PinterestFakeOptions = {}): Promise<PinterestFake> {
  const username = options.username ?? 'alicepins';
  const boards = options.boards ?? [
    { id: '549755885175', name: 'Recipes' },
    { id: '549755885176', name: 'Travel' },
  ];
  const script = new ResponseScript<PinterestScriptedResponse>();
  const limiter = new FixedWindowLimiter(options.pinsPerMinute ?? 100, 60_000);
  const oauth = pinterestOAuthServer();
  const pins: FakePin[] = [];
  const log: string[] = [];
  let loseNextAnswer = false;
  let nextId = 1_125_899_906_842_624n;
  const initial = oauth.issue(ALL_SCOPES);

  async function createPin(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const boardId = typeof body.board_id === 'string' ? body.board_id : '';
    if (!boards.some((b) => b.id === boardId)) return { status: 404, body: { code: 40, message: 'Board not found.' } };
    const description = typeof body.description === 'string' ? body.description : '';
    const title = typeof body.title === 'string' ? body.title : null;
    const link = typeof body.link === 'string' ? body.link : null;
    if (description.length > 500) return { status: 400, body: { code: 1, message: VALIDATION_MESSAGE } };
    if (title !== null && title.length > 100) return { status: 400, body: { code: 1, message: 'Invalid parameters. title: must be 100 characters or fewer' } };
    if (link !== null && (link.length > 2048 || !/^https?:\/\//.test(link))) return { status: 400, body: { code: 1, message: 'Invalid parameters. link: must be a valid URL' } };
    const source = (body.media_source ?? {}) as Record<string, unknown>;
    let urls: string[];
    if (source.source_type === 'image_url' && typeof source.url === 'string') urls = [source.url];
    else if (source.source_type === 'multiple_image_urls' && Array.isArray(source.items)) {
      urls = source.items.map((item: { url?: unknown }) => String(item?.url ?? ''));
      if (urls.length < 2 || urls.length > 5) return { status: 400, body: { code: 1, message: 'Invalid parameters. media_source.items: 2 to 5 images' } };
    } else return { status: 400, body: { code: 1, message: 'Invalid parameters. media_source: unsupported source_type' } };
    for (const url of urls) {
      if (!(await fetchable(url))) return { status: 400, body: { code: 1, message: `Sorry we could not fetch the image. ${url}` } };
    }
    const id = String((nextId += 1n));
    pins.push({ id, boardId, description, link, title, mediaSource: source, imageUrls: urls, body });
    return {
      status: 201,
      body: {
        id,
        created_at: new Date().toISOString(),
        board_id: boardId,
        board_owner: { username },
        description,
        link,
        title,
        media: { media_type: urls.length > 1 ? 'multiple_images' : 'image' },
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    log.push(`${method} ${path}`);

    if (method === 'GET' && path === '/oauth/') return oauth.authorize(res, url.searchParams);

    const route: PinterestRoute | null =
      method === 'POST' && path === '/v5/oauth/token'
        ? 'token'
        : method === 'POST' && path === '/v5/pins'
          ? 'pins'
          : method === 'GET' && path.startsWith('/v5/boards')
            ? 'boards'
            : method === 'GET' && path === '/v5/user_account'
              ? 'user_account'
              : null;
    if (route) {
      const scripted = script.take(route);
      if (scripted) return sendJson(res, scripted.status, scripted.body ?? { code: 0, message: 'Scripted failure' }, scripted.headers);
    }
    if (route === 'token') return oauth.token(req, res, raw);

    const grant = oauth.grantFor(req.headers.authorization);
    if (!grant || grant.expired) return sendJson(res, 401, AUTH_FAILED);
    const token = req.headers.authorization!.slice('Bearer '.length);

    switch (route) {
      case 'user_account':
        return sendJson(res, 200, { account_type: 'BUSINESS', username, profile_image: null, website_url: null, follower_count: 3 });
      case 'boards': {
        if (path === '/v5/boards') return sendJson(res, 200, { items: boards.map((b) => ({ ...b, owner: { username }, privacy: 'PUBLIC' })), bookmark: null });
        const board = boards.find((b) => b.id === path.slice('/v5/boards/'.length));
        return board ? sendJson(res, 200, { ...board, owner: { username }, privacy: 'PUBLIC' }) : sendJson(res, 404, { code: 40, message: 'Board not found.' });
      }
      case 'pins': {
        const rate = limiter.hit(token);
        const headers = {
          'x-ratelimit-limit': String(rate.limit),
          'x-ratelimit-remaining': String(rate.remaining),
          'x-ratelimit-reset': String(Math.ceil((rate.resetAt - Date.now()) / 1000)),
        };
        if (rate.exceeded) return sendJson(res, 429, { code: 8, message: 'You have exceeded your rate limit. Try again later.' }, headers);
        const parsed = await parseBody(req, raw);
        const body = parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : {};
        const result = await createPin(body);
        if (loseNextAnswer) {
          // The Pin is made; the answer never leaves (the connection stays open until the client gives up).
          loseNextAnswer = false;
          return;
        }
        return sendJson(res, result.status, result.body, headers);
      }
      default:
        return sendJson(res, 404, { code: 0, message: 'Not found.' });
    }
  }

  const server = await startHttpServer(handle);
  return {
    ...server,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    accessToken: initial.accessToken,
    refreshToken: initial.refreshToken!,
    boards,
    pins,
    log,
    tokenRequests: oauth.tokenRequests,
    failNext: (count, response, route = 'pins') => script.failNext(count, response, route),
    createdTexts: () => pins.map((p) => p.description),
    validationMessage: VALIDATION_MESSAGE,
    failNextPublish(kind, failOptions = {}) {
      if (kind === 'validation') script.failNext(1, { status: 400, body: { code: 1, message: VALIDATION_MESSAGE } }, 'pins');
      else if (kind === 'server_error') script.failNext(1, { status: 500, body: { code: 0, message: 'Something went wrong on our end. Sorry about that.' } }, 'pins');
      else {
        const reset = String(failOptions.resetInSeconds ?? 60);
        script.failNext(
          1,
          {
            status: 429,
            headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
            body: { code: 8, message: 'You have exceeded your rate limit. Try again later.' },
          },
          'pins',
        );
      }
    },
    expireAccessToken: () => oauth.expireAll(),
    revokeRefresh: () => oauth.revokeRefresh(),
    loseNextPublishAnswer() {
      loseNextAnswer = true;
    },
  };
}

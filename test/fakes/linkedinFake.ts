// A loopback LinkedIn: the OAuth pages of www.linkedin.com (the shared OAuthServer: authorize approves at once,
// accessToken checks the client in the form, the redirect URI and PKCE when a challenge was sent, and a refresh returns
// the same refresh token) and the parts of api.linkedin.com PostFlow uses, with LinkedIn's wire behaviour:
// LinkedIn-Version and X-Restli-Protocol-Version required on /rest, 201 + x-restli-id for a post, {status,
// serviceErrorCode, message} errors, the Images API's initializeUpload + PUT, a post's one content (media, multiImage, or
// an article with its source, title and thumbnail image), and commentary read as "little" text
// (cut at the first unescaped reserved character, as LinkedIn silently does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { ResponseScript, parseBody, sendJson, startHttpServer, type FakeServer } from './httpFake.js';
import { OAuthServer, type OAuthGrant, type OAuthTokenRequest } from './oauthServerFake.js';

export type LinkedInRoute = 'posts' | 'images' | 'upload' | 'userinfo' | 'organizations' | 'token' | '*';

export interface LinkedInScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface LinkedInFakeOptions {
  memberName?: string;
  /** Organizations the member administers (posting as any other is refused). */
  organizations?: { id: string; name: string }[];
  /** false: GET /rest/organizations/:id answers 403, as without an admin scope. */
  organizationLookup?: boolean;
}

export interface FakePost {
  urn: string;
  author: string;
  /** The commentary as sent. */
  commentary: string;
  /** What LinkedIn shows: the little text read, hashtags included, cut at an unescaped reserved character. */
  text: string;
  hashtags: string[];
  content: unknown;
  body: Record<string, unknown>;
  headers: Record<string, string | undefined>;
}

export interface FakeImage {
  urn: string;
  owner: string;
  bytes: number;
  contentType: string | null;
}

export interface LinkedInFake extends FakeServer, ContractFake {
  clientId: string;
  clientSecret: string;
  memberId: string;
  accessToken: string;
  refreshToken: string;
  posts: FakePost[];
  images: FakeImage[];
  /** Every request as "METHOD /path". */
  log: string[];
  /** Token requests as received (scripted answers aside). */
  tokenRequests: OAuthTokenRequest[];
  failNext(count: number, response: LinkedInScriptedResponse, route?: LinkedInRoute): void;
  /** A token with these scopes for the fake's member, as the token endpoint would issue. */
  issueToken(scopes: string[]): string;
}

const EXPIRED = { status: 401, serviceErrorCode: 65601, code: 'EXPIRED_ACCESS_TOKEN', message: 'The token used in the request has expired' };
const INVALID = { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' };
const CLIENT_ID = 'li-client';
const CLIENT_SECRET = 'li-secret';
const MEMBER_ID = 'aBc123XyZ';
const ALL_SCOPES = ['openid', 'profile', 'w_member_social', 'w_organization_social', 'r_organization_social'];
const RESERVED = new Set([...'\\|{}@[]()<>#*_~']);
// Versions LinkedIn would still serve in this fake's world: six digits from 2025 on.
const ACTIVE_VERSION = /^20(2[5-9])(0[1-9]|1[0-2])$/;

function unescapeLittle(text: string): string {
  return text.replace(/\\(.)/gsu, '$1');
}

/** Splits at unescaped `separator`s. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text.slice(i, i + 2);
      i += 1;
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else {
      current += text[i];
    }
  }
  return [...parts, current];
}

/** Reads "little" text as LinkedIn renders it. */
export function readLittle(raw: string): { text: string; hashtags: string[] } {
  let text = '';
  const hashtags: string[] = [];
  for (let i = 0; i < raw.length;) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      text += raw[i + 1];
      i += 2;
      continue;
    }
    if (c === '{') {
      let end = i + 1;
      while (end < raw.length && raw[end] !== '}') end += raw[end] === '\\' ? 2 : 1;
      const parts = splitUnescaped(raw.slice(i + 1, end), '|');
      if (end >= raw.length || parts[0] !== 'hashtag' || parts.length !== 3) break;
      const tag = unescapeLittle(parts[2]!);
      text += `${unescapeLittle(parts[1]!)}${tag}`;
      hashtags.push(tag);
      i = end + 1;
      continue;
    }
    const hashtag = c === '#' ? /^#([\p{L}\p{N}]+)/u.exec(raw.slice(i)) : null;
    if (hashtag) {
      text += hashtag[0];
      hashtags.push(hashtag[1]!);
      i += hashtag[0].length;
      continue;
    }
    if (RESERVED.has(c)) break;
    text += c;
    i += 1;
  }
  return { text, hashtags };
}

function linkedInOAuthServer(): OAuthServer {
  const oauthError = (status: number, error: string, description: string) => ({ status, body: { error, error_description: description } });
  return new OAuthServer({
    clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
    clientAuth: 'body',
    strictAuthorize: false,
    rotateRefreshTokens: false,
    accessTokenSeconds: 5_184_000,
    tokenPrefix: { access: 'AQV-', refresh: 'AQX-' },
    errors: {
      client: oauthError(401, 'invalid_client', 'Client authentication failed'),
      code: oauthError(
        400,
        'invalid_request',
        'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.',
      ),
      verifier: oauthError(400, 'invalid_grant', 'The code verifier does not match the code challenge'),
      refresh: oauthError(400, 'invalid_grant', 'The provided authorization grant or refresh token is invalid, expired or revoked'),
      grant_type: oauthError(400, 'unsupported_grant_type', 'The grant type is not supported'),
    },
    refuseAuthorize: (res) => sendJson(res, 400, { status: 400, message: 'invalid client_id or redirect_uri' }),
    // A refresh keeps the same refresh token, whose 365 days run from the first authorization.
    tokenAnswer: (issued) => ({
      access_token: issued.accessToken,
      expires_in: 5_184_000,
      refresh_token: issued.refreshToken,
      refresh_token_expires_in: 31_536_000,
      scope: issued.scopes.join(','),
    }),
  });
}

export async function startLinkedInFake(options: LinkedInFakeOptions = {}): Promise<LinkedInFake> {
  const memberId = MEMBER_ID;
  const memberName = options.memberName ?? 'Alice Example';
  const organizations = options.organizations ?? [{ id: '2414183', name: 'Devtestco' }];
  const script = new ResponseScript<LinkedInScriptedResponse>();
  const oauth = linkedInOAuthServer();
  const posts: FakePost[] = [];
  const images: (FakeImage & { uploaded: boolean })[] = [];
  const log: string[] = [];
  let loseNextAnswer = false;
  let nextId = 7_100_000_000_000_000_000n;
  let baseUrl = '';
  const newId = () => String((nextId += 1n));
  const initial = oauth.issue(ALL_SCOPES);

  const error = (res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}) => sendJson(res, status, { status, message, ...extra });

  function createPost(body: Record<string, unknown>, headers: Record<string, string | undefined>, grant: OAuthGrant): { status: number; body?: unknown; urn?: string } {
    const author = typeof body.author === 'string' ? body.author : '';
    const commentary = typeof body.commentary === 'string' ? body.commentary : '';
    const orgId = /^urn:li:organization:(\d+)$/.exec(author)?.[1];
    if (author !== `urn:li:person:${memberId}` && !(orgId && organizations.some((o) => o.id === orgId))) {
      return { status: 403, body: { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: `Not enough permissions to post as ${author}` } };
    }
    const needed = orgId ? 'w_organization_social' : 'w_member_social';
    if (!grant.scopes.includes(needed)) {
      return {
        status: 403,
        body: { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: `Not enough permissions to access: partnerApiPostsExternal.CREATE (scope ${needed})` },
      };
    }
    const distribution = body.distribution as { feedDistribution?: unknown } | undefined;
    if (body.lifecycleState !== 'PUBLISHED' || !['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'].includes(String(body.visibility)) || !distribution?.feedDistribution) {
      return { status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message: 'ERROR :: /lifecycleState, /visibility and /distribution are required' } };
    }
    const shown = readLittle(commentary);
    if (shown.text.length > 3000) {
      return { status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message: `ERROR :: /commentary :: length ${shown.text.length} exceeds the maximum of 3000` } };
    }
    const content = body.content as
      | { media?: { id?: unknown }; multiImage?: { images?: { id?: unknown }[] }; article?: { source?: unknown; title?: unknown; description?: unknown; thumbnail?: unknown } }
      | undefined;
    const unprocessable = (message: string) => ({ status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message } });
    if (content && Object.keys(content).length !== 1) return unprocessable('ERROR :: /content :: a post has one content: media, multiImage or article');
    const article = content?.article;
    // The Posts API's article: source (a URL) and title required, description and thumbnail (an image URN) optional.
    if (article) {
      if (typeof article.source !== 'string' || !/^https?:\/\//.test(article.source)) return unprocessable('ERROR :: /content/article/source :: must be a URL');
      if (typeof article.title !== 'string' || article.title === '') return unprocessable('ERROR :: /content/article/title :: is required');
      if (article.description !== undefined && typeof article.description !== 'string') return unprocessable('ERROR :: /content/article/description :: must be a string');
    }
    const multi = (content?.multiImage?.images ?? []).map((image) => image.id);
    const ids = content?.media ? [content.media.id] : article ? [article.thumbnail].filter((t) => t !== undefined) : multi;
    if (content?.multiImage && (ids.length < 2 || ids.length > 20)) {
      return { status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message: 'ERROR :: /content/multiImage/images :: a multi-image post has 2 to 20 images' } };
    }
    for (const id of ids) {
      const image = images.find((i) => i.urn === id);
      if (!image || !image.uploaded || image.owner !== author) {
        return { status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message: `ERROR :: /content :: ${String(id)} is not an uploaded image of ${author}` } };
      }
    }
    const urn = `urn:li:share:${newId()}`;
    posts.push({ urn, author, commentary, text: shown.text, hashtags: shown.hashtags, content: body.content ?? null, body, headers });
    return { status: 201, urn };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    log.push(`${method} ${path}`);

    if (method === 'GET' && path === '/oauth/v2/authorization') return oauth.authorize(res, url.searchParams);

    const route: LinkedInRoute | null =
      method === 'POST' && path === '/oauth/v2/accessToken'
        ? 'token'
        : method === 'POST' && path === '/rest/posts'
          ? 'posts'
          : method === 'POST' && path === '/rest/images' && url.searchParams.get('action') === 'initializeUpload'
            ? 'images'
            : method === 'PUT' && path.startsWith('/dms-uploads/')
              ? 'upload'
              : method === 'GET' && path === '/v2/userinfo'
                ? 'userinfo'
                : method === 'GET' && path.startsWith('/rest/organizations/')
                  ? 'organizations'
                  : null;
    if (route) {
      const scripted = script.take(route);
      if (scripted) return sendJson(res, scripted.status, scripted.body ?? { status: scripted.status, message: 'Scripted failure' }, scripted.headers);
    }
    if (route === 'token') return oauth.token(req, res, raw);

    const grant = oauth.grantFor(req.headers.authorization);
    if (!grant) return sendJson(res, 401, INVALID);
    if (grant.expired) return sendJson(res, 401, EXPIRED);
    if (path.startsWith('/rest/')) {
      const version = req.headers['linkedin-version'];
      if (typeof version !== 'string')
        return error(res, 400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
      if (!ACTIVE_VERSION.test(version)) return error(res, 426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
      if (req.headers['x-restli-protocol-version'] !== '2.0.0') return error(res, 400, 'Rest.li protocol version 2.0.0 is required', { code: 'ILLEGAL_ARGUMENT' });
    }
    const json = async () => {
      const parsed = await parseBody(req, raw);
      return parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : {};
    };

    switch (route) {
      case 'userinfo':
        if (!grant.scopes.includes('openid'))
          return sendJson(res, 403, { status: 403, serviceErrorCode: 100, message: 'Not enough permissions to access: userinfo.GET.NO_VERSION' });
        return sendJson(res, 200, {
          sub: memberId,
          name: memberName,
          given_name: memberName.split(' ')[0],
          family_name: memberName.split(' ').slice(1).join(' '),
          locale: { country: 'US', language: 'en' },
        });
      case 'organizations': {
        const org = organizations.find((o) => o.id === path.slice('/rest/organizations/'.length));
        if (!org) return error(res, 404, 'Not Found');
        if (options.organizationLookup === false) return sendJson(res, 403, { status: 403, serviceErrorCode: 100, message: 'Not enough permissions to access: organizations.GET' });
        return sendJson(res, 200, { id: Number(org.id), localizedName: org.name, vanityName: org.name.toLowerCase() });
      }
      case 'images': {
        const owner = ((await json()).initializeUploadRequest as { owner?: unknown } | undefined)?.owner;
        if (typeof owner !== 'string' || !/^urn:li:(person|organization):/.test(owner)) return error(res, 422, 'ERROR :: /initializeUploadRequest/owner :: required');
        const id = `C4${newId()}`;
        images.push({ urn: `urn:li:image:${id}`, owner, bytes: 0, contentType: null, uploaded: false });
        return sendJson(res, 200, {
          value: { uploadUrlExpiresAt: Date.now() + 86_400_000, uploadUrl: `${baseUrl}/dms-uploads/${id}?ca=vector_feedshare`, image: `urn:li:image:${id}` },
        });
      }
      case 'upload': {
        const image = images.find((i) => i.urn === `urn:li:image:${path.slice('/dms-uploads/'.length)}`);
        if (!image) return error(res, 404, 'Not Found');
        Object.assign(image, { bytes: raw.length, contentType: req.headers['content-type'] ?? null, uploaded: raw.length > 0 });
        res.writeHead(201);
        return void res.end();
      }
      case 'posts': {
        const result = createPost(await json(), { ...req.headers } as Record<string, string | undefined>, grant);
        if (loseNextAnswer) {
          // The post is made; the answer never leaves (the connection stays open until the client gives up).
          loseNextAnswer = false;
          return;
        }
        if (result.urn) {
          res.writeHead(201, { 'x-restli-id': result.urn, 'x-linkedin-id': result.urn });
          return void res.end();
        }
        return sendJson(res, result.status, result.body);
      }
      default:
        return error(res, 404, 'Not Found');
    }
  }

  const server = await startHttpServer(handle);
  baseUrl = server.url;
  return {
    ...server,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    memberId,
    accessToken: initial.accessToken,
    refreshToken: initial.refreshToken!,
    posts,
    images,
    log,
    tokenRequests: oauth.tokenRequests,
    failNext: (count, response, route = 'posts') => script.failNext(count, response, route),
    issueToken: (scopes) => oauth.issue(scopes).accessToken,
    createdTexts: () => posts.map((p) => p.text),
    validationMessage: 'ERROR :: /commentary :: length 3001 exceeds the maximum of 3000',
    failNextPublish(kind, failOptions = {}) {
      if (kind === 'validation') {
        script.failNext(
          1,
          { status: 422, body: { status: 422, code: 'UNPROCESSABLE_ENTITY', message: 'ERROR :: /commentary :: length 3001 exceeds the maximum of 3000' } },
          'posts',
        );
      } else if (kind === 'server_error') {
        script.failNext(1, { status: 500, body: { status: 500, message: 'Internal Server Error' } }, 'posts');
      } else {
        // LinkedIn documents no Retry-After; the fake sends one so a known reset can be tested (see docs/networks/linkedin.md).
        script.failNext(
          1,
          {
            status: 429,
            headers: { 'Retry-After': String(failOptions.resetInSeconds ?? 60) },
            body: { status: 429, serviceErrorCode: 101, message: 'Resource level throttle MEMBER DAY limit for calls to this resource is reached.' },
          },
          'posts',
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

// A loopback graph.facebook.com serving what PostFlow uses of Facebook Pages and Instagram (Graph API with Facebook
// Login), with Meta's wire behaviour: the token as access_token (query or form), errors as
// {error:{message,type,code,error_subcode,fbtrace_id}} keyed by code rather than HTTP status, X-App-Usage and
// X-Business-Use-Case-Usage headers, Facebook Login (dialog, code + PKCE, fb_exchange_token, /me/accounts with Page
// tokens), Page feed/photos, and Instagram containers that publish once, fetch their image from its URL and report
// status_code. Also exports the helpers the Threads fake shares.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { ResponseScript, fetchable, s256, sendJson, sendText, startHttpServer, type FakeServer } from './httpFake.js';

// ---- shared with the Threads fake ----

export interface GraphScripted {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const newId = (() => {
  let next = 17_900_000_000_000_000n;
  return () => String((next += BigInt(1 + Math.floor(Math.random() * 1000))));
})();

export function graphError(status: number, code: number, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): GraphScripted {
  return { status, headers, body: { error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: randomBytes(8).toString('base64url') } } };
}

export const expiredTokenError = () =>
  graphError(
    400,
    190,
    'Error validating access token: Session has expired on Thursday, 01-Jan-30 10:00:00 PST.',
    { error_subcode: 463 },
    {
      'WWW-Authenticate': 'OAuth "Facebook Platform" "invalid_token" "Error validating access token: Session has expired"',
    },
  );
export const invalidTokenError = () => graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
export const serverError = () => graphError(500, 2, 'An unexpected error has occurred. Please retry your request later.', { is_transient: true });

/** A Business Use Case throttle: code 80001 (Page) / 80002 (Instagram) with the wait in minutes in the header. */
export function bucThrottle(code: number, objectId: string, type: string, resetInSeconds: number, message: string): GraphScripted {
  const usage = { [objectId]: [{ type, call_count: 100, total_cputime: 10, total_time: 10, estimated_time_to_regain_access: Math.ceil(resetInSeconds / 60) }] };
  return graphError(400, code, message, {}, { 'X-Business-Use-Case-Usage': JSON.stringify(usage) });
}

export function send(res: ServerResponse, answer: GraphScripted, headers: Record<string, string> = {}): void {
  sendJson(res, answer.status, answer.body, { ...headers, ...answer.headers });
}

/** Query and urlencoded form parameters together, as the Graph API reads them. */
export function paramsOf(req: IncomingMessage, raw: Buffer): URLSearchParams {
  const params = new URL(req.url ?? '/', 'http://x').searchParams;
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params.append(k, v);
  }
  return params;
}

export function tokenOf(req: IncomingMessage, params: URLSearchParams): string | null {
  const auth = req.headers.authorization ?? '';
  const header = /^(Bearer|OAuth) (.+)$/.exec(auth)?.[2];
  return params.get('access_token') ?? header ?? null;
}

export interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string | null;
  scope: string;
}

/** An authorization page whose user approves at once: 302 to redirect_uri with code and state. */
export function approve(res: ServerResponse, params: URLSearchParams, clientId: string, codes: Map<string, IssuedCode>): void {
  const redirectUri = params.get('redirect_uri');
  if (params.get('client_id') !== clientId || !redirectUri) return sendText(res, 400, '<h1>Invalid App ID or redirect_uri</h1>');
  const code = randomBytes(24).toString('base64url');
  codes.set(code, { clientId, redirectUri, challenge: params.get('code_challenge_method') === 'S256' ? params.get('code_challenge') : null, scope: params.get('scope') ?? '' });
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (params.get('state') !== null) target.searchParams.set('state', params.get('state') ?? '');
  res.writeHead(302, { Location: target.toString() }).end();
}

/** The code grant's checks: one use, same redirect_uri, PKCE verifier matching the stored S256 challenge. */
export function redeem(codes: Map<string, IssuedCode>, params: URLSearchParams): GraphScripted | IssuedCode {
  const issued = codes.get(params.get('code') ?? '');
  if (!issued) return graphError(400, 100, 'This authorization code has been used.', { error_subcode: 36009 });
  codes.delete(params.get('code') ?? '');
  if (issued.redirectUri !== params.get('redirect_uri')) {
    return graphError(400, 100, 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', {
      error_subcode: 36008,
    });
  }
  if (issued.challenge !== null && s256(params.get('code_verifier') ?? '') !== issued.challenge) {
    return graphError(400, 100, 'Invalid code_verifier for this authorization code (unverified wording)');
  }
  return issued;
}

// ---- the Facebook + Instagram fake ----

export interface MetaGraphFakeOptions {
  /** Posts already counted against the Instagram account's 24-hour publishing quota (of IG_QUOTA_TOTAL). */
  igQuotaUsed?: number;
  /** Status reads answering IN_PROGRESS before a new container is FINISHED (default 0). */
  containerPollsUntilFinished?: number;
  /** Calls per hour the app may make before Graph answers code 4 (X-App-Usage reports the share used). */
  appCallBudget?: number;
}

export interface FakePage {
  id: string;
  name: string;
  token: string;
  igUserId: string | null;
  igUsername: string | null;
}
export interface FakeFbPost {
  id: string;
  pageId: string;
  message: string;
  link: string | null;
  photoIds: string[];
}
export interface FakePhoto {
  id: string;
  pageId: string;
  url: string;
  published: boolean;
  attached: boolean;
}
export interface FakeContainer {
  id: string;
  igUserId: string;
  mediaType: string;
  imageUrl: string | null;
  caption: string;
  children: string[];
  carouselItem: boolean;
  status: 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED' | 'ERROR' | 'EXPIRED';
  pollsLeft: number;
  mediaId: string | null;
}
export interface FakeIgMedia {
  id: string;
  igUserId: string;
  caption: string;
  imageUrls: string[];
  containerId: string;
  timestamp: string;
}

type Route = 'fb_publish' | 'ig_container' | 'ig_publish';

export interface MetaGraphFake extends FakeServer {
  appId: string;
  appSecret: string;
  pages: FakePage[];
  posts: FakeFbPost[];
  photos: FakePhoto[];
  containers: FakeContainer[];
  igMedia: FakeIgMedia[];
  /** "METHOD /path" of every request, version prefix removed. */
  log: string[];
  /** The kind of user token /me/accounts was read with, per call. */
  accountsReadWith: ('short' | 'long')[];
  failNext(route: Route, answer: GraphScripted): void;
  /** The next container created ends in this status instead of FINISHED. */
  nextContainerStatus(status: 'ERROR' | 'EXPIRED'): void;
  /** Contract views: Facebook Page posts, or Instagram media. */
  contract(platform: 'FACEBOOK' | 'INSTAGRAM'): ContractFake;
}

const VERSION = 'v21.0';
const APP_ID = '1234567890';
const APP_SECRET = 'app-secret';
/** The Pages the login manages; igUsername links an Instagram professional account to the Page. */
const PAGES: { name: string; igUsername?: string }[] = [{ name: 'Acme Coffee', igUsername: 'acme.coffee' }, { name: 'Acme Tea' }];
/** Posts an Instagram account may publish through the API in 24 hours. */
const IG_QUOTA_TOTAL = 50;

export async function startMetaGraphFake(options: MetaGraphFakeOptions = {}): Promise<MetaGraphFake> {
  const pages: FakePage[] = PAGES.map((p) => ({
    id: newId(),
    name: p.name,
    token: `EAAP${randomBytes(12).toString('hex')}`,
    igUserId: p.igUsername ? newId() : null,
    igUsername: p.igUsername ?? null,
  }));
  const posts: FakeFbPost[] = [];
  const photos: FakePhoto[] = [];
  const containers: FakeContainer[] = [];
  const igMedia: FakeIgMedia[] = [];
  const log: string[] = [];
  const accountsReadWith: ('short' | 'long')[] = [];
  const codes = new Map<string, IssuedCode>();
  const userTokens = new Map<string, 'short' | 'long'>();
  const expired = new Set<string>();
  const script = new ResponseScript<GraphScripted | 'lose'>();
  let nextStatus: 'ERROR' | 'EXPIRED' | null = null;
  let igQuotaUsed = options.igQuotaUsed ?? 0;
  let appCalls = 0;
  const budget = options.appCallBudget ?? 10_000;

  const pageByToken = (token: string | null) => pages.find((p) => p.token === token) ?? null;

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.startsWith(`/${VERSION}/`) ? url.pathname.slice(VERSION.length + 1) : url.pathname;
    log.push(`${method} ${path}`);
    const params = paramsOf(req, raw);
    appCalls += 1;
    const usage = { 'X-App-Usage': JSON.stringify({ call_count: Math.min(100, Math.floor((appCalls * 100) / budget)), total_cputime: 1, total_time: 1 }) };
    const answer = (a: GraphScripted) => send(res, a, usage);
    const ok = (body: unknown) => sendJson(res, 200, body, usage);

    if (method === 'GET' && path === '/dialog/oauth') return approve(res, params, APP_ID, codes);
    if (method === 'GET' && path === '/oauth/access_token') {
      if (params.get('client_id') !== APP_ID || params.get('client_secret') !== APP_SECRET) return answer(graphError(400, 1, 'Error validating client secret.'));
      if (params.get('grant_type') === 'fb_exchange_token') {
        if (userTokens.get(params.get('fb_exchange_token') ?? '') === undefined) return answer(invalidTokenError());
        const long = `EAAL${randomBytes(12).toString('hex')}`;
        userTokens.set(long, 'long');
        return ok({ access_token: long, token_type: 'bearer', expires_in: 5_183_944 });
      }
      const issued = redeem(codes, params);
      if ('status' in issued) return answer(issued);
      const short = `EAAS${randomBytes(12).toString('hex')}`;
      userTokens.set(short, 'short');
      return ok({ access_token: short, token_type: 'bearer', expires_in: 5_400 });
    }

    const token = tokenOf(req, params);
    if (token === null) return answer(graphError(400, 104, 'An access token is required to request this resource.'));
    if (expired.has(token)) return answer(expiredTokenError());
    const userKind = userTokens.get(token);
    const page = pageByToken(token);
    if (!userKind && !page) return answer(invalidTokenError());
    if (appCalls > budget) return answer(graphError(403, 4, '(#4) Application request limit reached'));

    if (method === 'GET' && path === '/me/accounts') {
      if (!userKind) return answer(graphError(400, 100, '(#100) Tried accessing nonexisting field (accounts) on node type (Page)'));
      accountsReadWith.push(userKind);
      return ok({
        data: pages.map((p) => ({
          id: p.id,
          name: p.name,
          access_token: p.token,
          category: 'Coffee shop',
          tasks: ['CREATE_CONTENT', 'MANAGE'],
          ...(p.igUserId && { instagram_business_account: { id: p.igUserId } }),
        })),
        paging: {},
      });
    }

    const [, id = '', edge] = path.split('/');
    const ownPage = page && page.id === id ? page : null;
    const ownIg = page && page.igUserId === id ? page : null;

    if (method === 'POST' && edge === 'feed' && ownPage) return fbPublish(res, params, ownPage, usage, false);
    if (method === 'POST' && edge === 'photos' && ownPage) return fbPublish(res, params, ownPage, usage, params.get('published') !== 'false');
    if (method === 'GET' && edge === 'content_publishing_limit' && ownIg) {
      return ok({ data: [{ quota_usage: igQuotaUsed, config: { quota_total: IG_QUOTA_TOTAL, quota_duration: 86_400 } }] });
    }
    if (method === 'POST' && edge === 'media' && ownIg) return answer(await createContainer(ownIg, params));
    if (method === 'POST' && edge === 'media_publish' && ownIg) {
      const scripted = script.take('ig_publish');
      if (scripted && scripted !== 'lose') return answer(scripted);
      const result = mediaPublish(ownIg, params.get('creation_id') ?? '');
      if (scripted === 'lose') return; // made, but the answer never comes
      return answer(result);
    }
    if (method === 'GET' && edge === 'media' && ownIg) {
      return ok({
        data: igMedia
          .filter((m) => m.igUserId === id)
          .reverse()
          .map((m) => ({ id: m.id, caption: m.caption, timestamp: m.timestamp })),
      });
    }
    if (method === 'GET' && edge === undefined) {
      const found = readObject(id, page);
      return found
        ? ok(found)
        : answer(
            graphError(
              400,
              100,
              `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
              { error_subcode: 33 },
            ),
          );
    }
    if (edge !== undefined && pages.some((p) => p.id === id || p.igUserId === id))
      return answer(graphError(403, 200, '(#200) The user has not granted the permission, or the token is not for this object'));
    return answer(graphError(400, 100, `Unknown path components: /${edge ?? id}`, { error_subcode: 2500 }));
  }

  function readObject(id: string, page: FakePage | null): Record<string, unknown> | null {
    const p = pages.find((x) => x.id === id);
    if (p && page === p) return { name: p.name, id: p.id };
    const ig = pages.find((x) => x.igUserId === id);
    if (ig && page === ig) return { id, username: ig.igUsername };
    const container = containers.find((c) => c.id === id && c.igUserId === page?.igUserId);
    if (container) {
      if (container.status === 'IN_PROGRESS') {
        if (container.pollsLeft > 0) container.pollsLeft -= 1;
        else container.status = nextOrFinished(container);
      }
      const detail =
        container.status === 'ERROR'
          ? 'Error: 2207052 Media download has failed.'
          : container.status === 'EXPIRED'
            ? 'Expired'
            : container.status === 'FINISHED'
              ? 'Finished: Media has been uploaded and it is ready to be published.'
              : container.status === 'PUBLISHED'
                ? 'Published'
                : 'In Progress';
      return { id, status_code: container.status, status: detail };
    }
    const media = igMedia.find((m) => m.id === id && m.igUserId === page?.igUserId);
    if (media) return { id, permalink: `https://www.instagram.com/p/${Buffer.from(id).toString('base64url').slice(0, 11)}/`, caption: media.caption, timestamp: media.timestamp };
    const post = posts.find((x) => x.id === id && x.pageId === page?.id);
    if (post) return { id, message: post.message, permalink_url: `https://www.facebook.com/${id}` };
    return null;
  }

  const pending = new Map<string, 'ERROR' | 'EXPIRED'>();
  const nextOrFinished = (c: FakeContainer) => pending.get(c.id) ?? 'FINISHED';

  function fbPublish(res: ServerResponse, params: URLSearchParams, page: FakePage, usage: Record<string, string>, createsPost: boolean): Promise<void> | void {
    const isFeed = !params.has('url');
    if (isFeed || createsPost) {
      const scripted = script.take('fb_publish');
      if (scripted && scripted !== 'lose') return send(res, scripted, usage);
      const result = isFeed ? feed(params, page) : photo(params, page, true);
      return result.then((r) => (scripted === 'lose' ? undefined : send(res, r, usage)));
    }
    return photo(params, page, false).then((r) => send(res, r, usage));
  }

  async function feed(params: URLSearchParams, page: FakePage): Promise<GraphScripted> {
    const attached: string[] = [];
    for (const [key, value] of params) {
      if (!/^attached_media\[\d+\]$/.test(key)) continue;
      const fbid = String((JSON.parse(value) as { media_fbid?: unknown }).media_fbid ?? '');
      const p = photos.find((x) => x.id === fbid && x.pageId === page.id && !x.published && !x.attached);
      if (!p) return graphError(400, 100, `(#100) attached_media[${attached.length}]: the photo ${fbid} is not an unpublished photo of this Page`);
      attached.push(p.id);
    }
    const message = params.get('message') ?? '';
    if (message === '' && !params.get('link') && attached.length === 0) return graphError(400, 100, '(#100) The status you are trying to publish is empty');
    for (const pid of attached) photos.find((x) => x.id === pid)!.attached = true;
    const post: FakeFbPost = { id: `${page.id}_${newId()}`, pageId: page.id, message, link: params.get('link'), photoIds: attached };
    posts.push(post);
    return { status: 200, body: { id: post.id } };
  }

  async function photo(params: URLSearchParams, page: FakePage, published: boolean): Promise<GraphScripted> {
    const url = params.get('url');
    if (!(await fetchable(url))) return graphError(400, 324, '(#324) Missing or invalid image file');
    const p: FakePhoto = { id: newId(), pageId: page.id, url: url ?? '', published, attached: false };
    photos.push(p);
    if (!published) return { status: 200, body: { id: p.id } };
    const post: FakeFbPost = { id: `${page.id}_${newId()}`, pageId: page.id, message: params.get('message') ?? '', link: null, photoIds: [p.id] };
    posts.push(post);
    return { status: 200, body: { id: p.id, post_id: post.id } };
  }

  async function createContainer(page: FakePage, params: URLSearchParams): Promise<GraphScripted> {
    const scripted = script.take('ig_container');
    if (scripted && scripted !== 'lose') return scripted;
    const mediaType = params.get('media_type') ?? 'IMAGE';
    const children = (params.get('children') ?? '').split(',').filter((c) => c !== '');
    const c: FakeContainer = {
      id: newId(),
      igUserId: page.igUserId ?? '',
      mediaType,
      imageUrl: params.get('image_url'),
      caption: params.get('caption') ?? '',
      children,
      carouselItem: params.get('is_carousel_item') === 'true',
      status: 'IN_PROGRESS',
      pollsLeft: options.containerPollsUntilFinished ?? 0,
      mediaId: null,
    };
    if (mediaType === 'CAROUSEL') {
      const ok =
        children.length >= 2 &&
        children.length <= 10 &&
        children.every((id) => containers.some((x) => x.id === id && x.carouselItem && x.igUserId === c.igUserId && (x.status === 'FINISHED' || x.status === 'IN_PROGRESS')));
      if (!ok) return graphError(400, 100, '(#100) The carousel children must be 2 to 10 carousel item containers of this account');
    } else if (!(await fetchable(c.imageUrl))) {
      return graphError(400, 9004, 'The media could not be fetched from this uri', {
        error_subcode: 2207052,
        error_user_msg: "Media download has failed. The media URI doesn't meet our requirements.",
      });
    }
    if (nextStatus) pending.set(c.id, nextStatus);
    nextStatus = null;
    if (c.pollsLeft <= 0) c.status = nextOrFinished(c);
    containers.push(c);
    return { status: 200, body: { id: c.id } };
  }

  function mediaPublish(page: FakePage, creationId: string): GraphScripted {
    const c = containers.find((x) => x.id === creationId && x.igUserId === page.igUserId && !x.carouselItem);
    if (!c) return graphError(400, 24, 'The requested resource does not exist', { error_subcode: 2207008 });
    // What Instagram answers for a second publish of one container is unverified; the container stays single-use.
    if (c.status === 'PUBLISHED') return graphError(400, 100, 'This media container has already been published (unverified wording)');
    if (c.status === 'IN_PROGRESS')
      return graphError(400, 9007, 'Media ID is not available', { error_subcode: 2207027, error_user_msg: 'The media is not ready for publishing, please wait for a moment' });
    if (c.status !== 'FINISHED') return graphError(400, -2, 'The media you are trying to access has expired. Please try to upload again.', { error_subcode: 2207020 });
    if (igQuotaUsed >= IG_QUOTA_TOTAL) {
      return graphError(400, 9, 'Application request limit reached', {
        error_subcode: 2207042,
        error_user_msg: 'You reached maximum number of posts that is allowed to be published by Content Publishing API.',
      });
    }
    const urls = c.mediaType === 'CAROUSEL' ? c.children.map((id) => containers.find((x) => x.id === id)?.imageUrl ?? '') : [c.imageUrl ?? ''];
    const media: FakeIgMedia = {
      id: newId(),
      igUserId: c.igUserId,
      caption: c.caption,
      imageUrls: urls,
      containerId: c.id,
      timestamp: new Date().toISOString().replace(/\.\d+Z$/, '+0000'),
    };
    igMedia.push(media);
    igQuotaUsed += 1;
    c.status = 'PUBLISHED';
    c.mediaId = media.id;
    return { status: 200, body: { id: media.id } };
  }

  const server = await startHttpServer(handle);
  const first = pages[0]!;
  const igPage = pages.find((p) => p.igUserId !== null) ?? first;

  const contract = (platform: 'FACEBOOK' | 'INSTAGRAM'): ContractFake => ({
    url: server.url,
    stop: () => server.stop(),
    createdTexts: () => (platform === 'FACEBOOK' ? posts.map((p) => p.message) : igMedia.map((m) => m.caption)),
    validationMessage: platform === 'FACEBOOK' ? '(#506) Duplicate status message' : 'The image is too large to download. It should be less than 8 MiB.',
    failNextPublish(kind, opts = {}) {
      const target = platform === 'FACEBOOK' ? first : igPage;
      const route: Route = platform === 'FACEBOOK' ? 'fb_publish' : kind === 'validation' ? 'ig_container' : 'ig_publish';
      const a =
        kind === 'server_error'
          ? serverError()
          : kind === 'validation'
            ? platform === 'FACEBOOK'
              ? graphError(400, 506, '(#506) Duplicate status message')
              : graphError(400, 36000, 'The image size is too large.', {
                  error_subcode: 2207004,
                  is_transient: false,
                  error_user_title: 'Image size too large',
                  error_user_msg: 'The image is too large to download. It should be less than 8 MiB.',
                })
            : platform === 'FACEBOOK'
              ? bucThrottle(80001, target.id, 'pages', opts.resetInSeconds ?? 300, 'There have been too many calls to this Page account. Wait a bit and try again.')
              : bucThrottle(
                  80002,
                  target.igUserId ?? '',
                  'instagram',
                  opts.resetInSeconds ?? 300,
                  'There have been too many calls to this Instagram account. Wait a bit and try again.',
                );
      script.failNext(1, a, route);
    },
    expireAccessToken: () => expired.add(platform === 'FACEBOOK' ? first.token : igPage.token),
    // Page tokens have no refresh; nothing more to refuse.
    revokeRefresh: () => undefined,
    loseNextPublishAnswer: () => script.failNext(1, 'lose', platform === 'FACEBOOK' ? 'fb_publish' : 'ig_publish'),
  });

  return {
    ...server,
    appId: APP_ID,
    appSecret: APP_SECRET,
    pages,
    posts,
    photos,
    containers,
    igMedia,
    log,
    accountsReadWith,
    failNext: (route, a) => script.failNext(1, a, route),
    nextContainerStatus: (status) => {
      nextStatus = status;
    },
    contract,
  };
}

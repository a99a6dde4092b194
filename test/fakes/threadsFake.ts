// A loopback graph.threads.net (and its authorization window): /oauth/authorize approving at once, POST
// /oauth/access_token (code + PKCE → short-lived token and user_id), GET /access_token (th_exchange_token → 60-day
// token), GET /refresh_access_token (th_refresh_token: only for a valid token at least 24 h old), and under /v1.0 the
// containers (TEXT, IMAGE fetched from its URL, CAROUSEL of items), status polling, threads_publish (once per
// container), permalinks and /me. Errors use the Graph shape; the throttle answer is unverified (see docs).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { ResponseScript, fetchable, sendJson, startHttpServer, type FakeServer } from './httpFake.js';
import {
  approve,
  bucThrottle,
  expiredTokenError,
  graphError,
  invalidTokenError,
  newId,
  paramsOf,
  redeem,
  send,
  serverError,
  tokenOf,
  type GraphScripted,
  type IssuedCode,
} from './metaGraphFake.js';

export interface ThreadsFakeOptions {
  /** Status reads answering IN_PROGRESS before a new container is FINISHED (default 0). */
  containerPollsUntilFinished?: number;
}

export interface ThreadsToken {
  kind: 'short' | 'long';
  issuedAt: number;
  expiresAt: number;
}
export interface ThreadsContainer {
  id: string;
  mediaType: string;
  text: string;
  imageUrl: string | null;
  children: string[];
  carouselItem: boolean;
  status: 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED' | 'ERROR' | 'EXPIRED';
  errorMessage: string | null;
  pollsLeft: number;
  final: 'FINISHED' | 'ERROR';
}
export interface ThreadsPost {
  id: string;
  text: string;
  mediaType: string;
  imageUrls: string[];
  containerId: string;
  timestamp: string;
}

type Route = 'container' | 'publish';

export interface ThreadsFake extends FakeServer {
  appId: string;
  appSecret: string;
  userId: string;
  username: string;
  tokens: Map<string, ThreadsToken>;
  containers: ThreadsContainer[];
  posts: ThreadsPost[];
  log: string[];
  /** A long-lived token as if issued `ageHours` ago (on the fake's clock). */
  issueLongLivedToken(ageHours?: number): { token: string; expiresAt: Date };
  failNext(route: Route, answer: GraphScripted): void;
  advanceClock(ms: number): void;
  contract(token: string): ContractFake;
}

const APP_ID = '990602627938098';
const APP_SECRET = 'threads-secret';
const USERNAME = 'acme.threads';
const DAY = 24 * 3600 * 1000;
const LONG_LIVED_SECONDS = 60 * 24 * 3600;

export async function startThreadsFake(options: ThreadsFakeOptions = {}): Promise<ThreadsFake> {
  const userId = newId();
  const tokens = new Map<string, ThreadsToken>();
  const codes = new Map<string, IssuedCode>();
  const containers: ThreadsContainer[] = [];
  const posts: ThreadsPost[] = [];
  const log: string[] = [];
  const script = new ResponseScript<GraphScripted | 'lose'>();
  let clockOffset = 0;
  let refreshRefused = false;
  const now = () => Date.now() + clockOffset;

  function issue(kind: 'short' | 'long', ageMs = 0): string {
    const token = `TH${kind === 'long' ? 'L' : 'S'}${randomBytes(12).toString('hex')}`;
    const issuedAt = now() - ageMs;
    tokens.set(token, { kind, issuedAt, expiresAt: issuedAt + (kind === 'long' ? LONG_LIVED_SECONDS * 1000 : 3600_000) });
    return token;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(`${method} ${path}`);
    const params = paramsOf(req, raw);
    const ok = (body: unknown) => sendJson(res, 200, body);
    const answer = (a: GraphScripted) => send(res, a);

    if (method === 'GET' && path === '/oauth/authorize') return approve(res, params, APP_ID, codes);
    if (method === 'POST' && path === '/oauth/access_token') {
      if (params.get('client_id') !== APP_ID || params.get('client_secret') !== APP_SECRET)
        return answer(graphError(400, 101, 'Error validating application. Invalid application ID or secret.'));
      if (params.get('grant_type') !== 'authorization_code') return answer(graphError(400, 100, 'Unsupported grant_type'));
      const issued = redeem(codes, params);
      if ('status' in issued) return answer(issued);
      return ok({ access_token: issue('short'), user_id: Number(userId) });
    }
    if (method === 'GET' && (path === '/access_token' || path === '/refresh_access_token')) {
      const old = tokens.get(params.get('access_token') ?? '');
      if (!old) return answer(invalidTokenError());
      if (old.expiresAt <= now()) return answer(expiredTokenError());
      if (path === '/access_token') {
        if (params.get('grant_type') !== 'th_exchange_token' || params.get('client_secret') !== APP_SECRET || old.kind !== 'short') {
          return answer(graphError(400, 100, 'Invalid th_exchange_token request'));
        }
      } else {
        if (params.get('grant_type') !== 'th_refresh_token' || old.kind !== 'long') return answer(graphError(400, 100, 'Invalid th_refresh_token request'));
        if (refreshRefused) return answer(graphError(400, 190, 'Error validating access token: The user has not authorized application.', { error_subcode: 458 }));
        // Wording unverified; the rule (at least 24 hours old) is the long-lived tokens guide's.
        if (now() - old.issuedAt < DAY) return answer(graphError(400, 100, 'The access token must be at least 24 hours old to be refreshed'));
      }
      return ok({ access_token: issue('long'), token_type: 'bearer', expires_in: LONG_LIVED_SECONDS });
    }

    const token = tokenOf(req, params);
    const held = token === null ? undefined : tokens.get(token);
    if (!held) return answer(token === null ? graphError(400, 104, 'An access token is required to request this resource.') : invalidTokenError());
    if (held.expiresAt <= now()) return answer(expiredTokenError());
    if (!path.startsWith('/v1.0/')) return answer(graphError(400, 100, 'Unknown path'));
    const [, id = '', edge] = path.slice('/v1.0'.length).split('/');
    const mine = id === userId || id === 'me';

    if (method === 'GET' && id === 'me' && edge === undefined) return ok({ id: userId, username: USERNAME });
    if (method === 'POST' && mine && edge === 'threads') return answer(await createContainer(params));
    if (method === 'POST' && mine && edge === 'threads_publish') {
      const scripted = script.take('publish');
      if (scripted && scripted !== 'lose') return answer(scripted);
      const result = publish(params.get('creation_id') ?? '');
      if (scripted === 'lose') return;
      return answer(result);
    }
    if (method === 'GET' && mine && edge === 'threads') {
      return ok({ data: [...posts].reverse().map((p) => ({ id: p.id, text: p.text, timestamp: p.timestamp })) });
    }
    if (method === 'GET' && edge === undefined) {
      const c = containers.find((x) => x.id === id);
      if (c) {
        if (c.status === 'IN_PROGRESS') {
          if (c.pollsLeft > 0) c.pollsLeft -= 1;
          else c.status = c.final;
        }
        return ok({ id, status: c.status, ...(c.errorMessage && c.status === 'ERROR' && { error_message: c.errorMessage }) });
      }
      const p = posts.find((x) => x.id === id);
      if (p) return ok({ id, permalink: `https://www.threads.net/@${USERNAME}/post/${Buffer.from(id).toString('base64url').slice(0, 11)}`, text: p.text });
    }
    return answer(graphError(400, 100, `Unsupported request. Object with ID '${id}' does not exist or does not support this operation.`, { error_subcode: 33 }));
  }

  async function createContainer(params: URLSearchParams): Promise<GraphScripted> {
    const scripted = script.take('container');
    if (scripted && scripted !== 'lose') return scripted;
    const mediaType = params.get('media_type') ?? '';
    const text = params.get('text') ?? '';
    const children = (params.get('children') ?? '').split(',').filter((c) => c !== '');
    const c: ThreadsContainer = {
      id: newId(),
      mediaType,
      text,
      imageUrl: params.get('image_url'),
      children,
      carouselItem: params.get('is_carousel_item') === 'true',
      status: 'IN_PROGRESS',
      errorMessage: null,
      pollsLeft: options.containerPollsUntilFinished ?? 0,
      final: 'FINISHED',
    };
    if (mediaType === 'TEXT' && text === '') return graphError(400, 100, 'The parameter text is required for media_type TEXT');
    if (mediaType === 'IMAGE' && !(await fetchable(c.imageUrl))) {
      // Threads reports a media it could not download on the container, not on the create call (unverified for images).
      c.final = 'ERROR';
      c.errorMessage = 'FAILED_DOWNLOADING_IMAGE';
    }
    if (mediaType === 'CAROUSEL' && !(children.length >= 2 && children.length <= 20 && children.every((id) => containers.some((x) => x.id === id && x.carouselItem)))) {
      return graphError(400, 100, 'A carousel needs 2 to 20 carousel item containers');
    }
    if (!['TEXT', 'IMAGE', 'CAROUSEL'].includes(mediaType)) return graphError(400, 100, `Unsupported media_type ${mediaType}`);
    if (c.pollsLeft <= 0) c.status = c.final;
    containers.push(c);
    return { status: 200, body: { id: c.id } };
  }

  function publish(creationId: string): GraphScripted {
    const c = containers.find((x) => x.id === creationId && !x.carouselItem);
    if (!c) return graphError(400, 24, 'The requested resource does not exist', { error_subcode: 4279009 });
    if (c.status === 'PUBLISHED') return graphError(400, 100, 'This media container has already been published (unverified wording)');
    if (c.status !== 'FINISHED') return graphError(400, 24, `The media container is ${c.status} and cannot be published`, { error_subcode: 4279009 });
    const urls = c.mediaType === 'CAROUSEL' ? c.children.map((id) => containers.find((x) => x.id === id)?.imageUrl ?? '') : c.imageUrl ? [c.imageUrl] : [];
    const post: ThreadsPost = {
      id: newId(),
      text: c.text,
      mediaType: c.mediaType,
      imageUrls: urls,
      containerId: c.id,
      timestamp: new Date(now()).toISOString().replace(/\.\d+Z$/, '+0000'),
    };
    posts.push(post);
    c.status = 'PUBLISHED';
    return { status: 200, body: { id: post.id } };
  }

  const server = await startHttpServer(handle);
  return {
    ...server,
    appId: APP_ID,
    appSecret: APP_SECRET,
    userId,
    username: USERNAME,
    tokens,
    containers,
    posts,
    log,
    issueLongLivedToken(ageHours = 48) {
      const token = issue('long', ageHours * 3600_000);
      return { token, expiresAt: new Date(tokens.get(token)!.expiresAt) };
    },
    failNext: (route, a) => script.failNext(1, a, route),
    advanceClock: (ms) => {
      clockOffset += ms;
    },
    contract: (token) => ({
      url: server.url,
      stop: () => server.stop(),
      createdTexts: () => posts.map((p) => p.text),
      validationMessage: 'Param text must be at most 500 characters long.',
      failNextPublish(kind, opts = {}) {
        if (kind === 'validation') return script.failNext(1, graphError(400, 100, 'Param text must be at most 500 characters long.'), 'container');
        script.failNext(1, kind === 'server_error' ? serverError() : bucThrottle(17, userId, 'threads', opts.resetInSeconds ?? 300, 'User request limit reached'), 'publish');
      },
      expireAccessToken: () => {
        const t = tokens.get(token);
        if (t) t.expiresAt = now() - 1000;
      },
      revokeRefresh: () => {
        refreshRefused = true;
      },
      loseNextPublishAnswer: () => script.failNext(1, 'lose', 'publish'),
    }),
  };
}

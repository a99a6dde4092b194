// A loopback Bluesky PDS implementing the XRPC calls PostFlow uses, with the PDS's own wire behaviour: sessions
// opened with an app password (JWT-shaped access and refresh tokens, refresh tokens rotated on use), an expired
// access token answered with 400 ExpiredToken, ratelimit-* headers (reset in epoch seconds) on every answer, 400
// InvalidRequest for a record that breaks the post lexicon, 400 RecordNotFound from getRecord, and a duplicate
// record key on createRecord answered with 500 InternalServerError, as Bluesky's PDS does today (atproto issue 3718).
// Embeds are checked against their lexicons (images and external link cards: blobs uploaded, the card's fields).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ContractFake } from '../integrations/providerContract.js';
import { FixedWindowLimiter, ResponseScript, sendJson, startHttpServer, type FakeServer } from './httpFake.js';

export type BlueskyRoute = 'createSession' | 'refreshSession' | 'createRecord' | 'getRecord' | 'uploadBlob' | '*';

export interface BlueskyScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** For 429: ratelimit-reset is now + this many seconds (default 300). */
  resetInSeconds?: number;
}

export interface BlueskyFakeOptions {
  handle?: string;
  /** Requests per 5-minute window per IP address before a real 429 (default 3000, Bluesky's global limit). */
  rateLimit?: number;
  /** The rate-limit window in seconds (default 300). */
  rateLimitWindowSeconds?: number;
  /** The clock the rate-limit windows follow (default Date.now), so a test can keep two requests in one window. */
  rateLimitClock?: () => number;
  /** Lifetime of access tokens in seconds (default 7200). */
  accessTokenSeconds?: number;
}

export interface FakePost {
  uri: string;
  rkey: string;
  record: Record<string, unknown>;
  /** What each facet's byte range covers in the text, decoded as UTF-8: what the app would highlight. */
  facetTexts: string[];
}

export interface BlueskyFake extends FakeServer, ContractFake {
  handle: string;
  did: string;
  appPassword: string;
  posts: FakePost[];
  blobs: { cid: string; mimeType: string; size: number; bytes: Buffer }[];
  /** Every request as "METHOD nsid". */
  log: string[];
  /** The bodies createRecord received, in order. */
  createRequests: Record<string, unknown>[];
  failNext(count: number, response: BlueskyScriptedResponse, route?: BlueskyRoute): void;
  /** Every refresh token issued so far stops working (expired); the app password still opens sessions. */
  expireRefreshTokens(): void;
}

const VALIDATION_MESSAGE = 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes';
const APP_PASSWORD = 'abcd-efgh-ijkl-mnop';

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ typ: 'at+jwt', alg: 'ES256K' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}

function graphemes(text: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
}

interface BlobRef {
  ref?: { $link?: string };
}

function fakeCid(): string {
  return `bafyrei${randomBytes(26).toString('hex').slice(0, 52)}`;
}

export async function startBlueskyFake(options: BlueskyFakeOptions = {}): Promise<BlueskyFake> {
  const handle = options.handle ?? 'alice.test';
  const did = `did:plc:${randomBytes(12).toString('hex')}`;
  let appPassword = APP_PASSWORD;
  let passwordRevoked = false;
  const accessSeconds = options.accessTokenSeconds ?? 7200;
  // token -> expiry (ms); a token absent from the map was never issued or was revoked.
  const accessTokens = new Map<string, number>();
  const refreshTokens = new Map<string, number>();
  const script = new ResponseScript<BlueskyScriptedResponse>();
  let loseNextAnswer = false;
  const windowMs = (options.rateLimitWindowSeconds ?? 300) * 1000;
  const limiter = new FixedWindowLimiter(options.rateLimit ?? 3000, windowMs, options.rateLimitClock);
  const posts: FakePost[] = [];
  const blobs: BlueskyFake['blobs'] = [];
  const log: string[] = [];
  const createRequests: Record<string, unknown>[] = [];

  function openSession() {
    const now = Date.now();
    const accessJwt = jwt({ scope: 'com.atproto.access', sub: did, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + accessSeconds });
    const refreshJwt = jwt({ scope: 'com.atproto.refresh', sub: did, jti: randomBytes(8).toString('hex'), exp: Math.floor(now / 1000) + 90 * 86400 });
    accessTokens.set(accessJwt, now + accessSeconds * 1000);
    refreshTokens.set(refreshJwt, now + 90 * 86400 * 1000);
    return { accessJwt, refreshJwt, handle, did, active: true };
  }

  /** Checks a Bearer token against a token map; null when it is good, else the PDS's answer. */
  function tokenProblem(tokens: Map<string, number>, auth: string | undefined): { status: number; body: unknown } | null {
    if (!auth?.startsWith('Bearer ')) return { status: 401, body: { error: 'AuthenticationRequired', message: 'Authentication Required' } };
    const expiry = tokens.get(auth.slice(7));
    if (expiry === undefined) return { status: 400, body: { error: 'InvalidToken', message: 'Token could not be verified' } };
    if (expiry <= Date.now()) return { status: 400, body: { error: 'ExpiredToken', message: 'Token has expired' } };
    return null;
  }

  /** The embed lexicons PostFlow sends: app.bsky.embed.images and app.bsky.embed.external (uri, title, description, thumb?). */
  function checkEmbed(value: unknown): string | null {
    if (value === undefined) return null;
    const embed = value as { $type?: unknown; images?: { image?: BlobRef }[]; external?: { uri?: unknown; title?: unknown; description?: unknown; thumb?: BlobRef } };
    const known = (ref: BlobRef | undefined) => blobs.some((b) => b.cid === ref?.ref?.$link);
    if (embed.$type === 'app.bsky.embed.images') {
      for (const image of embed.images ?? []) if (!known(image.image)) return 'Could not find blob';
      return null;
    }
    if (embed.$type !== 'app.bsky.embed.external') return `Record/embed has an unknown $type ${String(embed.$type)}`;
    const external = embed.external;
    if (!external || typeof external.uri !== 'string' || !URL.canParse(external.uri)) return 'Record/embed/external/uri must be a valid uri';
    if (typeof external.title !== 'string' || typeof external.description !== 'string') return 'Record/embed/external must have the properties "title" and "description"';
    if (external.thumb !== undefined) {
      const blob = blobs.find((b) => b.cid === external.thumb?.ref?.$link);
      if (!blob) return 'Could not find blob';
      if (!blob.mimeType.startsWith('image/') || blob.size > 1_000_000) return 'Record/embed/external/thumb must be an image of at most 1000000 bytes';
    }
    return null;
  }

  function createRecord(body: Record<string, unknown>): { status: number; body: unknown } {
    const record = (body.record ?? {}) as Record<string, unknown>;
    if (body.repo !== did && body.repo !== handle) return { status: 400, body: { error: 'InvalidRequest', message: `Could not find repo: ${String(body.repo)}` } };
    if (body.collection !== 'app.bsky.feed.post') return { status: 400, body: { error: 'InvalidRequest', message: 'Unsupported collection' } };
    const rkey = typeof body.rkey === 'string' ? body.rkey : null;
    // A post's key must be a TID (13 sortable base32 characters).
    if (rkey !== null && !/^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(rkey)) {
      return { status: 400, body: { error: 'InvalidRequest', message: `Invalid record key: ${rkey}` } };
    }
    const text = typeof record.text === 'string' ? record.text : null;
    if (text === null || typeof record.createdAt !== 'string')
      return { status: 400, body: { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: Record must have the property "text"' } };
    if (graphemes(text) > 300) return { status: 400, body: { error: 'InvalidRequest', message: VALIDATION_MESSAGE } };
    if (Buffer.byteLength(text) > 3000)
      return { status: 400, body: { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters' } };
    const bytes = Buffer.from(text, 'utf8');
    const facetTexts: string[] = [];
    for (const facet of (record.facets ?? []) as { index?: { byteStart?: number; byteEnd?: number } }[]) {
      const { byteStart = -1, byteEnd = -1 } = facet.index ?? {};
      if (!(byteStart >= 0 && byteEnd > byteStart && byteEnd <= bytes.length)) {
        return { status: 400, body: { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: facet index out of range' } };
      }
      facetTexts.push(bytes.subarray(byteStart, byteEnd).toString('utf8'));
    }
    const embedProblem = checkEmbed(record.embed);
    if (embedProblem) return { status: 400, body: { error: 'InvalidRequest', message: `Invalid app.bsky.feed.post record: ${embedProblem}` } };
    const key =
      rkey ??
      `3l${randomBytes(6)
        .toString('hex')
        .replace(/[0189]/g, '2')
        .slice(0, 11)}`;
    if (posts.some((p) => p.rkey === key)) return { status: 500, body: { error: 'InternalServerError', message: 'Internal Server Error' } };
    const uri = `at://${did}/app.bsky.feed.post/${key}`;
    posts.push({ uri, rkey: key, record, facetTexts });
    return { status: 200, body: { uri, cid: fakeCid(), commit: { cid: fakeCid(), rev: key }, validationStatus: 'valid' } };
  }

  async function handle_(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const nsid = url.pathname.replace(/^\/xrpc\//, '');
    log.push(`${method} ${nsid}`);
    const auth = req.headers.authorization;
    // Bluesky's global limit is counted per IP address.
    const rate = limiter.hit(req.socket.remoteAddress ?? 'anonymous');
    const headers: Record<string, string> = {
      'ratelimit-limit': String(rate.limit),
      'ratelimit-remaining': String(rate.remaining),
      'ratelimit-reset': String(Math.floor(rate.resetAt / 1000)),
      'ratelimit-policy': `${rate.limit};w=${windowMs / 1000}`,
    };
    const answer = (status: number, body: unknown, extra: Record<string, string> = {}) => sendJson(res, status, body, { ...headers, ...extra });
    const routes: Record<string, BlueskyRoute> = {
      'POST com.atproto.server.createSession': 'createSession',
      'POST com.atproto.server.refreshSession': 'refreshSession',
      'POST com.atproto.repo.createRecord': 'createRecord',
      'GET com.atproto.repo.getRecord': 'getRecord',
      'POST com.atproto.repo.uploadBlob': 'uploadBlob',
    };
    const route = routes[`${method} ${nsid}`];
    if (!route) return answer(404, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
    const json = () => {
      try {
        return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    if (route === 'createRecord') createRequests.push(json());

    const scripted = script.take(route);
    if (scripted) {
      const extra: Record<string, string> = { ...scripted.headers };
      if (scripted.status === 429) {
        extra['ratelimit-remaining'] = '0';
        extra['ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + (scripted.resetInSeconds ?? 300));
      }
      const fallback =
        scripted.status === 429 ? { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' } : { error: 'InternalServerError', message: 'Internal Server Error' };
      return answer(scripted.status, scripted.body ?? fallback, extra);
    }
    if (rate.exceeded) return answer(429, { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' });

    switch (route) {
      case 'createSession': {
        const body = json();
        const known = body.identifier === handle || body.identifier === did;
        if (!known || passwordRevoked || body.password !== appPassword) {
          return answer(401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
        }
        return answer(200, openSession());
      }
      case 'refreshSession': {
        const problem = tokenProblem(refreshTokens, auth);
        if (problem) return answer(problem.status, problem.body);
        // Refresh tokens are single-use: the old one is revoked when the new pair is issued.
        refreshTokens.delete(auth!.slice(7));
        return answer(200, openSession());
      }
      default:
        break;
    }
    const problem = tokenProblem(accessTokens, auth);
    if (problem) return answer(problem.status, problem.body);

    switch (route) {
      case 'uploadBlob': {
        const mimeType = req.headers['content-type'] ?? '';
        if (raw.length === 0 || mimeType === '') return answer(400, { error: 'InvalidRequest', message: 'Request encoding (Content-Type) required but not provided' });
        const blob = { cid: `bafkrei${randomBytes(26).toString('hex').slice(0, 52)}`, mimeType, size: raw.length, bytes: raw };
        blobs.push(blob);
        return answer(200, { blob: { $type: 'blob', ref: { $link: blob.cid }, mimeType, size: blob.size } });
      }
      case 'getRecord': {
        const rkey = url.searchParams.get('rkey');
        const post = url.searchParams.get('collection') === 'app.bsky.feed.post' ? posts.find((p) => p.rkey === rkey) : undefined;
        if (!post)
          return answer(400, { error: 'RecordNotFound', message: `Could not locate record: at://${url.searchParams.get('repo')}/${url.searchParams.get('collection')}/${rkey}` });
        return answer(200, { uri: post.uri, cid: fakeCid(), value: post.record });
      }
      case 'createRecord': {
        const body = createRequests[createRequests.length - 1]!;
        if (loseNextAnswer) {
          // The PDS makes the record; only the answer is lost (a proxy dropping it, a client timing out).
          loseNextAnswer = false;
          createRecord(body);
          return;
        }
        const result = createRecord(body);
        return answer(result.status, result.body);
      }
      default:
        return answer(404, { error: 'MethodNotImplemented', message: 'Method Not Implemented' });
    }
  }

  const server = await startHttpServer(handle_);
  return {
    ...server,
    handle,
    did,
    get appPassword() {
      return appPassword;
    },
    posts,
    blobs,
    log,
    createRequests,
    validationMessage: VALIDATION_MESSAGE,
    createdTexts: () => posts.map((p) => String(p.record.text)),
    failNext: (count, response, route = 'createRecord') => script.failNext(count, response, route),
    failNextPublish: (kind, failOptions = {}) => {
      if (kind === 'validation') script.failNext(1, { status: 400, body: { error: 'InvalidRequest', message: VALIDATION_MESSAGE } }, 'createRecord');
      if (kind === 'server_error') script.failNext(1, { status: 502, body: { error: 'UpstreamFailure', message: 'Upstream Failure' } }, 'createRecord');
      if (kind === 'rate_limited') script.failNext(1, { status: 429, resetInSeconds: failOptions.resetInSeconds ?? 300 }, 'createRecord');
    },
    expireAccessToken: () => {
      for (const token of accessTokens.keys()) accessTokens.set(token, Date.now() - 1000);
    },
    expireRefreshTokens: () => {
      for (const token of refreshTokens.keys()) refreshTokens.set(token, Date.now() - 1000);
    },
    revokeRefresh: () => {
      // Revoking the app password ends its sessions and refuses new ones.
      refreshTokens.clear();
      passwordRevoked = true;
      appPassword = `revoked-${appPassword}`;
    },
    loseNextPublishAnswer: () => {
      loseNextAnswer = true;
    },
  };
}

// Bluesky (AT Protocol, XRPC over HTTP). An account connects with an app password, which opens a session (a short
// access JWT and a long refresh JWT) kept in the channel's credentials. Posts are records of app.bsky.feed.post made
// with com.atproto.repo.createRecord under a record key (a TID) PostFlow chooses and saves before the call: a retry
// looks the key up and, if an earlier attempt made the record, answers it instead of posting again.
//
// No OAuth: atproto OAuth needs DPoP-bound tokens, pushed authorization requests and a published client metadata
// document, none of which the generic OAuth helpers speak. App passwords are what Bluesky offers third-party tools.
import { z } from 'zod';
import { detectFacets, jwtClaims, nextTid } from './blueskyRichText.js';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError, HttpFailure, classifyFailure, downloadMedia, genericPlatformMessage, httpRequest, trimSlash, type HttpResponse } from './http.js';
import { classifyTokenFailure, platformSettings } from './oauth.js';
import type {
  ChannelAccess,
  ChannelSettings,
  ClassifiedFailure,
  ConnectedAccount,
  ContentVerdict,
  LinkCard,
  PostContent,
  Provider,
  ProviderOptions,
  PublishRequest,
  PublishResult,
  RateLimitHint,
} from './types.js';

export const blueskyCredentialsSchema = z.object({
  identifier: z.string().trim().min(1, 'identifier must be your handle (alice.bsky.social) or your DID'),
  appPassword: z.string().min(1, 'appPassword must not be empty: create one in Bluesky under Settings, Privacy and security, App passwords'),
  service: z.url({ protocol: /^https?$/, error: 'service must be the http(s) URL of your PDS (https://bsky.social for Bluesky-hosted accounts)' }).nullish(),
  /** The session, filled in by connect() and refresh(). */
  accessJwt: z.string().min(1).nullish(),
  refreshJwt: z.string().min(1).nullish(),
  did: z.string().startsWith('did:', 'did must be a DID (did:plc:... or did:web:...)').nullish(),
});

export type BlueskyCredentials = z.infer<typeof blueskyCredentialsSchema>;

const POST_COLLECTION = 'app.bsky.feed.post';

interface SessionBody {
  accessJwt?: unknown;
  refreshJwt?: unknown;
  did?: unknown;
  handle?: unknown;
}

interface RecordBody {
  uri?: unknown;
  cid?: unknown;
}

interface BlobBody {
  blob?: unknown;
}

/** An XRPC error body: { error: "ExpiredToken", message: "Token has expired" }. */
function xrpcError(body: unknown): { error: string | null; message: string | null } {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return {
    error: typeof record.error === 'string' ? record.error : null,
    message: typeof record.message === 'string' && record.message !== '' ? record.message : null,
  };
}

/** ratelimit-reset is the window's end in epoch seconds (atproto's xrpc-server). */
function resetInMs(headers: Headers, now = Date.now()): number | null {
  const reset = Number(headers.get('ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : null;
}

function rateLimitHints(headers: Headers): RateLimitHint[] | undefined {
  const wait = headers.get('ratelimit-remaining') === '0' ? resetInMs(headers) : null;
  // Write limits are counted per account (DID); PostFlow cannot tell the per-IP global limit apart by its headers.
  return wait === null ? undefined : [{ scope: 'ACCOUNT', until: new Date(Date.now() + wait) }];
}

function mimeTypeOf(blob: Blob, url: string): string {
  if (blob.type !== '') return blob.type.split(';')[0]!;
  const extension = new URL(url).pathname.split('.').pop()?.toLowerCase();
  return { png: 'image/png', gif: 'image/gif', webp: 'image/webp' }[extension ?? ''] ?? 'image/jpeg';
}

export function createBlueskyProvider(options: ProviderOptions): Provider<BlueskyCredentials> {
  const settings = platformSettings(options, 'BLUESKY', { apiUrl: 'https://bsky.social' });
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;

  interface XrpcCall {
    /** Bearer token: the access JWT by default, the refresh JWT for refreshSession, none for createSession. */
    token?: string | null;
    json?: unknown;
    body?: Blob;
    headers?: Record<string, string>;
    query?: Record<string, string>;
  }

  function xrpc<T>(credentials: BlueskyCredentials, method: 'GET' | 'POST', nsid: string, call: XrpcCall = {}): Promise<HttpResponse<T>> {
    const url = new URL(`${trimSlash(credentials.service ?? settings.apiUrl)}/xrpc/${nsid}`);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const token = call.token === undefined ? credentials.accessJwt : call.token;
    return httpRequest<T>({
      method,
      url: url.toString(),
      operation: `${method} ${nsid}`,
      timeoutMs,
      outbound,
      headers: { ...(token && { Authorization: `Bearer ${token}` }), ...call.headers },
      json: call.json,
      body: call.body,
    });
  }

  function withSession(credentials: BlueskyCredentials, body: SessionBody | null): { credentials: BlueskyCredentials; handle: string } {
    const { accessJwt, refreshJwt, did, handle } = body ?? {};
    if (typeof accessJwt !== 'string' || typeof refreshJwt !== 'string' || typeof did !== 'string') {
      throw new Error('The Bluesky session answer lacks accessJwt, refreshJwt or did');
    }
    return { credentials: { ...credentials, accessJwt, refreshJwt, did }, handle: typeof handle === 'string' ? handle : did };
  }

  /** A refused session call means the app password (or the session) is dead: only the user can fix that. */
  function sessionFailure(error: unknown): ClassifiedError {
    const classified = classifyTokenFailure(error);
    if (!(error instanceof HttpFailure)) return classified;
    const { error: name, message } = xrpcError(error.body);
    if (classified.failure.kind === 'RATE_LIMITED') {
      // createSession is limited per handle (30 per 5 minutes, 300 per day).
      return new ClassifiedError({ ...classified.failure, retryAfterMs: classified.failure.retryAfterMs ?? resetInMs(error.headers) }, { cause: error });
    }
    if (classified.failure.kind !== 'AUTH') return classified;
    return new ClassifiedError(
      {
        ...classified.failure,
        errorClass: name === 'AccountTakedown' ? 'BLUESKY_ACCOUNT_TAKEN_DOWN' : 'BLUESKY_LOGIN_REFUSED',
        message: `Bluesky refused the login${message ? ` (${message})` : ''}: check the handle, create a new app password and reconnect the channel`,
      },
      { cause: error },
    );
  }

  async function openSession(credentials: BlueskyCredentials): Promise<{ credentials: BlueskyCredentials; handle: string }> {
    try {
      const res = await xrpc<SessionBody | null>(credentials, 'POST', 'com.atproto.server.createSession', {
        token: null,
        json: { identifier: credentials.identifier, password: credentials.appPassword },
      });
      return withSession(credentials, res.body);
    } catch (error) {
      throw sessionFailure(error);
    }
  }

  /** The post under this record key, or null when the repository has none (getRecord's RecordNotFound). */
  async function findPost(credentials: BlueskyCredentials, did: string, rkey: string): Promise<HttpResponse<RecordBody | null> | null> {
    try {
      return await xrpc<RecordBody | null>(credentials, 'GET', 'com.atproto.repo.getRecord', { query: { repo: did, collection: POST_COLLECTION, rkey } });
    } catch (error) {
      if (error instanceof HttpFailure && (error.status === 400 || error.status === 404) && xrpcError(error.body).error === 'RecordNotFound') return null;
      throw error;
    }
  }

  /**
   * Whether a failed createRecord may mean "that record key is taken": Bluesky's PDS answers a duplicate key with a
   * 500 InternalServerError today (atproto issue 3718), and an explicit error is on its way (atproto PR 4728;
   * other PDSs answer 409 RecordAlreadyExists).
   */
  function mayBeTakenKey(error: unknown): boolean {
    if (!(error instanceof HttpFailure)) return false;
    if (error.status === 409 || error.status >= 500) return true;
    const { error: name, message } = xrpcError(error.body);
    return error.status === 400 && /already ?exists/i.test(`${name ?? ''} ${message ?? ''}`);
  }

  async function uploadImage(credentials: BlueskyCredentials, url: string): Promise<unknown> {
    const downloaded = await downloadMedia(url, timeoutMs, outbound);
    const mimeType = mimeTypeOf(downloaded, url);
    const blob = new Blob([await downloaded.arrayBuffer()], { type: mimeType });
    const res = await xrpc<BlobBody | null>(credentials, 'POST', 'com.atproto.repo.uploadBlob', { body: blob, headers: { 'Content-Type': mimeType } });
    if (!res.body?.blob) throw new Error('com.atproto.repo.uploadBlob answered without a blob');
    return res.body.blob;
  }

  /** Bluesky builds no preview from a link in the text: the client sends the card (app.bsky.embed.external). */
  async function externalEmbed(credentials: BlueskyCredentials, card: LinkCard): Promise<Record<string, unknown>> {
    const thumb = card.image ? await uploadImage(credentials, card.image) : null;
    return { $type: 'app.bsky.embed.external', external: { uri: card.url, title: card.title, description: card.description, ...(thumb !== null && { thumb }) } };
  }

  function published(res: HttpResponse<RecordBody | null>, did: string, rkey: string, handle: unknown): PublishResult {
    const uri = typeof res.body?.uri === 'string' ? res.body.uri : `at://${did}/${POST_COLLECTION}/${rkey}`;
    const profile = typeof handle === 'string' && handle !== '' ? handle : did;
    const rateLimits = rateLimitHints(res.headers);
    return { externalId: uri, externalUrl: `https://bsky.app/profile/${profile}/post/${rkey}`, responseCode: res.status, ...(rateLimits && { rateLimits }) };
  }

  return {
    platform: 'BLUESKY',
    idempotent: true,
    credentialsSchema: blueskyCredentialsSchema,
    userUrls: (credentials) => (credentials.service ? [{ field: 'service', url: credentials.service }] : []),

    async connect(credentials: BlueskyCredentials): Promise<ConnectedAccount<BlueskyCredentials>> {
      const session = await openSession(credentials);
      return {
        accountHandle: `@${session.handle}`,
        settings: { did: session.credentials.did, handle: session.handle },
        credentials: session.credentials,
      };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('BLUESKY', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<BlueskyCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const did = credentials.did;
      if (!credentials.accessJwt || !did) {
        throw new ClassifiedError({
          kind: 'AUTH',
          errorClass: 'BLUESKY_NO_SESSION',
          message: 'The channel has no Bluesky session yet: renew or reconnect it',
          responseCode: null,
          retryAfterMs: null,
        });
      }
      const savedKey = typeof request.progress?.rkey === 'string' ? request.progress.rkey : null;
      let rkey: string;
      if (savedKey !== null) {
        rkey = savedKey;
        // An earlier attempt may have made the post and lost the answer.
        const existing = await findPost(credentials, did, rkey);
        if (existing) return published(existing, did, rkey, channel.settings.handle);
      } else {
        rkey = nextTid();
        // Saved before the call, so every later attempt asks for this same key and cannot post twice.
        await request.checkpoint({ rkey });
      }
      const images = [];
      // Sequential: uploads count against the same per-account limits as the post.
      for (const url of request.mediaUrls) images.push({ alt: '', image: await uploadImage(credentials, url) });
      const facets = detectFacets(request.text);
      // A record has one embed: images win, and the link stays a facet in the text.
      const embed = images.length > 0 ? { $type: 'app.bsky.embed.images', images } : request.linkCard ? await externalEmbed(credentials, request.linkCard) : null;
      const record = {
        $type: POST_COLLECTION,
        text: request.text,
        createdAt: new Date().toISOString(),
        ...(facets.length > 0 && { facets }),
        ...(embed && { embed }),
      };
      try {
        const res = await xrpc<RecordBody | null>(credentials, 'POST', 'com.atproto.repo.createRecord', {
          json: { repo: did, collection: POST_COLLECTION, rkey, record },
        });
        return published(res, did, rkey, channel.settings.handle);
      } catch (error) {
        if (mayBeTakenKey(error)) {
          const existing = await findPost(credentials, did, rkey).catch(() => null);
          if (existing) return published(existing, did, rkey, channel.settings.handle);
        }
        throw error;
      }
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: true,
        platformMessage: (failure) => xrpcError(failure.body).message ?? genericPlatformMessage(failure.body),
        retryAfterMs: (failure) => resetInMs(failure.headers),
        authMessage: (message) => `Bluesky refused the session${message ? ` (${message})` : ''}: renew or reconnect the channel`,
      });
      if (error instanceof HttpFailure && error.status === 400) {
        const { error: name, message } = xrpcError(error.body);
        // An expired or revoked access JWT is a 400 on Bluesky, not a 401.
        if (name === 'ExpiredToken' || name === 'InvalidToken') {
          return {
            ...classified,
            kind: 'AUTH',
            errorClass: `BLUESKY_${name === 'ExpiredToken' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID'}`,
            message: `Bluesky refused the session (${message ?? name}): renew or reconnect the channel`,
          };
        }
      }
      return classified;
    },

    async refresh(credentials: BlueskyCredentials): Promise<BlueskyCredentials> {
      if (credentials.refreshJwt) {
        try {
          const res = await xrpc<SessionBody | null>(credentials, 'POST', 'com.atproto.server.refreshSession', { token: credentials.refreshJwt });
          return withSession(credentials, res.body).credentials;
        } catch (error) {
          // Refused (expired, revoked, rotated away): the app password can still open a new session. Anything else
          // (no answer, 5xx, 429) is not the session's fault and is retried as it is.
          const refused = error instanceof HttpFailure && error.status >= 400 && error.status < 500 && error.status !== 429;
          if (!refused) throw sessionFailure(error);
        }
      }
      return (await openSession(credentials)).credentials;
    },

    credentialsExpireAt(credentials: BlueskyCredentials): Date | null {
      // No session yet: renewing now is what opens one.
      if (!credentials.accessJwt) return new Date(0);
      const exp = jwtClaims(credentials.accessJwt)?.exp;
      return typeof exp === 'number' ? new Date(exp * 1000) : null;
    },
  };
}

// LinkedIn (versioned REST API: Posts API, Images API; OpenID userinfo). A post is POST /rest/posts, answered 201 with
// the post's URN in x-restli-id. LinkedIn has no idempotency key, so an answer lost after sending is UNKNOWN; image
// uploads are checkpointed so a retry after a failed post does not upload them again.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError, HttpFailure, classifyFailure, downloadMedia, failedBeforePosting, genericPlatformMessage, httpRequest } from './http.js';
import {
  appFor,
  codeFlowUrl,
  configuredApp,
  credentialsFromTokens,
  exchangeCode,
  expiryOf,
  oauthCredentialFields,
  platformSettings,
  refreshGrantFor,
  refreshWithGrant,
  type TokenEndpoint,
} from './oauth.js';
import type {
  ChannelAccess,
  ChannelSettings,
  ClassifiedFailure,
  ConnectedAccount,
  ContentVerdict,
  PostContent,
  Provider,
  ProviderOptions,
  PublishRequest,
  PublishResult,
} from './types.js';

export const LINKEDIN_API_URL = 'https://api.linkedin.com';
export const LINKEDIN_AUTH_URL = 'https://www.linkedin.com';
/**
 * The Marketing API version every /rest call names (LinkedIn-Version: YYYYMM). LinkedIn keeps a version for about a
 * year after its release, then answers 426 NONEXISTENT_VERSION: bump this at least yearly.
 */
export const LINKEDIN_VERSION = '202610';
export const LINKEDIN_MEMBER_SCOPES = ['openid', 'profile', 'w_member_social'];
/** Posting as a Page needs the Community Management API product on the app and an ADMINISTRATOR (or content) role. */
export const LINKEDIN_ORGANIZATION_SCOPES = ['w_organization_social', 'r_organization_social'];

const organizationId = z.string().regex(/^(urn:li:organization:)?\d+$/, 'organizationId must be the numeric id of a LinkedIn organization (company page)');

export const linkedinCredentialsSchema = z.object({
  ...oauthCredentialFields,
  /** Post as this organization instead of the member. */
  organizationId: organizationId.nullish(),
  /** The member's OpenID subject (urn:li:person:{memberId}), filled in by connect(). */
  memberId: z.string().min(1, 'memberId must not be empty').nullish(),
});

export type LinkedInCredentials = z.infer<typeof linkedinCredentialsSchema>;

const RESERVED = /[\\|{}@[\]()<>#*_~]/g;
const HASHTAG = /#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu;
// A "#" right after these is part of a word, a URL fragment or an HTML entity, not a hashtag.
const NOT_BEFORE_HASHTAG = /[\p{L}\p{N}_/&#]/u;

function escapeLittle(text: string): string {
  return text.replace(RESERVED, (c) => `\\${c}`);
}

/**
 * The post text in LinkedIn's "little" format: every reserved character escaped (unescaped, LinkedIn reads them as
 * mentions or templates, and silently cuts the post at the first one it cannot parse), except that "#word" becomes
 * the hashtag template {hashtag|\#|word}, so hashtags stay hashtags.
 */
export function toLittleText(text: string): string {
  let out = '';
  let from = 0;
  for (const match of text.matchAll(HASHTAG)) {
    const at = match.index;
    if (at > 0 && NOT_BEFORE_HASHTAG.test(text[at - 1]!)) continue;
    out += `${escapeLittle(text.slice(from, at))}{hashtag|\\#|${escapeLittle(match[1]!)}}`;
    from = at + match[0].length;
  }
  return out + escapeLittle(text.slice(from));
}

function organizationNumber(id: string): string {
  return id.replace(/^urn:li:organization:/, '');
}

function msUntilNextUtcMidnight(now = Date.now()): number {
  const midnight = new Date(now);
  midnight.setUTCHours(24, 0, 0, 0);
  return midnight.getTime() - now;
}

interface ImageProgress {
  author: string;
  images: (string | null)[];
}

export function createLinkedInProvider(options: ProviderOptions): Provider<LinkedInCredentials> {
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const settings = platformSettings(options, 'LINKEDIN', { apiUrl: LINKEDIN_API_URL, authUrl: LINKEDIN_AUTH_URL });
  const tokenEndpoint: TokenEndpoint = { tokenUrl: `${settings.authUrl}/oauth/v2/accessToken`, clientAuth: 'body', timeoutMs, outbound, operation: 'POST /oauth/v2/accessToken' };
  const restHeaders = { 'LinkedIn-Version': LINKEDIN_VERSION, 'X-Restli-Protocol-Version': '2.0.0' };

  function call<T>(credentials: LinkedInCredentials, method: 'GET' | 'POST', path: string, extras: { json?: unknown; label?: string } = {}) {
    return httpRequest<T>({
      method,
      url: `${settings.apiUrl}${path}`,
      operation: `${method} ${extras.label ?? path}`,
      timeoutMs,
      outbound,
      headers: { Authorization: `Bearer ${credentials.accessToken}`, ...(path.startsWith('/rest/') && restHeaders) },
      json: extras.json,
    });
  }

  async function whoAmI(credentials: LinkedInCredentials): Promise<{ sub: string; name: string | null }> {
    const res = await call<{ sub?: unknown; name?: unknown } | null>(credentials, 'GET', '/v2/userinfo');
    const sub = typeof res.body?.sub === 'string' ? res.body.sub : '';
    if (sub === '') throw new Error('GET /v2/userinfo answered without a subject (is the openid scope granted?)');
    return { sub, name: typeof res.body?.name === 'string' && res.body.name !== '' ? res.body.name : null };
  }

  async function authorOf(credentials: LinkedInCredentials, channelSettings: ChannelSettings): Promise<string> {
    if (typeof channelSettings.authorUrn === 'string' && channelSettings.authorUrn !== '') return channelSettings.authorUrn;
    if (credentials.organizationId) return `urn:li:organization:${organizationNumber(credentials.organizationId)}`;
    const memberId = credentials.memberId ?? (await whoAmI(credentials)).sub;
    return `urn:li:person:${memberId}`;
  }

  // The upload URL is LinkedIn's own storage host and takes the raw bytes.
  async function putBytes(url: string, blob: Blob, accessToken: string): Promise<void> {
    await httpRequest({
      method: 'PUT',
      url,
      operation: 'PUT image upload',
      timeoutMs,
      outbound,
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
  }

  async function uploadImage(credentials: LinkedInCredentials, author: string, mediaUrl: string): Promise<string> {
    const blob = await downloadMedia(mediaUrl, timeoutMs, outbound);
    const init = await call<{ value?: { uploadUrl?: unknown; image?: unknown } } | null>(credentials, 'POST', '/rest/images?action=initializeUpload', {
      json: { initializeUploadRequest: { owner: author } },
    });
    const uploadUrl = init.body?.value?.uploadUrl;
    const image = init.body?.value?.image;
    if (typeof uploadUrl !== 'string' || typeof image !== 'string') throw new Error('initializeUpload answered without an uploadUrl and an image URN');
    await putBytes(uploadUrl, blob, credentials.accessToken);
    return image;
  }

  /**
   * Uploads what an earlier attempt did not, checkpointing each image URN as soon as LinkedIn holds its bytes: the
   * post's media, or else the link card's image (the article's thumbnail).
   */
  async function uploadImages(request: PublishRequest, credentials: LinkedInCredentials, author: string): Promise<string[]> {
    const saved = request.progress as Partial<ImageProgress> | null;
    const urls = request.mediaUrls.length > 0 ? request.mediaUrls : request.linkCard?.image ? [request.linkCard.image] : [];
    const images: (string | null)[] = urls.map((_, i) => (saved?.author === author && typeof saved.images?.[i] === 'string' ? saved.images[i] : null));
    for (const [i, url] of urls.entries()) {
      if (images[i]) continue;
      images[i] = await uploadImage(credentials, author, url);
      await request.checkpoint({ author, images } satisfies ImageProgress);
    }
    return images as string[];
  }

  /** A post has one content: its images, or else the link card as an article (LinkedIn builds no preview from a URL). */
  function content(request: PublishRequest, images: string[]): Record<string, unknown> {
    const card = request.mediaUrls.length === 0 ? request.linkCard : null;
    if (card) {
      const article = { source: card.url, title: card.title, description: card.description, ...(images[0] && { thumbnail: images[0] }) };
      return { content: { article } };
    }
    if (images.length === 0) return {};
    if (images.length === 1) return { content: { media: { id: images[0] } } };
    return { content: { multiImage: { images: images.map((id) => ({ id })) } } };
  }

  return {
    platform: 'LINKEDIN',
    idempotent: false,
    credentialsSchema: linkedinCredentialsSchema,

    async connect(credentials: LinkedInCredentials): Promise<ConnectedAccount<LinkedInCredentials>> {
      const me = await whoAmI(credentials);
      const withMember = { ...credentials, memberId: me.sub };
      if (!credentials.organizationId) {
        return {
          accountHandle: me.name ?? `member ${me.sub}`,
          settings: { authorUrn: `urn:li:person:${me.sub}`, memberName: me.name },
          credentials: withMember,
        };
      }
      const id = organizationNumber(credentials.organizationId);
      let name: string | null = null;
      try {
        const org = await call<{ localizedName?: unknown } | null>(credentials, 'GET', `/rest/organizations/${id}`, { label: '/rest/organizations/:id' });
        name = typeof org.body?.localizedName === 'string' && org.body.localizedName !== '' ? org.body.localizedName : null;
      } catch (error) {
        if (error instanceof HttpFailure && error.status === 404) {
          throw new ClassifiedError({
            kind: 'PERMANENT',
            errorClass: 'ORGANIZATION_NOT_FOUND',
            message: `LinkedIn has no organization ${id}`,
            responseCode: 404,
            retryAfterMs: null,
          });
        }
        // Reading the name needs an admin scope the posting scopes do not include: the id will do.
        if (!(error instanceof HttpFailure && error.status === 403)) throw error;
      }
      return {
        accountHandle: name ? `${name} (organization ${id})` : `organization ${id}`,
        settings: { authorUrn: `urn:li:organization:${id}`, organizationId: id, organizationName: name, memberName: me.name },
        credentials: { ...withMember, organizationId: id },
      };
    },

    checkContent(postContent: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('LINKEDIN', postContent, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<LinkedInCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      let images: string[];
      let author: string;
      try {
        author = await authorOf(credentials, channel.settings);
        images = await uploadImages(request, credentials, author);
      } catch (error) {
        failedBeforePosting(error);
      }
      const res = await call(credentials, 'POST', '/rest/posts', {
        json: {
          author,
          commentary: toLittleText(request.text),
          visibility: 'PUBLIC',
          distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
          ...content(request, images),
          lifecycleState: 'PUBLISHED',
          isReshareDisabledByAuthor: false,
        },
      });
      const urn = res.headers.get('x-restli-id') ?? res.headers.get('x-linkedin-id');
      if (!urn) throw new Error('POST /rest/posts answered without the post URN (x-restli-id)');
      return { externalId: urn, externalUrl: `https://www.linkedin.com/feed/update/${urn}/`, responseCode: res.status };
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      const classified = classifyFailure(error, {
        idempotent: false,
        platformMessage: (failure) => genericPlatformMessage(failure.body),
        // LinkedIn documents no rate-limit headers: its limits are daily and reset at midnight UTC.
        retryAfterMs: () => msUntilNextUtcMidnight(),
        // A token without the scope or the member without a role on the organization: reconnecting (with the
        // right account or scopes) is the fix.
        forbiddenIsAuth: (failure) => /not enough permissions|scope/i.test(genericPlatformMessage(failure.body) ?? ''),
        authMessage: (message) => `The LinkedIn access token expired or was revoked: reconnect the channel${message ? ` (LinkedIn: ${message})` : ''}`,
      });
      if (classified.kind === 'RATE_LIMITED' && error instanceof HttpFailure) {
        // The daily application limit is shared by every channel using the app (unverified wording).
        const scope = /APPLICATION/.test(genericPlatformMessage(error.body) ?? '') ? 'APP' : 'ACCOUNT';
        return { ...classified, rateLimitScope: scope };
      }
      return classified;
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      // LinkedIn documents PKCE for native apps; a web app's secret is what it checks (unverified that the challenge is
      // accepted silently there). A Page needs the organization scopes on top of the member's.
      authorizeUrl: (request) =>
        codeFlowUrl(
          `${settings.authUrl}/oauth/v2/authorization`,
          request,
          (request.account?.organizationId ? [...LINKEDIN_MEMBER_SCOPES, ...LINKEDIN_ORGANIZATION_SCOPES] : LINKEDIN_MEMBER_SCOPES).join(' '),
        ),
      async finish(request) {
        const tokens = await exchangeCode(tokenEndpoint, request);
        const chosen = request.account.organizationId;
        const organization = typeof chosen === 'string' || typeof chosen === 'number' ? organizationNumber(String(chosen)) : null;
        return { ...credentialsFromTokens(tokens, request.app, request.ownApp), ...(organization && { organizationId: organization }) };
      },
    },

    async refresh(credentials: LinkedInCredentials): Promise<LinkedInCredentials> {
      const grant = refreshGrantFor(credentials, settings, 'LINKEDIN', 'LinkedIn gives refresh tokens only to approved apps: reconnect the channel (its token lasts 60 days)');
      return refreshWithGrant(tokenEndpoint, credentials, grant);
    },

    credentialsExpireAt: (credentials) => expiryOf(credentials),

    appKey(credentials: LinkedInCredentials): string | null {
      const app = appFor(credentials, settings);
      return app ? `LINKEDIN:${app.clientId}` : null;
    },
  };
}

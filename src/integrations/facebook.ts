// Facebook Pages through the Graph API with a Page access token. Text (and a link) goes to /{page-id}/feed, one
// image to /{page-id}/photos, several images are uploaded unpublished and attached to one feed post. The Graph
// API has no idempotency for posts, so an answer lost after sending leaves the outcome UNKNOWN.
// Sources: developers.facebook.com/docs/pages-api/posts, .../graph-api/reference/page/feed, .../page/photos.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { findUrls } from './textLength.js';
import { FACEBOOK_LOGIN_DEFAULTS, choosePage, facebookAuthorizeUrl, facebookLoginPages } from './facebookLogin.js';
import { GRAPH_API_VERSION, classifyGraphFailure, graphGet, graphPost, idOf, rateLimitHints, type GraphCall } from './metaGraph.js';
import { configuredApp, platformSettings } from './oauth.js';
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

export const facebookCredentialsSchema = z.object({
  pageId: z.string().regex(/^\d+$/, 'pageId must be the numeric Facebook Page id'),
  pageAccessToken: z.string().min(1, 'pageAccessToken must not be empty'),
  /** The Meta app the token was issued to (its Graph limits are counted per app). */
  appId: z.string().min(1).nullish(),
});

export type FacebookCredentials = z.infer<typeof facebookCredentialsSchema>;

export const FACEBOOK_SCOPES = ['pages_show_list', 'pages_read_engagement', 'pages_manage_posts'];

interface FacebookProgress {
  /** Photos uploaded unpublished for a multi-image post, in the post's order. */
  photoIds?: unknown;
}

export function createFacebookProvider(options: ProviderOptions): Provider<FacebookCredentials> {
  const settings = platformSettings(options, 'FACEBOOK', FACEBOOK_LOGIN_DEFAULTS);
  const base = `${settings.apiUrl}/${GRAPH_API_VERSION}`;
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const call = (credentials: FacebookCredentials, label: string): GraphCall => ({ base, accessToken: credentials.pageAccessToken, timeoutMs, outbound, label });

  function result(postId: string, status: number, headers: Headers): PublishResult {
    const hints = rateLimitHints(headers);
    // A post id is "{page-id}_{post-id}", which facebook.com resolves to the post.
    return { externalId: postId, externalUrl: `https://www.facebook.com/${postId}`, responseCode: status, ...(hints && { rateLimits: hints }) };
  }

  return {
    platform: 'FACEBOOK',
    idempotent: false,
    credentialsSchema: facebookCredentialsSchema,

    async connect(credentials: FacebookCredentials): Promise<ConnectedAccount<FacebookCredentials>> {
      const res = await graphGet<{ id?: unknown; name?: unknown } | null>(call(credentials, '/{page-id}'), `/${encodeURIComponent(credentials.pageId)}`, { fields: 'name,id' });
      const name = typeof res.body?.name === 'string' ? res.body.name : '';
      if (name === '') throw new Error('GET /{page-id} answered without a name');
      return { accountHandle: name, settings: { pageId: credentials.pageId, pageName: name } };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('FACEBOOK', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<FacebookCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const page = encodeURIComponent(credentials.pageId);
      const [first, ...rest] = request.mediaUrls;

      if (first === undefined) {
        const link = findUrls(request.text)[0]?.text;
        const res = await graphPost(call(credentials, '/{page-id}/feed'), `/${page}/feed`, { message: request.text, link });
        return result(idOf(res.body, 'POST /{page-id}/feed'), res.status, res.headers);
      }

      if (rest.length === 0) {
        const res = await graphPost<{ id?: unknown; post_id?: unknown } | null>(call(credentials, '/{page-id}/photos'), `/${page}/photos`, { url: first, message: request.text });
        const postId = res.body?.post_id;
        return result(postId === undefined || postId === null ? idOf(res.body, 'POST /{page-id}/photos') : String(postId), res.status, res.headers);
      }

      // Unpublished photos make no post, so uploading them again on a retry is harmless; the checkpoint only saves calls.
      const saved = (request.progress ?? {}) as FacebookProgress;
      const photoIds = Array.isArray(saved.photoIds) ? saved.photoIds.map(String) : [];
      for (const url of request.mediaUrls.slice(photoIds.length)) {
        const res = await graphPost(call(credentials, '/{page-id}/photos'), `/${page}/photos`, { url, published: false });
        photoIds.push(idOf(res.body, 'POST /{page-id}/photos'));
        await request.checkpoint({ photoIds: [...photoIds] });
      }
      const attached: Record<string, string> = {};
      photoIds.forEach((id, i) => {
        attached[`attached_media[${i}]`] = JSON.stringify({ media_fbid: id });
      });
      const res = await graphPost(call(credentials, '/{page-id}/feed'), `/${page}/feed`, { message: request.text, ...attached });
      return result(idOf(res.body, 'POST /{page-id}/feed'), res.status, res.headers);
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      return classifyGraphFailure(error, { label: 'Facebook', idempotent: false });
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      authorizeUrl: (request) => facebookAuthorizeUrl(settings, request, FACEBOOK_SCOPES),
      async finish(request) {
        const pages = await facebookLoginPages(settings, request, timeoutMs, outbound);
        const page = choosePage(pages, request.account, () => true, 'a Facebook Page');
        return { pageId: page.id, pageAccessToken: page.accessToken, appId: request.app.clientId };
      },
    },

    // A Page token read with a long-lived user token does not expire: nothing to renew.
    credentialsExpireAt: () => null,

    appKey: (credentials) => (credentials.appId ? `META:${credentials.appId}` : null),
  };
}

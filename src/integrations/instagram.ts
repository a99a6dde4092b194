// Instagram through the Graph API with Facebook Login (instagram_content_publish): a professional account linked to
// a Facebook Page, reached with that Page's token. Publishing is two steps, a media container then media_publish,
// and Instagram fetches the image from its URL itself. A container publishes once, which makes a retry with the
// checkpointed container safe (see publishThroughContainer).
// Sources: developers.facebook.com/docs/instagram-platform/content-publishing, .../reference/ig-user/media,
// .../ig-user/media_publish, .../ig-user/content_publishing_limit, .../ig-container.
import { z } from 'zod';
import { checkContentRules } from './contentRules.js';
import { ClassifiedError } from './http.js';
import { FACEBOOK_LOGIN_DEFAULTS, choosePage, facebookAuthorizeUrl, facebookLoginPages } from './facebookLogin.js';
import { containerPublishResult, containerStatusOf, publishThroughContainer, type ContainerSteps, type ContainerTuning } from './metaContainers.js';
import { GRAPH_API_VERSION, classifyGraphFailure, graphGet, graphPost, idOf, type GraphCall } from './metaGraph.js';
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

export const instagramCredentialsSchema = z.object({
  igUserId: z.string().regex(/^\d+$/, 'igUserId must be the numeric Instagram professional account id'),
  /** The token of the Facebook Page the Instagram account is linked to. */
  accessToken: z.string().min(1, 'accessToken must not be empty'),
  pageId: z.string().min(1).nullish(),
  /** The Meta app the token was issued to (its Graph limits are counted per app). */
  appId: z.string().min(1).nullish(),
});

export type InstagramCredentials = z.infer<typeof instagramCredentialsSchema>;

export const INSTAGRAM_SCOPES = ['instagram_basic', 'instagram_content_publish', 'pages_show_list', 'pages_read_engagement', 'business_management'];

// The rolling 24 h quota frees one slot when the oldest post in it turns 24 h old, which the API does not say;
// an hour is a guess that avoids hammering the endpoint.
const QUOTA_RETRY_MS = 60 * 60 * 1000;

export function createInstagramProvider(options: ProviderOptions, tuning: ContainerTuning = {}): Provider<InstagramCredentials> {
  const settings = platformSettings(options, 'INSTAGRAM', FACEBOOK_LOGIN_DEFAULTS);
  const base = `${settings.apiUrl}/${GRAPH_API_VERSION}`;
  const timeoutMs = options.requestTimeoutMs;
  const outbound = options.outbound;
  const call = (credentials: InstagramCredentials, label: string): GraphCall => ({ base, accessToken: credentials.accessToken, timeoutMs, outbound, label });

  function steps(request: PublishRequest, credentials: InstagramCredentials): ContainerSteps {
    const user = encodeURIComponent(credentials.igUserId);
    const readStatus = async (containerId: string) => {
      const res = await graphGet<{ status_code?: unknown; status?: unknown } | null>(call(credentials, '/{ig-container-id}'), `/${encodeURIComponent(containerId)}`, {
        fields: 'status_code,status',
      });
      return { status: containerStatusOf(res.body?.status_code), detail: typeof res.body?.status === 'string' ? res.body.status : null };
    };
    const createContainer = async (params: Record<string, string | boolean>) =>
      idOf((await graphPost(call(credentials, '/{ig-user-id}/media'), `/${user}/media`, params)).body, 'POST /{ig-user-id}/media');
    return {
      label: 'Instagram',
      readStatus,
      pollIntervalMs: tuning.containerPollIntervalMs ?? 3000,
      pollAttempts: tuning.containerPollAttempts ?? 20,
      async beforePublish() {
        const res = await graphGet<{ data?: { quota_usage?: unknown; config?: { quota_total?: unknown } }[] } | null>(
          call(credentials, '/{ig-user-id}/content_publishing_limit'),
          `/${user}/content_publishing_limit`,
          { fields: 'quota_usage,config' },
        );
        const row = res.body?.data?.[0];
        const used = Number(row?.quota_usage);
        const total = Number(row?.config?.quota_total);
        if (Number.isFinite(used) && Number.isFinite(total) && total > 0 && used >= total) {
          throw new ClassifiedError({
            kind: 'RATE_LIMITED',
            errorClass: 'INSTAGRAM_PUBLISHING_QUOTA',
            message: `The Instagram account has published ${used} of its ${total} API posts in the last 24 hours`,
            responseCode: null,
            retryAfterMs: QUOTA_RETRY_MS,
            rateLimitScope: 'ACCOUNT',
          });
        }
      },
      async create() {
        const [first, ...rest] = request.mediaUrls;
        if (first === undefined) {
          throw new ClassifiedError({
            kind: 'PERMANENT',
            errorClass: 'MEDIA_REQUIRED',
            message: 'Instagram only publishes posts with an image',
            responseCode: null,
            retryAfterMs: null,
          });
        }
        if (rest.length === 0) return createContainer({ image_url: first, caption: request.text });
        const children: string[] = [];
        for (const url of request.mediaUrls) children.push(await createContainer({ image_url: url, is_carousel_item: true }));
        return createContainer({ media_type: 'CAROUSEL', children: children.join(','), caption: request.text });
      },
      async publish(containerId) {
        const res = await graphPost(call(credentials, '/{ig-user-id}/media_publish'), `/${user}/media_publish`, { creation_id: containerId });
        return { id: idOf(res.body, 'POST /{ig-user-id}/media_publish'), headers: res.headers };
      },
      async findPublished(since) {
        const res = await graphGet<{ data?: { id?: unknown; caption?: unknown; timestamp?: unknown }[] } | null>(call(credentials, '/{ig-user-id}/media'), `/${user}/media`, {
          fields: 'id,caption,timestamp',
          limit: 25,
        });
        const match = (res.body?.data ?? []).find((m) => (m.caption ?? '') === request.text && Date.parse(String(m.timestamp)) >= since.getTime());
        return match?.id === undefined ? null : String(match.id);
      },
    };
  }

  return {
    platform: 'INSTAGRAM',
    idempotent: true,
    credentialsSchema: instagramCredentialsSchema,

    async connect(credentials: InstagramCredentials): Promise<ConnectedAccount<InstagramCredentials>> {
      const res = await graphGet<{ id?: unknown; username?: unknown } | null>(call(credentials, '/{ig-user-id}'), `/${encodeURIComponent(credentials.igUserId)}`, {
        fields: 'id,username',
      });
      const username = typeof res.body?.username === 'string' ? res.body.username : '';
      if (username === '') throw new Error('GET /{ig-user-id} answered without a username');
      return { accountHandle: `@${username}`, settings: { igUserId: credentials.igUserId, username, ...(credentials.pageId && { pageId: credentials.pageId }) } };
    },

    checkContent(content: PostContent, channelSettings: ChannelSettings): ContentVerdict {
      return checkContentRules('INSTAGRAM', content, channelSettings);
    },

    async publish(request: PublishRequest, channel: ChannelAccess<InstagramCredentials>): Promise<PublishResult> {
      const { credentials } = channel;
      const outcome = await publishThroughContainer(request, steps(request, credentials));
      return containerPublishResult(outcome, call(credentials, '/{ig-media-id}'));
    },

    classifyFailure(error: unknown): ClassifiedFailure {
      return classifyGraphFailure(error, { label: 'Instagram', idempotent: true });
    },

    oauth: {
      configuredApp: () => configuredApp(settings),
      needsInstanceUrl: false,
      authorizeUrl: (request) => facebookAuthorizeUrl(settings, request, INSTAGRAM_SCOPES),
      async finish(request) {
        const pages = await facebookLoginPages(settings, request, timeoutMs, outbound);
        const page = choosePage(pages, request.account, (p) => p.instagramBusinessAccountId !== null, 'a Page with a linked Instagram professional account');
        return { igUserId: page.instagramBusinessAccountId as string, accessToken: page.accessToken, pageId: page.id, appId: request.app.clientId };
      },
    },

    // A Page token read with a long-lived user token does not expire: nothing to renew.
    credentialsExpireAt: () => null,

    appKey: (credentials) => (credentials.appId ? `META:${credentials.appId}` : null),
  };
}

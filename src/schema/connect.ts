// Connecting accounts through the network's own authorization page (OAuth 2.0 with PKCE).
import { builder } from './builder.js';
import { PlatformEnum } from './enums.js';
import { requireAuth } from './context.js';
import { connectChannelFinish, connectChannelStart, type ConnectStart } from '../services/oauthConnect.js';

const OAuthAppInput = builder.inputType('OAuthAppInput', {
  description: "The channel's own app at the network (X counts rate limits per app), instead of the one configured on this server.",
  fields: (t) => ({
    clientId: t.string({ required: true }),
    clientSecret: t.string({ description: 'Absent for a public client (PKCE only).' }),
  }),
});

const ConnectChannelStartInput = builder.inputType('ConnectChannelStartInput', {
  fields: (t) => ({
    platform: t.field({ type: PlatformEnum, required: true }),
    redirectUri: t.string({ required: true, description: 'Your page the network sends the user back to with ?code&state; it then calls connectChannelFinish.' }),
    name: t.string({ description: "The channel's name; the account's handle when absent." }),
    timezone: t.string({ description: 'IANA time zone, default UTC.' }),
    instanceUrl: t.string({ description: 'MASTODON: the URL of your server (PostFlow registers itself there).' }),
    app: t.field({ type: OAuthAppInput }),
    account: t.field({
      type: 'JSON',
      description: 'Which account to post as: FACEBOOK/INSTAGRAM { pageId }, LINKEDIN { organizationId }, PINTEREST { boardId }, VK { ownerId, deviceId }.',
    }),
    channelId: t.id({ description: 'Reconnect this channel (keeps its refresh token and releases its held deliveries).' }),
  }),
});

const ConnectChannelStartPayload = builder.objectRef<ConnectStart>('ConnectChannelStart').implement({
  fields: (t) => ({
    authorizeUrl: t.exposeString('authorizeUrl', { description: 'Send the user here.' }),
    state: t.exposeString('state', { description: 'Comes back on the redirect; give it to connectChannelFinish.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationFields((t) => ({
  connectChannelStart: t.field({
    type: ConnectChannelStartPayload,
    args: { input: t.arg({ type: ConnectChannelStartInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      connectChannelStart(ctx.services, requireAuth(ctx).workspaceId, {
        ...input,
        channelId: input.channelId == null ? null : String(input.channelId),
        account: (input.account ?? null) as Record<string, unknown> | null,
      }),
  }),
  connectChannelFinish: t.prismaField({
    type: 'Channel',
    description: 'Exchanges the code for tokens (stored encrypted), checks the account, and creates its channel or reconnects the existing one.',
    args: {
      state: t.arg.string({ required: true }),
      code: t.arg.string({ required: true }),
      account: t.arg({ type: 'JSON', description: 'What else the network added to the redirect, e.g. VK { deviceId: <device_id> }.' }),
    },
    resolve: (_q, _root, args, ctx) => connectChannelFinish(ctx.services, requireAuth(ctx), args.state, args.code, (args.account ?? {}) as Record<string, unknown>),
  }),
}));

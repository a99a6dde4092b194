// A person's notifications in the workspace of their session: the list (read / unread), the unread count, marking
// read, the preferences per kind, and notificationAdded live. Each person sees only their own: every read is by the
// caller's workspace and user, and the role table keeps API keys out (a key acts for a workspace, not a person).
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { NOTIFICATION_DELIVERIES, NOTIFICATION_KINDS, NOTIFICATION_TABLE, type NotificationKind } from '../domain/notifications.js';
import { linkOf, markNotificationsRead, preferencesOf, updatePreferences } from '../services/notifications.js';

const NotificationKindEnum = builder.enumType('NotificationKind', {
  description: 'What a notification is about.',
  values: Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, { description: NOTIFICATION_TABLE[kind].description }])) as Record<NotificationKind, { description: string }>,
});

const NotificationDeliveryEnum = builder.enumType('NotificationDelivery', {
  description: 'How a person gets a kind: OFF (not at all), CONSOLE (the notifications list), MAIL (the list and a mail at once), DIGEST (the list and one mail a day).',
  values: NOTIFICATION_DELIVERIES,
});

const NotificationRef = builder.prismaObject('Notification', {
  description: 'Something that happened in the workspace that you should know of.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: NotificationKindEnum, resolve: (n) => n.kind as NotificationKind }),
    title: t.exposeString('title'),
    text: t.exposeString('body', { description: 'What happened, naming the workspace and the post or channel.' }),
    postId: t.exposeID('postId', { nullable: true, description: 'The post it is about, if any.' }),
    channelId: t.exposeID('channelId', { nullable: true, description: 'The channel it is about, if any.' }),
    link: t.string({ description: 'Where to look: the post, or the channel (POSTFLOW_PUBLIC_URL).', resolve: (n, _args, ctx) => linkOf(ctx.services.config.publicUrl, n) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
  }),
});

interface PreferenceShape {
  kind: NotificationKind;
  delivery: (typeof NOTIFICATION_DELIVERIES)[number];
  isDefault: boolean;
}

const NotificationPreferenceRef = builder.objectRef<PreferenceShape>('NotificationPreference').implement({
  description: 'How you get one kind of notification in this workspace.',
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, resolve: (p) => p.kind }),
    delivery: t.field({ type: NotificationDeliveryEnum, resolve: (p) => p.delivery }),
    isDefault: t.exposeBoolean('isDefault', { description: 'Whether this is the default (you never chose for this kind).' }),
    description: t.string({ resolve: (p) => NOTIFICATION_TABLE[p.kind].description }),
  }),
});

const NotificationPreferenceInput = builder.inputType('NotificationPreferenceInput', {
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, required: true }),
    delivery: t.field({ type: NotificationDeliveryEnum, required: true }),
  }),
});

const NotificationPreferencesInput = builder.inputType('NotificationPreferencesInput', {
  fields: (t) => ({
    preferences: t.field({ type: [NotificationPreferenceInput], required: true, description: 'The kinds to change; the others keep their setting.' }),
  }),
});

builder.queryFields((t) => ({
  notifications: t.prismaConnection({
    type: 'Notification',
    cursor: 'id',
    description: 'Your notifications in this workspace, newest first.',
    args: { unreadOnly: t.arg.boolean({ description: 'Only those not marked read.' }) },
    resolve: (query, _root, args, ctx) => {
      const auth = requireAuth(ctx);
      return ctx.prisma.notification.findMany({
        ...query,
        where: { workspaceId: auth.workspaceId, userId: auth.userId, ...(args.unreadOnly && { readAt: null }) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
    },
  }),
  unreadNotificationCount: t.int({
    description: 'How many of your notifications in this workspace are not marked read.',
    resolve: (_root, _args, ctx) => {
      const auth = requireAuth(ctx);
      return ctx.prisma.notification.count({ where: { workspaceId: auth.workspaceId, userId: auth.userId, readAt: null } });
    },
  }),
  notificationPreferences: t.field({
    type: [NotificationPreferenceRef],
    description: 'How you get each kind of notification in this workspace.',
    resolve: (_root, _args, ctx) => preferencesOf(ctx.services, requireAuth(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  markNotificationsRead: t.int({
    description: 'Marks your notifications read: the ids given, or all: true. Answers how many changed.',
    args: { ids: t.arg.idList(), all: t.arg.boolean() },
    resolve: (_root, args, ctx) => markNotificationsRead(ctx.services, requireAuth(ctx), { ids: args.ids?.map(String) ?? null, all: args.all }),
  }),
  updateNotificationPreferences: t.field({
    type: [NotificationPreferenceRef],
    description: 'Sets how you get some kinds of notification in this workspace; answers every kind.',
    args: { input: t.arg({ type: NotificationPreferencesInput, required: true }) },
    resolve: (_root, { input }, ctx) => updatePreferences(ctx.services, requireAuth(ctx), input.preferences),
  }),
}));

builder.subscriptionFields((t) => ({
  notificationAdded: t.field({
    type: NotificationRef,
    description: 'Your new notifications in this workspace, as they are written.',
    subscribe: (_root, _args, ctx) => {
      const auth = requireAuth(ctx);
      return ctx.events.subscribeNotifications({ workspaceId: auth.workspaceId, userId: auth.userId });
    },
    resolve: (signal: { id: string }, _args, ctx) => {
      const auth = requireAuth(ctx);
      return ctx.prisma.notification.findFirstOrThrow({ where: { id: signal.id, workspaceId: auth.workspaceId, userId: auth.userId } });
    },
  }),
}));

import { builder } from './builder.js';
import { PlatformEnum } from './enums.js';
import { PostingPolicyInput } from './scheduling.js';
import { requireAuth } from './context.js';
import { createChannel, deleteChannel, findChannel, setChannelPaused, updateChannel } from '../services/channels.js';
import type { ChannelSnapshot } from '../events/deliveryEvents.js';

const ChannelUpdate = builder.objectRef<ChannelSnapshot>('ChannelUpdate').implement({
  description: 'A channel at the moment it changed in a way people must hear about (needs reconnecting, reconnected, paused, access renewed).',
  fields: (t) => ({
    id: t.exposeID('id'),
    platform: t.expose('platform', { type: PlatformEnum }),
    name: t.exposeString('name'),
    needsReconnect: t.exposeBoolean('needsReconnect'),
    authError: t.exposeString('authError', { nullable: true }),
    paused: t.exposeBoolean('paused'),
    accessExpiresAt: t.string({ nullable: true, resolve: (c) => c.credentialsExpireAt && new Date(c.credentialsExpireAt).toISOString() }),
    updatedAt: t.string({ resolve: (c) => new Date(c.updatedAt).toISOString() }),
  }),
});

builder.subscriptionFields((t) => ({
  channelUpdated: t.field({
    type: ChannelUpdate,
    args: { channelId: t.arg.id() },
    subscribe: (_root, args, ctx) => ctx.events.subscribeChannels({ workspaceId: requireAuth(ctx).workspaceId, channelId: args.channelId ? String(args.channelId) : null }),
    resolve: (snapshot) => snapshot,
  }),
}));

builder.prismaObject('Channel', {
  fields: (t) => ({
    id: t.exposeID('id'),
    platform: t.expose('platform', { type: PlatformEnum }),
    name: t.exposeString('name'),
    accountHandle: t.exposeString('accountHandle', { nullable: true }),
    timezone: t.exposeString('timezone', { description: "IANA time zone in which this channel's days and hours are read." }),
    paused: t.exposeBoolean('paused', { description: 'A paused channel holds its due deliveries until resumed.' }),
    needsReconnect: t.exposeBoolean('needsReconnect', {
      description:
        'The network refused the credentials, or renewing them failed: its deliveries are held until it is reconnected (connectChannelStart with channelId, or updateChannel).',
    }),
    authError: t.exposeString('authError', { nullable: true, description: "Why the channel needs reconnecting, in the network's words." }),
    accessExpiresAt: t.expose('credentialsExpireAt', { type: 'DateTime', nullable: true, description: "When the network's access expires; PostFlow renews it before." }),
    settings: t.expose('settings', { type: 'JSON', description: 'What PostFlow learnt from the network on connecting (limits, handle), never secrets.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreateChannelInput = builder.inputType('CreateChannelInput', {
  fields: (t) => ({
    platform: t.field({ type: PlatformEnum, required: true }),
    name: t.string({ required: true }),
    timezone: t.string({ description: 'IANA time zone, default UTC.' }),
    credentials: t.field({
      type: 'JSON',
      required: true,
      description:
        "The network's credentials; their fields per network are listed in the README (docs/networks/). Networks with an authorization page can use connectChannelStart instead.",
    }),
    policy: t.field({ type: PostingPolicyInput, description: "The posting policy to start with; the platform's defaults fill the rest." }),
  }),
});

const UpdateChannelInput = builder.inputType('UpdateChannelInput', {
  fields: (t) => ({
    name: t.string(),
    timezone: t.string(),
    credentials: t.field({ type: 'JSON', description: 'New credentials: checked with the network, and clear needsReconnect.' }),
  }),
});

builder.queryFields((t) => ({
  channels: t.prismaField({
    type: ['Channel'],
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.channel.findMany({ ...query, where: { workspaceId: requireAuth(ctx).workspaceId, deletedAt: null }, orderBy: { createdAt: 'asc' } }),
  }),
  channel: t.prismaField({
    type: 'Channel',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx) => findChannel(ctx.services, requireAuth(ctx).workspaceId, String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  createChannel: t.prismaField({
    type: 'Channel',
    args: { input: t.arg({ type: CreateChannelInput, required: true }) },
    resolve: (_q, _root, args, ctx) => createChannel(ctx.services, requireAuth(ctx), args.input),
  }),
  updateChannel: t.prismaField({
    type: 'Channel',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateChannelInput, required: true }) },
    resolve: (_q, _root, args, ctx) => updateChannel(ctx.services, requireAuth(ctx), String(args.id), args.input),
  }),
  pauseChannel: t.prismaField({
    type: 'Channel',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => setChannelPaused(ctx.services, requireAuth(ctx), String(args.id), true),
  }),
  resumeChannel: t.prismaField({
    type: 'Channel',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => setChannelPaused(ctx.services, requireAuth(ctx), String(args.id), false),
  }),
  deleteChannel: t.prismaField({
    type: 'Channel',
    description: 'Stops using the channel: its unpublished deliveries are cancelled; published history stays.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => deleteChannel(ctx.services, requireAuth(ctx), String(args.id)),
  }),
}));

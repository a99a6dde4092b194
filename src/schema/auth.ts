import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { createApiKey, login, signup } from '../services/accounts.js';

const AuthPayload = builder.objectRef<{ token: string }>('AuthPayload').implement({
  fields: (t) => ({ token: t.exposeString('token', { description: 'Send as "Authorization: Bearer <token>".' }) }),
});

builder.prismaObject('Workspace', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    plan: t.exposeString('plan'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('ApiKey', {
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to recognise it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const CreatedApiKey = builder.objectRef<{ key: string; apiKey: { id: string } }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret key. It is shown only this once: store it now.' }),
    apiKey: t.prismaField({ type: 'ApiKey', resolve: (_q, parent) => parent.apiKey as never }),
  }),
});

builder.mutationFields((t) => ({
  signup: t.field({
    type: AuthPayload,
    description: 'Creates a user and their workspace, and signs them in.',
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }), workspaceName: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => signup(ctx.services, args.email, args.password, args.workspaceName),
  }),
  login: t.field({
    type: AuthPayload,
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => login(ctx.services, args.email, args.password),
  }),
  createApiKey: t.field({
    type: CreatedApiKey,
    description: 'A key for programs: it acts in this workspace like the user who created it.',
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => createApiKey(ctx.services, requireAuth(ctx), args.name),
  }),
}));

builder.queryFields((t) => ({
  workspace: t.prismaField({
    type: 'Workspace',
    description: 'The workspace the caller acts in.',
    resolve: (query, _root, _args, ctx) => ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: requireAuth(ctx).workspaceId } }),
  }),
}));

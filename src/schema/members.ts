// Members, invitations and the workspaces of a person. Who may call what is src/domain/roles.ts's table (applied by
// src/schema/authorization.ts); the resolvers hand over to src/services/members.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { COOKIE_ARG, sessionAnswer } from './auth.js';
import { MemberRoleEnum } from './enums.js';
import {
  acceptInvitation,
  changeRole,
  inviteMember,
  leaveWorkspace,
  members,
  removeMember,
  revokeInvitation,
  switchWorkspace,
  transferOwnership,
  workspacesOf,
  type InvitationCreated,
} from '../services/members.js';
import type { Member, PersonsWorkspace } from '../store/members.js';

const SessionPayload = builder.objectRef<{ token: string | null }>('WorkspaceSession').implement({
  description: 'A session in one workspace.',
  fields: (t) => ({
    token: t.exposeString('token', {
      nullable: true,
      description: 'Send as "Authorization: Bearer <token>": it acts in the workspace named here. Null when the session went into a cookie (cookie: true).',
    }),
  }),
});

const MemberType = builder.objectRef<Member>('Member').implement({
  fields: (t) => ({
    userId: t.exposeID('userId'),
    email: t.exposeString('email'),
    role: t.field({ type: MemberRoleEnum, resolve: (m) => m.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
  }),
});

const PersonsWorkspaceType = builder.objectRef<PersonsWorkspace>('MyWorkspace').implement({
  description: 'A workspace the caller belongs to, with their role in it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.field({ type: MemberRoleEnum, resolve: (w) => w.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObject('Invitation', {
  description: 'An invitation to join this workspace. The link itself was shown once, to whoever invited.',
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    role: t.field({ type: MemberRoleEnum, resolve: (i) => i.role }),
    invitedBy: t.relation('invitedBy', { nullable: true, description: 'Null when that account was deleted.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const InvitationCreatedType = builder.objectRef<InvitationCreated>('InvitationCreated').implement({
  fields: (t) => ({
    invitation: t.prismaField({
      type: 'Invitation',
      // Read back through Prisma, so that every field and relation a client selects is loaded the one way.
      resolve: (query, parent, _args, ctx) => ctx.prisma.invitation.findUniqueOrThrow({ ...query, where: { id: parent.invitation.id } }),
    }),
    link: t.exposeString('link', { description: 'The invitation link: good once, for 7 days. Shown only this once.' }),
    mailed: t.exposeBoolean('mailed', { description: 'Whether the link was also mailed (SMTP_URL set and the relay took it); otherwise pass it on yourself.' }),
  }),
});

builder.queryFields((t) => ({
  members: t.field({
    type: [MemberType],
    description: "The workspace's members, the earliest joined first.",
    resolve: (_root, _args, ctx) => members(ctx.services, requireAuth(ctx)),
  }),
  invitations: t.prismaField({
    type: ['Invitation'],
    description: "The workspace's pending invitations (not accepted, revoked or expired), newest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.prisma.invitation.findMany({
        ...query,
        where: { workspaceId: requireAuth(ctx).workspaceId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      }),
  }),
  workspaces: t.field({
    type: [PersonsWorkspaceType],
    description: 'The workspaces the caller belongs to, the first joined first (the one login opens). Needs a session.',
    resolve: (_root, _args, ctx) => workspacesOf(ctx.services, requireAuth(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  inviteMember: t.field({
    type: InvitationCreatedType,
    description:
      'Invites an email with a role (not OWNER: ownership is transferred). Answers with the link (good once, for 7 days), ' +
      'also mailed when the server has SMTP_URL. A newer invitation to the same email replaces a pending one. An existing member: CONFLICT.',
    args: { email: t.arg.string({ required: true }), role: t.arg({ type: MemberRoleEnum, required: true }) },
    resolve: (_root, args, ctx) => inviteMember(ctx.services, requireAuth(ctx), args.email, args.role),
  }),
  revokeInvitation: t.boolean({
    description: 'Revokes a pending invitation: its link stops working.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => revokeInvitation(ctx.services, requireAuth(ctx), String(args.id)),
  }),
  acceptInvitation: t.field({
    type: SessionPayload,
    description:
      "Joins the invitation's workspace and answers with a session there. Signed in (session) as the invited email: adds the membership. " +
      'Without an account: password creates one (the sign-up rules; not when POSTFLOW_SIGNUP=closed). Counted like sign-ups.',
    args: { token: t.arg.string({ required: true }), password: t.arg.string(), cookie: t.arg.boolean(COOKIE_ARG) },
    resolve: (_root, args, ctx) => {
      // Credentials that were sent but refused are not silently treated as "no account".
      if (!ctx.auth && ctx.authError) throw ctx.authError;
      return sessionAnswer(ctx, args.cookie, () => acceptInvitation(ctx.services, ctx.auth, args.token, args.password, ctx.clientIp), { fromCaller: true });
    },
  }),
  changeRole: t.field({
    type: MemberType,
    description: "Sets a member's role. Only an OWNER makes an OWNER or changes one's role; the last OWNER stays one.",
    args: { userId: t.arg.id({ required: true }), role: t.arg({ type: MemberRoleEnum, required: true }) },
    resolve: (_root, args, ctx) => changeRole(ctx.services, requireAuth(ctx), String(args.userId), args.role),
  }),
  removeMember: t.boolean({
    description: 'Removes a member; their sessions and API keys in this workspace stop working at once. The last OWNER cannot be removed.',
    args: { userId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => removeMember(ctx.services, requireAuth(ctx), String(args.userId)),
  }),
  leaveWorkspace: t.boolean({
    description: 'The caller leaves this workspace (this session ends). The last OWNER transfers ownership first.',
    resolve: (_root, _args, ctx) => leaveWorkspace(ctx.services, requireAuth(ctx)),
  }),
  transferOwnership: t.field({
    type: MemberType,
    description: 'Makes another member the OWNER; the caller (an OWNER) becomes an ADMIN.',
    args: { userId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => transferOwnership(ctx.services, requireAuth(ctx), String(args.userId)),
  }),
  switchWorkspace: t.field({
    type: SessionPayload,
    description:
      "A new session token for another of the caller's workspaces (see workspaces); this one stays signed in. Needs a session. " +
      'With cookie: true the new session replaces the cookie, and a session that came from the cookie ends; signed in by the cookie, cookie: true is required.',
    args: { id: t.arg.id({ required: true }), cookie: t.arg.boolean(COOKIE_ARG) },
    resolve: (_root, args, ctx) => sessionAnswer(ctx, args.cookie, () => switchWorkspace(ctx.services, requireAuth(ctx), String(args.id)), { fromCaller: true }),
  }),
}));

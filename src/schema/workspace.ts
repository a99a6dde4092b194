// The workspace's lifecycle (exportWorkspace, deleteWorkspace, cancelWorkspaceDeletion) and the person's email
// verification (me, requestEmailVerification, verifyEmail). The Workspace and User types are src/schema/auth.ts's;
// this file adds their fields. Who may call what is src/domain/roles.ts's table; the resolvers hand over to the services.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { countsAsVerified, requestEmailVerification, verifyEmail } from '../services/emailVerification.js';
import { exportWorkspace, workspaceExports, type ExportRequested } from '../services/workspaceExport.js';
import { cancelWorkspaceDeletion, deleteWorkspace } from '../services/workspaceDeletion.js';
import type { ExportStatus, WorkspaceExportRow } from '../store/workspaceExports.js';

builder.prismaObjectField('Workspace', 'deletionScheduledAt', (t) =>
  t.expose('deletionScheduledAt', {
    type: 'DateTime',
    nullable: true,
    description: 'When the workspace will be deleted (deleteWorkspace); null unless a deletion is scheduled. Until then nothing of it publishes.',
  }),
);

builder.prismaObjectField('User', 'emailVerified', (t) =>
  t.boolean({
    description: 'Whether the person proved their address (a verification link, or an invitation mailed to it). Without SMTP on the server, always true.',
    resolve: (user, _args, ctx) => countsAsVerified(ctx.services, user.emailVerifiedAt),
  }),
);

const EXPORT_STATUSES = ['PENDING', 'READY', 'FAILED', 'DOWNLOADED', 'EXPIRED'] as const satisfies readonly ExportStatus[];

const WorkspaceExportStatusEnum = builder.enumType('WorkspaceExportStatus', {
  description: 'PENDING (being built), READY (download it once), FAILED, DOWNLOADED (given already), EXPIRED (24 hours passed).',
  values: EXPORT_STATUSES,
});

const WorkspaceExportType = builder.objectRef<WorkspaceExportRow>('WorkspaceExport').implement({
  description: 'An export of the workspace: a gzip-compressed JSON archive, downloaded once from the link given when it was asked for.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: WorkspaceExportStatusEnum, resolve: (e) => e.status }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    readyAt: t.expose('readyAt', { type: 'DateTime', nullable: true }),
    downloadedAt: t.expose('downloadedAt', { type: 'DateTime', nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'The archive cannot be downloaded after this (24 hours after it was asked for).' }),
    sizeBytes: t.exposeInt('sizeBytes', { nullable: true, description: 'The compressed archive, once READY.' }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const ExportRequestedType = builder.objectRef<ExportRequested>('WorkspaceExportRequested').implement({
  fields: (t) => ({
    workspaceExport: t.field({ type: WorkspaceExportType, resolve: (r) => r.workspaceExport }),
    downloadUrl: t.exposeString('downloadUrl', {
      description: 'GET it once the export is READY (workspaceExports): it answers the archive once, then 410. Shown only this once; it needs no other credential.',
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.prismaField({
    type: 'User',
    description: 'The signed-in person (with an API key: its creator).',
    resolve: (query, _root, _args, ctx) => ctx.prisma.user.findUniqueOrThrow({ ...query, where: { id: requireAuth(ctx).userId } }),
  }),
  workspaceExports: t.field({
    type: [WorkspaceExportType],
    description: "The workspace's exports, newest first (the last 50).",
    resolve: (_root, _args, ctx) => workspaceExports(ctx.services, requireAuth(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  exportWorkspace: t.field({
    type: ExportRequestedType,
    description:
      'Starts an export of the workspace: members, channels (never their credentials), posts with their deliveries, attempts and comments, and posting policies. ' +
      'Built in the background; one at a time (CONFLICT while one is PENDING).',
    resolve: (_root, _args, ctx) => exportWorkspace(ctx.services, requireAuth(ctx)),
  }),
  deleteWorkspace: t.prismaField({
    type: 'Workspace',
    description:
      "Schedules the workspace's deletion after the grace period (POSTFLOW_WORKSPACE_DELETION_GRACE_DAYS): nothing of it publishes meanwhile, members still " +
      "sign in, and cancelWorkspaceDeletion undoes it. `confirm` must be the workspace's name. Then it goes with everything of it, and so do the accounts " +
      'of members who belong to no other workspace.',
    args: { confirm: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const auth = requireAuth(ctx);
      await deleteWorkspace(ctx.services, auth, args.confirm);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: auth.workspaceId } });
    },
  }),
  cancelWorkspaceDeletion: t.prismaField({
    type: 'Workspace',
    description: 'Cancels a scheduled deletion: the workspace stays, and what fell due meanwhile publishes now. CONFLICT when none is scheduled.',
    resolve: async (query, _root, _args, ctx) => {
      const auth = requireAuth(ctx);
      await cancelWorkspaceDeletion(ctx.services, auth);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id: auth.workspaceId } });
    },
  }),
  requestEmailVerification: t.boolean({
    description:
      'Mails a new link to confirm your address (good once, for 24 hours); false when there is nothing to send: verified already, or no SMTP on this server. ' +
      'Throttled like password resets.',
    resolve: (_root, _args, ctx) => requestEmailVerification(ctx.services, requireAuth(ctx), ctx.clientIp),
  }),
  verifyEmail: t.boolean({
    description: 'Confirms the address with the token from the mailed link (its last part). An unknown, used or expired token is NOT_FOUND.',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => verifyEmail(ctx.services, args.token, ctx.clientIp),
  }),
}));

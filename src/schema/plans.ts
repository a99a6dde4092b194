// Plans: what a workspace uses of its plan's limits, and the instance administrator's setWorkspacePlan. The limits
// themselves are src/domain/plans.ts; they are enforced by the services at each action (PLAN_LIMIT).
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { PlanEnum } from './enums.js';
import { setWorkspacePlan, usageOf, type PlanUsage, type Usage } from '../services/plans.js';

const UsageType = builder.objectRef<Usage>('PlanUsageCount').implement({
  fields: (t) => ({
    used: t.exposeInt('used'),
    max: t.exposeInt('max', { nullable: true, description: 'Null: no limit.' }),
  }),
});

const PlanUsageType = builder.objectRef<PlanUsage>('PlanUsage').implement({
  description: "What the workspace uses of its plan's limits. Over a limit (after a plan change), nothing is taken away: only new ones are refused.",
  fields: (t) => ({
    plan: t.field({ type: PlanEnum, resolve: (u) => u.plan }),
    channels: t.field({ type: UsageType, description: 'Channels not deleted.', resolve: (u) => u.channels }),
    members: t.field({ type: UsageType, description: 'Members and pending invitations.', resolve: (u) => u.members }),
    postsThisMonth: t.field({
      type: UsageType,
      description: 'Posts created this calendar month (UTC), drafts included, each counted once whatever its channels.',
      resolve: (u) => u.postsThisMonth,
    }),
    apiAccess: t.boolean({ description: 'Whether API keys may be created.', resolve: (u) => u.apiAccess }),
    approval: t.boolean({ description: 'Whether the approval workflow may be turned on.', resolve: (u) => u.approval }),
  }),
});

builder.prismaObjectField('Workspace', 'usage', (t) =>
  t.field({
    type: PlanUsageType,
    // The workspace's own id (the one the caller acts in, or the one an instance administrator just set).
    resolve: (workspace, _args, ctx) => usageOf(ctx.services, workspace.id),
  }),
);

builder.mutationFields((t) => ({
  setWorkspacePlan: t.prismaField({
    type: 'Workspace',
    description:
      "Sets any workspace's plan; only an instance administrator may (the first account of this server, or an email in POSTFLOW_ADMIN_EMAILS). " +
      'A smaller plan deletes nothing: what is over its limits stays and scheduled posts keep publishing; new ones are refused (PLAN_LIMIT).',
    args: { workspaceId: t.arg.id({ required: true }), plan: t.arg({ type: PlanEnum, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const { id } = await setWorkspacePlan(ctx.services, requireAuth(ctx), String(args.workspaceId), args.plan);
      return ctx.prisma.workspace.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));

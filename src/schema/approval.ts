// Approval (issue 12, section 3): the workspace's settings, the decisions on a post, its comments, and the live
// postActivity events. Who may call what is src/domain/roles.ts's table; the resolvers hand over to
// src/services/approval.ts, and the three decisions are built from its one table of them.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { postVerb } from './post.js';
import { PLAN_LIMITS } from '../domain/plans.js';
import { POST_ACTIVITY_KINDS, type PostActivityEvent } from '../domain/postActivity.js';
import { addComment, decidePost, DECISIONS, submitPostForApproval, updateWorkspaceSettings, type DecisionKind, type WorkspaceSettings } from '../services/approval.js';

const ApprovalModeEnum = builder.enumType('ApprovalMode', {
  values: {
    NONE: { description: 'Posts go out as scheduled (the default).' },
    EDITORS: { description: "EDITORs' posts (and their API keys') wait for an ADMIN's approval." },
    ALL: { description: "Every post waits for an ADMIN's approval." },
  } as const,
});

const LateApprovalEnum = builder.enumType('LateApproval', {
  values: {
    PUBLISH_NOW: { description: 'A post approved after its time goes out at once (the default).' },
    NEXT_SLOT: { description: "A post approved after its time goes out at the channel's next free slot." },
  } as const,
});

const PostCommentKindEnum = builder.enumType('PostCommentKind', { values: ['COMMENT', 'APPROVED', 'CHANGES_REQUESTED', 'REJECTED'] as const });

const WorkspaceSettingsType = builder.objectRef<WorkspaceSettings>('WorkspaceSettings').implement({
  fields: (t) => ({
    approval: t.field({ type: ApprovalModeEnum, resolve: (s) => s.approval }),
    lateApproval: t.field({ type: LateApprovalEnum, resolve: (s) => s.lateApproval }),
    approvalInPlan: t.boolean({
      description:
        "Whether the workspace's plan has the approval workflow. False with approval on: the plan was downgraded, and approval stays in force (posts keep waiting for an ADMIN) until it is turned off; it cannot be turned on again.",
      resolve: (s) => PLAN_LIMITS[s.plan].approval,
    }),
  }),
});

builder.prismaObjectField('Workspace', 'settings', (t) =>
  t.field({
    type: WorkspaceSettingsType,
    select: { approval: true, lateApproval: true, plan: true },
    resolve: (w) => ({ approval: w.approval, lateApproval: w.lateApproval, plan: w.plan }),
  }),
);

builder.prismaObject('PostComment', {
  description: "A comment on a post, or an approver's decision (kind) with what they wrote.",
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: PostCommentKindEnum, resolve: (c) => c.kind }),
    text: t.exposeString('text'),
    author: t.relation('author', { nullable: true, description: "Null once that account was deleted, and for a guest's comment." }),
    guestName: t.exposeString('guestName', { nullable: true, description: 'A guest’s comment, through a preview link (commentOnSharedPost): the name they gave.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Post', 'comments', (t) =>
  t.relation('comments', { description: 'Comments (guests’ included) and approval decisions, oldest first.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
);

const PostActivityKindEnum = builder.enumType('PostActivityKind', { values: POST_ACTIVITY_KINDS });
const SubmissionReasonEnum = builder.enumType('SubmissionReason', {
  values: {
    CREATED: { description: 'Created by someone whose posts need approval.' },
    SUBMITTED: { description: 'A draft submitted (submitForApproval).' },
    EDITED: { description: 'Its text or media changed after it was approved.' },
  } as const,
});

const PostActivityType = builder.objectRef<PostActivityEvent>('PostActivity').implement({
  description: 'One step of a post through approval, or a comment on it.',
  fields: (t) => ({
    kind: t.field({ type: PostActivityKindEnum, resolve: (e) => e.kind }),
    postId: t.exposeID('postId'),
    reason: t.field({ type: SubmissionReasonEnum, nullable: true, description: 'Why it went (back) to the approvers (SUBMITTED only).', resolve: (e) => e.reason }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    actor: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'Who acted; null for a guest.',
      resolve: (query, e, _args, ctx) => (e.actorId ? ctx.prisma.user.findUnique({ ...query, where: { id: e.actorId } }) : null),
    }),
    comment: t.prismaField({
      type: 'PostComment',
      nullable: true,
      description: 'The comment or the decision’s text.',
      resolve: (query, e, _args, ctx) => (e.commentId ? ctx.prisma.postComment.findFirst({ ...query, where: { id: e.commentId, postId: e.postId } }) : null),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  postActivity: t.field({
    type: PostActivityType,
    description: 'Every approval step (submitted, approved, changes requested, rejected) and every comment in the workspace, optionally of one post.',
    args: { postId: t.arg.id() },
    subscribe: (_root, args, ctx) => ctx.events.subscribePostActivity({ workspaceId: requireAuth(ctx).workspaceId, postId: args.postId ? String(args.postId) : null }),
    resolve: (event) => event,
  }),
}));

const WorkspaceSettingsInput = builder.inputType('WorkspaceSettingsInput', {
  fields: (t) => ({
    approval: t.field({ type: ApprovalModeEnum, description: 'Which posts wait for an approval (not NONE: the plan must have approval).' }),
    lateApproval: t.field({ type: LateApprovalEnum, description: 'What happens to a post approved after its time.' }),
  }),
});

/** The decisions' fields: the text argument's name and whether it is required come from the service's table. */
const DECISION_FIELDS: Record<string, { kind: DecisionKind; description: string }> = {
  approvePost: {
    kind: 'APPROVED',
    description: "Schedules a post awaiting approval at its time; after its time, at once or at the next free slot (the workspace's lateApproval).",
  },
  requestChanges: { kind: 'CHANGES_REQUESTED', description: 'Sends a post awaiting approval back to DRAFT with what to change; its author edits it and submits it again.' },
  rejectPost: { kind: 'REJECTED', description: 'Rejects a post awaiting approval: CANCELLED, and it is never published.' },
};

builder.mutationFields((t) => ({
  updateWorkspaceSettings: t.field({
    type: WorkspaceSettingsType,
    description: 'Sets what is given. Posts already waiting keep waiting when approval is turned off: approve them. Turning approval on needs a plan with it (PLAN_LIMIT).',
    args: { input: t.arg({ type: WorkspaceSettingsInput, required: true }) },
    resolve: (_root, args, ctx) => updateWorkspaceSettings(ctx.services, requireAuth(ctx), args.input),
  }),
  submitForApproval: postVerb(t, 'Sends a DRAFT post (a new one, or one sent back with requestChanges) to the approvers, at the time it carries.', submitPostForApproval),
  ...Object.fromEntries(
    Object.entries(DECISION_FIELDS).map(([name, { kind, description }]) => {
      const { textArg, textRequired } = DECISIONS[kind];
      const field = t.prismaField({
        type: 'Post',
        description,
        args: { id: t.arg.id({ required: true }), [textArg]: t.arg.string({ required: textRequired }) },
        resolve: (_q, _root, args, ctx) => decidePost(ctx.services, requireAuth(ctx), String(args.id), kind, args[textArg] as string | null | undefined),
      });
      return [name, field];
    }),
  ),
  addComment: t.prismaField({
    type: 'PostComment',
    args: { postId: t.arg.id({ required: true }), text: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await addComment(ctx.services, requireAuth(ctx), String(args.postId), args.text);
      return ctx.prisma.postComment.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));

// Approval (issue 12, section 3): the workspace's settings, the decisions on a post and its comments. Who may call
// what is src/domain/roles.ts's table; the resolvers hand over to src/services/approval.ts.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { addComment, approvePost, rejectPost, requestChanges, submitPostForApproval, updateWorkspaceSettings } from '../services/approval.js';
import type { ApprovalSettings } from '../store/approval.js';

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

const WorkspaceSettingsType = builder.objectRef<ApprovalSettings>('WorkspaceSettings').implement({
  fields: (t) => ({
    approval: t.field({ type: ApprovalModeEnum, resolve: (s) => s.approval }),
    lateApproval: t.field({ type: LateApprovalEnum, resolve: (s) => s.lateApproval }),
  }),
});

builder.prismaObjectField('Workspace', 'settings', (t) =>
  t.field({ type: WorkspaceSettingsType, select: { approval: true, lateApproval: true }, resolve: (w) => ({ approval: w.approval, lateApproval: w.lateApproval }) }),
);

builder.prismaObject('PostComment', {
  description: "A comment on a post, or an approver's decision (kind) with what they wrote.",
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: PostCommentKindEnum, resolve: (c) => c.kind }),
    text: t.exposeString('text'),
    author: t.relation('author', { nullable: true, description: 'Null once that account was deleted.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Post', 'comments', (t) =>
  t.relation('comments', { description: 'Comments and approval decisions, oldest first.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
);

const WorkspaceSettingsInput = builder.inputType('WorkspaceSettingsInput', {
  fields: (t) => ({
    approval: t.field({ type: ApprovalModeEnum, description: 'Which posts wait for an approval.' }),
    lateApproval: t.field({ type: LateApprovalEnum, description: 'What happens to a post approved after its time.' }),
  }),
});

builder.mutationFields((t) => ({
  updateWorkspaceSettings: t.field({
    type: WorkspaceSettingsType,
    description: 'Sets what is given. Posts already waiting keep waiting when approval is turned off: approve them.',
    args: { input: t.arg({ type: WorkspaceSettingsInput, required: true }) },
    resolve: (_root, args, ctx) => updateWorkspaceSettings(ctx.services, requireAuth(ctx), args.input),
  }),
  submitForApproval: t.prismaField({
    type: 'Post',
    description: 'Sends a DRAFT post (a new one, or one sent back with requestChanges) to the approvers, at the time it carries.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _root, args, ctx) => submitPostForApproval(ctx.services, requireAuth(ctx), String(args.id)),
  }),
  approvePost: t.prismaField({
    type: 'Post',
    description: "Schedules a post awaiting approval at its time; after its time, at once or at the next free slot (the workspace's lateApproval).",
    args: { id: t.arg.id({ required: true }), comment: t.arg.string() },
    resolve: (_q, _root, args, ctx) => approvePost(ctx.services, requireAuth(ctx), String(args.id), args.comment),
  }),
  requestChanges: t.prismaField({
    type: 'Post',
    description: 'Sends a post awaiting approval back to DRAFT with what to change; its author edits it and submits it again.',
    args: { id: t.arg.id({ required: true }), comment: t.arg.string({ required: true }) },
    resolve: (_q, _root, args, ctx) => requestChanges(ctx.services, requireAuth(ctx), String(args.id), args.comment),
  }),
  rejectPost: t.prismaField({
    type: 'Post',
    description: 'Rejects a post awaiting approval: CANCELLED, and it is never published.',
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_q, _root, args, ctx) => rejectPost(ctx.services, requireAuth(ctx), String(args.id), args.reason),
  }),
  addComment: t.prismaField({
    type: 'PostComment',
    args: { postId: t.arg.id({ required: true }), text: t.arg.string({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const id = await addComment(ctx.services, requireAuth(ctx), String(args.postId), args.text);
      return ctx.prisma.postComment.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
}));

// Approval (issue 12, section 3). A workspace may hold posts back until an ADMIN approves them: every post (ALL) or
// those of EDITORs (EDITORS; an API key counts as its creator's role). A held delivery is AWAITING_APPROVAL: it
// keeps scheduled_at as the time it would have, holds that slot, and has no publish job (the worker's claim takes
// SCHEDULED only). Every status change is a guarded statement of store/deliveries.ts, and its trigger pushes the
// deliveryUpdated event; each step and comment is also a row of post_comments or audit_events, written with the
// change, and a postActivity event sent on its commit.
import type { Post } from '../generated/prisma/client.js';
import type { ApprovalMode, LateApproval, Plan, PostCommentKind } from '../generated/prisma/enums.js';
import { atLeast, type Role } from '../domain/roles.js';
import { conflict } from '../domain/errors.js';
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import { PLAN_LIMITS, planLimitError } from '../domain/plans.js';
import type { Actor, AuditAction } from '../domain/audit.js';
import type { PostActivityEvent, PostActivityKind } from '../domain/postActivity.js';
import { transaction, type Sql } from '../store/sql.js';
import { insertPostComment, loadApprovalSettings, lockApprovalSettings, notifyPostActivity, updateApprovalSettings, type ApprovalSettings } from '../store/approval.js';
import { cancelDeliveries, holdForReapproval, queueForSmartSchedule, scheduleDeliveries, sendBackToDraft, submitForApproval, type Placement } from '../store/deliveries.js';
import { recordAudit, recordAuditMany } from '../store/audit.js';
import type { NewDelivery } from '../store/posts.js';
import { placeOrRefuse } from './placement.js';
import { runSmartSchedule } from './smartSchedule.js';
import { findPost, liveDeliveries, withoutRelations, type FoundPost } from './postLookup.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';

/** Who acts: the workspace, the person (an API key's creator) with their role, and the credential (the audit trail's). */
export type Approver = Actor & { userId: string; role: Role };

export const MAX_COMMENT = 4000;
const AWAITING = 'AWAITING_APPROVAL' satisfies DeliveryStatus;
/** What store/deliveries.ts writes while a post waits: no longer true once it is approved. */
const WAITING_REASONS = new Set(['Waiting for approval', 'Changes requested by an approver']);
/** What an edit sends back to the approvers: approved (or never needing it) and not on the network yet. */
const REAPPROVABLE: readonly DeliveryStatus[] = ['SCHEDULED', 'PENDING', 'FAILED'];

/** Whether this role's posts wait for an approval under the setting. No role: work of the system (none today). */
export function approvalApplies(mode: ApprovalMode, role: Role | undefined): boolean {
  if (mode === 'ALL') return true;
  return mode === 'EDITORS' && role !== undefined && !atLeast(role, 'ADMIN');
}

/** Whether the caller's new posts are held, read in the caller's transaction (createPost, bulkCreatePosts). */
export async function holdsPostsOf(sql: Sql, workspaceId: string, role: Role | undefined): Promise<boolean> {
  return approvalApplies((await loadApprovalSettings(sql, workspaceId)).approval, role);
}

/** New deliveries that would be scheduled or queued wait instead; drafts stay drafts (submitForApproval sends them). */
export function held(deliveries: NewDelivery[]): NewDelivery[] {
  return deliveries.map((d) => (d.status === 'SCHEDULED' || d.status === 'PENDING' ? { ...d, status: AWAITING } : d));
}

/** The posts among new deliveries that were created held (one 'post.submitted' each). */
export const heldPostIds = (deliveries: NewDelivery[]) => [...new Set(deliveries.filter((d) => d.status === AWAITING).map((d) => d.postId))];

/**
 * Refuses to schedule or queue, without an approval, what approval holds back: a draft, a rejected (cancelled) post,
 * or one still awaiting approval, when the caller's posts need approval. Posts already approved move freely.
 */
export async function refuseUnapproved(deps: ServiceDeps, workspaceId: string, role: Role | undefined, statuses: DeliveryStatus[]): Promise<void> {
  if (!statuses.some((s) => s === 'DRAFT' || s === 'CANCELLED' || s === AWAITING)) return;
  if (!(await holdsPostsOf(deps.pool, workspaceId, role))) return;
  throw conflict('Posts in this workspace need an approval before they are scheduled: submitForApproval(id), then an ADMIN approves it', {
    reason: 'APPROVAL_REQUIRED',
  });
}

/**
 * Whether an edit of a post's content by this role needs a new approval: their posts need one, and they are not an
 * approver themselves (an ADMIN's or OWNER's edit keeps the approval, as it could approve it again at once).
 */
export async function editNeedsApproval(sql: Sql, workspaceId: string, role: Role | undefined): Promise<boolean> {
  if (role === undefined || atLeast(role, 'ADMIN')) return false;
  return holdsPostsOf(sql, workspaceId, role);
}

/**
 * In an edit's transaction: what was approved waits again, at the time it had (its slot stays held), and the
 * approvers hear of it as a submission. Answers how many deliveries went back.
 */
export async function sendBackForApproval(sql: Sql, actor: Actor, post: FoundPost): Promise<number> {
  const approved = liveDeliveries(post).filter((d) => REAPPROVABLE.includes(d.status));
  if (!approved.length) return 0;
  const changed = await holdForReapproval(
    sql,
    approved.map((d) => d.id),
  );
  if (changed.length !== approved.length) throw conflict('A delivery started publishing while the post was being edited: look at it again', { postId: post.id });
  await recordSubmitted(sql, actor, [post.id], 'EDITED');
  return changed.length;
}

/** Approval requested: 'post.submitted' in the audit trail (notifications read it) and a SUBMITTED event per post. */
export async function recordSubmitted(sql: Sql, actor: Actor, postIds: string[], reason: NonNullable<PostActivityEvent['reason']>): Promise<void> {
  if (!postIds.length) return;
  if (postIds.length === 1) await recordAudit(sql, { actor, action: 'post.submitted', target: { type: 'post', id: postIds[0]! }, details: { reason } });
  else await recordAuditMany(sql, actor, 'post.submitted', 'post', postIds);
  await notifyPostActivity(
    sql,
    postIds.map((postId) => activity(actor, postId, 'SUBMITTED', null, reason)),
  );
}

export interface WorkspaceSettings extends ApprovalSettings {
  plan: Plan;
}

/**
 * Sets what is given. Turning approval on (or widening it) needs a plan with approval: PLAN_LIMIT otherwise. After a
 * downgrade the setting stays in force (held posts still wait and can be decided, new ones are still held: nothing
 * unapproved goes out because a plan changed); it may be turned off, not on again.
 */
export async function updateWorkspaceSettings(
  deps: ServiceDeps,
  auth: Approver,
  input: { approval?: ApprovalMode | null; lateApproval?: LateApproval | null },
): Promise<WorkspaceSettings> {
  return transaction(deps.pool, async (client) => {
    const before = (await lockApprovalSettings(client, auth.workspaceId))!;
    const wanted = { approval: input.approval ?? before.approval, lateApproval: input.lateApproval ?? before.lateApproval };
    if (wanted.approval !== 'NONE' && wanted.approval !== before.approval && !PLAN_LIMITS[before.plan].approval) {
      throw planLimitError({ limit: 'approval', plan: before.plan, max: 0, current: before.approval === 'NONE' ? 0 : 1, requested: 1 });
    }
    await updateApprovalSettings(client, auth.workspaceId, wanted);
    const changes = Object.fromEntries((['approval', 'lateApproval'] as const).filter((k) => wanted[k] !== before[k]).map((k) => [k, { from: before[k], to: wanted[k] }]));
    if (Object.keys(changes).length)
      await recordAudit(client, { actor: auth, action: 'workspace.settings_updated', target: { type: 'workspace', id: auth.workspaceId }, details: changes });
    return { ...wanted, plan: before.plan };
  });
}

/** A draft goes to the approvers, at the time it carries (none: the smart scheduler places it once approved). */
export async function submitPostForApproval(deps: ServiceDeps, auth: Approver, id: string): Promise<Post> {
  const post = await findPost(deps, auth.workspaceId, id);
  const settings = await loadApprovalSettings(deps.pool, auth.workspaceId);
  if (settings.approval === 'NONE') throw conflict('Approval is off in this workspace: schedule the post with reschedulePost or publishNow', { postId: id });
  const drafts = liveDeliveries(post).filter((d) => d.status === 'DRAFT');
  if (!drafts.length) throw conflict(`Post ${id} has no draft to submit (only a DRAFT post is submitted for approval)`, { postId: id });
  await transaction(deps.pool, async (client) => {
    const changed = await submitForApproval(
      client,
      drafts.map((d) => d.id),
    );
    if (changed.length !== drafts.length) throw conflict('The post changed while it was being submitted: look at it again', { postId: id });
    await recordSubmitted(client, auth, [id], 'SUBMITTED');
  });
  return withoutRelations(post);
}

export type DecisionKind = Exclude<PostCommentKind, 'COMMENT'>;
type Awaiting = FoundPost['deliveries'][number];

interface Decision {
  /** The argument the text comes in, and whether it must say something. */
  textArg: 'comment' | 'reason';
  textRequired: boolean;
  action: AuditAction;
  /** "The post changed while it was being <doing>". */
  doing: string;
  /** Moves the awaiting deliveries in the decision's transaction; answers how many moved. */
  move: (sql: Sql, awaiting: Awaiting[], post: FoundPost) => Promise<number>;
}

/** The three decisions differ only in this: where the deliveries go, what the text is called, what the trail says. */
export const DECISIONS: Readonly<Record<DecisionKind, Decision>> = {
  // In time: scheduled where it was held. Its time passed: at once or at the next free slot (lateApproval). No time
  // (a queued post): to the smart scheduler, run once the approval commits.
  APPROVED: { textArg: 'comment', textRequired: false, action: 'post.approved', doing: 'approved', move: approveDeliveries },
  // Back to DRAFT for its author to edit and submit again; the comment says what to change.
  CHANGES_REQUESTED: {
    textArg: 'comment',
    textRequired: true,
    action: 'post.changes_requested',
    doing: 'sent back',
    move: async (sql, a) => (await sendBackToDraft(sql, ids(a))).length,
  },
  // CANCELLED, and final for those whose posts need approval (refuseUnapproved keeps it from coming back).
  REJECTED: { textArg: 'reason', textRequired: true, action: 'post.rejected', doing: 'rejected', move: async (sql, a) => (await cancelDeliveries(sql, ids(a))).length },
};

/** approvePost, requestChanges, rejectPost: what awaits approval is decided, with the decision's comment. */
export async function decidePost(deps: ServiceDeps, auth: Approver, id: string, kind: DecisionKind, text: string | null | undefined): Promise<Post> {
  const decision = DECISIONS[kind];
  const checked = checkComment(text, [decision.textArg], decision.textRequired);
  const post = await findPost(deps, auth.workspaceId, id);
  const awaiting = liveDeliveries(post).filter((d) => d.status === AWAITING);
  if (!awaiting.length) throw conflict(`Post ${id} is not awaiting approval`, { postId: id });
  await transaction(deps.pool, async (client) => {
    const moved = await decision.move(client, awaiting, post);
    if (moved !== awaiting.length) throw conflict(`The post changed while it was being ${decision.doing}: look at it again`, { postId: id });
    await recordStep(client, auth, { postId: id, kind, action: decision.action, details: { deliveries: moved }, comment: { kind, text: checked ?? '' } });
  });
  if (kind === 'APPROVED' && awaiting.some((d) => d.scheduledAt === null)) {
    await runSmartSchedule(deps.pool, { workspaceId: auth.workspaceId, horizonMs: deps.config.scheduling.horizonDays * 86_400_000 });
  }
  return withoutRelations(post);
}

async function approveDeliveries(sql: Sql, awaiting: Awaiting[], post: FoundPost): Promise<number> {
  const { lateApproval } = await loadApprovalSettings(sql, post.workspaceId);
  const now = new Date();
  const queued = awaiting.filter((d) => d.scheduledAt === null);
  const timed = awaiting.filter((d) => d.scheduledAt !== null);
  const late = timed.filter((d) => d.scheduledAt!.getTime() <= now.getTime());
  const placements: Placement[] = timed
    .filter((d) => !late.includes(d))
    .map((d) => ({ deliveryId: d.id, scheduledAt: d.scheduledAt!, requestedAt: d.requestedAt, reason: WAITING_REASONS.has(d.scheduleReason ?? '') ? null : d.scheduleReason }));
  if (lateApproval === 'NEXT_SLOT' && post.schedulingMode !== 'IMMEDIATE') {
    const placed = await placeOrRefuse(
      sql,
      late.map((d) => ({ key: d.id, channel: d.channel, at: now, mode: 'SHIFT' as const, deliveryId: d.id })),
      ['id'],
    );
    for (const [i, p] of placed.entries())
      placements.push({
        deliveryId: p.deliveryId!,
        scheduledAt: p.scheduledAt,
        requestedAt: late[i]!.scheduledAt,
        reason: `Approved after its time: ${p.reason ?? 'at the next free slot'}`,
      });
  } else {
    // A publishNow post was asked for "now" whenever it is approved.
    for (const d of late) placements.push({ deliveryId: d.id, scheduledAt: now, requestedAt: d.scheduledAt, reason: 'Approved after its time: published at once' });
  }
  // A delivery that failed before an edit sent it back gets a fresh retry budget, as retryDelivery would give it.
  const scheduled = await scheduleDeliveries(sql, placements, { approved: true, resetAttempts: true, publishNow: post.schedulingMode === 'IMMEDIATE' });
  const toQueue = await queueForSmartSchedule(sql, ids(queued), { approved: true });
  return scheduled.length + toQueue.length;
}

export async function addComment(deps: ServiceDeps, auth: Approver, postId: string, text: string): Promise<string> {
  const checked = checkComment(text, ['text'], true)!;
  await findPost(deps, auth.workspaceId, postId);
  return transaction(
    deps.pool,
    async (client) => (await recordStep(client, auth, { postId, kind: 'COMMENTED', action: 'post.commented', comment: { kind: 'COMMENT', text: checked } }))!,
  );
}

/** A guest's comment through a preview link (services/previewLinks.ts checked the link): attributed to no account. */
export async function addGuestComment(deps: ServiceDeps, link: { id: string; workspaceId: string; postId: string }, name: string, text: string): Promise<string> {
  const actor: Actor = { workspaceId: link.workspaceId, userId: null, via: 'system' };
  return transaction(
    deps.pool,
    async (client) =>
      (await recordStep(client, actor, {
        postId: link.postId,
        kind: 'COMMENTED',
        action: 'post.commented',
        details: { guest: name, previewLinkId: link.id },
        comment: { kind: 'COMMENT', text, guest: { name, previewLinkId: link.id } },
      }))!,
  );
}

interface Step {
  postId: string;
  kind: PostActivityKind;
  action: AuditAction;
  details?: Record<string, unknown>;
  comment?: { kind: PostCommentKind; text: string; guest?: { name: string; previewLinkId: string } };
}

/** One step of a post's approval, in the caller's transaction: its comment, its audit event, its postActivity event. */
async function recordStep(sql: Sql, actor: Actor, step: Step): Promise<string | null> {
  const authorId = actor.via === 'system' ? null : actor.userId;
  const commentId = step.comment ? await insertPostComment(sql, { postId: step.postId, authorId, ...step.comment }) : null;
  await recordAudit(sql, { actor, action: step.action, target: { type: 'post', id: step.postId }, details: { ...step.details, ...(commentId && { commentId }) } });
  await notifyPostActivity(sql, [activity(actor, step.postId, step.kind, commentId, null)]);
  return commentId;
}

const activity = (actor: Actor, postId: string, kind: PostActivityKind, commentId: string | null, reason: PostActivityEvent['reason']): PostActivityEvent => ({
  workspaceId: actor.workspaceId,
  postId,
  kind,
  actorId: actor.via === 'system' ? null : actor.userId,
  commentId,
  reason,
  at: new Date().toISOString(),
});

const ids = (deliveries: { id: string }[]) => deliveries.map((d) => d.id);

/** The text of a comment, decision or guest's comment, trimmed; ValidationError naming the argument otherwise. */
export function checkComment(text: string | null | undefined, path: string[], required: boolean): string | null {
  const trimmed = text?.trim() ?? '';
  const issues = new Issues();
  if (required) issues.check(trimmed.length > 0, path, 'required', `${path[0]} must not be empty`);
  issues.check(trimmed.length <= MAX_COMMENT, path, 'maxLength', `${path[0]} may have at most ${MAX_COMMENT} characters`);
  issues.throwIfAny();
  return trimmed || null;
}

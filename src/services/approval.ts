// Approval (issue 12, section 3). A workspace may hold posts back until an ADMIN approves them: every post (ALL) or
// those of EDITORs (EDITORS; an API key counts as its creator's role). A held delivery is AWAITING_APPROVAL: it
// keeps scheduled_at as the time it would have, holds that slot, and has no publish job (the worker's claim takes
// SCHEDULED only). Every status change is a guarded statement of store/deliveries.ts, and its trigger pushes the
// deliveryUpdated event; decisions and comments are rows of post_comments.
import type { Post } from '../generated/prisma/client.js';
import type { ApprovalMode, LateApproval, PostCommentKind } from '../generated/prisma/enums.js';
import { atLeast, type Role } from '../domain/roles.js';
import { conflict, notFound } from '../domain/errors.js';
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import { transaction, type Sql } from '../store/sql.js';
import { insertPostComment, loadApprovalSettings, updateApprovalSettings, type ApprovalSettings } from '../store/approval.js';
import { cancelDeliveries, queueForSmartSchedule, scheduleDeliveries, sendBackToDraft, submitForApproval, type Placement } from '../store/deliveries.js';
import type { NewDelivery } from '../store/posts.js';
import { placeOrRefuse } from './placement.js';
import { runSmartSchedule } from './smartSchedule.js';
import { Issues, isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';
import { recordAudit } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';

/** Who acts: the workspace, the person (an API key's creator) with their role, and the credential (the audit trail's). */
export type Approver = Actor & { userId: string; role: Role };

const MAX_COMMENT = 4000;
const AWAITING = 'AWAITING_APPROVAL' satisfies DeliveryStatus;
/** What store/deliveries.ts writes while a post waits: no longer true once it is approved. */
const WAITING_REASONS = new Set(['Waiting for approval', 'Changes requested by an approver']);

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

export async function updateWorkspaceSettings(
  deps: ServiceDeps,
  auth: Approver,
  input: { approval?: ApprovalMode | null; lateApproval?: LateApproval | null },
): Promise<ApprovalSettings> {
  await updateApprovalSettings(deps.pool, auth.workspaceId, { approval: input.approval ?? undefined, lateApproval: input.lateApproval ?? undefined });
  return loadApprovalSettings(deps.pool, auth.workspaceId);
}

/** A draft goes to the approvers, at the time it carries (none: the smart scheduler places it once approved). */
export async function submitPostForApproval(deps: ServiceDeps, auth: Approver, id: string): Promise<Post> {
  const post = await findPost(deps, auth.workspaceId, id);
  const settings = await loadApprovalSettings(deps.pool, auth.workspaceId);
  if (settings.approval === 'NONE') throw conflict('Approval is off in this workspace: schedule the post with reschedulePost or publishNow', { postId: id });
  const drafts = live(post).filter((d) => d.status === 'DRAFT');
  if (!drafts.length) throw conflict(`Post ${id} has no draft to submit (only a DRAFT post is submitted for approval)`, { postId: id });
  await transaction(deps.pool, async (client) => {
    const changed = await submitForApproval(
      client,
      drafts.map((d) => d.id),
    );
    if (changed.length !== drafts.length) throw conflict('The post changed while it was being submitted: look at it again', { postId: id });
  });
  return withoutRelations(post);
}

/**
 * Approves what awaits approval. In time: scheduled where it was held. Its time passed: at once (PUBLISH_NOW) or at
 * the channel's next free slot (NEXT_SLOT), as the workspace says. No time (a queued post): to the smart scheduler.
 */
export async function approvePost(deps: ServiceDeps, auth: Approver, id: string, comment: string | null | undefined): Promise<Post> {
  const text = checkComment(comment, ['comment'], false);
  const post = await findPost(deps, auth.workspaceId, id);
  const awaiting = awaitingOf(post, id);
  const { lateApproval } = await loadApprovalSettings(deps.pool, auth.workspaceId);
  const now = new Date();
  const queued = awaiting.filter((d) => d.scheduledAt === null);
  const timed = awaiting.filter((d) => d.scheduledAt !== null);
  const late = timed.filter((d) => d.scheduledAt!.getTime() <= now.getTime());
  await transaction(deps.pool, async (client) => {
    const placements: Placement[] = timed
      .filter((d) => !late.includes(d))
      .map((d) => ({ deliveryId: d.id, scheduledAt: d.scheduledAt!, requestedAt: d.requestedAt, reason: WAITING_REASONS.has(d.scheduleReason ?? '') ? null : d.scheduleReason }));
    if (lateApproval === 'NEXT_SLOT' && post.schedulingMode !== 'IMMEDIATE') {
      const placed = await placeOrRefuse(
        client,
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
    const scheduled = await scheduleDeliveries(client, placements, { approved: true });
    const toQueue = await queueForSmartSchedule(
      client,
      queued.map((d) => d.id),
      { approved: true },
    );
    if (scheduled.length + toQueue.length !== awaiting.length) throw conflict('The post changed while it was being approved: look at it again', { postId: id });
    await comment_(client, auth, id, 'APPROVED', text ?? '');
    await recordAudit(client, { actor: auth, action: 'post.approved', target: { type: 'post', id }, details: { deliveries: awaiting.length } });
  });
  if (queued.length) await runSmartSchedule(deps.pool, { workspaceId: auth.workspaceId, horizonMs: deps.config.scheduling.horizonDays * 86_400_000 });
  return withoutRelations(post);
}

/** Back to DRAFT for its author to edit and submit again; the comment says what to change. */
export async function requestChanges(deps: ServiceDeps, auth: Approver, id: string, comment: string): Promise<Post> {
  const text = checkComment(comment, ['comment'], true)!;
  const post = await findPost(deps, auth.workspaceId, id);
  const awaiting = awaitingOf(post, id);
  await transaction(deps.pool, async (client) => {
    const changed = await sendBackToDraft(
      client,
      awaiting.map((d) => d.id),
    );
    if (changed.length !== awaiting.length) throw conflict('The post changed while changes were being requested: look at it again', { postId: id });
    await comment_(client, auth, id, 'CHANGES_REQUESTED', text);
    await recordAudit(client, { actor: auth, action: 'post.changes_requested', target: { type: 'post', id }, details: {} });
  });
  return withoutRelations(post);
}

/** Rejected: CANCELLED, and final for those whose posts need approval (refuseUnapproved keeps it from coming back). */
export async function rejectPost(deps: ServiceDeps, auth: Approver, id: string, reason: string): Promise<Post> {
  const text = checkComment(reason, ['reason'], true)!;
  const post = await findPost(deps, auth.workspaceId, id);
  const awaiting = awaitingOf(post, id);
  await transaction(deps.pool, async (client) => {
    const changed = await cancelDeliveries(
      client,
      awaiting.map((d) => d.id),
    );
    if (changed.length !== awaiting.length) throw conflict('The post changed while it was being rejected: look at it again', { postId: id });
    await comment_(client, auth, id, 'REJECTED', text);
    await recordAudit(client, { actor: auth, action: 'post.rejected', target: { type: 'post', id }, details: {} });
  });
  return withoutRelations(post);
}

export async function addComment(deps: ServiceDeps, auth: Approver, postId: string, text: string): Promise<string> {
  const checked = checkComment(text, ['text'], true)!;
  await findPost(deps, auth.workspaceId, postId);
  return comment_(deps.pool, auth, postId, 'COMMENT', checked);
}

const comment_ = (sql: Sql, auth: Approver, postId: string, kind: PostCommentKind, text: string) => insertPostComment(sql, { postId, authorId: auth.userId, kind, text });

function checkComment(text: string | null | undefined, path: string[], required: boolean): string | null {
  const trimmed = text?.trim() ?? '';
  const issues = new Issues();
  if (required) issues.check(trimmed.length > 0, path, 'required', `${path[0]} must not be empty`);
  issues.check(trimmed.length <= MAX_COMMENT, path, 'maxLength', `${path[0]} may have at most ${MAX_COMMENT} characters`);
  issues.throwIfAny();
  return trimmed || null;
}

type FoundPost = Awaited<ReturnType<typeof findPost>>;

/** A deleted channel's deliveries stay cancelled: the worker never claims them. */
const live = (post: FoundPost) => post.deliveries.filter((d) => d.channel.deletedAt === null);

function awaitingOf(post: FoundPost, id: string) {
  const awaiting = live(post).filter((d) => d.status === AWAITING);
  if (!awaiting.length) throw conflict(`Post ${id} is not awaiting approval`, { postId: id });
  return awaiting;
}

async function findPost(deps: ServiceDeps, workspaceId: string, id: string) {
  const post = isUuid(id) ? await deps.prisma.post.findFirst({ where: { id, workspaceId }, include: { deliveries: { include: { channel: true } } } }) : null;
  if (!post) throw notFound('Post', id);
  return post;
}

function withoutRelations<T extends { deliveries?: unknown }>(post: T): Omit<T, 'deliveries'> {
  const { deliveries: _loaded, ...rest } = post;
  return rest;
}

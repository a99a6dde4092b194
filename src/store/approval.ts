// Approval's own rows (issue 12, section 3): the workspace's approval settings, a post's comments (decisions and
// guests' comments included), and the postActivity notification. The status changes approval makes are guarded
// statements in deliveries.ts, like every other.
import type { ApprovalMode, LateApproval, Plan, PostCommentKind } from '../generated/prisma/enums.js';
import type { PostActivityEvent } from '../domain/postActivity.js';
import { POST_ACTIVITY_CHANNEL } from '../domain/postActivity.js';
import { rows, type Sql } from './sql.js';

export interface ApprovalSettings {
  approval: ApprovalMode;
  lateApproval: LateApproval;
}

export async function loadApprovalSettings(sql: Sql, workspaceId: string): Promise<ApprovalSettings> {
  const [found] = await rows<ApprovalSettings>(sql, `SELECT approval, late_approval AS "lateApproval" FROM workspaces WHERE id = $1`, [workspaceId]);
  return found ?? { approval: 'NONE', lateApproval: 'PUBLISH_NOW' };
}

/**
 * The settings and the plan, under the workspace's row lock (in the caller's transaction): a plan change waits for
 * the settings change to commit, or the other way round, so approval is never turned on past a downgrade.
 */
export async function lockApprovalSettings(sql: Sql, workspaceId: string): Promise<(ApprovalSettings & { plan: Plan }) | null> {
  const [found] = await rows<ApprovalSettings & { plan: Plan }>(sql, `SELECT approval, late_approval AS "lateApproval", plan FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, [
    workspaceId,
  ]);
  return found ?? null;
}

/** Sets what is given (null keeps the stored value). */
export async function updateApprovalSettings(sql: Sql, workspaceId: string, change: Partial<ApprovalSettings>): Promise<void> {
  await sql.query(`UPDATE workspaces SET approval = coalesce($2::"ApprovalMode", approval), late_approval = coalesce($3::"LateApproval", late_approval) WHERE id = $1`, [
    workspaceId,
    change.approval ?? null,
    change.lateApproval ?? null,
  ]);
}

export interface NewPostComment {
  postId: string;
  /** Null for a guest's comment. */
  authorId: string | null;
  kind: PostCommentKind;
  text: string;
  guest?: { name: string; previewLinkId: string };
}

export async function insertPostComment(sql: Sql, comment: NewPostComment): Promise<string> {
  const [inserted] = await rows<{ id: string }>(
    sql,
    `INSERT INTO post_comments (post_id, author_id, kind, text, guest_name, preview_link_id) VALUES ($1, $2, $3::"PostCommentKind", $4, $5, $6) RETURNING id`,
    [comment.postId, comment.authorId, comment.kind, comment.text, comment.guest?.name ?? null, comment.guest?.previewLinkId ?? null],
  );
  return inserted!.id;
}

/** Tells postActivity subscribers, on commit (NOTIFY is transactional): one notification per event, in one statement. */
export async function notifyPostActivity(sql: Sql, events: PostActivityEvent[]): Promise<void> {
  if (!events.length) return;
  await sql.query(`SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload`, [POST_ACTIVITY_CHANNEL, events.map((e) => JSON.stringify(e))]);
}

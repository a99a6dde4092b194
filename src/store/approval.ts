// Approval's own rows (issue 12, section 3): the workspace's approval settings and a post's comments (decisions
// included). The status changes approval makes are guarded statements in deliveries.ts, like every other.
import type { ApprovalMode, LateApproval, PostCommentKind } from '../generated/prisma/enums.js';
import { rows, type Sql } from './sql.js';

export interface ApprovalSettings {
  approval: ApprovalMode;
  lateApproval: LateApproval;
}

export async function loadApprovalSettings(sql: Sql, workspaceId: string): Promise<ApprovalSettings> {
  const [found] = await rows<ApprovalSettings>(sql, `SELECT approval, late_approval AS "lateApproval" FROM workspaces WHERE id = $1`, [workspaceId]);
  return found ?? { approval: 'NONE', lateApproval: 'PUBLISH_NOW' };
}

/** Sets what is given (null keeps the stored value). */
export async function updateApprovalSettings(sql: Sql, workspaceId: string, change: Partial<ApprovalSettings>): Promise<void> {
  await sql.query(`UPDATE workspaces SET approval = coalesce($2::"ApprovalMode", approval), late_approval = coalesce($3::"LateApproval", late_approval) WHERE id = $1`, [
    workspaceId,
    change.approval ?? null,
    change.lateApproval ?? null,
  ]);
}

export async function insertPostComment(sql: Sql, comment: { postId: string; authorId: string | null; kind: PostCommentKind; text: string }): Promise<string> {
  const [inserted] = await rows<{ id: string }>(sql, `INSERT INTO post_comments (post_id, author_id, kind, text) VALUES ($1, $2, $3::"PostCommentKind", $4) RETURNING id`, [
    comment.postId,
    comment.authorId,
    comment.kind,
    comment.text,
  ]);
  return inserted!.id;
}

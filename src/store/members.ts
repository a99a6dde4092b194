// Members of a workspace, invitations to join one, and the workspaces a person belongs to.
import type pg from 'pg';
import { rows, type Sql } from './sql.js';
import type { MemberRole } from '../generated/prisma/enums.js';

export interface Member {
  userId: string;
  email: string;
  role: MemberRole;
  joinedAt: Date;
}

export interface PersonsWorkspace {
  id: string;
  name: string;
  role: MemberRole;
  joinedAt: Date;
}

/**
 * Holds the workspace's row lock until the transaction ends: every change to its memberships takes it first, so two
 * of them at once (two owners leaving) take turns and the second sees the first's result ("the last owner").
 */
export async function lockWorkspaceMembers(client: pg.PoolClient, workspaceId: string): Promise<boolean> {
  return (await client.query(`SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE`, [workspaceId])).rowCount === 1;
}

export async function findMemberRole(sql: Sql, workspaceId: string, userId: string): Promise<MemberRole | null> {
  const found = await rows<{ role: MemberRole }>(sql, `SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
  return found[0]?.role ?? null;
}

export async function countOwners(sql: Sql, workspaceId: string): Promise<number> {
  return (await rows<{ n: number }>(sql, `SELECT count(*)::int AS n FROM memberships WHERE workspace_id = $1 AND role = 'OWNER'`, [workspaceId]))[0].n;
}

const MEMBER_COLUMNS = `u.id AS "userId", u.email, m.role, m.created_at AS "joinedAt" FROM memberships m JOIN users u ON u.id = m.user_id`;

export async function listMembers(sql: Sql, workspaceId: string): Promise<Member[]> {
  return rows<Member>(sql, `SELECT ${MEMBER_COLUMNS} WHERE m.workspace_id = $1 ORDER BY m.created_at, u.id`, [workspaceId]);
}

export async function findMember(sql: Sql, workspaceId: string, userId: string): Promise<Member | null> {
  return (await rows<Member>(sql, `SELECT ${MEMBER_COLUMNS} WHERE m.workspace_id = $1 AND m.user_id = $2`, [workspaceId, userId]))[0] ?? null;
}

export async function isMemberByEmail(sql: Sql, workspaceId: string, email: string): Promise<boolean> {
  const found = await rows<{ any: boolean }>(
    sql,
    `SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 AND u.email = $2) AS any`,
    [workspaceId, email],
  );
  return found[0].any;
}

export async function updateMemberRole(sql: Sql, workspaceId: string, userId: string, role: MemberRole): Promise<void> {
  await sql.query(`UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId, role]);
}

/**
 * Ends a membership, and with it the person's sessions and API keys in that workspace. Both would be refused anyway
 * once the membership is gone (their lookups join it), but revoking them means that inviting the person back later
 * does not bring an old token or key back to life.
 */
export async function deleteMembership(sql: Sql, workspaceId: string, userId: string): Promise<{ removed: boolean; sessions: number; apiKeys: number }> {
  const deleted = await sql.query(`DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
  const sessions = await sql.query(`UPDATE sessions SET revoked_at = now() WHERE workspace_id = $1 AND user_id = $2 AND revoked_at IS NULL`, [workspaceId, userId]);
  const apiKeys = await sql.query(`UPDATE api_keys SET revoked_at = now() WHERE workspace_id = $1 AND created_by_id = $2 AND revoked_at IS NULL`, [workspaceId, userId]);
  return { removed: (deleted.rowCount ?? 0) > 0, sessions: sessions.rowCount ?? 0, apiKeys: apiKeys.rowCount ?? 0 };
}

export async function insertMembership(sql: Sql, workspaceId: string, userId: string, role: MemberRole): Promise<boolean> {
  const inserted = await sql.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (workspace_id, user_id) DO NOTHING`, [
    workspaceId,
    userId,
    role,
  ]);
  return (inserted.rowCount ?? 0) > 0;
}

/** A person without a workspace yet (they join one by an invitation, in the same transaction). */
export async function insertUser(sql: Sql, email: string, passwordHash: string): Promise<string> {
  return (await rows<{ id: string }>(sql, `INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id`, [email, passwordHash]))[0].id;
}

/** The person's workspaces, the first joined first (the one login opens). */
export async function listUserWorkspaces(sql: Sql, userId: string): Promise<PersonsWorkspace[]> {
  return rows<PersonsWorkspace>(
    sql,
    `SELECT w.id, w.name, m.role, m.created_at AS "joinedAt"
       FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.user_id = $1 ORDER BY m.created_at, w.id`,
    [userId],
  );
}

// --- invitations ---

export interface NewInvitation {
  workspaceId: string;
  email: string;
  role: MemberRole;
  tokenHash: string;
  invitedById: string;
  expiresAt: Date;
}

export interface InvitationRow {
  id: string;
  workspaceId: string;
  workspaceName: string;
  email: string;
  role: MemberRole;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
}

const INVITATION_COLUMNS = `i.id, i.workspace_id AS "workspaceId", w.name AS "workspaceName", i.email, i.role, i.expires_at AS "expiresAt",
  i.accepted_at AS "acceptedAt", i.revoked_at AS "revokedAt"`;

/**
 * A new invitation; an earlier one still pending for the same email in the workspace is revoked, so one link works.
 * In the caller's transaction, which counts the plan's members first (src/services/members.ts).
 */
export async function insertInvitation(client: pg.PoolClient, invitation: NewInvitation): Promise<InvitationRow> {
  await client.query(`UPDATE invitations SET revoked_at = now() WHERE workspace_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, [
    invitation.workspaceId,
    invitation.email,
  ]);
  const [created] = await rows<{ id: string }>(
    client,
    `INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [invitation.workspaceId, invitation.email, invitation.role, invitation.tokenHash, invitation.invitedById, invitation.expiresAt],
  );
  return (await rows<InvitationRow>(client, `SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN workspaces w ON w.id = i.workspace_id WHERE i.id = $1`, [created.id]))[0];
}

export async function findInvitationByTokenHash(sql: Sql, tokenHash: string): Promise<InvitationRow | null> {
  const found = await rows<InvitationRow>(sql, `SELECT ${INVITATION_COLUMNS} FROM invitations i JOIN workspaces w ON w.id = i.workspace_id WHERE i.token_hash = $1`, [tokenHash]);
  return found[0] ?? null;
}

/** Uses the invitation up: true once, for whoever comes first, and only while it is pending and unexpired. */
export async function takeInvitation(sql: Sql, id: string): Promise<boolean> {
  const taken = await sql.query(`UPDATE invitations SET accepted_at = now() WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()`, [id]);
  return (taken.rowCount ?? 0) > 0;
}

/**
 * Housekeeping: invitations that ended (accepted, revoked or expired) over 30 days ago. The hash of a used token is
 * useless to anyone; the month keeps "who invited whom" visible for a while (the audit trail keeps it longer).
 */
export async function deleteEndedInvitations(sql: Sql): Promise<number> {
  const deleted = await sql.query(`DELETE FROM invitations WHERE least(accepted_at, revoked_at, expires_at) < now() - interval '30 days'`);
  return deleted.rowCount ?? 0;
}

/** Revokes one of the workspace's pending invitations; false when it has no such pending invitation. */
export async function revokeInvitation(sql: Sql, workspaceId: string, id: string): Promise<boolean> {
  const revoked = await sql.query(`UPDATE invitations SET revoked_at = now() WHERE id = $1 AND workspace_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, [
    id,
    workspaceId,
  ]);
  return (revoked.rowCount ?? 0) > 0;
}

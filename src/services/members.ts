// Members of a workspace and the workspaces of a person. Who may call each operation is the role table's business
// (src/domain/roles.ts, enforced on the schema); what is checked here are the rules about the data: ownership is
// transferred by an OWNER only, nobody below OWNER touches an OWNER or makes one, and a workspace keeps an OWNER.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { MemberRole } from '../generated/prisma/enums.js';
import { AppError, conflict, forbidden, notFound, unauthenticated } from '../domain/errors.js';
import type { Auth } from '../domain/auth.js';
import { invitationLink } from '../domain/invitations.js';
import { transaction } from '../store/sql.js';
import { isDuplicateEmail, findUserById } from '../store/accounts.js';
import {
  countOwners,
  deleteMembership,
  findInvitationByTokenHash,
  findMember,
  findMemberRole,
  insertInvitation,
  insertMembership,
  insertUser,
  isMemberByEmail,
  listMembers,
  listUserWorkspaces,
  lockWorkspaceMembers,
  revokeInvitation as revokeInvitationRow,
  takeInvitation,
  updateMemberRole,
  type InvitationRow,
  type Member,
  type PersonsWorkspace,
} from '../store/members.js';
import { hashPassword } from '../security/passwords.js';
import { checkNewAccount, isEmailAddress, normalizeEmail, sessionOf, startSession } from './accounts.js';
import { spend } from './throttles.js';
import { Issues, uuidOrNil } from './validation.js';
import type { ServiceDeps } from './deps.js';
import { refuseOverPlan } from './plans.js';
import { recordAudit } from '../store/audit.js';
import { markEmailVerified } from '../store/emailVerifications.js';
import { refuseUnverifiedEmail } from './emailVerification.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

// Only the hash is stored: someone reading the table (a backup, a replica) cannot use a pending invitation.
const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface InvitationCreated {
  invitation: InvitationRow;
  link: string;
  /** Whether the link was also mailed (SMTP_URL set, and the relay took it). */
  mailed: boolean;
}

/** Invites an email into the caller's workspace; the link (a 256-bit token) is returned once and mailed when SMTP is set. */
export async function inviteMember(deps: ServiceDeps, auth: Auth, emailGiven: string, role: MemberRole): Promise<InvitationCreated> {
  const email = normalizeEmail(emailGiven);
  const issues = new Issues();
  issues.check(isEmailAddress(email), ['email'], 'email', 'email must be an email address');
  issues.check(role !== 'OWNER', ['role'], 'notOwner', 'an OWNER is not invited: invite as ADMIN, then transferOwnership');
  issues.throwIfAny();
  await refuseUnverifiedEmail(deps, auth.userId, 'inviteMember');
  const callerRole = await findMemberRole(deps.pool, auth.workspaceId, auth.userId);
  if (!callerRole) throw unauthenticated();
  if (RANK[role] > RANK[callerRole]) throw forbidden(`A ${callerRole} cannot invite a ${role}`);
  if (await isMemberByEmail(deps.pool, auth.workspaceId, email)) throw conflict(`${email} is already a member of this workspace`, { field: 'email' });
  const token = randomBytes(32).toString('base64url');
  // A pending invitation holds a seat of the plan; one replacing the same email's earlier one adds none.
  const invitation = await transaction(deps.pool, async (client) => {
    await refuseOverPlan(client, auth.workspaceId, 'members', 1, { except: { invitationEmail: email } });
    return insertInvitation(client, {
      workspaceId: auth.workspaceId,
      email,
      role,
      tokenHash: hashInvitationToken(token),
      invitedById: auth.userId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    });
  });
  const link = invitationLink(deps.config.publicUrl, token);
  await recordAudit(deps.pool, { actor: auth, action: 'member.invited', target: { type: 'invitation', id: invitation.id }, details: { email, role } });
  return { invitation, link, mailed: await mailInvitation(deps, auth, invitation, link) };
}

/**
 * A relay that refuses or is away does not undo the invitation: the inviter has the link in the answer and can pass
 * it on, and `mailed: false` says they must.
 */
async function mailInvitation(deps: ServiceDeps, auth: Auth, invitation: InvitationRow, link: string): Promise<boolean> {
  if (!deps.mailer) return false;
  const inviter = await findUserById(deps.pool, auth.userId);
  try {
    await deps.mailer.send({
      to: invitation.email,
      subject: `You are invited to ${invitation.workspaceName} on PostFlow`,
      text: [
        `${inviter?.email ?? 'A member'} invites you to join the workspace "${invitation.workspaceName}" on PostFlow as ${invitation.role}.`,
        '',
        `Accept the invitation: ${link}`,
        '',
        `The link works once, until ${invitation.expiresAt.toISOString()}. If you did not expect it, ignore this mail.`,
      ].join('\n'),
    });
    return true;
  } catch (error) {
    deps.logger.warn('could not mail an invitation', { invitationId: invitation.id, error: (error as Error).message });
    return false;
  }
}

export async function revokeInvitation(deps: ServiceDeps, auth: Auth, id: string): Promise<boolean> {
  if (!(await revokeInvitationRow(deps.pool, auth.workspaceId, uuidOrNil(id)))) throw notFound('Pending invitation', id);
  return true;
}

/**
 * Joins the invitation's workspace. Signed in (a session) as the invited email: the membership is added. Without an
 * account: `password` creates one (signup's rules), unless POSTFLOW_SIGNUP=closed. Counted like sign-ups per address.
 * Answers with a session in the workspace joined.
 */
export async function acceptInvitation(deps: ServiceDeps, auth: Auth | null, token: string, password: string | null | undefined, clientIp: string): Promise<{ token: string }> {
  await spend(deps.throttles.signupIp, clientIp, 'sign-ups from this address');
  const invitation = token.length <= 100 ? await findInvitationByTokenHash(deps.pool, hashInvitationToken(token)) : null;
  refuseUnusable(invitation);
  let userId: string;
  let newAccount: { passwordHash: string } | null = null;
  if (auth) {
    sessionOf(auth, 'acceptInvitation');
    const user = await findUserById(deps.pool, auth.userId);
    if (!user) throw unauthenticated();
    if (user.email !== invitation.email) throw forbidden('This invitation is for another email address: sign in with the invited account');
    userId = user.id;
  } else {
    if (!password) throw unauthenticated('Sign in (login) to accept with your account, or give password to create one');
    if (deps.config.accounts.signup === 'closed')
      throw forbidden('No new accounts on this server (POSTFLOW_SIGNUP=closed): an invitation is accepted with an existing account, signed in');
    const issues = new Issues();
    checkNewAccount(deps, issues, invitation.email, password);
    issues.throwIfAny();
    newAccount = { passwordHash: await hashPassword(password) };
    userId = '';
  }
  try {
    await transaction(deps.pool, async (client) => {
      // Its own seat is counted already; checked again because the plan may have shrunk since it was sent.
      await refuseOverPlan(client, invitation.workspaceId, 'members', 1, { except: { invitationId: invitation.id } });
      if (!(await takeInvitation(client, invitation.id))) throw unusable();
      if (newAccount) userId = await insertUser(client, invitation.email, newAccount.passwordHash);
      if (!(await insertMembership(client, invitation.workspaceId, userId, invitation.role))) throw conflict('You are a member of this workspace already');
      // With SMTP the link was mailed to the invited address: whoever opened it there proved the address.
      if (deps.mailer) await markEmailVerified(client, userId);
      // The invitation is the credential here: the new member acts, through no session yet (nor key).
      await recordAudit(client, {
        actor: { workspaceId: invitation.workspaceId, userId, via: 'session' },
        action: 'member.joined',
        target: { type: 'member', id: userId },
        details: { role: invitation.role, invitationId: invitation.id },
      });
    });
  } catch (error) {
    if (isDuplicateEmail(error)) throw conflict(`An account with email ${invitation.email} exists: login, then acceptInvitation signed in`);
    throw error;
  }
  return { token: await startSession(deps, userId, invitation.workspaceId) };
}

const unusable = () => new AppError('NOT_FOUND', 'This invitation is not valid: used already, expired, revoked or mistyped. Ask for a new one');

function refuseUnusable(invitation: InvitationRow | null): asserts invitation is InvitationRow {
  if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt.getTime() <= Date.now()) throw unusable();
}

// --- members ---

const RANK: Record<MemberRole, number> = { VIEWER: 1, EDITOR: 2, ADMIN: 3, OWNER: 4 };

export const members = (deps: ServiceDeps, auth: Auth): Promise<Member[]> => listMembers(deps.pool, auth.workspaceId);

/** Sets a member's role. Only an OWNER makes an OWNER or changes one; the last OWNER stays one. */
export async function changeRole(deps: ServiceDeps, auth: Auth, userId: string, role: MemberRole): Promise<Member> {
  return inWorkspace(deps, auth, async (client, callerRole) => {
    const target = await findMember(client, auth.workspaceId, uuidOrNil(userId));
    if (!target) throw notFound('Member', userId);
    if ((role === 'OWNER' || target.role === 'OWNER') && callerRole !== 'OWNER') throw forbidden('Only an OWNER makes an OWNER or changes the role of one');
    if (RANK[role] > RANK[callerRole]) throw forbidden(`A ${callerRole} cannot make someone ${role}`);
    if (target.role === 'OWNER' && role !== 'OWNER' && (await countOwners(client, auth.workspaceId)) === 1) throw lastOwner();
    await updateMemberRole(client, auth.workspaceId, target.userId, role);
    await recordAudit(client, { actor: auth, action: 'member.role_changed', target: { type: 'member', id: target.userId }, details: { from: target.role, to: role } });
    return { ...target, role };
  });
}

/** Removes a member: their sessions and API keys in this workspace stop working at once. */
export async function removeMember(deps: ServiceDeps, auth: Auth, userId: string): Promise<boolean> {
  return inWorkspace(deps, auth, async (client, callerRole) => {
    const target = await findMember(client, auth.workspaceId, uuidOrNil(userId));
    if (!target) throw notFound('Member', userId);
    if (target.role === 'OWNER' && callerRole !== 'OWNER') throw forbidden('Only an OWNER removes an OWNER');
    if (target.role === 'OWNER' && (await countOwners(client, auth.workspaceId)) === 1) throw lastOwner();
    await recordAudit(client, { actor: auth, action: 'member.removed', target: { type: 'member', id: target.userId }, details: { role: target.role } });
    return (await deleteMembership(client, auth.workspaceId, target.userId)).removed;
  });
}

/** The caller leaves this workspace (their sessions and keys in it end); the last OWNER transfers ownership first. */
export async function leaveWorkspace(deps: ServiceDeps, auth: Auth): Promise<boolean> {
  sessionOf(auth, 'leaveWorkspace');
  return inWorkspace(deps, auth, async (client, callerRole) => {
    if (callerRole === 'OWNER' && (await countOwners(client, auth.workspaceId)) === 1) throw lastOwner();
    await recordAudit(client, { actor: auth, action: 'member.removed', target: { type: 'member', id: auth.userId }, details: { role: callerRole, left: true } });
    return (await deleteMembership(client, auth.workspaceId, auth.userId)).removed;
  });
}

/** Makes another member the OWNER; the caller, who must be an OWNER, becomes an ADMIN. */
export async function transferOwnership(deps: ServiceDeps, auth: Auth, userId: string): Promise<Member> {
  return inWorkspace(deps, auth, async (client, callerRole) => {
    if (callerRole !== 'OWNER') throw forbidden('Only an OWNER transfers ownership');
    const target = await findMember(client, auth.workspaceId, uuidOrNil(userId));
    if (!target) throw notFound('Member', userId);
    if (target.userId === auth.userId) throw conflict('You are the OWNER already: name another member');
    await updateMemberRole(client, auth.workspaceId, target.userId, 'OWNER');
    await updateMemberRole(client, auth.workspaceId, auth.userId, 'ADMIN');
    await recordAudit(client, { actor: auth, action: 'ownership.transferred', target: { type: 'member', id: target.userId }, details: { from: auth.userId } });
    return { ...target, role: 'OWNER' };
  });
}

const lastOwner = () => conflict('A workspace keeps at least one OWNER: transferOwnership (or make another member OWNER) first');

/** Runs a change to the workspace's memberships under its lock, with the caller's role as it is now. */
async function inWorkspace<T>(deps: ServiceDeps, auth: Auth, work: (client: pg.PoolClient, callerRole: MemberRole) => Promise<T>): Promise<T> {
  return transaction(deps.pool, async (client) => {
    await lockWorkspaceMembers(client, auth.workspaceId);
    const callerRole = await findMemberRole(client, auth.workspaceId, auth.userId);
    if (!callerRole) throw unauthenticated('Your membership of this workspace has ended: login again');
    return work(client, callerRole);
  });
}

// --- a person's workspaces ---

/** The caller's workspaces. A session only: an API key belongs to one workspace and must not learn of others. */
export async function workspacesOf(deps: ServiceDeps, auth: Auth): Promise<PersonsWorkspace[]> {
  sessionOf(auth, 'workspaces');
  return listUserWorkspaces(deps.pool, auth.userId);
}

/** A new session in another of the caller's workspaces; the session it is called with stays as it was. */
export async function switchWorkspace(deps: ServiceDeps, auth: Auth, workspaceId: string): Promise<{ token: string }> {
  sessionOf(auth, 'switchWorkspace');
  if (!(await findMemberRole(deps.pool, uuidOrNil(workspaceId), auth.userId))) throw notFound('Workspace', workspaceId);
  return { token: await startSession(deps, auth.userId, uuidOrNil(workspaceId)) };
}

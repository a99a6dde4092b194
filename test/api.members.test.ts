// Members and workspaces (issue 12, section 1): invitations mailed through a loopback SMTP server and accepted from the
// link in the mail, single use and expiry, the rules about owners, removal ending sessions and keys at once, and a
// person in several workspaces switching between them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';
import { signUp as signUpUnverified, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const INVITE = `mutation($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { invitation { id email role expiresAt } link mailed } }`;
const ACCEPT = `mutation($token: String!, $password: String) { acceptInvitation(token: $token, password: $password) { token } }`;
const MEMBERS = `{ members { userId email role joinedAt } }`;

let t: TestApp;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  // Every sign-up here opens its verification link from 127.0.0.1: that throttle stays out of the way.
  t = await startTestApp({ env: { ...smtp.env, POSTFLOW_THROTTLE_PASSWORD_RESET_IP: '100000/3600' } });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const codes = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const tokenOf = (link: string) => new URL(link).pathname.split('/').at(-1)!;

/** Signs up and opens the verification link mailed at sign-up: with SMTP, only a verified address invites. */
async function signUp(app: TestApp, address = email('u')): Promise<string> {
  const session = await signUpUnverified(app, address);
  const mail = (await smtp.mailsTo(address))[0]!;
  await app.ok(`mutation($token: String!) { verifyEmail(token: $token) }`, { token: tokenOf(/\S+\/verify-email\/\S+/.exec(mail.text)![0]) });
  return session;
}

async function workspaceId(token: string): Promise<string> {
  return (await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, token)).workspace.id;
}

async function invite(token: string, to: string, role = 'EDITOR') {
  return (
    await t.ok<{ inviteMember: { invitation: { id: string; email: string; role: string; expiresAt: string }; link: string; mailed: boolean } }>(INVITE, { email: to, role }, token)
  ).inviteMember;
}

/** A new person who joins the owner's workspace through an invitation, with the session it gives them. */
async function join(ownerToken: string, role: string): Promise<{ token: string; email: string; userId: string }> {
  const address = email(role.toLowerCase());
  const { link } = await invite(ownerToken, address, role);
  const token = (await t.ok<{ acceptInvitation: { token: string } }>(ACCEPT, { token: tokenOf(link), password: PASSWORD })).acceptInvitation.token;
  const user = await t.app.database.pool.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [address]);
  return { token, email: address, userId: user.rows[0]!.id };
}

describe('invitations', () => {
  it('are mailed with their link, accepted from the mail by a new person, and good once', async () => {
    const owner = await signUp(t);
    const invitee = email('Invitee');
    const created = await invite(owner, invitee.toUpperCase(), 'EDITOR');
    expect(created.mailed).toBe(true);
    expect(created.invitation).toMatchObject({ email: invitee.toLowerCase(), role: 'EDITOR' });
    expect(new Date(created.invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect(created.link).toMatch(new RegExp(`^${t.app.services.config.publicUrl}/invitations/[A-Za-z0-9_-]{43}$`));
    const { rows: stored } = await t.app.database.pool.query(`SELECT token_hash FROM invitations WHERE id = $1`, [created.invitation.id]);
    expect(stored[0].token_hash).not.toContain(tokenOf(created.link));

    const mail = smtp.mails.find((m) => m.to.includes(invitee.toLowerCase()));
    expect(mail, 'the invitation was mailed').toBeDefined();
    const link = /https?:\/\/\S+\/invitations\/[A-Za-z0-9_-]+/.exec(mail!.text)?.[0];
    expect(link).toBe(created.link);
    const pending = await t.ok<{ invitations: { id: string }[] }>(`{ invitations { id email role } }`, {}, owner);
    expect(pending.invitations.map((i) => i.id)).toEqual([created.invitation.id]);

    const accepted = await t.ok<{ acceptInvitation: { token: string } }>(ACCEPT, { token: tokenOf(link!), password: PASSWORD });
    expect(await workspaceId(accepted.acceptInvitation.token)).toBe(await workspaceId(owner));
    const listed = await t.ok<{ members: { email: string; role: string }[] }>(MEMBERS, {}, owner);
    expect(listed.members.map((m) => m.role)).toEqual(['OWNER', 'EDITOR']);
    expect(listed.members[1]!.email).toBe(invitee.toLowerCase());
    expect((await t.ok<{ invitations: unknown[] }>(`{ invitations { id } }`, {}, owner)).invitations).toEqual([]);

    // Single use: the same link again, with a password or signed in as the new member.
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(link!), password: PASSWORD })).errors)).toEqual(['NOT_FOUND']);
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(link!) }, accepted.acceptInvitation.token)).errors)).toEqual(['NOT_FOUND']);
    // The new account signs in with the password it was given.
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }`, { e: invitee, p: PASSWORD });
    expect(await workspaceId(login.login.token)).toBe(await workspaceId(owner));
  });

  it('expire, can be revoked, and are refused to the wrong email, to an existing member and as OWNER', async () => {
    const owner = await signUp(t);
    const expired = await invite(owner, email('late'));
    await t.app.database.pool.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.invitation.id]);
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(expired.link), password: PASSWORD })).errors)).toEqual(['NOT_FOUND']);

    const revoked = await invite(owner, email('revoked'));
    expect((await t.ok<{ revokeInvitation: boolean }>(`mutation($id: ID!) { revokeInvitation(id: $id) }`, { id: revoked.invitation.id }, owner)).revokeInvitation).toBe(true);
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(revoked.link), password: PASSWORD })).errors)).toEqual(['NOT_FOUND']);

    // Someone else, signed in, holding the link: refused, and the invitation stays good for the person it names.
    const intended = email('intended');
    const forOther = await invite(owner, intended);
    const stranger = await signUp(t);
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(forOther.link) }, stranger)).errors)).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(ACCEPT, { token: tokenOf(forOther.link) })).errors)).toEqual(['UNAUTHENTICATED']);
    await t.ok(ACCEPT, { token: tokenOf(forOther.link), password: PASSWORD });

    expect(codes((await t.gql(INVITE, { email: intended, role: 'VIEWER' }, owner)).errors)).toEqual(['CONFLICT']);
    expect(codes((await t.gql(INVITE, { email: email('boss'), role: 'OWNER' }, owner)).errors)).toEqual(['VALIDATION_FAILED']);
    expect(codes((await t.gql(ACCEPT, { token: 'not-a-token', password: PASSWORD })).errors)).toEqual(['NOT_FOUND']);
  });

  it('need the password rules of sign-up for a new account', async () => {
    const owner = await signUp(t);
    const { link } = await invite(owner, email('weak'));
    const weak = await t.gql(ACCEPT, { token: tokenOf(link), password: 'short' });
    expect(codes(weak.errors)).toEqual(['VALIDATION_FAILED']);
    expect(weak.errors![0]!.extensions!.issues![0]!.path).toEqual(['password']);
    await t.ok(ACCEPT, { token: tokenOf(link), password: PASSWORD }); // not used up by the refusal
  });
});

describe('a person in several workspaces', () => {
  it('accepts an invitation into a second workspace, lists both and switches between them', async () => {
    const owner = await signUp(t);
    const personEmail = email('agency');
    const person = await signUp(t, personEmail);
    const own = await workspaceId(person);
    const { link } = await invite(owner, personEmail, 'ADMIN');
    const joined = (await t.ok<{ acceptInvitation: { token: string } }>(ACCEPT, { token: tokenOf(link) }, person)).acceptInvitation.token;
    const other = await workspaceId(owner);
    expect(await workspaceId(joined)).toBe(other);

    const listed = await t.ok<{ workspaces: { id: string; name: string; role: string }[] }>(`{ workspaces { id name role } }`, {}, person);
    expect(listed.workspaces.map((w) => [w.id, w.role])).toEqual([
      [own, 'OWNER'],
      [other, 'ADMIN'],
    ]);
    const switched = await t.ok<{ switchWorkspace: { token: string } }>(`mutation($id: ID!) { switchWorkspace(id: $id) { token } }`, { id: own }, joined);
    expect(await workspaceId(switched.switchWorkspace.token)).toBe(own);
    expect(await workspaceId(joined)).toBe(other); // the session it came from stays

    // Login opens the first workspace joined.
    const login = await t.ok<{ login: { token: string } }>(`mutation($e: String!) { login(email: $e, password: "correct horse") { token } }`, { e: personEmail });
    expect(await workspaceId(login.login.token)).toBe(own);

    const stranger = await signUp(t);
    const refused = await t.gql(`mutation($id: ID!) { switchWorkspace(id: $id) { token } }`, { id: own }, stranger);
    expect(codes(refused.errors)).toEqual(['NOT_FOUND']);
  });
});

describe('members', () => {
  it('removed lose their sessions and API keys in the workspace at once', async () => {
    const owner = await signUp(t);
    const admin = await join(owner, 'ADMIN');
    const key = (await t.ok<{ createApiKey: { key: string } }>(`mutation { createApiKey(name: "ci") { key } }`, {}, admin.token)).createApiKey.key;
    expect(await workspaceId(key)).toBe(await workspaceId(owner));

    expect((await t.ok<{ removeMember: boolean }>(`mutation($u: ID!) { removeMember(userId: $u) }`, { u: admin.userId }, owner)).removeMember).toBe(true);
    expect(codes((await t.gql(`{ workspace { id } }`, {}, admin.token)).errors)).toEqual(['UNAUTHENTICATED']);
    expect(codes((await t.gql(`{ workspace { id } }`, {}, key)).errors)).toEqual(['UNAUTHENTICATED']);
    const { rows } = await t.app.database.pool.query(
      `SELECT (SELECT bool_and(revoked_at IS NOT NULL) FROM sessions WHERE user_id = $1) AS sessions, (SELECT bool_and(revoked_at IS NOT NULL) FROM api_keys WHERE created_by_id = $1) AS keys`,
      [admin.userId],
    );
    expect(rows[0]).toEqual({ sessions: true, keys: true });
    const listed = await t.ok<{ members: { userId: string }[] }>(MEMBERS, {}, owner);
    expect(listed.members.map((m) => m.userId)).not.toContain(admin.userId);
  });

  it('keep an OWNER: the last one cannot leave or be removed or demoted, and an ADMIN cannot touch one or make one', async () => {
    const owner = await signUp(t);
    const ownerId = (await t.ok<{ members: { userId: string }[] }>(MEMBERS, {}, owner)).members[0]!.userId;
    expect(codes((await t.gql(`mutation { leaveWorkspace }`, {}, owner)).errors)).toEqual(['CONFLICT']);
    expect(codes((await t.gql(`mutation($u: ID!) { removeMember(userId: $u) }`, { u: ownerId }, owner)).errors)).toEqual(['CONFLICT']);
    expect(codes((await t.gql(`mutation($u: ID!) { changeRole(userId: $u, role: ADMIN) { role } }`, { u: ownerId }, owner)).errors)).toEqual(['CONFLICT']);

    const admin = await join(owner, 'ADMIN');
    const editor = await join(owner, 'EDITOR');
    expect(codes((await t.gql(`mutation($u: ID!) { changeRole(userId: $u, role: VIEWER) { role } }`, { u: ownerId }, admin.token)).errors)).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(`mutation($u: ID!) { changeRole(userId: $u, role: OWNER) { role } }`, { u: editor.userId }, admin.token)).errors)).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(`mutation($u: ID!) { removeMember(userId: $u) }`, { u: ownerId }, admin.token)).errors)).toEqual(['FORBIDDEN']);
    expect(codes((await t.gql(`mutation($u: ID!) { transferOwnership(userId: $u) { role } }`, { u: admin.userId }, admin.token)).errors)).toEqual(['FORBIDDEN']);
    const changed = await t.ok<{ changeRole: { role: string } }>(`mutation($u: ID!) { changeRole(userId: $u, role: VIEWER) { role } }`, { u: editor.userId }, admin.token);
    expect(changed.changeRole.role).toBe('VIEWER');

    // A member who is not the last owner leaves; their session ends with it.
    expect((await t.ok<{ leaveWorkspace: boolean }>(`mutation { leaveWorkspace }`, {}, editor.token)).leaveWorkspace).toBe(true);
    expect(codes((await t.gql(`{ workspace { id } }`, {}, editor.token)).errors)).toEqual(['UNAUTHENTICATED']);
  });

  it('transferOwnership makes another member the OWNER and the old one an ADMIN', async () => {
    const owner = await signUp(t);
    const ownerId = (await t.ok<{ members: { userId: string }[] }>(MEMBERS, {}, owner)).members[0]!.userId;
    const heir = await join(owner, 'ADMIN');
    const moved = await t.ok<{ transferOwnership: { userId: string; role: string } }>(
      `mutation($u: ID!) { transferOwnership(userId: $u) { userId role } }`,
      { u: heir.userId },
      owner,
    );
    expect(moved.transferOwnership).toEqual({ userId: heir.userId, role: 'OWNER' });
    const roles = Object.fromEntries((await t.ok<{ members: { userId: string; role: string }[] }>(MEMBERS, {}, owner)).members.map((m) => [m.userId, m.role]));
    expect(roles).toEqual({ [ownerId]: 'ADMIN', [heir.userId]: 'OWNER' });
    expect(codes((await t.gql(`mutation { leaveWorkspace }`, {}, heir.token)).errors)).toEqual(['CONFLICT']);
    expect((await t.ok<{ leaveWorkspace: boolean }>(`mutation { leaveWorkspace }`, {}, owner)).leaveWorkspace).toBe(true);
  });
});

describe('POSTFLOW_SIGNUP', () => {
  const SIGNUP = `mutation($e: String!, $p: String!) { signup(email: $e, password: $p, workspaceName: "W") { token } }`;

  it('invite: after the first account, new people get in only through an invitation (and without SMTP the link is only returned)', async () => {
    const app = await startTestApp({ env: { POSTFLOW_SIGNUP: 'invite' } });
    try {
      const first = (await app.ok<{ signup: { token: string } }>(SIGNUP, { e: email('first'), p: PASSWORD })).signup.token;
      expect(codes((await app.gql(SIGNUP, { e: email('walk-in'), p: PASSWORD })).errors)).toEqual(['FORBIDDEN']);
      const created = (await app.ok<{ inviteMember: { link: string; mailed: boolean } }>(INVITE, { email: email('guest'), role: 'VIEWER' }, first)).inviteMember;
      expect(created.mailed).toBe(false);
      const joined = await app.ok<{ acceptInvitation: { token: string } }>(ACCEPT, { token: tokenOf(created.link), password: PASSWORD });
      expect(joined.acceptInvitation.token).toBeTruthy();
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('closed: not even an invitation creates an account', async () => {
    const app = await startTestApp({ env: { POSTFLOW_SIGNUP: 'closed' } });
    try {
      const first = (await app.ok<{ signup: { token: string } }>(SIGNUP, { e: email('first'), p: PASSWORD })).signup.token;
      const created = (await app.ok<{ inviteMember: { link: string } }>(INVITE, { email: email('guest'), role: 'VIEWER' }, first)).inviteMember;
      expect(codes((await app.gql(ACCEPT, { token: tokenOf(created.link), password: PASSWORD })).errors)).toEqual(['FORBIDDEN']);
    } finally {
      await app.stop();
    }
  }, 60_000);
});

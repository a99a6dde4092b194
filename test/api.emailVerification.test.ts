// Email verification with SMTP (issue 12, section 1): the link mailed at sign-up through a loopback SMTP server,
// good once and for 24 hours, asked for again (throttled), `me { emailVerified }`; an unverified account may not
// invite; an invitation accepted from its mail counts as verified.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';
import { startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';
import { forgetExpired } from '../src/store/rateLimits.js';

const PASSWORD = 'vivid-ocean-lantern-42';
const SIGNUP = `mutation($e: String!, $p: String!) { signup(email: $e, password: $p, workspaceName: "Verified shop") { token } }`;
const ME = `{ me { email emailVerified } }`;
const VERIFY = `mutation($token: String!) { verifyEmail(token: $token) }`;
const REQUEST = `mutation { requestEmailVerification }`;
const INVITE = `mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link mailed } }`;
// Requests for a new link per person per hour in this file (password reset's limit, which verification shares).
const REQUESTS_PER_HOUR = 3;

let t: TestApp;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await startTestApp({ env: { ...smtp.env, POSTFLOW_THROTTLE_PASSWORD_RESET_EMAIL: `${REQUESTS_PER_HOUR}/3600` } });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const codes = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const verified = async (token: string) => (await t.ok<{ me: { emailVerified: boolean } }>(ME, {}, token)).me.emailVerified;

/** The token in the nth mail (from 1) to the address, from its /verify-email/ link. */
async function linkToken(address: string, nth = 1): Promise<string> {
  const mail = (await smtp.mailsTo(address, nth))[nth - 1]!;
  const link = new RegExp(`${t.app.services.config.publicUrl}/verify-email/([A-Za-z0-9_-]{43})`).exec(mail.text);
  expect(link, 'the mail holds the link').not.toBeNull();
  return link![1]!;
}

async function signUpWithMail(label: string): Promise<{ address: string; session: string; token: string }> {
  const address = email(label);
  const session = (await t.ok<{ signup: { token: string } }>(SIGNUP, { e: address, p: PASSWORD })).signup.token;
  return { address, session, token: await linkToken(address) };
}

describe('email verification', () => {
  it('mails a link at sign-up; until it is opened the account may not invite; the link works once', async () => {
    const { address, session, token } = await signUpWithMail('new');
    expect((await t.ok(ME, {}, session)).me).toEqual({ email: address, emailVerified: false });
    const stored = await t.app.database.pool.query(
      `SELECT v.token_hash, extract(epoch FROM v.expires_at - v.created_at) AS ttl FROM email_verifications v JOIN users u ON u.id = v.user_id WHERE u.email = $1`,
      [address],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash, 'only a hash is stored').not.toContain(token);
    expect(Math.round(Number(stored.rows[0].ttl))).toBe(86_400);

    const invitee = email('invitee');
    const refused = await t.gql(INVITE, { email: invitee }, session);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', operation: 'inviteMember', requiredVerification: 'email' });
    expect(refused.errors?.[0]?.message).toContain('requestEmailVerification');
    expect((await t.app.database.pool.query(`SELECT count(*)::int AS n FROM invitations WHERE email = $1`, [invitee])).rows[0].n).toBe(0);

    // Opened signed out (the link is its own credential), as from a phone's mail app.
    expect((await t.ok(VERIFY, { token })).verifyEmail).toBe(true);
    expect(await verified(session)).toBe(true);
    expect((await t.ok(INVITE, { email: invitee }, session)).inviteMember.mailed).toBe(true);
    expect(codes((await t.gql(VERIFY, { token })).errors)).toEqual(['NOT_FOUND']);
    // Nothing left to send once verified.
    expect((await t.ok(REQUEST, {}, session)).requestEmailVerification).toBe(false);
  });

  it('refuses an expired link and an unknown one alike; a new link asked for works', async () => {
    const { address, session, token } = await signUpWithMail('expired');
    await t.app.database.pool.query(
      `UPDATE email_verifications SET created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
      [address],
    );
    const expired = await t.gql(VERIFY, { token });
    const unknown = await t.gql(VERIFY, { token: randomBytes(32).toString('base64url') });
    expect(codes(expired.errors)).toEqual(['NOT_FOUND']);
    expect(unknown.errors?.[0]?.message).toBe(expired.errors?.[0]?.message);
    expect(await verified(session)).toBe(false);

    expect((await t.ok(REQUEST, {}, session)).requestEmailVerification).toBe(true);
    const fresh = await linkToken(address, 2);
    expect(fresh).not.toBe(token);
    expect((await t.ok(VERIFY, { token: fresh })).verifyEmail).toBe(true);
    expect(await verified(session)).toBe(true);

    // Housekeeping forgets used and expired links a day after they ended.
    await t.app.database.pool.query(`UPDATE email_verifications SET used_at = now() - interval '2 days' WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [address]);
    expect((await forgetExpired(t.app.database.pool)).emailVerifications).toBeGreaterThanOrEqual(2);
  });

  it('throttles requests for a new link per person', async () => {
    const { session } = await signUpWithMail('throttled');
    for (let i = 0; i < REQUESTS_PER_HOUR; i++) expect((await t.ok(REQUEST, {}, session)).requestEmailVerification).toBe(true);
    const refused = await t.gql(REQUEST, {}, session);
    expect(codes(refused.errors)).toEqual(['RATE_LIMITED']);
  });

  it('counts an invitation accepted from its mail as verified, for a new account', async () => {
    const { session, token } = await signUpWithMail('inviter');
    await t.ok(VERIFY, { token });
    const invitee = email('joiner');
    await t.ok(INVITE, { email: invitee }, session);
    const mail = (await smtp.mailsTo(invitee))[0]!;
    const invitation = /\/invitations\/([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;
    const joined = await t.ok(`mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { token } }`, { t: invitation, p: PASSWORD });
    expect(await verified(joined.acceptInvitation.token)).toBe(true);
    // The invitee's account got no verification mail of its own: the invitation was the proof.
    expect(smtp.mails.filter((m) => m.to.includes(invitee))).toHaveLength(1);
  });
});

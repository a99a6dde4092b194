// Password reset by mail (issue 12, section 1): the link mailed through a loopback SMTP server, the reset ending every
// session, the old password refused and the new one accepted, a link good once and for an hour, the same answer for
// an email without an account (and no mail), and the sign-up password rules.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './helpers/smtp.js';
import { signUp, startTestApp, type GraphQLErrorShape, type TestApp } from './helpers/testApp.js';

const OLD_PASSWORD = 'correct horse'; // signUp's
const NEW_PASSWORD = 'vivid-ocean-lantern-42';
const REQUEST = `mutation($email: String!) { requestPasswordReset(email: $email) }`;
const RESET = `mutation($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }`;
const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }`;

let t: TestApp;
let smtp: SmtpSink;

beforeAll(async () => {
  smtp = await startSmtpSink();
  t = await startTestApp({ env: smtp.env });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await smtp?.close();
});

const email = (label: string) => `${label}-${randomBytes(4).toString('hex')}@example.com`;
const codes = (errors: GraphQLErrorShape[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
/** The reset mails to an address, once there are `count` of them (sign-up's verification mail is not one). */
async function mailsTo(address: string, count = 1) {
  for (let all = count; ; all++) {
    const resets = (await smtp.mailsTo(address, all)).filter((m) => m.text.includes('/reset-password/'));
    if (resets.length >= count) return resets;
  }
}

/** Asks for a reset of `address` and returns the token from the link in the mail (its `nth` mail, from 1). */
async function requestToken(address: string, nth = 1): Promise<string> {
  expect((await t.ok<{ requestPasswordReset: boolean }>(REQUEST, { email: address })).requestPasswordReset).toBe(true);
  const mail = (await mailsTo(address, nth))[nth - 1]!;
  const link = new RegExp(`${t.app.services.config.publicUrl}/reset-password/([A-Za-z0-9_-]{43})`).exec(mail.text);
  expect(link, 'the mail holds the link').not.toBeNull();
  return link![1]!;
}

describe('password reset', () => {
  it('mails a link; the reset ends every session, and only the new password signs in', async () => {
    const address = email('reset');
    const session = await signUp(t, address);
    const second = (await t.ok<{ login: { token: string } }>(LOGIN, { email: address, password: OLD_PASSWORD })).login.token;
    const token = await requestToken(address);

    const stored = await t.app.database.pool.query<{ token_hash: string; ttl: number }>(
      `SELECT token_hash, extract(epoch FROM r.expires_at - r.created_at) AS ttl FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = $1`,
      [address],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.token_hash, 'only a hash is stored').not.toContain(token);
    expect(Math.round(Number(stored.rows[0]!.ttl))).toBe(3600);

    expect((await t.ok<{ resetPassword: boolean }>(RESET, { token, password: NEW_PASSWORD })).resetPassword).toBe(true);
    for (const old of [session, second]) expect(codes((await t.gql(`{ workspace { id } }`, {}, old)).errors)).toEqual(['UNAUTHENTICATED']);
    expect(codes((await t.gql(LOGIN, { email: address, password: OLD_PASSWORD })).errors)).toEqual(['UNAUTHENTICATED']);
    const fresh = (await t.ok<{ login: { token: string } }>(LOGIN, { email: address, password: NEW_PASSWORD })).login.token;
    expect((await t.ok<{ workspace: { id: string } }>(`{ workspace { id } }`, {}, fresh)).workspace.id).toBeTruthy();

    // Single use: the same link again is refused, and the password stays the one set.
    expect(codes((await t.gql(RESET, { token, password: 'another-fine-password-77' })).errors)).toEqual(['NOT_FOUND']);
    expect(codes((await t.gql(LOGIN, { email: address, password: NEW_PASSWORD })).errors)).toEqual([]);
  });

  it('refuses an expired link and an unknown token alike', async () => {
    const address = email('expired');
    await signUp(t, address);
    const token = await requestToken(address);
    await t.app.database.pool.query(
      `UPDATE password_resets SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
      [address],
    );
    const expired = await t.gql(RESET, { token, password: NEW_PASSWORD });
    const unknown = await t.gql(RESET, { token: randomBytes(32).toString('base64url'), password: NEW_PASSWORD });
    expect(codes(expired.errors)).toEqual(['NOT_FOUND']);
    expect(unknown.errors?.[0]?.message).toBe(expired.errors?.[0]?.message);
    expect(codes((await t.gql(LOGIN, { email: address, password: OLD_PASSWORD })).errors)).toEqual([]);
  });

  it('answers an email without an account the same, and mails nothing to it', async () => {
    const nobody = email('nobody');
    const someone = email('someone');
    await signUp(t, someone);
    const answerForNobody = await t.gql(REQUEST, { email: nobody });
    const answerForSomeone = await t.gql(REQUEST, { email: someone });
    expect(answerForNobody).toEqual(answerForSomeone);
    // The unknown email was asked about first and its request had finished (it decides without mailing before it
    // answers); by the time the known one's mail is here, nothing has come for the unknown one.
    await mailsTo(someone);
    expect(smtp.mails.filter((m) => m.to.includes(nobody))).toEqual([]);
    const rows = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, [nobody]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('refuses a weak password with VALIDATION_FAILED and leaves the link usable', async () => {
    const address = email('weak');
    await signUp(t, address);
    const token = await requestToken(address);
    const weak = await t.gql(RESET, { token, password: 'short' });
    expect(codes(weak.errors)).toEqual(['VALIDATION_FAILED']);
    expect(codes((await t.gql(RESET, { token, password: address })).errors)).toEqual(['VALIDATION_FAILED']);
    expect((await t.ok<{ resetPassword: boolean }>(RESET, { token, password: NEW_PASSWORD })).resetPassword).toBe(true);
  });

  it('is taken away by housekeeping once used or expired', async () => {
    const { forgetExpired } = await import('../src/store/rateLimits.js');
    const address = email('housekeeping');
    await signUp(t, address);
    await requestToken(address);
    await t.app.database.pool.query(
      `UPDATE password_resets SET created_at = now() - interval '3 days', expires_at = now() - interval '2 days' WHERE user_id = (SELECT id FROM users WHERE email = $1)`,
      [address],
    );
    expect((await forgetExpired(t.app.database.pool)).passwordResets).toBeGreaterThanOrEqual(1);
    const left = await t.app.database.pool.query(`SELECT count(*)::int AS n FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, [address]);
    expect(left.rows[0].n).toBe(0);
  });
});

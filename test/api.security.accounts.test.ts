// Accounts: who may sign up (POSTFLOW_SIGNUP, the first account always), the password rules, and two-factor
// sign-in with TOTP and recovery codes.
import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/testApp.js';
import { codeOf, LOGIN, PASSWORD, post, SIGNUP, WORKSPACE } from './helpers/http.js';
import { errorOf, issuesOf } from './helpers/api.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
});

const newEmail = () => `a${randomBytes(4).toString('hex')}@example.com`;
const signupWith = (app: TestApp, email: string, password = PASSWORD) => post(app, SIGNUP, { email, password, workspaceName: 'W' });

describe('who may sign up', () => {
  for (const mode of ['closed', 'invite'] as const) {
    it(`${mode}: the first account of an empty server is created, and then nobody else, however many try at once`, async () => {
      const app = await startTestApp({ env: { POSTFLOW_SIGNUP: mode } });
      try {
        const attempts = await Promise.all(['first@example.com', 'second@example.com', 'third@example.com'].map((email) => signupWith(app, email)));
        expect(attempts.filter((a) => !a.errors)).toHaveLength(1);
        for (const refused of attempts.filter((a) => a.errors)) {
          expect(codeOf(refused)).toBe('FORBIDDEN');
          expect(refused.errors![0].message).toContain(`POSTFLOW_SIGNUP=${mode}`);
        }
        expect(await app.app.database.prisma.user.count()).toBe(1);
        const later = await signupWith(app, 'fourth@example.com');
        expect(codeOf(later)).toBe('FORBIDDEN');
        // The one account works as any other.
        const owner = (await app.app.database.prisma.user.findFirstOrThrow()).email;
        expect((await post(app, LOGIN, { email: owner, password: PASSWORD })).errors).toBeUndefined();
      } finally {
        await app.stop();
      }
    });
  }

  it('open (the default): anyone, and a taken email is named', async () => {
    expect((await signupWith(t, 'open1@example.com')).errors).toBeUndefined();
    expect((await signupWith(t, 'open2@example.com')).errors).toBeUndefined();
    expect(codeOf(await signupWith(t, 'open1@example.com', 'another phrase of mine'))).toBe('CONFLICT');
  });
});

describe('password rules', () => {
  it('names the rule a password breaks, and writes nothing', async () => {
    const email = 'rules.person@example.com';
    const cases: [string, string][] = [
      ['short one', 'minLength'],
      ['            ', 'repetitive'],
      ['zzzzzzzzzzzzzz', 'repetitive'],
      ['password1234', 'common'],
      ['Password1234', 'common'],
      ['qwertyuiop123', 'common'],
      [email, 'email'],
      ['rules.person', 'email'],
      ['é'.repeat(129), 'maxBytes'],
    ];
    for (const [password, rule] of cases) {
      const issues = issuesOf(await t.gql(SIGNUP, { email, password, workspaceName: 'W' }));
      expect(
        issues.map((i) => [i.path, i.rule]),
        password,
      ).toEqual([[['password'], rule]]);
    }
    expect(await t.app.database.prisma.user.count({ where: { email } })).toBe(0);
    // 12 characters of any kind, spaces and emoji included, are fine.
    expect((await signupWith(t, newEmail(), '🐎 battery 🔋 staple')).errors).toBeUndefined();
  });

  it('refuses a 10 MB password with VALIDATION_FAILED on the password field, at signup and at login', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    for (const [query, variables] of [
      [SIGNUP, { email: 'huge@example.com', password: huge, workspaceName: 'W' }],
      [LOGIN, { email: 'huge@example.com', password: huge }],
    ] as const) {
      const result = await post(t, query, variables);
      expect(codeOf(result)).toBe('VALIDATION_FAILED');
      expect(result.errors![0].extensions!.issues!.map((i) => i.path)).toEqual([['password']]);
    }
    expect(await t.app.database.prisma.user.count({ where: { email: 'huge@example.com' } })).toBe(0);
  });

  it('refuses a password over 256 bytes at login before any lookup, whatever the email', async () => {
    const issues = issuesOf(await t.gql(LOGIN, { email: 'open1@example.com', password: 'p'.repeat(257) }));
    expect(issues.map((i) => [i.path, i.rule])).toEqual([[['password'], 'maxBytes']]);
  });
});

describe('login reveals nothing', () => {
  it('answers an unknown email and a wrong password with the same code and message', async () => {
    const email = newEmail();
    await signupWith(t, email);
    const wrong = errorOf(await t.gql(LOGIN, { email, password: 'not my password' }));
    const unknown = errorOf(await t.gql(LOGIN, { email: newEmail(), password: 'not my password' }));
    expect([wrong.extensions?.code, wrong.message]).toEqual([unknown.extensions?.code, unknown.message]);
    expect(wrong.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('two-factor sign-in', () => {
  const START = `mutation { enableTwoFactorStart { secret otpauthUri } }`;
  const FINISH = `mutation($code: String!) { enableTwoFactorFinish(code: $code) { recoveryCodes } }`;
  const codeAt = (secret: string, offsetSeconds = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

  it('is set up with a code from the app, then asks every login for a code; each code and recovery code works once', async () => {
    const email = newEmail();
    const token = (await signupWith(t, email)).data.signup.token as string;
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "bot") { key } }`, {}, token);

    const { enableTwoFactorStart } = await t.ok(START, {}, token);
    const { secret, otpauthUri } = enableTwoFactorStart;
    expect(otpauthUri).toMatch(new RegExp(`^otpauth://totp/PostFlow:${encodeURIComponent(email).replace(/\./g, '\\.')}\\?.*secret=${secret}`));
    const { rows } = await t.app.database.pool.query(`SELECT totp_secret_sealed, totp_enabled_at FROM users WHERE email = $1`, [email]);
    expect(rows[0].totp_secret_sealed).not.toContain(secret);
    expect(rows[0].totp_enabled_at).toBeNull();
    // Not in force until finished.
    expect((await post(t, LOGIN, { email, password: PASSWORD })).errors).toBeUndefined();

    expect(issuesOf(await t.gql(FINISH, { code: '000000' === (await codeAt(secret)) ? '111111' : '000000' }, token)).map((i) => i.rule)).toEqual(['incorrect']);
    const setupCode = await codeAt(secret);
    const { recoveryCodes } = (await t.ok(FINISH, { code: setupCode }, token)).enableTwoFactorFinish;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const stored = await t.app.database.pool.query(`SELECT code_hash FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, [email]);
    expect(stored.rows).toHaveLength(10);
    expect(JSON.stringify(stored.rows)).not.toContain(recoveryCodes[0].replace('-', ''));

    const withoutCode = await post(t, LOGIN, { email, password: PASSWORD });
    expect(codeOf(withoutCode)).toBe('TWO_FACTOR_REQUIRED');
    expect(withoutCode.data?.login ?? null).toBeNull();
    expect(codeOf(await post(t, LOGIN, { email, password: 'wrong password!', code: setupCode }))).toBe('UNAUTHENTICATED');
    // The code that finished the setup was spent there.
    expect(codeOf(await post(t, LOGIN, { email, password: PASSWORD, code: setupCode }))).toBe('UNAUTHENTICATED');
    const next = await post(t, LOGIN, { email, password: PASSWORD, code: await codeAt(secret, 30) });
    expect(next.errors).toBeUndefined();
    expect((await post(t, WORKSPACE, {}, { token: next.data.login.token })).errors).toBeUndefined();

    const recovery = await post(t, LOGIN, { email, password: PASSWORD, code: recoveryCodes[3].toUpperCase() });
    expect(recovery.errors).toBeUndefined();
    expect(codeOf(await post(t, LOGIN, { email, password: PASSWORD, code: recoveryCodes[3] }))).toBe('UNAUTHENTICATED');
    // API keys are credentials of their own: two-factor does not touch them.
    expect((await post(t, WORKSPACE, {}, { authorization: `Bearer ${createApiKey.key}` })).errors).toBeUndefined();
    expect(codeOf(await post(t, START, {}, { token }))).toBe('CONFLICT');
  });

  it('is turned off with the password or a code, only by the person (not an API key)', async () => {
    const email = newEmail();
    const token = (await signupWith(t, email)).data.signup.token as string;
    const { secret } = (await t.ok(START, {}, token)).enableTwoFactorStart;
    const { recoveryCodes } = (await t.ok(FINISH, { code: await codeAt(secret) }, token)).enableTwoFactorFinish;
    const { createApiKey } = await t.ok(`mutation { createApiKey(name: "bot") { key } }`, {}, token);
    const DISABLE = `mutation($password: String, $code: String) { disableTwoFactor(password: $password, code: $code) }`;

    expect(codeOf(await post(t, DISABLE, { password: PASSWORD }, { authorization: `Bearer ${createApiKey.key}` }))).toBe('FORBIDDEN');
    expect(issuesOf(await t.gql(DISABLE, { password: 'not the password' }, token)).map((i) => [i.path, i.rule])).toEqual([[['password'], 'incorrect']]);
    expect(issuesOf(await t.gql(DISABLE, {}, token)).map((i) => i.rule)).toEqual(['exactlyOne']);
    expect((await t.ok(DISABLE, { code: recoveryCodes[0] }, token)).disableTwoFactor).toBe(true);
    expect((await post(t, LOGIN, { email, password: PASSWORD })).errors).toBeUndefined();
    expect(await t.app.database.pool.query(`SELECT 1 FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, [email])).toMatchObject({ rowCount: 0 });

    // On again, and off with the password this time.
    const again = (await t.ok(START, {}, token)).enableTwoFactorStart.secret;
    await t.ok(FINISH, { code: await codeAt(again) }, token);
    expect(codeOf(await post(t, LOGIN, { email, password: PASSWORD }))).toBe('TWO_FACTOR_REQUIRED');
    expect((await t.ok(DISABLE, { password: PASSWORD }, token)).disableTwoFactor).toBe(true);
    expect((await t.ok(DISABLE, { password: PASSWORD }, token)).disableTwoFactor).toBe(false);
  });
});

// Throttles kept in PostgreSQL: reached (429, RATE_LIMITED, Retry-After) and recovered. One server trusts a proxy, so
// that each test speaks from addresses of its own through X-Forwarded-For; the other does not, and has short windows.
import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from './helpers/testApp.js';
import { codeOf, LOGIN, PASSWORD, post, SIGNUP, WORKSPACE, type RawResponse } from './helpers/http.js';

let proxied: TestApp;
let direct: TestApp;

beforeAll(async () => {
  [proxied, direct] = await Promise.all([
    startTestApp({
      env: {
        POSTFLOW_TRUST_PROXY: 'true',
        POSTFLOW_THROTTLE_LOGIN_ACCOUNT: '5/600',
        POSTFLOW_THROTTLE_LOGIN_IP: '20/600',
        POSTFLOW_THROTTLE_SIGNUP_IP: '3/600',
        POSTFLOW_THROTTLE_BAD_CREDENTIALS_IP: '10/600',
        POSTFLOW_THROTTLE_API_WORKSPACE: '30/600',
      },
    }),
    startTestApp({ env: { POSTFLOW_THROTTLE_LOGIN_ACCOUNT: '3/2', POSTFLOW_THROTTLE_SIGNUP_IP: '2/2' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([proxied?.stop(), direct?.stop()]);
});

async function account(t: TestApp, email: string, forwardedFor?: string) {
  const result = await post(t, SIGNUP, { email, password: PASSWORD, workspaceName: 'W' }, { forwardedFor });
  expect(result.errors).toBeUndefined();
  return result.data.signup.token as string;
}

/** What a throttle holds for a key (keys are stored hashed, as src/store/throttles.ts does). */
async function countedFor(t: TestApp, name: string, key: string): Promise<number> {
  const { rows } = await t.app.database.pool.query(`SELECT points FROM throttles WHERE key = $1`, [`${name}:${createHash('sha256').update(key).digest('base64url')}`]);
  return rows[0]?.points ?? 0;
}

function expectLimited(result: RawResponse) {
  expect(result.status).toBe(429);
  expect(codeOf(result)).toBe('RATE_LIMITED');
  expect(Number(result.retryAfter)).toBeGreaterThan(0);
  expect(result.errors![0].extensions!.retryAfterSeconds).toBe(Number(result.retryAfter));
}

describe('login', () => {
  it('after 300 wrong passwords, the right one is refused too while the account is throttled', async () => {
    await account(proxied, 'target@example.com', '10.1.0.1');
    const answers: string[] = [];
    // From many addresses, so that only the per-account limit can be what stops them.
    for (let i = 0; i < 300; i++) {
      const result = await post(proxied, LOGIN, { email: 'target@example.com', password: `wrong guess ${i}` }, { forwardedFor: `10.1.${1 + (i >> 8)}.${i & 255}` });
      answers.push(codeOf(result)!);
      if (answers.at(-1) === 'RATE_LIMITED') expectLimited(result);
    }
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    expect(new Set(answers.slice(5))).toEqual(new Set(['RATE_LIMITED']));
    const right = await post(proxied, LOGIN, { email: 'target@example.com', password: PASSWORD }, { forwardedFor: '10.1.9.9' });
    expectLimited(right);
    expect(right.data?.login ?? null).toBeNull();
  });

  it('an unknown email is throttled exactly like a known one, so the limit tells nothing either', async () => {
    await account(proxied, 'known@example.com', '10.5.0.1');
    for (const email of ['known@example.com', 'unknown@example.com']) {
      const codes = [];
      for (let i = 0; i < 6; i++) codes.push(codeOf(await post(proxied, LOGIN, { email, password: 'not the password' }, { forwardedFor: `10.5.${i + 1}.1` })));
      expect(codes, email).toEqual([...Array(5).fill('UNAUTHENTICATED'), 'RATE_LIMITED']);
    }
  });

  it('per address: after too many failures on any accounts, that address cannot log in, others can', async () => {
    await account(proxied, 'bystander@example.com', '10.2.0.2');
    for (let i = 0; i < 20; i++) {
      expect(codeOf(await post(proxied, LOGIN, { email: `spray${i}@example.com`, password: 'Summer2026!!' }, { forwardedFor: '10.2.0.1' }))).toBe('UNAUTHENTICATED');
    }
    expectLimited(await post(proxied, LOGIN, { email: 'bystander@example.com', password: PASSWORD }, { forwardedFor: '10.2.0.1' }));
    const elsewhere = await post(proxied, LOGIN, { email: 'bystander@example.com', password: PASSWORD }, { forwardedFor: '10.2.0.3' });
    expect(elsewhere.errors).toBeUndefined();
  });

  it('recovers when the window ends', async () => {
    await account(direct, 'patient@example.com');
    for (let i = 0; i < 3; i++) expect(codeOf(await post(direct, LOGIN, { email: 'patient@example.com', password: 'wrong again' }))).toBe('UNAUTHENTICATED');
    const refused = await post(direct, LOGIN, { email: 'patient@example.com', password: PASSWORD });
    expectLimited(refused);
    await new Promise((resolve) => setTimeout(resolve, Number(refused.retryAfter) * 1000 + 200));
    const later = await post(direct, LOGIN, { email: 'patient@example.com', password: PASSWORD });
    expect(later.errors).toBeUndefined();
    expect(later.data.login.token).toBeTruthy();
  });
});

describe('attempts at once', () => {
  const codes = (results: RawResponse[]) => results.map((r) => codeOf(r));
  const tally = (all: (string | null)[]) => Object.fromEntries([...new Set(all)].map((c) => [c, all.filter((x) => x === c).length]));

  it('40 wrong passwords for one account at once: only the limit (5) are checked, the rest RATE_LIMITED', async () => {
    await account(proxied, 'rushed@example.com', '10.8.0.1');
    // Each from an address of its own, so that only the per-account limit can stop them.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(proxied, LOGIN, { email: 'rushed@example.com', password: `parallel guess ${i}` }, { forwardedFor: `10.8.1.${i}` })),
    );
    expect(tally(codes(results))).toEqual({ UNAUTHENTICATED: 5, RATE_LIMITED: 35 });
    for (const refused of results.filter((r) => codeOf(r) === 'RATE_LIMITED')) expectLimited(refused);
    expectLimited(await post(proxied, LOGIN, { email: 'rushed@example.com', password: PASSWORD }, { forwardedFor: '10.8.2.1' }));
  });

  it('40 wrong logins from one address at once: only the per-address limit (20) are checked', async () => {
    await account(proxied, 'rushed-bystander@example.com', '10.9.0.2');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(proxied, LOGIN, { email: `rush${i}@example.com`, password: 'Summer2026!!' }, { forwardedFor: '10.9.0.1' })),
    );
    expect(tally(codes(results))).toEqual({ UNAUTHENTICATED: 20, RATE_LIMITED: 20 });
    expectLimited(await post(proxied, LOGIN, { email: 'rushed-bystander@example.com', password: PASSWORD }, { forwardedFor: '10.9.0.1' }));
  });

  it('a right password gives its attempt back: logins that succeed never use up the address', async () => {
    await account(proxied, 'regular@example.com', '10.10.0.1');
    for (let i = 0; i < 25; i++) expect((await post(proxied, LOGIN, { email: 'regular@example.com', password: PASSWORD }, { forwardedFor: '10.10.0.2' })).errors).toBeUndefined();
    expect(await countedFor(proxied, 'login-ip', '10.10.0.2')).toBe(0);
  });

  it('changePassword: 20 wrong current passwords at once, only the per-account limit checked', async () => {
    const token = await account(proxied, 'changer@example.com', '10.11.0.1');
    const CHANGE = `mutation($current: String!) { changePassword(currentPassword: $current, newPassword: "a brand new phrase") }`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(proxied, CHANGE, { current: `wrong current ${i}` }, { token, forwardedFor: '10.11.0.1' })));
    expect(tally(codes(results))).toEqual({ VALIDATION_FAILED: 5, RATE_LIMITED: 15 });
    // Past the limit the right one is refused too, and nothing changed.
    expect(codeOf(await post(proxied, CHANGE, { current: PASSWORD }, { token, forwardedFor: '10.11.0.1' }))).toBe('RATE_LIMITED');
    expectLimited(await post(proxied, LOGIN, { email: 'changer@example.com', password: PASSWORD }, { forwardedFor: '10.11.0.2' }));
  });

  it('enableTwoFactorFinish: 20 wrong codes at once, only the per-account limit checked', async () => {
    const token = await account(proxied, 'totp-rush@example.com', '10.12.0.1');
    const { data } = await post(proxied, `mutation { enableTwoFactorStart { secret } }`, {}, { token, forwardedFor: '10.12.0.1' });
    const secret = data.enableTwoFactorStart.secret as string;
    // Codes right for no step near now (the server accepts the step either side).
    const now = Math.floor(Date.now() / 1000);
    const near = new Set(await Promise.all([-60, -30, 0, 30, 60].map((offset) => generate({ secret, epoch: now + offset }))));
    const wrong = Array.from({ length: 40 }, (_, i) => String(100000 + i * 7919))
      .filter((code) => !near.has(code))
      .slice(0, 20);
    const FINISH = `mutation($code: String!) { enableTwoFactorFinish(code: $code) { recoveryCodes } }`;
    const results = await Promise.all(wrong.map((code) => post(proxied, FINISH, { code }, { token, forwardedFor: '10.12.0.1' })));
    expect(tally(codes(results))).toEqual({ VALIDATION_FAILED: 5, RATE_LIMITED: 15 });
    const right = await post(proxied, FINISH, { code: await generate({ secret }) }, { token, forwardedFor: '10.12.0.1' });
    expect(codeOf(right)).toBe('RATE_LIMITED');
  });
});

describe('signup', () => {
  it('is limited per address', async () => {
    for (let i = 0; i < 3; i++) await account(proxied, `batch${i}@example.com`, '10.3.0.1');
    const fourth = await post(proxied, SIGNUP, { email: 'batch3@example.com', password: PASSWORD, workspaceName: 'W' }, { forwardedFor: '10.3.0.1' });
    expectLimited(fourth);
    expect(await proxied.app.database.prisma.user.count({ where: { email: 'batch3@example.com' } })).toBe(0);
    await account(proxied, 'batch3@example.com', '10.3.0.2');
  });

  it('ignores X-Forwarded-For unless a proxy is trusted, and recovers when the window ends', async () => {
    for (let i = 0; i < 2; i++) await account(direct, `direct${i}@example.com`, `192.0.2.${i}`);
    const third = await post(direct, SIGNUP, { email: 'direct2@example.com', password: PASSWORD, workspaceName: 'W' }, { forwardedFor: '192.0.2.99' });
    expectLimited(third);
    // Both counted under the socket's address (the third was refused from memory): it was read from the connection.
    expect(await countedFor(direct, 'signup-ip', '127.0.0.1')).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, Number(third.retryAfter) * 1000 + 200));
    await account(direct, 'direct2@example.com');
  });
});

describe('credentials', () => {
  it('API key guesses are throttled per address, and then even a valid key from there is refused', async () => {
    const token = await account(proxied, 'keys@example.com', '10.4.0.1');
    const { data } = await post(proxied, `mutation { createApiKey(name: "ci") { key } }`, {}, { token, forwardedFor: '10.4.0.1' });
    const key = data.createApiKey.key as string;
    for (let i = 0; i < 10; i++) {
      const guess = `pf_${String(i).padStart(32, 'x')}`;
      const result = await post(proxied, WORKSPACE, {}, { authorization: `Bearer ${guess}`, forwardedFor: '10.4.0.66' });
      expect(result.status).toBe(200);
      expect(codeOf(result)).toBe('UNAUTHENTICATED');
    }
    expectLimited(await post(proxied, WORKSPACE, {}, { authorization: 'Bearer pf_yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', forwardedFor: '10.4.0.66' }));
    expectLimited(await post(proxied, WORKSPACE, {}, { authorization: `Bearer ${key}`, forwardedFor: '10.4.0.66' }));
    expect((await post(proxied, WORKSPACE, {}, { authorization: `Bearer ${key}`, forwardedFor: '10.4.0.67' })).errors).toBeUndefined();
  });

  it('forged session tokens count the same way', async () => {
    const token = await account(proxied, 'forger@example.com', '10.6.0.1');
    const [header, payload] = token.split('.');
    for (let i = 0; i < 10; i++) {
      expect(codeOf(await post(proxied, WORKSPACE, {}, { authorization: `Bearer ${header}.${payload}.${'A'.repeat(42)}${'AQgw'[i % 4]}`, forwardedFor: '10.6.0.66' }))).toBe(
        'UNAUTHENTICATED',
      );
    }
    expectLimited(await post(proxied, WORKSPACE, {}, { token, forwardedFor: '10.6.0.66' }));
  });
});

describe('WebSocket', () => {
  it('a refused credential on a subscription counts under the socket address too', async () => {
    const before = await countedFor(direct, 'bad-credentials-ip', '127.0.0.1');
    const subscription = collect(direct.ws('not-a-token'), `subscription { deliveryUpdated { postId } }`);
    await expect(subscription.until(() => false, 5_000)).rejects.toThrow(/UNAUTHENTICATED|session token is not valid/);
    expect(await countedFor(direct, 'bad-credentials-ip', '127.0.0.1')).toBe(before + 1);
  });
});

describe('API budget per workspace', () => {
  it('refuses a workspace past its budget with 429, and leaves other workspaces alone', async () => {
    const busy = await account(proxied, 'busy@example.com', '10.7.0.1');
    const calm = await account(proxied, 'calm@example.com', '10.7.0.2');
    for (let i = 0; i < 30; i++) expect((await post(proxied, WORKSPACE, {}, { token: busy, forwardedFor: '10.7.0.1' })).errors, `request ${i}`).toBeUndefined();
    expectLimited(await post(proxied, WORKSPACE, {}, { token: busy, forwardedFor: '10.7.0.1' }));
    // The budget is the workspace's, whatever address its requests come from.
    expectLimited(await post(proxied, WORKSPACE, {}, { token: busy, forwardedFor: '10.7.0.9' }));
    expect((await post(proxied, WORKSPACE, {}, { token: calm, forwardedFor: '10.7.0.1' })).errors).toBeUndefined();
  });

  it('a request refused in validation with a suggestion authenticates once: one request of the budget, one refusal counted', async () => {
    const token = await account(proxied, 'typo@example.com', '10.13.0.1');
    const { data } = await post(proxied, `{ workspace { id } }`, {}, { token, forwardedFor: '10.13.0.1' });
    const workspaceId = data.workspace.id as string;
    expect(await countedFor(proxied, 'api-workspace', workspaceId)).toBe(1);
    const typo = await post(proxied, `{ workspace { nam } }`, {}, { token, forwardedFor: '10.13.0.1' });
    expect(typo.errors![0].message).toContain('Did you mean "name"?');
    expect(await countedFor(proxied, 'api-workspace', workspaceId)).toBe(2);
    const enumTypo = await post(proxied, `query($s: DeliveryStatus) { posts(filter: { status: $s }) { edges { cursor } } }`, { s: 'FAILD' }, { token, forwardedFor: '10.13.0.1' });
    expect(enumTypo.errors![0].message).toContain('Did you mean');
    expect(await countedFor(proxied, 'api-workspace', workspaceId)).toBe(3);

    const refused = await post(proxied, `{ workspace { nam } }`, {}, { authorization: 'Bearer pf_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', forwardedFor: '10.13.0.66' });
    expect(refused.errors![0].message).not.toContain('Did you mean');
    expect(await countedFor(proxied, 'bad-credentials-ip', '10.13.0.66')).toBe(1);
  });
});

// Signing in and out of the console in a real browser: sign-up lands on the dashboard with the session in an
// HttpOnly cookie only (nothing for a script to read, nothing in storage), logout ends it for the API too, a wrong
// password is shown, a person in two workspaces switches between them, and the pages pass axe at desktop and phone
// sizes. Every request stays on 127.0.0.1 (the harness fails a test otherwise).
import { describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, logInInBrowser, screenshot, signUpInBrowser, startConsole } from './helpers/browser.js';

const SESSION_COOKIE = 'postflow_session';

const harness = startConsole();

/** GraphQL with a cookie, as the console sends it (the CSRF header, no Authorization). */
async function withCookie(cookie: string, query: string) {
  const response = await fetch(`${harness.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1', cookie: `${SESSION_COOKIE}=${cookie}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

async function sessionCookie() {
  const cookies = await harness.context.cookies(harness.origin);
  return cookies.find((cookie) => cookie.name === SESSION_COOKIE);
}

async function logOut(page: Page) {
  await page.getByRole('button', { name: 'Profile' }).click();
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

describe('the console signs in with a cookie', () => {
  it('sends a visitor to the login page, signs up from it and lands on the dashboard', async () => {
    const page = harness.page;
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(page.url()).toMatch(/#\/login$/);
    await expectNoSeriousA11yViolations(page, 'the login page');
    await screenshot(page, 'login');

    const person = await signUpInBrowser(page, harness.url, { workspaceName: 'Acme Bakery' });
    expect(page.url()).toMatch(/#\/$/);
    await page.getByText('Nothing goes out today.').waitFor();
    await page.getByText('Every channel is connected.').waitFor();
    await expectNoSeriousA11yViolations(page, 'the dashboard');
    await screenshot(page, 'dashboard');

    // The session is a cookie scripts cannot read, sent only to this site, and no token is kept anywhere else.
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value.length).toBeGreaterThan(20);
    const seen = await page.evaluate(() => ({
      cookie: document.cookie,
      stored: [localStorage, sessionStorage].flatMap((storage) => Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`)),
    }));
    expect(seen.cookie).not.toContain(SESSION_COOKIE);
    for (const entry of seen.stored) {
      expect(entry).not.toContain(cookie!.value);
      expect(entry).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWS-shaped value at all
    }
    // The cookie alone (with the CSRF header) is the API's credential: it names the person who signed up.
    expect((await withCookie(cookie!.value, '{ me { email } }')).data).toEqual({ me: { email: person.email } });

    // Readable on a phone (opened at that size): nothing wider than the screen, and still labelled.
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard: Acme Bakery' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSeriousA11yViolations(page, 'the dashboard on a phone');
    await screenshot(page, 'dashboard-phone');
  });

  it('logs out to the login page, after which the API refuses the old cookie, and logs in again', async () => {
    const page = harness.page;
    const person = await signUpInBrowser(page, harness.url);
    const before = (await sessionCookie())!.value;

    await logOut(page);
    expect(page.url()).toMatch(/#\/login$/);
    expect(await sessionCookie()).toBeUndefined();
    const refused = await withCookie(before, '{ me { id } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Back to the console's address: still the login page, the dashboard is not shown to the signed-out.
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    await logInInBrowser(page, harness.url, person);
    const after = (await sessionCookie())!.value;
    expect(after).not.toBe(before);
    expect((await withCookie(after, '{ me { email } }')).data).toEqual({ me: { email: person.email } });
  });

  it('shows a wrong password and stays on the login page', async () => {
    const page = harness.page;
    const email = `wrong${Date.now()}@example.com`;
    await harness.t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Elsewhere") { token } }`, { email });
    await page.goto(`${harness.url}#/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Signing in failed' }).count()).toBe(1);
    expect(page.url()).toMatch(/#\/login$/);
    expect(await sessionCookie()).toBeUndefined();
  });

  it('asks for the second factor when the account has one, and signs in with it', async () => {
    const page = harness.page;
    const email = `twofactor${Date.now()}@example.com`;
    const { token } = (await harness.t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Two Step") { token } }`, { email })).signup;
    const { secret } = (await harness.t.ok('mutation { enableTwoFactorStart { secret } }', {}, token)).enableTwoFactorStart;
    const setupCode = await generate({ secret });
    const { recoveryCodes } = (await harness.t.ok('mutation($code: String!) { enableTwoFactorFinish(code: $code) { recoveryCodes } }', { code: setupCode }, token))
      .enableTwoFactorFinish;

    await page.goto(`${harness.url}#/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    expect(await sessionCookie()).toBeUndefined();
    await expectNoSeriousA11yViolations(page, 'the login page asking for the code');
    // A recovery code: an authenticator's code could fall in the window of the one that finished the set-up.
    await code.fill(recoveryCodes[0]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard: Two Step' }).waitFor();
    expect(await sessionCookie()).toMatchObject({ httpOnly: true });
  });

  it('(the harness) aborts and records a request that leaves 127.0.0.1', async () => {
    await expect(harness.page.goto('http://example.com/')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    expect(harness.outside).toEqual(['http://example.com/']);
    harness.outside.length = 0; // seen: this test's afterEach would fail on it otherwise
  });

  it('switches between two workspaces with the switcher', async () => {
    const page = harness.page;
    const person = await signUpInBrowser(page, harness.url, { workspaceName: 'Acme Bakery' });
    // Someone else's workspace invites them (through the API); they accept with a session of their own.
    const ownerToken = (await harness.t.ok(`mutation { signup(email: "owner${Date.now()}@example.com", password: "${PASSWORD}", workspaceName: "Globex Florists") { token } }`))
      .signup.token as string;
    const { link } = (await harness.t.ok(`mutation($email: String!) { inviteMember(email: $email, role: EDITOR) { link } }`, { email: person.email }, ownerToken)).inviteMember as {
      link: string;
    };
    const personToken = (await harness.t.ok(`mutation($email: String!) { login(email: $email, password: "${PASSWORD}") { token } }`, { email: person.email })).login
      .token as string;
    await harness.t.ok(`mutation($token: String!) { acceptInvitation(token: $token) { token } }`, { token: new URL(link).pathname.split('/').at(-1) }, personToken);

    await page.reload();
    const switcher = page.getByRole('combobox', { name: 'Workspace' });
    await expect.poll(() => switcher.textContent()).toBe('Acme Bakery');
    await switcher.click();
    await page.getByRole('option', { name: 'Globex Florists' }).click();
    await page.getByRole('heading', { name: 'Dashboard: Globex Florists' }).waitFor();
    await expect.poll(() => switcher.textContent()).toBe('Globex Florists');
    // The cookie now acts in the other workspace, for the API as for the page.
    expect((await withCookie((await sessionCookie())!.value, '{ workspace { name } }')).data).toEqual({ workspace: { name: 'Globex Florists' } });
    await expectNoSeriousA11yViolations(page, 'the dashboard with the switcher');
    await screenshot(page, 'workspace-switcher');

    await switcher.click();
    await page.getByRole('option', { name: 'Acme Bakery' }).click();
    await page.getByRole('heading', { name: 'Dashboard: Acme Bakery' }).waitFor();
  });
});

// The console's browser tests: one PostFlow (startTestApp) and one headless Chromium per test FILE, a fresh browser
// context (cookies, storage) per test. Debian's Chromium (scripts/browser/install.sh) driven by playwright-core.
// Every request that is not to 127.0.0.1 is aborted and recorded, and a test that made one fails in afterEach: the
// console must work with no outside host (no telemetry, no CDN, no web font).
//
//   const console = startConsole();
//   it('signs up', async () => {
//     const page = console.page;
//     await signUpInBrowser(page, console.url);
//     await expectNoSeriousA11yViolations(page, 'dashboard');
//   });
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Clock, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { buildConsole, consoleLayout } from '../../scripts/console/build.mjs';
import { startTestApp, type TestApp } from './testApp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(ROOT, 'test/artifacts/screenshots');
const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'];
/** A phone-sized screen, for tests that check the console stays readable at 390 px. */
export const PHONE = { width: 390, height: 844 };

export interface ConsoleOptions {
  /** More PostFlow settings (testEnv's names). */
  env?: Record<string, string>;
  /** Every page starts at this instant and its clock runs on from there (calendar tests). */
  clock?: Date | string;
  viewport?: { width: number; height: number };
  /** The browser's locale (dates are shown in the viewer's); en-US unless a test says otherwise. */
  locale?: string;
  timezoneId?: string;
}

export interface ConsoleHarness {
  /** The PostFlow under test, and its GraphQL helpers (t.ok, t.gql with a Bearer token). */
  readonly t: TestApp;
  /** http://127.0.0.1:<port>: the server's origin. */
  readonly origin: string;
  /** The console's own address, `${origin}/admin/`. */
  readonly url: string;
  readonly browser: Browser;
  /** This test's context and its first page. */
  readonly context: BrowserContext;
  readonly page: Page;
  readonly clock: Clock;
  /** Requests to anywhere but 127.0.0.1 in this test (aborted); afterEach fails the test when there is any. */
  readonly outside: string[];
}

export function startConsole(options: ConsoleOptions = {}): ConsoleHarness {
  let t: TestApp | null = null;
  let browser: Browser | null = null;
  let context: BrowserContext | null = null;
  let page: Page | null = null;
  let outside: string[] = [];

  beforeAll(async () => {
    // The console is bundled once per run (a stamp of admin/'s sources, under a lock): the first file builds it.
    const [app] = await Promise.all([
      startTestApp({ env: options.env }),
      buildConsole(consoleLayout(), { onlyIfStale: true, log: () => {} }),
      Promise.resolve().then(() => execFileSync('bash', [path.join(ROOT, 'scripts/browser/install.sh')], { stdio: ['ignore', 'ignore', 'inherit'] })),
    ]);
    t = app;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  beforeEach(async () => {
    outside = [];
    context = await browser!.newContext({
      reducedMotion: 'reduce',
      viewport: options.viewport ?? { width: 1280, height: 800 },
      locale: options.locale ?? 'en-US',
      timezoneId: options.timezoneId,
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.continue();
      outside.push(url);
      return route.abort('blockedbyclient');
    });
    // WebSockets do not pass through route(): they are recorded as each page opens them.
    context.on('page', (opened) => opened.on('websocket', (socket) => void (isLocal(socket.url()) || outside.push(socket.url()))));
    // Well inside the test's own 30 s, so a wait that fails names what it waited for.
    context.setDefaultTimeout(10_000);
    if (options.clock) await context.clock.install({ time: options.clock });
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
    context = page = null;
    expect(outside, 'requests that left 127.0.0.1').toEqual([]);
  });

  const need = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`${what} is only there inside a test (startConsole's hooks set it up)`);
    return value;
  };
  return {
    get t() {
      return need(t, 't');
    },
    get origin() {
      return new URL(need(t, 't').url).origin;
    },
    get url() {
      return `${new URL(need(t, 't').url).origin}/admin/`;
    },
    get browser() {
      return need(browser, 'browser');
    },
    get context() {
      return need(context, 'context');
    },
    get page() {
      return need(page, 'page');
    },
    get clock() {
      return need(context, 'context').clock;
    },
    get outside() {
      return outside;
    },
  };
}

function isLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return true;
  try {
    return new URL(url).hostname === '127.0.0.1';
  } catch {
    return false;
  }
}

export const PASSWORD = 'correct horse battery';

export interface Person {
  email: string;
  password: string;
  workspaceName: string;
}

/** Signs a new person up from the login page and waits for the dashboard. */
export async function signUpInBrowser(page: Page, consoleUrl: string, person: Partial<Person> = {}): Promise<Person> {
  const who: Person = { email: `u${randomBytes(4).toString('hex')}@example.com`, password: PASSWORD, workspaceName: 'Acme', ...person };
  await page.goto(`${consoleUrl}#/login`);
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByLabel('Workspace name').fill(who.workspaceName);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: `Dashboard: ${who.workspaceName}` }).waitFor();
  return who;
}

/** Signs in from the login page and waits for the dashboard. */
export async function logInInBrowser(page: Page, consoleUrl: string, person: Pick<Person, 'email' | 'password'>): Promise<void> {
  await page.goto(`${consoleUrl}#/login`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: /^Dashboard/ }).waitFor();
}

/** axe-core over the page as it is: a serious or critical violation fails, each listed with the elements it hit. */
export async function expectNoSeriousA11yViolations(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).analyze();
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const listed = serious.map((v) => `${v.impact} ${v.id}: ${v.help}: ${v.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('; ')}`);
  expect(listed, `accessibility violations on ${name}`).toEqual([]);
}

/** A full-page PNG in test/artifacts/screenshots/<name>.png (kept by CI, ignored by git). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A new person, signed up through the API (the sign-up page has its own test); answers their token, for seeding
 * through the API. A cookie session of theirs, put in the harness's browser context, signs the console in as the
 * login page would.
 */
export async function signedInThroughApi(harness: ConsoleHarness): Promise<string> {
  const email = `u${randomBytes(4).toString('hex')}@example.com`;
  const { signup } = await harness.t.ok<{ signup: { token: string } }>(
    `mutation($email: String!, $password: String!) { signup(email: $email, password: $password, workspaceName: "Acme") { token } }`,
    { email, password: PASSWORD },
  );
  const response = await fetch(`${harness.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    body: JSON.stringify({
      query: 'mutation($email: String!, $password: String!) { login(email: $email, password: $password, cookie: true) { token } }',
      variables: { email, password: PASSWORD },
    }),
  });
  const session = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0]!.split('='))
    .find(([name]) => name === 'postflow_session');
  expect(session, 'the session cookie').toBeDefined();
  await harness.context.addCookies([{ name: session![0]!, value: session!.slice(1).join('='), url: harness.origin, httpOnly: true, sameSite: 'Strict' }]);
  return signup.token;
}

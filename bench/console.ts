// The console in headless Chromium, with 1,000 deliveries in a month: seeds 1,000 posts in March 2030 and 1,000 in
// April through the API (bulkCreatePosts, EXACT times spread over each month), signs in on the login page, then
// 1. the queue page loaded cold (a new tab, empty cache): the JavaScript it downloads (gzip, as sent), when its first
//    rows are shown, and its time to interactive: the end of the last long task (> 50 ms) before 5 s without any,
//    from the navigation's start (Lighthouse's definition, less its network condition);
// 2. the calendar: navigating to #/calendar until March's events are drawn (its "+N more" links there), and
//    month-to-month switches: March -> April (a month not read yet) and April -> March (read before: react-query's
//    cache, refetched behind it). Also the long tasks the main thread had in each, and the DOM's event count.
// Figures only, no assertions. Usage: npm run bench:console [-- <switches>]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsole, consoleLayout } from '../scripts/console/build.mjs';
import { startWebhookReceiver } from '../test/fakes/webhookReceiver.js';
import { PROJECT_ROOT } from '../test/helpers/childProcess.js';
import { figures, startBenchApi, startBenchDatabase } from './harness.js';

const SWITCHES = Number(process.argv[2] ?? 5);
const PER_MONTH = 1_000;
const MONTHS = [
  { name: 'March 2030', start: Date.UTC(2030, 2, 1), end: Date.UTC(2030, 3, 1) },
  { name: 'April 2030', start: Date.UTC(2030, 3, 1), end: Date.UTC(2030, 4, 1) },
];
const PASSWORD = 'vivid-ocean-lantern-42';
const SECRET = 'bench-webhook-secret-0123456789';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'];

async function main() {
  execFileSync('bash', [path.join(PROJECT_ROOT, 'scripts/browser/install.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  await buildConsole(consoleLayout(), { onlyIfStale: true });
  const db = await startBenchDatabase();
  const receiver = await startWebhookReceiver({ secret: SECRET });
  // No worker: nothing publishes while the calendar is read (the posts are years ahead anyway).
  const { app, url, gql } = await startBenchApi(db, { POSTFLOW_OUTBOUND_ALLOW: '127.0.0.1/32' });
  const origin = new URL(url).origin;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: LAUNCH_ARGS });
  try {
    const email = 'bench@example.com';
    const token: string = (
      await gql(`mutation($email: String!, $password: String!) { signup(email: $email, password: $password, workspaceName: "Bench") { token } }`, { email, password: PASSWORD })
    ).signup.token;
    const channelInput = { platform: 'WEBHOOK', name: 'Bench shop', timezone: 'UTC', credentials: { url: `${receiver.url}/bench`, secret: SECRET } };
    const channelId: string = (await gql('mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }', { input: channelInput }, token)).createChannel.id;
    const seeding = performance.now();
    for (const month of MONTHS) {
      const step = (month.end - month.start) / PER_MONTH;
      const posts = Array.from({ length: PER_MONTH }, (_, i) => ({
        content: `Bench post ${i + 1} of ${month.name}`,
        channelIds: [channelId],
        scheduledAt: new Date(month.start + Math.floor(i * step)).toISOString(),
        schedulingMode: 'EXACT',
      }));
      await gql('mutation($posts: [CreatePostInput!]!) { bulkCreatePosts(posts: $posts) { created scheduled } }', { posts }, token);
    }
    console.log(
      `seeded ${PER_MONTH} deliveries in each of ${MONTHS.map((m) => m.name).join(' and ')} through bulkCreatePosts in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')));
    await context.clock.install({ time: new Date(Date.UTC(2030, 2, 3, 12)) });
    const page = await context.newPage();
    await page.goto(`${origin}/admin/#/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: /^Dashboard/ }).waitFor();
    await queueInteractive(browser, context, origin);
    await watchLongTasks(page);

    const open = await timed(page, async () => {
      await page.goto(`${origin}/admin/#/calendar`);
      await monthDrawn(page, MONTHS[0]!.name);
    });
    const drawn = await page.locator('[data-delivery-id]').count();
    const shown = await page.getByTestId('calendar-count').textContent();
    const more = await page.getByText(/^\+\d+ more$/).count();
    console.log(`\n${PER_MONTH} deliveries in ${MONTHS[0]!.name} (${shown} in its six visible weeks): ${drawn} event elements drawn, ${more} "+N more" links`);
    console.log(`navigation to #/calendar -> month drawn: ${open.ms.toFixed(0)} ms (long tasks: ${open.longTasks.count}, ${open.longTasks.ms.toFixed(0)} ms)`);

    const forward: number[] = [];
    const back: number[] = [];
    const forwardLong: number[] = [];
    const backLong: number[] = [];
    for (let i = 0; i < SWITCHES; i++) {
      const next = await timed(page, async () => {
        await page.getByRole('button', { name: 'Next' }).click();
        await monthDrawn(page, MONTHS[1]!.name);
      });
      const previous = await timed(page, async () => {
        await page.getByRole('button', { name: 'Previous' }).click();
        await monthDrawn(page, MONTHS[0]!.name);
      });
      forward.push(next.ms);
      back.push(previous.ms);
      forwardLong.push(next.longTasks.ms);
      backLong.push(previous.longTasks.ms);
    }
    const show = (label: string, ms: number[], longMs: number[]) => {
      const f = figures(ms);
      console.log(
        `${label.padEnd(44)} n=${f.n}  first ${ms[0]!.toFixed(0)} ms  p50 ${f.p50.toFixed(0)} ms  max ${f.max.toFixed(0)} ms  (long tasks p50 ${figures(longMs).p50.toFixed(0)} ms)`,
      );
    };
    show(`${MONTHS[0]!.name} -> ${MONTHS[1]!.name} (Next)`, forward, forwardLong);
    show(`${MONTHS[1]!.name} -> ${MONTHS[0]!.name} (Previous)`, back, backLong);
    await context.close();
  } finally {
    await browser.close();
    await app.stop();
    await receiver.stop();
    await db.stop();
  }
}

/** The queue page in new tabs signed in as `signedIn` is (its cookie), nothing cached: what it loads and when it is usable. */
async function queueInteractive(browser: Browser, signedIn: BrowserContext, origin: string) {
  // A context of its own: the calendar's installed clock would also move the page's performance.now().
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort('blockedbyclient')));
  await context.addCookies(await signedIn.cookies());
  const runs: { js: number; rows: number; interactive: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let js = 0;
    const scripts = new Set<string>();
    cdp.on('Network.responseReceived', (event) => void (event.type === 'Script' && scripts.add(event.requestId)));
    cdp.on('Network.loadingFinished', (event) => void (scripts.has(event.requestId) && (js += event.encodedDataLength)));
    // Long tasks from the document's first script on, before the console's own.
    await tab.addInitScript(() => {
      const seen: { start: number; end: number }[] = [];
      (window as unknown as { __tasks: typeof seen }).__tasks = seen;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => seen.push({ start: e.startTime, end: e.startTime + e.duration }))).observe({
        type: 'longtask',
        buffered: true,
      });
    });
    await tab.goto(`${origin}/admin/#/deliveries`);
    await tab.locator('tbody tr').first().waitFor({ timeout: 60_000 });
    const rows = await tab.evaluate(() => performance.now());
    await tab.waitForTimeout(5_000);
    const interactive = await tab.evaluate((shown) => {
      const tasks = (window as unknown as { __tasks: { start: number; end: number }[] }).__tasks;
      let at = shown;
      for (const task of tasks) if (task.end > at && task.start - at < 5_000) at = task.end;
      return at;
    }, rows);
    runs.push({ js, rows, interactive });
    await tab.close();
  }
  await context.close();
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  console.log(`\nqueue page (#/deliveries), cold, ${runs.length} loads: JavaScript downloaded ${kb(runs[0]!.js)} (gzip, as sent)`);
  console.log(`  first rows shown         ${runs.map((r) => `${r.rows.toFixed(0)} ms`).join(', ')}`);
  console.log(`  time to interactive      ${runs.map((r) => `${r.interactive.toFixed(0)} ms`).join(', ')}  (median ${figures(runs.map((r) => r.interactive)).p50.toFixed(0)} ms)`);
}

/** The month's title is up, its deliveries are counted as shown (no longer fetching), and its cells have drawn events. */
async function monthDrawn(page: Page, title: string) {
  await page.getByTestId('calendar-range-title').getByText(title, { exact: true }).waitFor({ timeout: 60_000 });
  // The six visible weeks hold the month's 1,000 and the neighbouring month's first or last days.
  await page.waitForFunction(
    (least) =>
      Number(
        document
          .querySelector('[data-testid="calendar-count"]')
          ?.textContent?.match(/^([\d,]+) deliveries shown/)?.[1]
          ?.replace(/,/g, '') ?? 0,
      ) >= least,
    PER_MONTH,
    { timeout: 60_000 },
  );
  await page
    .getByText(/^\+\d+ more$/)
    .first()
    .waitFor({ timeout: 60_000 });
  // One frame more: what was committed is painted.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
}

/** Long tasks are collected in the page from here on (a PerformanceObserver), read and reset around each step. */
async function watchLongTasks(page: Page) {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __longTasks: number[] }).__longTasks = seen;
    new PerformanceObserver((list) => list.getEntries().forEach((entry) => seen.push(entry.duration))).observe({ type: 'longtask', buffered: false });
  });
}

async function timed(page: Page, step: () => Promise<void>) {
  await page.evaluate(() => ((window as unknown as { __longTasks?: number[] }).__longTasks ?? []).splice(0));
  const started = performance.now();
  await step();
  const ms = performance.now() - started;
  const tasks = await page.evaluate(() => ((window as unknown as { __longTasks?: number[] }).__longTasks ?? []).splice(0));
  return { ms, longTasks: { count: tasks.length, ms: tasks.reduce((sum, d) => sum + d, 0) } };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

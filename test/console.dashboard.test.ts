// The dashboard's delivery analytics in a real browser, over published and failed deliveries seeded in the past
// (through the database, as api.analytics.test.ts does: the API cannot make past ones): the figures and the per-day
// table (the charts' text alternative) show the seeded totals, and the range and the channel filter change them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, logInInBrowser, screenshot, startConsole } from './helpers/browser.js';
import { createChannel, createPost } from './helpers/scenario.js';

const SECRET = 'webhook-secret-of-the-dashboard';
const DAY = 24 * 60 * 60 * 1000;
// Days are the viewer's: in UTC here, so a seeded instant's day is its ISO date.
const harness = startConsole({ timezoneId: 'UTC' });
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await hooks?.stop();
});

interface Seeded {
  channel: 'a' | 'b';
  status: 'PUBLISHED' | 'FAILED';
  daysAgo: number;
  latenessSeconds?: number;
  lastError?: string;
}

// Noon, so that no day boundary of the viewer's is near.
const SEEDED: Seeded[] = [
  { channel: 'a', status: 'PUBLISHED', daysAgo: 1, latenessSeconds: 10 },
  { channel: 'a', status: 'PUBLISHED', daysAgo: 2, latenessSeconds: 30 },
  { channel: 'b', status: 'PUBLISHED', daysAgo: 2, latenessSeconds: 5 },
  { channel: 'a', status: 'FAILED', daysAgo: 3, lastError: 'The network refused the token' },
  { channel: 'a', status: 'PUBLISHED', daysAgo: 12, latenessSeconds: 300 },
  { channel: 'b', status: 'FAILED', daysAgo: 15, lastError: 'Timed out' },
  { channel: 'a', status: 'FAILED', daysAgo: 20, lastError: 'Timed out' },
  { channel: 'a', status: 'PUBLISHED', daysAgo: 45, latenessSeconds: 1 },
  { channel: 'b', status: 'FAILED', daysAgo: 60, lastError: 'Timed out' },
  // Outside every range.
  { channel: 'a', status: 'PUBLISHED', daysAgo: 200, latenessSeconds: 1 },
];

const noonDaysAgo = (days: number) => {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12) - days * DAY);
};

async function seedWorkspace(page: Page) {
  const email = `dash${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  const { token } = (await harness.t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Bakery") { token } }`, { email })).signup;
  const ids = {
    a: (await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'A channel')).id,
    b: (await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'B channel')).id,
  };
  const { pool } = harness.t.app.database;
  for (const s of SEEDED) {
    const post = await createPost(harness.t, token, { content: `seeded ${s.daysAgo} days ago`, channelIds: [ids[s.channel]], draft: true });
    const scheduled = noonDaysAgo(s.daysAgo);
    const published = s.status === 'PUBLISHED' ? new Date(scheduled.getTime() + s.latenessSeconds! * 1000) : null;
    await pool.query(`UPDATE deliveries SET status = $2::"DeliveryStatus", scheduled_at = $3, published_at = $4, last_error = $5 WHERE id = $1`, [
      post.deliveries[0]!.id,
      s.status,
      scheduled,
      published,
      s.lastError ?? null,
    ]);
  }
  // A busy two-core machine renders the dashboard slower than the harness's 10 s default allows.
  harness.context.setDefaultTimeout(30_000);
  await logInInBrowser(page, harness.url, { email, password: PASSWORD });
  return { token, ids };
}

const figure = (page: Page, key: string) => page.getByTestId(`analytics-${key}`).textContent();
/** The figures once the range asked for has loaded (the previous one stays on screen meanwhile). */
async function figuresFor(page: Page, days: number) {
  await page.locator(`[data-testid="analytics"][data-range="${days}"]`).waitFor();
  return {
    published: await figure(page, 'published'),
    failed: await figure(page, 'failed'),
    onTime: await figure(page, 'onTimeRate'),
    p50: await figure(page, 'latenessP50'),
  };
}

describe('the dashboard analytics', () => {
  it('shows the seeded totals per range and channel, with a per-day table for screen readers', async () => {
    const page = harness.page;
    const { token, ids } = await seedWorkspace(page);
    const analytics = page.getByRole('region', { name: 'Delivery analytics' });
    await analytics.waitFor();

    // The last 7 days: three published (all on time), one failed.
    expect(await figuresFor(page, 7)).toEqual({ published: '3', failed: '1', onTime: '100%', p50: '10 sec' });
    const table = page.getByRole('table', { name: 'Published and failed per day' });
    const dayRow = (daysAgo: number) => table.locator(`tr[data-day="${noonDaysAgo(daysAgo).toISOString().slice(0, 10)}"] td`).allTextContents();
    expect(await table.locator('tbody tr').count()).toBe(7);
    expect(await dayRow(1)).toEqual(['1', '0']);
    expect(await dayRow(2)).toEqual(['2', '0']);
    expect(await dayRow(3)).toEqual(['0', '1']);
    expect(await page.getByTestId('analytics-per-day-description').textContent()).toMatch(/^3 published and 1 failed over 7 days/);
    expect(await page.getByTestId('analytics-reasons').getByRole('listitem').allTextContents()).toEqual(['The network refused the token1']);
    const perChannel = async () =>
      page
        .getByTestId('analytics-per-channel')
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(await perChannel()).toEqual([
      ['A channel', '2', '1', '100%'],
      ['B channel', '1', '0', '100%'],
    ]);
    // The same as the API answers.
    const api = (await harness.t.ok(`query($from: DateTime!, $to: DateTime!) { analytics(from: $from, to: $to) { published failed } }`, rangeDays(7), token)).analytics;
    expect(api).toEqual({ published: 3, failed: 1 });
    await expectNoSeriousA11yViolations(page, 'the dashboard with analytics');
    await screenshot(page, 'dashboard-analytics');

    // 30 days: one more published (5 minutes late) and two more failed.
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    expect(await figuresFor(page, 30)).toEqual({ published: '4', failed: '3', onTime: '75%', p50: '20 sec' });
    expect(await figure(page, 'latenessP95')).toBe('4.3 min'); // 30 + 0.85 × 270 s, PostgreSQL's percentile_cont
    expect(await table.locator('tbody tr').count()).toBe(30);
    expect(await page.getByTestId('analytics-reasons').getByRole('listitem').allTextContents()).toEqual(['Timed out2', 'The network refused the token1']);

    // 90 days.
    await page.getByRole('button', { name: 'Last 90 days' }).click();
    expect(await figuresFor(page, 90)).toMatchObject({ published: '5', failed: '4' });

    // Only B channel.
    await page.getByRole('combobox', { name: 'Channels' }).click();
    await page.getByRole('option', { name: 'B channel' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => figure(page, 'published')).toBe('1');
    expect(await figure(page, 'failed')).toBe('2');
    expect(await perChannel()).toEqual([['B channel', '1', '2', '100%']]);
    const onlyB = (
      await harness.t.ok(
        `query($from: DateTime!, $to: DateTime!, $c: [ID!]) { analytics(from: $from, to: $to, channelIds: $c) { published failed } }`,
        { ...rangeDays(90), c: [ids.b] },
        token,
      )
    ).analytics;
    expect(onlyB).toEqual({ published: 1, failed: 2 });
  }, 240_000);

  it('stays readable on a phone', async () => {
    const page = harness.page;
    await page.setViewportSize(PHONE);
    await seedWorkspace(page);
    await page.getByRole('region', { name: 'Delivery analytics' }).waitFor();
    await page.locator('[data-testid="analytics"][data-range="7"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSeriousA11yViolations(page, 'the dashboard on a phone');
    await screenshot(page, 'dashboard-analytics-phone');
  }, 120_000);
});

/** The 7 / 30 / 90 days the console asks for in UTC: from the start of the first day to the start of tomorrow. */
function rangeDays(days: number) {
  const tomorrow = noonDaysAgo(-1);
  tomorrow.setUTCHours(0);
  return { from: new Date(tomorrow.getTime() - days * DAY).toISOString(), to: tomorrow.toISOString() };
}

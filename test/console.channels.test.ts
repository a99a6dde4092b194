// The Channels pages in a real browser: connecting Mastodon through its authorization page and back to
// /admin/connect/callback (the loopback fake approves at once), a webhook channel from its credentials form (a bad URL
// shown on its field), pause and resume, the posting-policy editor (hours grid, blackout, a refused value on its
// field), and the reconnect banner whose button reconnects through the network's page. What the UI did is read back
// from the API; each page passes axe and is kept as a screenshot.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startMastodonFake, type MastodonFake } from './fakes/mastodonFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';
import { connectThroughOAuth } from './helpers/oauth.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';

const harness = startConsole();
const WEBHOOK_SECRET = 'a webhook secret of some length';
let mastodon: MastodonFake;
let receiver: WebhookReceiver;

beforeAll(async () => {
  [mastodon, receiver] = await Promise.all([startMastodonFake({ username: 'shop' }), startWebhookReceiver({ secret: WEBHOOK_SECRET })]);
});
afterAll(async () => {
  await Promise.all([mastodon?.stop(), receiver?.stop()]);
});
// Each test walks several pages (and a network's redirect): on a loaded 2-core machine one page load alone took 6 s,
// so waits get more than the harness's 10 s, and each test more than 30 s.
beforeEach(() => harness.context.setDefaultTimeout(30_000));

const CHANNEL = 'id name platform accountHandle paused needsReconnect authError timezone';

async function channels(token: string): Promise<any[]> {
  return (await harness.t.ok(`{ channels { ${CHANNEL} } }`, {}, token)).channels;
}

async function policyOf(token: string, id: string) {
  return (
    await harness.t.ok(
      `query($id: ID!) { channel(id: $id) { policy { hoursRestricted windows { weekday ranges { start end } } blackouts { start end label } minIntervalMinutes } } }`,
      { id },
      token,
    )
  ).channel.policy;
}

/** A new person with a workspace (through the API), signed in to this test's browser by the session cookie. */
async function signedUp(): Promise<{ token: string }> {
  const email = `channels${randomBytes(4).toString('hex')}@example.com`;
  const { token } = (await harness.t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Acme") { token } }`, { email })).signup;
  const response = await harness.context.request.post(`${harness.origin}/graphql`, {
    headers: { 'x-graphql-yoga-csrf': '1' },
    data: { query: `mutation($email: String!) { login(email: $email, password: "${PASSWORD}", cookie: true) { token } }`, variables: { email } },
  });
  expect(response.ok()).toBe(true);
  return { token };
}

async function webhookChannel(token: string, name: string) {
  return createChannel(harness.t, token, 'WEBHOOK', { url: receiver.hookUrl, secret: WEBHOOK_SECRET }, name, null);
}

const noWiderThan = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe('the Channels pages', { timeout: 120_000 }, () => {
  it("connects a Mastodon account through its server's authorization page and back, and lists it", async () => {
    const page = harness.page;
    const { token } = await signedUp();
    await page.goto(`${harness.url}#/channels/create`);
    await page.getByRole('heading', { level: 1, name: 'Connect a channel' }).waitFor();
    await page.getByRole('button', { name: 'Set up MASTODON' }).click();
    await page.getByLabel('Server URL').fill(mastodon.url);
    await expectNoSeriousA11yViolations(page, 'the connect page');
    await screenshot(page, 'channels-connect');

    await page.getByRole('button', { name: 'Continue to MASTODON' }).click();
    // The fake's page approves and sends the browser back to the console's callback path, which moves to the list.
    const handle = `@shop@${new URL(mastodon.url).host}`;
    await page
      .getByTestId('connected')
      .filter({ hasText: `Connected ${handle} (MASTODON, ${handle})` })
      .waitFor();
    expect(page.url()).toBe(`${harness.url}#/channels`);
    await page.getByRole('cell', { name: handle }).first().waitFor();

    expect(mastodon.oauth.apps.map((app) => app.redirectUris)).toContainEqual([`${harness.origin}/admin/connect/callback`]);
    expect(await channels(token)).toEqual([expect.objectContaining({ platform: 'MASTODON', accountHandle: handle, needsReconnect: false, paused: false })]);
  });

  it('creates a webhook channel from its credentials form, showing a bad URL on its field, and publishes through it', async () => {
    const page = harness.page;
    const { token } = await signedUp();
    await page.goto(`${harness.url}#/channels/create`);
    await page.getByRole('button', { name: 'Set up WEBHOOK' }).click();
    await page.getByLabel(/^Name\b/).fill('Shop hook');
    await page.getByLabel('Webhook URL').fill('not a url');
    const secret = page.getByLabel('Signing secret');
    await secret.fill(WEBHOOK_SECRET);
    expect(await secret.getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Connect WEBHOOK' }).click();
    await page.getByText('url must be an http(s) URL').waitFor();
    expect(await page.getByLabel('Webhook URL').getAttribute('aria-invalid')).toBe('true');
    expect(await channels(token)).toEqual([]);
    await expectNoSeriousA11yViolations(page, 'the credentials form with a field error');

    await page.getByLabel('Webhook URL').fill(receiver.hookUrl);
    await page.getByRole('button', { name: 'Connect WEBHOOK' }).click();
    await page.getByRole('cell', { name: 'Shop hook', exact: true }).waitFor();
    const [channel] = await channels(token);
    expect(channel).toMatchObject({ platform: 'WEBHOOK', name: 'Shop hook', accountHandle: new URL(receiver.hookUrl).host });
    // The credentials were stored as typed: the receiver gets a post signed with that secret.
    const post = await createPost(harness.t, token, { content: 'Hello hook', channelIds: [channel.id], publishNow: true });
    expect((await waitForDelivery(harness.t, token, post.id, ['PUBLISHED', 'FAILED'])).status).toBe('PUBLISHED');
    expect(receiver.deliveries.map((delivery) => delivery.body.text)).toContain('Hello hook');
  });

  it('pauses and resumes a channel from the list', async () => {
    const page = harness.page;
    const { token } = await signedUp();
    const { id } = await webhookChannel(token, 'Newsletter hook');
    await page.goto(`${harness.url}#/channels`);
    await page.getByRole('button', { name: 'Pause: Newsletter hook' }).click();
    await page.getByRole('button', { name: 'Resume: Newsletter hook' }).waitFor();
    expect((await channels(token)).find((c) => c.id === id).paused).toBe(true);
    await page.getByRole('cell', { name: 'Paused' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the channels list');
    await screenshot(page, 'channels-list');

    await page.getByRole('button', { name: 'Resume: Newsletter hook' }).click();
    await page.getByRole('button', { name: 'Pause: Newsletter hook' }).waitFor();
    expect((await channels(token)).find((c) => c.id === id).paused).toBe(false);

    // On a phone: a simple list, nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByText('Newsletter hook').waitFor();
    expect(await noWiderThan(page)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSeriousA11yViolations(page, 'the channels list on a phone');
  });

  it('edits the posting hours in the grid and a blackout, stored as set, and shows a refused value on its field', async () => {
    const page = harness.page;
    const { token } = await signedUp();
    const { id } = await webhookChannel(token, 'Policy hook');
    await page.goto(`${harness.url}#/channels/${id}`);
    await page.getByRole('heading', { name: 'Posting policy' }).waitFor();
    await page.getByText("Hours and blackouts are in the channel's time zone, UTC").waitFor();
    await page.getByTestId('platform-limits').filter({ hasText: 'The network allows any number of posts a day' }).waitFor();

    await page.getByLabel('Restrict posting hours').check();
    const cell = (day: string, hour: number) => {
      const name = (h: number) => `${h % 12 === 0 ? 12 : h % 12} ${h < 12 ? 'AM' : 'PM'}`;
      return page.getByRole('checkbox', { name: `Posting hours: ${day}, ${name(hour)} to ${name(hour + 1)}`, exact: true });
    };
    // Monday by pointer, 09:00-17:00; then the keyboard: arrows move between cells, Space toggles.
    for (let hour = 9; hour < 17; hour += 1) await cell('Monday', hour).check();
    await cell('Monday', 16).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => cell('Monday', 17).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Space');
    await expect.poll(() => cell('Monday', 17).isChecked()).toBe(true);
    await page.keyboard.press('Space');
    await expect.poll(() => cell('Monday', 17).isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Copy Monday to every day: Posting hours' }).click();
    for (const day of ['Saturday', 'Sunday']) for (let hour = 9; hour < 17; hour += 1) await cell(day, hour).uncheck();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('Start', { exact: true }).fill('2027-12-24');
    await page.getByLabel('End', { exact: true }).fill('2027-12-26');
    await page.getByLabel('Label', { exact: true }).fill('Holidays');
    await expectNoSeriousA11yViolations(page, 'the posting-policy editor');
    await screenshot(page, 'channels-policy');
    await page.getByRole('button', { name: 'Save posting policy' }).click();

    const workdays = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: '09:00', end: '17:00' }] }));
    await expect.poll(async () => (await policyOf(token, id)).windows).toEqual(workdays);
    expect(await policyOf(token, id)).toMatchObject({ hoursRestricted: true, blackouts: [{ start: '2027-12-24', end: '2027-12-26', label: 'Holidays' }], minIntervalMinutes: 0 });
    // The form is redrawn from the refetched channel before this notice: an edit typed earlier would be lost.
    await page.getByText('posting policy is saved').first().waitFor();

    // A value the API refuses: its message under the field, nothing stored.
    const interval = page.getByLabel('Minimum interval (minutes)');
    await interval.fill('20000');
    await page.getByRole('button', { name: 'Save posting policy' }).click();
    await page.getByText('minIntervalMinutes must be a whole number from 0 to 10080 (a week)').waitFor();
    expect(await interval.getAttribute('aria-invalid')).toBe('true');
    expect((await policyOf(token, id)).minIntervalMinutes).toBe(0);

    // Readable on a phone: the grid fits, nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole('heading', { name: 'Posting policy' }).waitFor();
    // The week saved, summed up, and its grid opened on demand.
    await page.getByTestId('windows-summary').filter({ hasText: 'Posting hours: Mon 9 AM–5 PM; Tue 9 AM–5 PM; Wed 9 AM–5 PM; Thu 9 AM–5 PM; Fri 9 AM–5 PM' }).waitFor();
    await page.getByRole('button', { name: 'Edit Posting hours in the grid' }).click();
    await expect.poll(() => cell('Friday', 16).isChecked()).toBe(true);
    expect(await noWiderThan(page)).toBeLessThanOrEqual(PHONE.width);
  });

  it('shows the reconnect banner for a channel whose access was refused, and reconnects it through its page', async () => {
    const page = harness.page;
    const { token } = await signedUp();
    const redirectUri = `${harness.origin}/admin/connect/callback`;
    const channel = await connectThroughOAuth(harness.t, token, { platform: 'MASTODON', instanceUrl: mastodon.url, redirectUri, name: 'Fediverse shop' });
    await harness.t.app.database.prisma.channel.update({ where: { id: channel.id }, data: { needsReconnect: true, authError: 'The access token was revoked' } });

    await page.goto(`${harness.url}#/channels`);
    const banner = page.getByTestId('reconnect-banner');
    await banner.getByText('A channel needs reconnecting').waitFor();
    await banner.getByText('The access token was revoked').waitFor();
    await expectNoSeriousA11yViolations(page, 'the channels list with the reconnect banner');
    await screenshot(page, 'channels-reconnect');

    await banner.getByRole('button', { name: 'Reconnect: Fediverse shop' }).click();
    await page.getByTestId('connected').filter({ hasText: 'Connected Fediverse shop' }).waitFor();
    await expect.poll(async () => (await channels(token)).map((c) => [c.id, c.needsReconnect])).toEqual([[channel.id, false]]);
    await expect.poll(() => banner.count()).toBe(0);
  });
});

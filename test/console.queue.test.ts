// The Queue in a real browser: deliveries seeded through the API (WEBHOOK channels against the webhook receiver)
// show with their time and scheduleReason; the status and text filters narrow the rows and the total; the time
// column sorts; bulk cancel cancels exactly the rows selected; the reschedule dialog stores the time typed, and a time
// the posting rules refuse (EXACT) shows the reason and the nearest allowed time, whose button stores it; a status
// changed from the API side appears in the open queue without a reload; a row opens its detail with the attempt log.
// Every result is read back from the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { createChannel, createPost, OPEN_POLICY, waitForDelivery } from './helpers/scenario.js';
import { signedInThroughApi, PHONE, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';

const SECRET = 'queue-webhook-secret';
const VIEWER_ZONE = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const harness = startConsole({ timezoneId: VIEWER_ZONE });
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await hooks?.stop();
});

const DELIVERY = 'id status scheduledAt scheduleReason post { id content }';

async function hook(token: string, name: string, policy: Record<string, unknown> = OPEN_POLICY) {
  return (await createChannel(harness.t, token, 'WEBHOOK', { url: `${hooks.url}/${encodeURIComponent(name)}`, secret: SECRET }, name, policy)).id;
}

async function deliveryOf(token: string, postId: string) {
  const { deliveries } = await harness.t.ok(`query($id: ID!) { deliveries(filter: { postId: $id }) { edges { node { ${DELIVERY} } } } }`, { id: postId }, token);
  return deliveries.edges[0].node;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** expect.poll with the harness's own patience (its default of 1 s is shorter than a list's refetch on a busy machine). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });
/** The queue's rows: the data rows of its table, each with its checkbox (the loading placeholders have none). */
const rows = (page: Page) => page.locator('table tbody tr').filter({ has: page.getByRole('checkbox') });
const row = (page: Page, text: string) => rows(page).filter({ hasText: text });

async function openQueue(page: Page, count: number) {
  await page.goto(`${harness.url}#/deliveries`);
  await page.getByRole('heading', { name: 'Queue' }).first().waitFor();
  await poll(() => rows(page).count()).toBe(count);
}

async function selectRows(page: Page, ...texts: string[]) {
  for (const text of texts) await row(page, text).getByRole('checkbox').check();
}

// A page load and its queries take seconds on a busy 2-core machine: more than vitest's default 30 s per test.
describe('the queue', { timeout: 90_000 }, () => {
  it('shows the deliveries with scheduleReason, narrows them by status and text, and sorts by time', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    const bakery = await hook(token, 'Bakery hook');
    // The florist posts 09:00-17:00 UTC only: a post asked for at 20:00 is moved to 09:00 the next day, with the reason.
    const florist = await hook(token, 'Florist hook', {
      ...OPEN_POLICY,
      windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '09:00', end: '17:00' }] })),
    });
    const day0 = Math.floor((Date.now() + 2 * DAY) / DAY) * DAY;
    await createPost(harness.t, token, { content: 'Lemon tart of the week', channelIds: [bakery], scheduledAt: iso(day0 + 10 * HOUR) });
    await createPost(harness.t, token, { content: 'Lemon drizzle cake is back', channelIds: [bakery], scheduledAt: iso(day0 + 12 * HOUR) });
    const roses = await createPost(harness.t, token, { content: 'Roses for the weekend', channelIds: [florist], scheduledAt: iso(day0 + 20 * HOUR) });
    await createPost(harness.t, token, { content: 'Tulip draft, not ready', channelIds: [florist], draft: true });

    await openQueue(page, 4);
    await page.getByText('1-4 of 4').waitFor();
    // Soonest first, the draft (no time) last.
    await poll(async () => (await rows(page).allTextContents()).map((text) => text.match(/Lemon tart|Roses|Lemon drizzle|Tulip/)?.[0])).toEqual([
      'Lemon tart',
      'Lemon drizzle',
      'Roses',
      'Tulip',
    ]);
    const rosesDelivery = await deliveryOf(token, roses.id);
    expect(rosesDelivery.scheduledAt).toBe(iso(day0 + DAY + 9 * HOUR));
    expect(rosesDelivery.scheduleReason).toBeTruthy();
    const rosesRow = row(page, 'Roses for the weekend');
    await rosesRow.getByText(rosesDelivery.scheduleReason).waitFor();
    await rosesRow.getByText('Scheduled', { exact: true }).waitFor();
    await rosesRow.getByText('Florist hook').waitFor();
    // The channel's zone (UTC by default) and the viewer's, both named.
    await rosesRow.getByText(/\(UTC\)/).waitFor();
    await rosesRow.getByText(new RegExp(`Your time: .*\\(${VIEWER_ZONE}\\)`)).waitFor();
    await expectNoSeriousA11yViolations(page, 'the queue');
    await screenshot(page, 'queue');

    // The status filter, by keyboard: focus, open, type-ahead, choose.
    const status = page.getByRole('combobox', { name: 'Status' });
    await status.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('listbox').waitFor();
    // Type-ahead: "Draft" is the one choice starting with D (a word typed slowly would restart the search per key).
    await page.keyboard.press('d');
    await page.getByRole('option', { name: 'Draft' }).and(page.locator(':focus')).waitFor();
    await page.keyboard.press('Enter');
    await poll(() => rows(page).count()).toBe(1);
    await row(page, 'Tulip draft').waitFor();
    await page.getByText('1-1 of 1').waitFor();

    // Back to any status, then the text: two rows of four.
    await status.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('listbox').waitFor();
    // react-admin names its empty choice "Clear value" for screen readers; it reads "Any".
    await page.getByRole('listbox').getByText('Any', { exact: true }).click();
    await poll(() => rows(page).count()).toBe(4);
    await page.getByLabel('Text contains').fill('lemon');
    await poll(() => rows(page).count()).toBe(2);
    await page.getByText('1-2 of 2').waitFor();

    // Sorted by time, latest first.
    await page.getByRole('button', { name: /^Sort by time/i }).click();
    await poll(async () => (await rows(page).first().textContent()) ?? '').toContain('Lemon drizzle');
    await poll(async () => (await rows(page).last().textContent()) ?? '').toContain('Lemon tart');

    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.reload();
    await poll(() => rows(page).count()).toBe(2);
    await screenshot(page, 'queue-phone');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });

  it('cancels exactly the two rows selected, after a confirmation', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    const channel = await hook(token, 'Cancel hook');
    const base = Date.now() + 3 * DAY;
    const posts = [];
    for (const [index, name] of ['Alpha', 'Bravo', 'Charlie'].entries()) {
      posts.push(await createPost(harness.t, token, { content: `${name} announcement`, channelIds: [channel], scheduledAt: iso(base + index * HOUR) }));
    }
    await openQueue(page, 3);
    await selectRows(page, 'Alpha announcement', 'Charlie announcement');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel 2 deliveries?' });
    await dialog.getByRole('button', { name: 'Cancel them' }).click();
    await poll(() => row(page, 'Alpha announcement').getByText('Cancelled', { exact: true }).count()).toBe(1);

    const statuses = await Promise.all(posts.map(async (post) => (await deliveryOf(token, post.id)).status));
    expect(statuses).toEqual(['CANCELLED', 'SCHEDULED', 'CANCELLED']);
  });

  it('reschedules through the dialog to the time typed', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    const channel = await hook(token, 'Move hook');
    const post = await createPost(harness.t, token, { content: 'Move me later', channelIds: [channel], scheduledAt: iso(Date.now() + 2 * DAY) });
    await openQueue(page, 1);
    await selectRows(page, 'Move me later');
    await page.getByRole('button', { name: 'Reschedule', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reschedule 1 delivery' });
    // The viewer types their own wall clock (New York): five days from now at 14:30.
    const wanted = DateTime.now().setZone(VIEWER_ZONE).plus({ days: 5 }).set({ hour: 14, minute: 30, second: 0, millisecond: 0 });
    await dialog.getByLabel(/New time/).fill(wanted.toFormat("yyyy-MM-dd'T'HH:mm"));
    await expectNoSeriousA11yViolations(page, 'the reschedule dialog');
    await dialog.getByRole('button', { name: 'Reschedule' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await poll(async () => (await deliveryOf(token, post.id)).scheduledAt).toBe(iso(wanted.toMillis()));
  });

  it('shows the reason of a refused time with the nearest allowed one, and stores that one from its button', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    // 09:00-17:00 UTC every day: 20:00 is refused, and the nearest allowed is 09:00 the next day.
    const office = await hook(token, 'Office hours', {
      ...OPEN_POLICY,
      windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '09:00', end: '17:00' }] })),
    });
    const day0 = Math.floor((Date.now() + 3 * DAY) / DAY) * DAY;
    const post = await createPost(harness.t, token, { content: 'Office news', channelIds: [office], scheduledAt: iso(day0 + 10 * HOUR) });
    await openQueue(page, 1);
    await selectRows(page, 'Office news');
    await page.getByRole('button', { name: 'Reschedule', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reschedule 1 delivery' });
    const refusedAt = DateTime.fromMillis(day0 + 20 * HOUR, { zone: VIEWER_ZONE });
    await dialog.getByLabel(/New time/).fill(refusedAt.toFormat("yyyy-MM-dd'T'HH:mm"));
    await poll(() => dialog.getByRole('checkbox', { name: /Exactly at this time/ }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Reschedule' }).click();

    // The API's reason, and its nearest allowed time offered in the channel's zone.
    const refusal = dialog.getByRole('alert');
    await refusal.getByText('Not rescheduled (1):').waitFor();
    const { errors } = await harness.t.gql(
      `mutation($id: ID!, $at: DateTime!) { rescheduleDelivery(id: $id, scheduledAt: $at, schedulingMode: EXACT) { id } }`,
      {
        id: (await deliveryOf(token, post.id)).id,
        at: iso(day0 + 20 * HOUR),
      },
      token,
    );
    await refusal.getByText(errors![0]!.message).waitFor();
    const nearest = iso(day0 + DAY + 9 * HOUR);
    expect(errors![0]!.extensions?.nearestAllowedAt).toBe(nearest);
    expect((await deliveryOf(token, post.id)).scheduledAt).toBe(iso(day0 + 10 * HOUR));
    await expectNoSeriousA11yViolations(page, 'a refused reschedule');
    await screenshot(page, 'queue-reschedule-refused');

    const nearestText = DateTime.fromISO(nearest, { zone: 'UTC' }).toFormat('MMM d, yyyy');
    await refusal.getByRole('button', { name: new RegExp(`Use the nearest allowed time: ${nearestText}, 9:00\\sAM \\(UTC\\)`) }).click();
    await dialog.waitFor({ state: 'hidden' });
    await poll(async () => (await deliveryOf(token, post.id)).scheduledAt).toBe(nearest);
  });

  it('shows a status changed from the API side without a reload, and opens a row’s detail with its attempt log', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    const channel = await hook(token, 'Live hook');
    const post = await createPost(harness.t, token, {
      content: 'Goes out while you watch',
      channelIds: [channel],
      scheduledAt: iso(Date.now() + 2 * DAY),
      mediaUrls: [`${hooks.url}/media/tart.png`],
    });
    await openQueue(page, 1);
    const live = row(page, 'Goes out while you watch');
    await live.getByText('Scheduled', { exact: true }).waitFor();
    // The page was loaded once: a reload would be a new navigation, which this counts.
    let navigations = 0;
    page.on('framenavigated', (frame) => void (frame === page.mainFrame() && navigations++));

    const { id } = await deliveryOf(token, post.id);
    await harness.t.ok(`mutation($id: ID!) { publishDeliveryNow(id: $id) { id } }`, { id }, token);
    await waitForDelivery(harness.t, token, post.id, ['PUBLISHED']);
    await live.getByText('Published', { exact: true }).waitFor();
    expect(navigations).toBe(0);

    await live.getByRole('link', { name: 'Goes out while you watch' }).click();
    await page.getByRole('heading', { name: 'Delivery to Live hook' }).waitFor();
    const log = page.getByRole('table', { name: 'Attempt log' });
    await poll(() => log.locator('tbody tr').count()).toBe(1);
    await log.getByText('Published').waitFor();
    await page.getByRole('img', { name: /Media 1/ }).waitFor();
    await page.getByRole('region', { name: "Post's text" }).getByText('Goes out while you watch').waitFor();
    await expectNoSeriousA11yViolations(page, 'the delivery detail');
    await screenshot(page, 'delivery-detail');
  });
});

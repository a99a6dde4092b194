// The Calendar page in a real browser, with the page's clock fixed (2030-03-04, a Monday) and the viewer in New York:
// deliveries land on the right days in the zone chosen, and a zone switch moves one across midnight; the week view
// shows times; a drag reschedules to exactly the dropped instant; a channel with posting hours refuses a drop outside
// them (the event springs back, the reason and the nearest allowed time appear, and its button moves it there); a
// change made through the API shows without a reload. What the UI did is read back from the API.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';
import { OPEN_POLICY } from './helpers/scenario.js';

const VIEWER_ZONE = 'America/New_York';
const harness = startConsole({ clock: '2030-03-04T15:00:00Z', timezoneId: VIEWER_ZONE });
const SECRET = 'a webhook secret of some length';
let receiver: WebhookReceiver;
// Each test signs in and draws months of events: on a busy 2-core machine (test files run two at a time) one step
// can take longer than the harness's 10 s, so the waits and the tests get more room (they still wait for a state).
beforeEach(() => harness.context.setDefaultTimeout(20_000));

beforeAll(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await receiver?.stop();
});

/** A new workspace through the API, for the seeding; returns its owner's token. */
async function signUp(): Promise<{ email: string; token: string }> {
  const email = `calendar${randomBytes(4).toString('hex')}@example.com`;
  const { signup } = await harness.t.ok('mutation($email: String!, $password: String!) { signup(email: $email, password: $password, workspaceName: "Calendar") { token } }', {
    email,
    password: PASSWORD,
  });
  return { email, token: signup.token };
}

/** Signs in on the login page the calendar's address leads to, and lands on the calendar. */
async function openCalendar(page: Page, email: string) {
  await page.goto(`${harness.url}#/calendar`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('menuitem', { name: 'Calendar' }).click();
  await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
}

async function createChannel(token: string, name: string, timezone: string, policy: Record<string, unknown> = OPEN_POLICY): Promise<string> {
  const input = { platform: 'WEBHOOK', name, timezone, credentials: { url: `${receiver.url}/${encodeURIComponent(name)}`, secret: SECRET }, policy };
  return (await harness.t.ok('mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }', { input }, token)).createChannel.id;
}

/** A post on one channel at exactly that instant; returns its delivery's id. */
async function schedule(token: string, channelId: string, content: string, at: string): Promise<string> {
  const input = { content, channelIds: [channelId], scheduledAt: at, schedulingMode: 'EXACT' };
  return (await harness.t.ok('mutation($input: CreatePostInput!) { createPost(input: $input) { deliveries { id } } }', { input }, token)).createPost.deliveries[0].id;
}

async function deliveryOf(token: string, id: string): Promise<{ status: string; scheduledAt: string }> {
  return (await harness.t.ok('query($id: ID!) { delivery(id: $id) { status scheduledAt } }', { id }, token)).delivery;
}

const eventOf = (page: Page, deliveryId: string): Locator => page.locator(`[data-delivery-id="${deliveryId}"]`);
const dayCell = (page: Page, date: string): Locator => page.locator(`[role="cell"][data-date="${date}"]`);

async function chooseZone(page: Page, name: RegExp) {
  await page.getByRole('combobox', { name: 'Time zone' }).click();
  await page.getByRole('option', { name }).click();
}

describe('the calendar', { timeout: 90_000 }, () => {
  it('shows deliveries on their days in the chosen zone, and a zone switch moves one across midnight', async () => {
    const page = harness.page;
    const { email, token } = await signUp();
    const paris = await createChannel(token, 'Paris shop', 'Europe/Paris');
    // 23:30 UTC on the 12th: 19:30 on the 12th in New York, 00:30 on the 13th in Paris.
    const late = await schedule(token, paris, 'Late night croissants', '2030-03-12T23:30:00Z');
    const noon = await schedule(token, paris, 'Lunch menu', '2030-03-20T12:00:00Z');
    await openCalendar(page, email);
    await page.getByTestId('calendar-zone').getByText(`Times in ${VIEWER_ZONE}`).waitFor();
    await eventOf(page, late).waitFor();
    expect(await dayCell(page, '2030-03-12').locator(`[data-delivery-id="${late}"]`).count()).toBe(1);
    expect(await dayCell(page, '2030-03-20').locator(`[data-delivery-id="${noon}"]`).count()).toBe(1);
    await screenshot(page, 'calendar-month');

    await chooseZone(page, /^Europe\/Paris/);
    await page.getByTestId('calendar-zone').getByText('Times in Europe/Paris').waitFor();
    await dayCell(page, '2030-03-13').locator(`[data-delivery-id="${late}"]`).waitFor();
    expect(await dayCell(page, '2030-03-12').locator(`[data-delivery-id="${late}"]`).count()).toBe(0);
    await expectNoSeriousA11yViolations(page, 'the calendar (month)');
  });

  it('shows the time in the week view, in the zone named on the page', async () => {
    const page = harness.page;
    const { email, token } = await signUp();
    const paris = await createChannel(token, 'Paris shop', 'Europe/Paris');
    // 14:15 UTC on Wednesday the 13th: 10:15 in New York (daylight saving time from the 10th).
    const id = await schedule(token, paris, 'Spring collection', '2030-03-13T14:15:00Z');
    await openCalendar(page, email);
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    const event = eventOf(page, id);
    await event.waitFor();
    await expect.poll(() => event.textContent()).toMatch(/10:15/);
    expect(await event.getAttribute('aria-label')).toMatch(/^Paris shop: Spring collection\. Scheduled, .*10:15.*EDT/);
    await page.getByTestId('calendar-zone').getByText(`Times in ${VIEWER_ZONE}`).waitFor();
    await expectNoSeriousA11yViolations(page, 'the calendar (week)');
    await screenshot(page, 'calendar-week');

    await chooseZone(page, /^UTC/);
    await expect.poll(() => eventOf(page, id).textContent()).toMatch(/14:15|2:15/);

    // Readable on a phone (opened at that size, in the zone chosen before): nothing wider than the screen.
    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByTestId('calendar-zone').getByText('Times in UTC').waitFor();
    await eventOf(page, id).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSeriousA11yViolations(page, 'the calendar on a phone');
    await screenshot(page, 'calendar-phone');
  });

  it('reschedules a dragged delivery to exactly the instant of the drop', async () => {
    const page = harness.page;
    const { email, token } = await signUp();
    const shop = await createChannel(token, 'Open shop', 'UTC');
    const id = await schedule(token, shop, 'Drag me', '2030-03-14T14:00:00Z');
    const published = await schedule(token, shop, 'Out already', '2030-03-15T09:00:00Z');
    await harness.t.app.database.pool.query(`UPDATE deliveries SET status = 'PUBLISHED', published_at = scheduled_at WHERE id = $1`, [published]);
    await openCalendar(page, email);
    await chooseZone(page, /^UTC/);
    await dayCell(page, '2030-03-14').locator(`[data-delivery-id="${id}"]`).waitFor();

    await drag(eventOf(page, id), dayCell(page, '2030-03-20'));
    await page.getByText(/^Moved to /).waitFor();
    expect(await deliveryOf(token, id)).toEqual({ status: 'SCHEDULED', scheduledAt: '2030-03-20T14:00:00.000Z' });
    await dayCell(page, '2030-03-20').locator(`[data-delivery-id="${id}"]`).waitFor();

    // A published one does not move.
    await drag(eventOf(page, published), dayCell(page, '2030-03-21'));
    expect(await dayCell(page, '2030-03-15').locator(`[data-delivery-id="${published}"]`).count()).toBe(1);
    expect((await deliveryOf(token, published)).status).toBe('PUBLISHED');

    // By keyboard: Enter on the focused event opens it; its time field (in the shown zone) moves it.
    await eventOf(page, id).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: /Open shop · Scheduled/ });
    await dialog.getByLabel('New time (UTC)').fill('2030-03-25T08:30');
    await dialog.getByRole('button', { name: 'Move' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await deliveryOf(token, id)).toEqual({ status: 'SCHEDULED', scheduledAt: '2030-03-25T08:30:00.000Z' });
  });

  it('springs a drop outside the posting hours back, says why, and moves it to the nearest allowed time', async () => {
    const page = harness.page;
    const { email, token } = await signUp();
    // Weekdays 09:00-17:00 in Paris (UTC+1 in March until the 31st).
    const weekdays = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: '09:00', end: '17:00' }] }));
    const office = await createChannel(token, 'Office', 'Europe/Paris', {
      ...OPEN_POLICY,
      windows: weekdays,
      blackouts: [{ start: '2030-03-19', end: '2030-03-19', label: 'Holiday' }],
    });
    const id = await schedule(token, office, 'Weekday news', '2030-03-12T09:00:00Z'); // Tuesday 10:00 in Paris
    await openCalendar(page, email);
    await chooseZone(page, /^Europe\/Paris/);
    await page.getByRole('combobox', { name: 'Channel' }).click();
    await page.getByRole('option', { name: 'Office' }).click();
    await page.getByText('Shaded: outside the posting hours of Office').waitFor();
    await dayCell(page, '2030-03-12').locator(`[data-delivery-id="${id}"]`).waitFor();
    // The blackout is shaded on its day.
    await dayCell(page, '2030-03-19').locator('.pf-calendar-blackout[title="Holiday"]').waitFor();

    // Saturday the 16th, 10:00 in Paris: outside the hours.
    await drag(eventOf(page, id), dayCell(page, '2030-03-16'));
    const refusal = page.getByTestId('calendar-refusal');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/posting hours|window/i);
    // Monday the 18th at 09:00 in Paris is the nearest allowed instant after it.
    await refusal.getByText(/nearest allowed time after it is Mon, Mar 18, 2030, 9:00\sAM GMT\+1/).waitFor();
    await dayCell(page, '2030-03-12').locator(`[data-delivery-id="${id}"]`).waitFor();
    expect(await dayCell(page, '2030-03-16').locator(`[data-delivery-id="${id}"]`).count()).toBe(0);
    expect((await deliveryOf(token, id)).scheduledAt).toBe('2030-03-12T09:00:00.000Z');
    await expectNoSeriousA11yViolations(page, 'the calendar with a refused drop');
    await screenshot(page, 'calendar-refused-drop');

    await refusal.getByRole('button', { name: /^Move it to / }).click();
    await refusal.waitFor({ state: 'detached' });
    expect(await deliveryOf(token, id)).toEqual({ status: 'SCHEDULED', scheduledAt: '2030-03-18T08:00:00.000Z' });
    await dayCell(page, '2030-03-18').locator(`[data-delivery-id="${id}"]`).waitFor();

    // The week view shades the hours outside 09:00-17:00 Paris time, the weekend and the blackout.
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.pf-calendar-closed[title="Outside posting hours"]').first().waitFor();
    await page.locator('.pf-calendar-blackout[title="Holiday"]').waitFor();
    await screenshot(page, 'calendar-week-posting-hours');
  });

  it('shows a change made through the API without a reload', async () => {
    const page = harness.page;
    const { email, token } = await signUp();
    const shop = await createChannel(token, 'Live shop', 'UTC');
    const id = await schedule(token, shop, 'Watch me', '2030-03-14T14:00:00Z');
    const frames = listenForLiveEvents(page);
    await openCalendar(page, email);
    await chooseZone(page, /^UTC/);
    await dayCell(page, '2030-03-14').locator(`[data-delivery-id="${id}"]`).waitFor();
    await untilSubscribed(token, shop, frames);

    await harness.t.ok('mutation($id: ID!) { rescheduleDelivery(id: $id, scheduledAt: "2030-03-22T10:00:00Z") { id } }', { id }, token);
    await dayCell(page, '2030-03-22').locator(`[data-delivery-id="${id}"]`).waitFor();
    await harness.t.ok('mutation($id: ID!) { cancelDelivery(id: $id) { id } }', { id }, token);
    await eventOf(page, id).waitFor({ state: 'detached' });
  });
});

/** A mouse drag in steps, as a person does it (FullCalendar starts a drag after a few pixels of movement). */
async function drag(from: Locator, to: Locator) {
  await from.dragTo(to, { steps: 12 });
}

/** The deliveryUpdated events the page's graphql-ws socket receives, as they come. */
function listenForLiveEvents(page: Page): string[] {
  const received: string[] = [];
  page.on('websocket', (socket) =>
    socket.on('framereceived', (frame) => void (typeof frame.payload === 'string' && frame.payload.includes('deliveryUpdated') && received.push(frame.payload))),
  );
  return received;
}

/** The server sets a subscription up out of the client's sight: probe drafts until the page hears one. */
async function untilSubscribed(token: string, channelId: string, received: string[]) {
  for (let probe = 0; !received.length; probe++) {
    if (probe > 50) throw new Error('the calendar never heard a deliveryUpdated event');
    await harness.t.ok(
      'mutation($input: CreatePostInput!) { createPost(input: $input) { id } }',
      { input: { content: `probe ${probe}`, channelIds: [channelId], draft: true } },
      token,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

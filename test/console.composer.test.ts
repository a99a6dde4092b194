// The composer in a real browser: per-network counters and verdicts from validatePost as the text is typed (a
// webhook counting UTF-16 up to 63,206, Bluesky counting graphemes up to 300), an override that makes the short one
// fit, the schedule preview (the instant asked for, the smart scheduler's slot, an EXACT refusal before submitting)
// and each of the four timings, read back from the API. Channels are seeded through the API against the fakes; the
// viewer sits in New York, the Bluesky channel in Tokyo, the webhook in UTC, so every zone shown is a choice.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { startBlueskyFake, type BlueskyFake } from './fakes/blueskyFake.js';
import { startMediaHost, type MediaHost } from './fakes/httpFake.js';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { OPEN_POLICY } from './helpers/scenario.js';
import { eventually } from './helpers/testApp.js';
import { PASSWORD, PHONE, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';

const VIEWER_ZONE = 'America/New_York';
const SKY_ZONE = 'Asia/Tokyo';
const SECRET = 'composer-webhook-secret';

const harness = startConsole({ timezoneId: VIEWER_ZONE });
let hooks: WebhookReceiver;
let bluesky: BlueskyFake;
let media: MediaHost;

beforeAll(async () => {
  [hooks, bluesky, media] = await Promise.all([startWebhookReceiver({ secret: SECRET }), startBlueskyFake(), startMediaHost()]);
});
afterAll(async () => {
  await Promise.all([hooks?.stop(), bluesky?.stop(), media?.stop()]);
});

/** Two days ahead in Tokyo: its posting hours are 10:00-12:00 every day, its queue hours 10:00-11:00 that day only. */
const skyDay = () => DateTime.now().setZone(SKY_ZONE).plus({ days: 2 }).startOf('day');
const inTokyo = (hour: number, minute = 0) => skyDay().set({ hour, minute }).toUTC().toISO()!;
const localInput = (hour: number, minute = 0) => skyDay().set({ hour, minute }).toFormat("yyyy-MM-dd'T'HH:mm");

interface Seeded {
  token: string;
  hook: string;
  sky: string;
}

/**
 * A person signed up through the API, the browser signed in with a session cookie of its own (the login page has
 * its own tests), with a webhook channel (UTC, any hour) and a Bluesky channel (Tokyo).
 */
async function signUpWithChannels(): Promise<Seeded> {
  const { t } = harness;
  const email = `baker${randomBytes(4).toString('hex')}@example.com`;
  const token = (await t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Bakery") { token } }`, { email })).signup.token as string;
  // The browser context's own request client: the HttpOnly cookie the answer sets lands in the context's jar.
  const login = await harness.context.request.post(`${harness.origin}/graphql`, {
    headers: { 'content-type': 'application/json', 'x-graphql-yoga-csrf': '1' },
    data: { query: `mutation($email: String!) { login(email: $email, password: "${PASSWORD}", cookie: true) { token } }`, variables: { email } },
  });
  expect(((await login.json()) as { errors?: unknown }).errors).toBeUndefined();
  const create = async (input: Record<string, unknown>) =>
    (await t.ok(`mutation($input: CreateChannelInput!) { createChannel(input: $input) { id } }`, { input }, token)).createChannel.id as string;
  const hook = await create({ platform: 'WEBHOOK', name: 'Blog hook', credentials: { url: hooks.hookUrl, secret: SECRET }, policy: OPEN_POLICY });
  const everyDay = (start: string, end: string) => [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start, end }] }));
  const sky = await create({
    platform: 'BLUESKY',
    name: 'Sky',
    timezone: SKY_ZONE,
    credentials: { identifier: bluesky.handle, appPassword: bluesky.appPassword, service: bluesky.url },
    policy: {
      windows: everyDay('10:00', '12:00'),
      queueHours: [{ weekday: skyDay().weekday, ranges: [{ start: '10:00', end: '11:00' }] }],
      minIntervalMinutes: 0,
      queueSpacingMinutes: 0,
      reservedShare: 0,
    },
  });
  return { token, hook, sky };
}

async function openComposer(page: Page, channelIds: string[] = []) {
  const query = channelIds.map((id) => `channel=${id}`).join('&');
  await page.goto(`${harness.url}#/compose${query ? `?${query}` : ''}`);
  await page.getByRole('heading', { level: 1, name: 'New post' }).waitFor();
}

/** Waits for what the page shows to settle (debounced checks, live updates): vitest's default of 1 s is too short here. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });
const verdictOf = (page: Page, channelName: string) => page.getByRole('region', { name: channelName, exact: true });
const counterOf = (page: Page, channelName: string) => verdictOf(page, channelName).getByTestId('counter');
const textOf = (locator: Locator) => locator.textContent();
const wherePreview = (page: Page) => page.getByRole('region', { name: 'Where it would go' });
const placementOf = (page: Page, channelId: string) => wherePreview(page).locator(`li[data-channel="${channelId}"]`);

async function readPost(token: string, id: string) {
  return (
    await harness.t.ok(`query($id: ID!) { post(id: $id) { content mediaUrls deliveries { status scheduledAt contentOverride scheduleReason channel { id } } } }`, { id }, token)
  ).post as {
    content: string;
    mediaUrls: string[];
    deliveries: { status: string; scheduledAt: string | null; contentOverride: string | null; scheduleReason: string | null; channel: { id: string } }[];
  };
}

/** The post the composer just made: the newest in the workspace (each test has a workspace of its own). */
async function latestPost(token: string) {
  const edges = (await harness.t.ok(`{ posts(first: 5) { edges { node { id } } } }`, {}, token)).posts.edges as { node: { id: string } }[];
  expect(edges).toHaveLength(1);
  return readPost(token, edges[0]!.node.id);
}

const deliveryOn = (post: Awaited<ReturnType<typeof readPost>>, channelId: string) => post.deliveries.find((d) => d.channel.id === channelId)!;

describe('the composer', { timeout: 90_000 }, () => {
  it('counts each network its own way, marks the over-limit one, and an override for it makes it fit (saved as a draft)', async () => {
    const page = harness.page;
    const { token, hook, sky } = await signUpWithChannels();
    // Reached with a channel preselected from the query string.
    await openComposer(page, [hook]);
    await poll(() => page.getByRole('checkbox', { name: /^Blog hook/ }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: /^Sky/ }).isChecked()).toBe(false);
    await page.getByRole('checkbox', { name: /^Sky/ }).check();

    // A thumbs-up with a skin tone: 4 UTF-16 units for the webhook, 1 grapheme for Bluesky.
    const text = page.getByLabel('Text', { exact: true });
    await text.fill('Hi 👍🏽');
    await poll(() => textOf(counterOf(page, 'Blog hook'))).toBe('7 / 63,206');
    await poll(() => textOf(counterOf(page, 'Sky'))).toBe('4 / 300');

    const long = `Fresh bread every morning. ${'Crusty sourdough, warm rye and soft brioche. '.repeat(7)}`.trim();
    await text.fill(long);
    await poll(() => textOf(counterOf(page, 'Blog hook'))).toBe(`${long.length} / 63,206`);
    await poll(() => textOf(counterOf(page, 'Sky'))).toBe(`${long.length} / 300`);
    expect(long.length).toBeGreaterThan(300);
    await verdictOf(page, 'Sky').getByText('Refused', { exact: true }).waitFor();
    await verdictOf(page, 'Sky')
      .getByText(/Bluesky allows 300/)
      .waitFor();
    await verdictOf(page, 'Blog hook').getByText('Fits', { exact: true }).waitFor();

    await page.getByLabel('Different text for Sky').check();
    await page.getByLabel('Text for Sky', { exact: true }).fill('Fresh bread every morning 🥐');
    await poll(() => textOf(counterOf(page, 'Sky'))).toBe('27 / 300');
    await verdictOf(page, 'Sky').getByText('Fits', { exact: true }).waitFor();
    // The look preview: each network's text as it will be sent.
    const look = page.getByRole('region', { name: 'How it will look' });
    await poll(() => textOf(look.getByRole('region', { name: 'On Sky' }).getByTestId('sent-text'))).toBe('Fresh bread every morning 🥐');
    await poll(() => textOf(look.getByRole('region', { name: 'On Blog hook' }).getByTestId('sent-text'))).toBe(long);

    await expectNoSeriousA11yViolations(page, 'the composer with an override');
    await screenshot(page, 'composer');

    await page.getByRole('radio', { name: 'Draft' }).check();
    await wherePreview(page)
      .getByText(/a draft waits/)
      .waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('heading', { name: 'Post created' }).waitFor();
    const post = await latestPost(token);
    expect(post.content).toBe(long);
    expect(deliveryOn(post, sky)).toMatchObject({ status: 'DRAFT', scheduledAt: null, contentOverride: 'Fresh bread every morning 🥐' });
    expect(deliveryOn(post, hook)).toMatchObject({ status: 'DRAFT', scheduledAt: null, contentOverride: null });
  });

  it('schedules at a time read in the chosen zone, previewed per channel, with images as thumbnails', async () => {
    const page = harness.page;
    const { token, hook, sky } = await signUpWithChannels();
    await openComposer(page, [hook, sky]);
    await page.getByLabel('Text', { exact: true }).fill('Open day at the bakery');

    await page.getByLabel('Image URL 1', { exact: true }).fill(media.urlFor('chocolate-cake.png'));
    await page.getByRole('button', { name: 'Add an image URL' }).click();
    await page.getByLabel('Image URL 2', { exact: true }).fill(media.urlFor('missing-photo.png'));
    const form = page.getByRole('form', { name: 'New post' });
    await form.getByRole('img', { name: 'chocolate cake' }).waitFor();
    await form.getByRole('img', { name: 'The image missing photo could not be loaded' }).waitFor();
    await poll(() => form.getByRole('img', { name: 'chocolate cake' }).evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    await page.getByRole('button', { name: 'Remove image URL 2' }).click();

    await page.getByRole('radio', { name: 'At a time' }).check();
    await page.getByRole('combobox', { name: 'Time zone' }).click();
    await page.getByRole('option', { name: `${SKY_ZONE} (Sky)` }).click();
    await page.getByLabel('Date and time').fill(localInput(10, 30));
    const asked = inTokyo(10, 30);
    // The instant asked for, on both channels (inside Sky's posting hours; the webhook allows any hour).
    for (const channelId of [sky, hook])
      await poll(async () => Date.parse((await placementOf(page, channelId).locator('time').getAttribute('datetime')) ?? '')).toBe(Date.parse(asked));
    await placementOf(page, sky).getByText(`(${SKY_ZONE})`).waitFor();
    await placementOf(page, hook).getByText(/UTC/).waitFor();
    await page.getByText(`(${VIEWER_ZONE})`).first().waitFor();
    await page.getByRole('region', { name: 'On Sky' }).getByRole('img', { name: 'chocolate cake' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the composer with a time and images');
    await screenshot(page, 'composer-at-a-time');

    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByRole('heading', { name: 'Post created' }).waitFor();
    const post = await latestPost(token);
    expect(post.mediaUrls).toEqual([media.urlFor('chocolate-cake.png')]);
    for (const channelId of [sky, hook]) {
      expect(deliveryOn(post, channelId).status).toBe('SCHEDULED');
      expect(Date.parse(deliveryOn(post, channelId).scheduledAt!)).toBe(Date.parse(asked));
    }
    // The created post's deliveries with their times.
    await poll(() => page.locator('[data-delivery] time').count()).toBe(2);
    expect(media.requests).toContain('/chocolate-cake.png');
  });

  it('shows an EXACT time outside the posting hours as refused before submitting, and on the time field after', async () => {
    const page = harness.page;
    const { token, hook, sky } = await signUpWithChannels();
    await openComposer(page, [hook, sky]);
    await page.getByLabel('Text', { exact: true }).fill('Late night special');
    await page.getByRole('combobox', { name: 'Time zone' }).click();
    await page.getByRole('option', { name: `${SKY_ZONE} (Sky)` }).click();
    await page.getByLabel('Date and time').fill(localInput(13));

    // SHIFT first: moved to the next allowed instant, 10:00 the day after.
    const shifted = skyDay().plus({ days: 1 }).set({ hour: 10 }).toUTC().toISO()!;
    await poll(async () => Date.parse((await placementOf(page, sky).locator('time').getAttribute('datetime')) ?? '')).toBe(Date.parse(shifted));

    await page.getByRole('radio', { name: /EXACT/ }).check();
    await placementOf(page, sky)
      .getByText(/^Refused: /)
      .waitFor();
    expect(await placementOf(page, sky).locator('time').count()).toBe(0);
    // The webhook allows any hour: it keeps the instant.
    await poll(async () => Date.parse((await placementOf(page, hook).locator('time').getAttribute('datetime')) ?? '')).toBe(Date.parse(inTokyo(13)));
    await screenshot(page, 'composer-exact-refused');

    await page.getByRole('button', { name: 'Schedule' }).click();
    const field = page.getByLabel('Date and time');
    await poll(() => field.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('alert').filter({ hasText: 'The post was not created' }).first().waitFor();
    const described = (await field.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${described}"]`).textContent()).toMatch(/posting hours/);
    expect((await harness.t.ok(`{ posts(first: 5) { edges { node { id } } } }`, {}, token)).posts.edges).toEqual([]);
  });

  it("adds to the queue at the smart scheduler's previewed slot", async () => {
    const page = harness.page;
    const { token, sky } = await signUpWithChannels();
    await openComposer(page, [sky]);
    await page.getByLabel('Text', { exact: true }).fill('Queued croissant news');
    await page.getByRole('radio', { name: 'Add to queue' }).check();
    const slot = inTokyo(10);
    await poll(async () => Date.parse((await placementOf(page, sky).locator('time').getAttribute('datetime')) ?? '')).toBe(Date.parse(slot));
    await placementOf(page, sky)
      .getByText(/smart scheduler/)
      .waitFor();
    await expectNoSeriousA11yViolations(page, 'the composer adding to the queue');
    await screenshot(page, 'composer-queue-preview');

    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByRole('heading', { name: 'Post created' }).waitFor();
    // Created PENDING, the smart scheduler places it at once (and runs again here, in case it has not yet): where
    // the preview said, and the created post's panel follows it there live.
    await harness.t.ok(`mutation { runSmartSchedule { placed } }`, {}, token);
    const placed = deliveryOn(await latestPost(token), sky);
    expect(placed.status).toBe('SCHEDULED');
    expect(Date.parse(placed.scheduledAt!)).toBe(Date.parse(slot));
    expect(placed.scheduleReason).toMatch(/smart scheduler/);
    await poll(async () => Date.parse((await page.locator('[data-delivery] time').getAttribute('datetime')) ?? '')).toBe(Date.parse(slot));
  });

  it('publishes now, opened from the menu on a phone screen it fits', async () => {
    const page = harness.page;
    const { token, hook } = await signUpWithChannels();
    // Opened at that size, as a phone would: the menu is a drawer behind its button.
    await page.setViewportSize(PHONE);
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('menuitem', { name: 'New post' }).click();
    await page.getByRole('heading', { level: 1, name: 'New post' }).waitFor();
    await page.getByRole('checkbox', { name: /^Blog hook/ }).check();
    const content = `Out of the oven right now ${Date.now()}`;
    await page.getByLabel('Text', { exact: true }).fill(content);
    await page.getByRole('radio', { name: 'Now' }).check();
    await wherePreview(page).getByText('Goes out at once on every chosen channel.').waitFor();
    await poll(() => textOf(counterOf(page, 'Blog hook'))).toBe(`${content.length} / 63,206`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expectNoSeriousA11yViolations(page, 'the composer on a phone');
    await screenshot(page, 'composer-phone');

    const before = Date.now();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.getByRole('heading', { name: 'Post created' }).waitFor();
    const delivery = deliveryOn(await latestPost(token), hook);
    expect(['SCHEDULED', 'PUBLISHING', 'PUBLISHED']).toContain(delivery.status);
    expect(Date.parse(delivery.scheduledAt!)).toBeGreaterThanOrEqual(before - 5_000);
    expect(Date.parse(delivery.scheduledAt!)).toBeLessThanOrEqual(Date.now());
    await eventually(async () => hooks.deliveries.some((d) => JSON.stringify(d.body).includes(content)), 15_000, 'the webhook receiving the post');
    // The created post's panel follows the delivery live to PUBLISHED.
    await page.locator('[data-delivery]').getByText('Blog hook · Published', { exact: true }).waitFor({ timeout: 15_000 });
  });

  it('shows a media URL the API refuses on its own field, and creates nothing', async () => {
    const page = harness.page;
    const { token, hook } = await signUpWithChannels();
    await openComposer(page, [hook]);
    await page.getByLabel('Text', { exact: true }).fill('With a picture');
    await page.getByLabel('Image URL 1', { exact: true }).fill('ftp://files.invalid/cake.png');
    await page.getByRole('radio', { name: 'Draft' }).check();
    await page.getByRole('button', { name: 'Save draft' }).click();

    const field = page.getByLabel('Image URL 1', { exact: true });
    await poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const described = (await field.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${described}"]`).textContent()).toBe('"ftp://files.invalid/cake.png" is not an http(s) URL');
    await page.getByRole('alert').filter({ hasText: 'The post was not created' }).first().waitFor();
    expect((await harness.t.ok(`{ posts(first: 5) { edges { node { id } } } }`, {}, token)).posts.edges).toEqual([]);
  });
});

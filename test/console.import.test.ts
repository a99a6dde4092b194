// The CSV import in a real browser: a 1,000-row file over two channels is checked, sent in chunks with the progress
// bar moving, and its rows without a time end up placed by the smart scheduler; the same file again creates nothing;
// a file with bad rows names their lines and sends nothing. Everything is read back from the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { PASSWORD, expectNoSeriousA11yViolations, logInInBrowser, screenshot, startConsole } from './helpers/browser.js';
import { createChannel } from './helpers/scenario.js';
import { eventually } from './helpers/testApp.js';

const SECRET = 'webhook-secret-of-the-import';
// Local times in the file are read in the browser's zone unless another is chosen.
const harness = startConsole({ timezoneId: 'Europe/Berlin' });
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await hooks?.stop();
});

interface Workspace {
  token: string;
  email: string;
  channels: { a: string; b: string };
}

async function workspaceInBrowser(page: Page): Promise<Workspace> {
  const email = `import${Date.now()}${Math.floor(Math.random() * 1e6)}@example.com`;
  const { token } = (await harness.t.ok(`mutation($email: String!) { signup(email: $email, password: "${PASSWORD}", workspaceName: "Bakery") { token } }`, { email })).signup;
  const a = (await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Bakery Mastodon')).id;
  const b = (await createChannel(harness.t, token, 'WEBHOOK', { url: hooks.hookUrl, secret: SECRET }, 'Bakery Bluesky')).id;
  // 1,000 rows are checked and sent by the page itself: on a busy two-core machine that takes more than 10 s.
  harness.context.setDefaultTimeout(30_000);
  await logInInBrowser(page, harness.url, { email, password: PASSWORD });
  return { token, email, channels: { a, b } };
}

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
const csv = (rows: string[][]) => rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';

async function deliveryCount(token: string, filter: Record<string, unknown> = {}): Promise<number> {
  const data = await harness.t.ok(`query($filter: DeliveryFilter) { deliveries(filter: $filter, first: 1) { totalCount } }`, { filter }, token);
  return data.deliveries.totalCount;
}

async function postCount(token: string): Promise<number> {
  return (await harness.t.ok(`{ workspace { usage { postsThisMonth { used } } } }`, {}, token)).workspace.usage.postsThisMonth.used;
}

async function chooseFile(page: Page, name: string, content: string) {
  await page.getByTestId('import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
}

/** Reading and checking 1,000 rows (50 validatePost requests) ends in the verdict, or in the reason it could not. */
async function expectAllRowsPass(page: Page) {
  const verdict = page.getByText('Every row passed the checks.').or(page.getByRole('alert'));
  await verdict.first().waitFor({ timeout: 120_000 });
  expect(await verdict.first().textContent()).toBe('Every row passed the checks.');
}

/** Every distinct aria-valuenow the import's progress bar takes, recorded in the page as it changes (no polling). */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    const look = () => {
      const value = document.querySelector('[role="progressbar"][aria-label="Import progress"]')?.getAttribute('aria-valuenow');
      if (value != null && seen.at(-1) !== value) seen.push(value);
    };
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
  return () => page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen.map(Number));
}

/** bulkCreatePosts requests the page sends. */
function countChunks(page: Page) {
  const chunks: number[] = [];
  page.on('request', (request) => {
    const body = request.postData();
    if (request.url().endsWith('/graphql') && body?.includes('bulkCreatePosts')) chunks.push((JSON.parse(body).variables.posts as unknown[]).length);
  });
  return chunks;
}

describe('the CSV import', () => {
  it('imports 1,000 rows over two channels in chunks with a moving progress bar, schedules the queue rows, and creates nothing twice', async () => {
    const page = harness.page;
    const { token, channels } = await workspaceInBrowser(page);
    const rows: string[][] = [['content', 'channels', 'scheduledAt', 'mediaUrls', 'draft']];
    const expected = { deliveries: 0, drafts: 0, queued: 0, timed: 0 };
    for (let i = 0; i < 1000; i++) {
      // Channels by name, by id, or both; a third of the rows timed (ISO with Z, or a local Berlin time), a tenth drafts.
      const targets = i % 3 === 0 ? 'Bakery Mastodon' : i % 3 === 1 ? channels.b : `Bakery Mastodon|${channels.b}`;
      const n = i % 3 === 2 ? 2 : 1;
      const draft = i % 10 === 9;
      const time = i % 3 === 0 ? `2031-01-0${1 + (i % 7)}T${String(i % 24).padStart(2, '0')}:15:00Z` : i % 3 === 1 && i % 2 === 0 ? '2031-03-02 09:30' : '';
      const media = i % 5 === 0 ? 'https://example.com/bread.jpg https://example.com/rolls.jpg' : '';
      rows.push([`Post #${String(i).padStart(4, '0')}: fresh, from the oven\nat dawn`, targets, time, media, draft ? 'yes' : '']);
      expected.deliveries += n;
      if (draft) expected.drafts += n;
      else if (time) expected.timed += n;
      else expected.queued += n;
    }
    const file = csv(rows);

    await page.getByRole('menuitem', { name: 'Import' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import posts from a CSV file' }).waitFor();
    await chooseFile(page, 'bakery.csv', file);
    await expectAllRowsPass(page);
    await page.getByRole('heading', { name: '1,000 rows read from bakery.csv.' }).waitFor();
    // The preview: a quoted two-line text is one row, so the second data row starts on line 4.
    const preview = page.getByRole('table', { name: /The first 10 rows/ });
    await expect.poll(() => preview.getByRole('row').nth(2).getByRole('rowheader').textContent()).toBe('4');
    await expect.poll(() => preview.getByRole('row').nth(1).textContent()).toContain('Jan 1, 2031, 1:15 AM GMT+1'); // 00:15Z in Berlin
    await expectNoSeriousA11yViolations(page, 'the import page, checked');
    await screenshot(page, 'import-checked');

    const progress = await recordProgress(page);
    const chunks = countChunks(page);
    await page.getByRole('button', { name: 'Import 1,000 posts' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    const seen = await progress();
    expect(new Set(seen).size, `progress values seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(seen.at(-1)).toBe(100);
    expect(chunks).toEqual(Array(10).fill(100));
    expect(await page.getByTestId('import-created').textContent()).toBe('1,000');
    expect(await page.getByTestId('import-existing').textContent()).toBe('0');
    expect(await page.getByTestId('import-drafts').textContent()).toBe(String(expected.drafts));
    await expectNoSeriousA11yViolations(page, 'the import page, done');
    await screenshot(page, 'import-done');

    // What the API holds: 1,000 posts, every delivery there, the timed ones at their time, the others placed.
    expect(await postCount(token)).toBe(1000);
    expect(await deliveryCount(token)).toBe(expected.deliveries);
    expect(await deliveryCount(token, { statuses: ['DRAFT'] })).toBe(expected.drafts);
    await eventually(async () => ((await deliveryCount(token, { statuses: ['PENDING'] })) === 0 ? true : undefined), 20_000, 'the smart scheduler placing the queued rows');
    // The queue's first slots are due at once: some of those may already be out (to the webhook receiver).
    expect(await deliveryCount(token, { statuses: ['SCHEDULED', 'PUBLISHING', 'PUBLISHED', 'UNCONFIRMED'] })).toBe(expected.timed + expected.queued);
    expect(await deliveryCount(token, { statuses: ['FAILED', 'CANCELLED'] })).toBe(0);
    const berlin = await harness.t.ok(`{ deliveries(filter: { text: "Post #0004:" }, first: 5) { edges { node { scheduledAt channel { id } } } } }`, {}, token);
    expect(berlin.deliveries.edges.map((e: any) => e.node)).toEqual([{ scheduledAt: '2031-03-02T08:30:00.000Z', channel: { id: channels.b } }]);

    // The same file again: every row is known by its key, nothing new is made.
    await chooseFile(page, 'bakery.csv', file);
    await expectAllRowsPass(page);
    await page.getByRole('button', { name: 'Import 1,000 posts' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    expect(await page.getByTestId('import-existing').textContent()).toBe('1,000');
    expect(await page.getByTestId('import-created').textContent()).toBe('0');
    expect(await postCount(token)).toBe(1000);
    expect(await deliveryCount(token)).toBe(expected.deliveries);
  }, 180_000);

  it('names the lines of bad rows (a bad date, an unknown channel, a text over the limit) and sends nothing', async () => {
    const page = harness.page;
    const { token, channels } = await workspaceInBrowser(page);
    // A channel whose network allows 40 characters: validatePost judges the texts.
    await harness.t.app.database.pool.query(`UPDATE channels SET settings = '{"maxCharacters": 40}' WHERE id = $1`, [channels.a]);
    const before = await postCount(token);
    const rows: string[][] = [['content', 'channels', 'scheduledAt']];
    for (let line = 2; line <= 15; line++) {
      const row = [`Row on line ${line}`, 'Bakery Bluesky', ''];
      if (line === 7) row[2] = '31/02/2031 25:00';
      if (line === 12) row[1] = 'Bakery Instagram';
      if (line === 14) row.splice(0, 2, 'A text much longer than the forty characters that channel allows', 'Bakery Mastodon');
      rows.push(row);
    }
    const chunks = countChunks(page);
    await page.goto(`${harness.url}#/import`);
    await chooseFile(page, 'broken.csv', csv(rows));
    const problems = page.getByTestId('import-problems');
    await problems.waitFor();
    await page.getByText('3 problems: nothing will be sent until they are fixed').first().waitFor();
    const lines = await problems.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => cell.textContent)));
    expect(lines).toEqual([
      ['7', 'scheduledAt: badDate', '"31/02/2031 25:00" is not a time: use 2030-05-01T09:00:00Z, or 2030-05-01 09:00 in the chosen time zone.'],
      ['12', 'channels: unknownChannel', 'No channel is called "Bakery Instagram" (by name or id).'],
      ['14', 'content: maxLength', expect.stringMatching(/^Bakery Mastodon: .*40/)],
    ]);
    expect(await page.getByRole('button', { name: /^Import \d/ }).count()).toBe(0);
    await expectNoSeriousA11yViolations(page, 'the import page with errors');
    await screenshot(page, 'import-errors');
    expect(chunks).toEqual([]);
    expect(await postCount(token)).toBe(before);
  }, 60_000);
});

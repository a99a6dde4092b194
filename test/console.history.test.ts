// The History page in a real browser: a post published through a WEBHOOK channel (the webhook receiver) shows with
// its link on the network (a new tab, rel=noopener); one the receiver refused shows as FAILED with the network's
// message, and its Retry sends it again (read back from the API until the receiver accepts it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';
import { signedInThroughApi, expectNoSeriousA11yViolations, screenshot, startConsole } from './helpers/browser.js';

const SECRET = 'history-webhook-secret';
const harness = startConsole();
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
});
afterAll(async () => {
  await hooks?.stop();
});

describe('the history', { timeout: 90_000 }, () => {
  it('links a published post on the network, shows a failure with the network’s message, and retries it', async () => {
    const page = harness.page;
    const token = await signedInThroughApi(harness);
    const channel = (await createChannel(harness.t, token, 'WEBHOOK', { url: `${hooks.url}/history`, secret: SECRET }, 'Shop hook')).id;

    const sent = await createPost(harness.t, token, { content: 'Spring collection is live', channelIds: [channel], publishNow: true });
    const published = await waitForDelivery(harness.t, token, sent.id, ['PUBLISHED']);
    expect(published.externalUrl).toMatch(/^http/);
    // The receiver refuses the next one for good (a 4xx with its reason): FAILED, with that reason kept.
    hooks.failNext(1, { status: 422, body: { message: 'Text mentions a product that is sold out' } });
    const refused = await createPost(harness.t, token, { content: 'Sold out item promo', channelIds: [channel], publishNow: true });
    const failed = await waitForDelivery(harness.t, token, refused.id, ['FAILED', 'UNCONFIRMED']);
    expect(failed.status).toBe('FAILED');
    expect(failed.lastError).toContain('sold out');

    await page.goto(`${harness.url}#/history`);
    await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
    // The side menu leads there.
    expect(await page.getByRole('menuitem', { name: 'History' }).getAttribute('href')).toBe('#/history');

    const publishedSection = page.getByRole('region', { name: 'Published', exact: true });
    const link = publishedSection.getByRole('link', { name: /Open on Shop hook/ });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(published.externalUrl);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    await publishedSection.getByText('Spring collection is live').waitFor();
    expect(await publishedSection.getByText('Sold out item promo').count()).toBe(0);

    const failures = page.getByRole('region', { name: 'Failures', exact: true });
    const failedRow = failures.locator('tbody tr').filter({ hasText: 'Sold out item promo' });
    await failedRow.getByText(failed.lastError).waitFor();
    await failedRow.getByText('Failed', { exact: true }).waitFor();
    expect(await failures.getByText('Spring collection is live').count()).toBe(0);
    await expectNoSeriousA11yViolations(page, 'the history');
    await screenshot(page, 'history');

    // Retry: the receiver accepts it this time; it leaves the failures and is published.
    await failedRow.getByRole('button', { name: 'Retry “Sold out item promo” on Shop hook' }).click();
    await page.getByText('Sent again on Shop hook: it is back in the queue').waitFor();
    const retried = await waitForDelivery(harness.t, token, refused.id, ['PUBLISHED']);
    expect(retried.attempts).toBe(1);
    await expect.poll(() => failures.getByText('Sold out item promo').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => publishedSection.getByText('Sold out item promo').count(), { timeout: 10_000 }).toBe(1);
  });
});

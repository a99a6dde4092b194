// delivery(id): one delivery with its post, channel and attempt log (the console's delivery detail); another
// workspace's delivery, or an id that is not one, is null like post(id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { signUp, startTestApp, type TestApp } from './helpers/testApp.js';
import { createChannel, createPost, waitForDelivery } from './helpers/scenario.js';

let t: TestApp;
let hooks: WebhookReceiver;
const SECRET = 'webhook-secret-of-the-channel';
const DELIVERY = `query($id: ID!) { delivery(id: $id) { id status externalUrl post { id content } channel { id name } attemptLog { number outcome responseCode } } }`;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: SECRET });
  t = await startTestApp();
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await hooks?.stop();
});

describe('delivery(id)', () => {
  it('answers one delivery of the workspace with its attempt log, and null for anyone else’s', async () => {
    const token = await signUp(t);
    const channel = await createChannel(t, token, 'WEBHOOK', { url: `${hooks.url}/one`, secret: SECRET }, 'Hook');
    const post = await createPost(t, token, { content: 'one delivery', channelIds: [channel.id], publishNow: true });
    const published = await waitForDelivery(t, token, post.id, ['PUBLISHED']);

    const { delivery } = await t.ok(DELIVERY, { id: published.id }, token);
    expect(delivery).toMatchObject({
      id: published.id,
      status: 'PUBLISHED',
      externalUrl: published.externalUrl,
      post: { id: post.id, content: 'one delivery' },
      channel: { id: channel.id, name: 'Hook' },
      attemptLog: [{ number: 1, outcome: 'SUCCEEDED' }],
    });

    const stranger = await signUp(t);
    expect(await t.ok(DELIVERY, { id: published.id }, stranger)).toEqual({ delivery: null });
    expect(await t.ok(DELIVERY, { id: 'not-a-uuid' }, token)).toEqual({ delivery: null });
  });
});

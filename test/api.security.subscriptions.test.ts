// Subscriptions over graphql-ws and the credentials they came with: an open subscription ends (a typed UNAUTHENTICATED,
// then complete) once its session or key stops being valid, whether events keep coming or not; and a context refused
// for RATE_LIMITED is answered as a typed error on an open socket instead of closing it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { startWebhookReceiver, type WebhookReceiver } from './fakes/webhookReceiver.js';
import { collect, startTestApp, type TestApp } from './helpers/testApp.js';
import { LOGIN, PASSWORD, SIGNUP } from './helpers/http.js';
import { createChannel, createPost, untilListening } from './helpers/scenario.js';
import { createCredentialChecks } from '../src/services/credentialChecks.js';

const HOOK_SECRET = 'webhook-secret-of-the-channel';
let live: TestApp;
let budget: TestApp;
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver({ secret: HOOK_SECRET });
  [live, budget] = await Promise.all([
    // 0: every event is checked against the database before delivery; an idle subscription is checked every second.
    startTestApp({ env: { POSTFLOW_SUBSCRIPTION_AUTH_CHECK_MS: '0' } }),
    startTestApp({ env: { POSTFLOW_THROTTLE_API_WORKSPACE: '3/4' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([live?.stop(), budget?.stop(), hooks?.stop()]);
});

type Update = { deliveryUpdated: { postId: string } };
type ChannelUpdate = { channelUpdated: { id: string; paused: boolean } };
const DELIVERIES = `subscription { deliveryUpdated { postId } }`;
const CHANNELS = `subscription { channelUpdated { id paused } }`;
/** Generous: an ending is due within a second or two; this only keeps a broken build from hanging. */
const BOUND_MS = 15_000;

let n = 0;
async function person(t: TestApp) {
  const email = `sub${++n}-${randomBytes(3).toString('hex')}@example.com`;
  const { signup } = await t.ok(SIGNUP, { email, password: PASSWORD, workspaceName: 'W' });
  // A second session of the same person makes the changes, so that ending the first one leaves it working.
  const { login } = await t.ok(LOGIN, { email, password: PASSWORD });
  const channel = await createChannel(t, login.token, 'WEBHOOK', { url: hooks.hookUrl, secret: HOOK_SECRET });
  return { email, token: signup.token as string, other: login.token as string, channelId: channel.id };
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${BOUND_MS} ms`)), BOUND_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const codesOf = (errors: unknown[]) => errors.map((e) => (Array.isArray(e) ? e.map((g) => g.extensions?.code) : e));

/**
 * Ends a subscription's credential with `revoke`, then makes a change the subscription would have seen; a witness
 * subscription that stays valid hears that change, so by then the ended one would have heard it too.
 */
async function expectEndedBy(t: TestApp, who: { token: string; other: string; channelId: string }, credential: string, revoke: () => Promise<unknown>) {
  const ending = collect<Update>(t.ws(credential), DELIVERIES);
  const witness = collect<Update>(t.ws(who.other), DELIVERIES);
  await untilListening(t, who.other, who.channelId, ending);
  await untilListening(t, who.other, who.channelId, witness);
  expect(ending.errors).toEqual([]);

  await revoke();
  const after = await createPost(t, who.other, { content: 'after the credential ended', channelIds: [who.channelId], draft: true });
  await witness.until((items) => items.some((i) => i.deliveryUpdated.postId === after.id), BOUND_MS);
  await within(ending.ended, 'end of the subscription');

  expect(codesOf(ending.errors)).toEqual([['UNAUTHENTICATED']]);
  expect(ending.items.map((i) => i.deliveryUpdated.postId)).not.toContain(after.id);
  expect(witness.errors).toEqual([]);
  return ending;
}

describe('an open subscription ends when its credential does', () => {
  it('logout: deliveryUpdated ends with UNAUTHENTICATED and hears nothing after', async () => {
    const who = await person(live);
    const ended = await expectEndedBy(live, who, who.token, () => live.ok(`mutation { logout }`, {}, who.token));
    expect((ended.errors[0] as { message: string }[])[0].message).toMatch(/session has ended/);
  });

  it('logoutEverywhere from another session', async () => {
    const who = await person(live);
    const { login } = await live.ok(LOGIN, { email: who.email, password: PASSWORD });
    // logoutEverywhere ends the witness's session too: the witness here is a key of the workspace.
    const { createApiKey } = await live.ok(`mutation { createApiKey(name: "witness") { key } }`, {}, who.other);
    await expectEndedBy(live, { ...who, other: createApiKey.key }, who.token, () => live.ok(`mutation { logoutEverywhere }`, {}, login.token));
  });

  it('revokeApiKey: a subscription opened with the key ends with UNAUTHENTICATED and hears nothing after', async () => {
    const who = await person(live);
    const { createApiKey } = await live.ok(`mutation { createApiKey(name: "feed") { key apiKey { id } } }`, {}, who.other);
    const ended = await expectEndedBy(live, who, createApiKey.key, () => live.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: createApiKey.apiKey.id }, who.other));
    expect((ended.errors[0] as { message: string }[])[0].message).toMatch(/API key is not valid/);
  });

  it('a removed membership ends the subscriptions of its sessions and keys', async () => {
    const who = await person(live);
    const { createApiKey } = await live.ok(`mutation { createApiKey(name: "feed") { key } }`, {}, who.other);
    const bySession = collect<Update>(live.ws(who.token), DELIVERIES);
    const byKey = collect<Update>(live.ws(createApiKey.key), DELIVERIES);
    await untilListening(live, who.other, who.channelId, bySession);
    await untilListening(live, who.other, who.channelId, byKey);
    const { workspace } = await live.ok(`{ workspace { id } }`, {}, who.other);
    await live.app.database.pool.query(`DELETE FROM memberships WHERE workspace_id = $1`, [workspace.id]);
    await within(Promise.all([bySession.ended, byKey.ended]), 'end of the subscriptions');
    expect(codesOf(bySession.errors)).toEqual([['UNAUTHENTICATED']]);
    expect(codesOf(byKey.errors)).toEqual([['UNAUTHENTICATED']]);
  });

  it('an idle subscription ends too: changePassword ends the other sessions, and their deliveryUpdated and channelUpdated', async () => {
    const who = await person(live);
    const client = live.ws(who.token);
    const deliveries = collect<Update>(client, DELIVERIES);
    const channels = collect<ChannelUpdate>(client, CHANNELS);
    await untilListening(live, who.other, who.channelId, deliveries);
    await untilHearsChannel(live, who.other, who.channelId, channels);

    // From the second session: the first one (the subscriptions') ends. No event follows: only the periodic check can see it.
    await live.ok(`mutation { changePassword(currentPassword: "${PASSWORD}", newPassword: "a brand new phrase") }`, {}, who.other);
    await within(Promise.all([deliveries.ended, channels.ended]), 'end of the idle subscriptions');
    expect(codesOf(deliveries.errors)).toEqual([['UNAUTHENTICATED']]);
    expect(codesOf(channels.errors)).toEqual([['UNAUTHENTICATED']]);
  });

  it('a subscription whose credential stays valid keeps going past its periodic checks', async () => {
    const who = await person(live);
    const updates = collect<Update>(live.ws(who.token), DELIVERIES);
    await untilListening(live, who.other, who.channelId, updates);
    // Spread over about three seconds: the idle check (every second here) runs in between, and lets them all through.
    const posts: string[] = [];
    for (let i = 0; i < 10; i++) {
      posts.push((await createPost(live, who.other, { content: `still here ${i}`, channelIds: [who.channelId], draft: true })).id);
      await new Promise((r) => setTimeout(r, 300));
    }
    await updates.until((items) => posts.every((id) => items.some((i) => i.deliveryUpdated.postId === id)), BOUND_MS);
    expect(updates.errors).toEqual([]);
  });
});

describe('the credential check subscriptions share', () => {
  it('asks the database at most once per credential per TTL, and sees the end of a session once the TTL is over', async () => {
    const who = await person(live);
    const header = `Bearer ${who.token}`;
    const cached = createCredentialChecks(live.app.services, 60_000);
    const fresh = createCredentialChecks(live.app.services, 0);
    expect(await cached(header)).toBeNull();
    expect(await fresh(header)).toBeNull();
    await live.ok(`mutation { logout }`, {}, who.token);
    // Within its TTL the cached answer stands (that is the bounded delay); a check past its TTL asks again.
    expect(await cached(header)).toBeNull();
    expect((await fresh(header))?.code).toBe('UNAUTHENTICATED');
    expect(await fresh(`Bearer ${who.other}`)).toBeNull();
  });
});

/** Pauses and resumes the channel until the channelUpdated subscription hears it: then it is listening. */
async function untilHearsChannel(t: TestApp, token: string, channelId: string, updates: { items: ChannelUpdate[] }) {
  const deadline = Date.now() + BOUND_MS;
  for (let paused = true; !updates.items.some((i) => i.channelUpdated.id === channelId); paused = !paused) {
    if (Date.now() > deadline) throw new Error('the channelUpdated subscription never heard its channel');
    await t.ok(`mutation($id: ID!) { ${paused ? 'pauseChannel' : 'resumeChannel'}(id: $id) { id } }`, { id: channelId }, token);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('a WebSocket operation refused for RATE_LIMITED', () => {
  it('is answered with a typed error carrying retryAfterSeconds, and the socket stays open for the next operation', async () => {
    const { signup } = await budget.ok(SIGNUP, { email: `budget-${randomBytes(3).toString('hex')}@example.com`, password: PASSWORD, workspaceName: 'W' });
    const client: Client = budget.ws(signup.token);
    let closes = 0;
    client.on('closed', () => closes++);
    const run = (query: string) => collect<Record<string, unknown>>(client, query);
    // The workspace's budget is 3 per 4 s: spend it, then the subscription's context is refused.
    for (let i = 0; i < 3; i++) await budget.ok(`{ workspace { id } }`, {}, signup.token);
    const refused = run(DELIVERIES);
    await within(refused.ended, 'answer to the throttled subscription');
    expect(refused.errors).toHaveLength(1);
    const [errors] = refused.errors as { message: string; extensions: Record<string, unknown> }[][];
    expect(errors).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/Too many requests for this workspace/), extensions: expect.objectContaining({ code: 'RATE_LIMITED' }) }),
    ]);
    expect(errors[0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    expect(errors[0].extensions).not.toHaveProperty('http');

    // Once the window ends, the same socket runs the next operation.
    let answer: ReturnType<typeof run>;
    const deadline = Date.now() + BOUND_MS;
    for (;;) {
      answer = run(`{ workspace { id } }`);
      await within(answer.ended, 'answer to the query');
      if (answer.items.length || Date.now() > deadline) break;
      expect(codesOf(answer.errors)).toEqual([['RATE_LIMITED']]);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(answer.errors).toEqual([]);
    expect(answer.items).toEqual([{ workspace: { id: expect.any(String) } }]);
    expect(closes).toBe(0);
  });
});

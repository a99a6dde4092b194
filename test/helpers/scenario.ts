// Small GraphQL steps most tests share.
import type { TestApp } from './testApp.js';
import { eventually } from './testApp.js';

export const DELIVERY_FIELDS = `id status scheduledAt scheduleReason attempts lastError externalId externalUrl publishedAt channel { id }
  attemptLog { number outcome errorClass responseCode responseMessage startedAt finishedAt }`;

/** A policy that allows every instant, for timed posts and the queue alike: tests not about policies stay independent of the clock. */
export const OPEN_POLICY = {
  windows: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ start: '00:00', end: '24:00' }] })),
  minIntervalMinutes: 0,
  reservedShare: 0,
  queueHours: [],
  queueSpacingMinutes: 0,
};

export async function createChannel(
  t: TestApp,
  token: string,
  platform: string,
  credentials: Record<string, unknown>,
  name = `${platform} channel`,
  policy: Record<string, unknown> | null = OPEN_POLICY,
) {
  const data = await t.ok<{ createChannel: { id: string; accountHandle: string } }>(
    `mutation($input: CreateChannelInput!) { createChannel(input: $input) { id accountHandle } }`,
    { input: { platform, name, credentials, ...(policy && { policy }) } },
    token,
  );
  return data.createChannel;
}

export async function createPost(t: TestApp, token: string, input: Record<string, unknown>) {
  const data = await t.ok<{ createPost: { id: string; deliveries: { id: string; status: string }[] } }>(
    `mutation($input: CreatePostInput!) { createPost(input: $input) { id deliveries { id status } } }`,
    { input },
    token,
  );
  return data.createPost;
}

export async function getDelivery(t: TestApp, token: string, postId: string, index = 0) {
  const data = await t.ok<{ post: { deliveries: any[] } }>(`query($id: ID!) { post(id: $id) { deliveries { ${DELIVERY_FIELDS} } } }`, { id: postId }, token);
  return data.post.deliveries[index];
}

/** Waits until the post's delivery satisfies the predicate (`what` names it in the timeout message), and returns it. */
export function waitForDeliveryWhere(t: TestApp, token: string, postId: string, predicate: (delivery: any) => unknown, what: string, timeoutMs = 10_000) {
  return eventually(
    async () => {
      const d = await getDelivery(t, token, postId);
      return predicate(d) ? d : undefined;
    },
    timeoutMs,
    `delivery of post ${postId} to ${what}`,
  );
}

/** Waits until the post's delivery reaches one of the statuses, and returns it. */
export function waitForDelivery(t: TestApp, token: string, postId: string, statuses: string[], timeoutMs = 10_000) {
  return waitForDeliveryWhere(t, token, postId, (d) => statuses.includes(d.status), `become ${statuses.join(' or ')}`, timeoutMs);
}

/**
 * A subscription is only listening once the server has set it up, which a client cannot see: this creates a draft
 * post every 300 ms until the subscription hears one of them. Returns the probes' post ids.
 */
export async function untilListening(t: TestApp, token: string, channelId: string, updates: { items: { deliveryUpdated: { postId: string } }[] }): Promise<string[]> {
  const probes: string[] = [];
  const deadline = Date.now() + 15_000;
  while (!updates.items.some((i) => probes.includes(i.deliveryUpdated.postId))) {
    if (Date.now() > deadline) throw new Error('the subscription never heard a probe post');
    probes.push((await createPost(t, token, { content: `probe ${probes.length}`, channelIds: [channelId], draft: true })).id);
    await new Promise((r) => setTimeout(r, 300));
  }
  return probes;
}

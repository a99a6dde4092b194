// Small steps the API tests share: reading errors as a client does, and looking at the database behind the API.
import { expect } from 'vitest';
import type { XFake } from '../fakes/xFake.js';
import type { GraphQLErrorShape, TestApp } from './testApp.js';
import { eventually } from './testApp.js';

/** The environment pointing PostFlow's X provider at the fake, with the fake's app as the server's own unless withApp is false. */
export function xEnv(fake: XFake, withApp = true): Record<string, string> {
  return {
    X_API_URL: fake.url,
    X_AUTH_URL: fake.url,
    ...(withApp && { X_CLIENT_ID: fake.clientId, X_CLIENT_SECRET: fake.clientSecret ?? '' }),
  };
}

type Result = { data?: unknown; errors?: GraphQLErrorShape[] };

/** The one error of a response that must have failed. */
export function errorOf(result: Result): GraphQLErrorShape {
  expect(result.errors, `expected an error, got ${JSON.stringify(result.data)}`).toHaveLength(1);
  return result.errors![0];
}

/** The validation issues of a response that must have failed with VALIDATION_FAILED. */
export function issuesOf(result: Result) {
  const error = errorOf(result);
  expect(error.extensions?.code, error.message).toBe('VALIDATION_FAILED');
  return error.extensions!.issues!;
}

/** A channel's row and its credentials as stored: sealed in the row, opened here with the server's key. */
export async function storedCredentials<C = Record<string, unknown>>(t: TestApp, channelId: string) {
  const row = await t.app.database.prisma.channel.findUniqueOrThrow({ where: { id: channelId } });
  return { row, credentials: JSON.parse(t.app.services.secrets.open(row.credentialsEncrypted)) as C };
}

/** The pending publish jobs of a delivery (graphile-worker keeps one row per job until it completes). */
export async function publishJobs(t: TestApp, deliveryId: string) {
  const { rows } = await t.app.database.pool.query<{ run_at: Date }>(`SELECT run_at FROM graphile_worker.jobs WHERE key = 'publish:' || $1`, [deliveryId]);
  return rows;
}

export const POST_FIELDS = `id content mediaUrls priority idempotencyKey deliveries { id status scheduledAt contentOverride attempts channel { id } }`;

export async function readPost(t: TestApp, token: string, id: string) {
  const { post } = await t.ok(`query($id: ID!) { post(id: $id) { ${POST_FIELDS} } }`, { id }, token);
  return post;
}

/** Waits until every delivery of the post is in one of the statuses. */
export function waitForAllDeliveries(t: TestApp, token: string, postId: string, statuses: string[], timeoutMs = 10_000) {
  return eventually(
    async () => {
      const post = await readPost(t, token, postId);
      return post.deliveries.every((d: { status: string }) => statuses.includes(d.status)) ? post : undefined;
    },
    timeoutMs,
    `every delivery of post ${postId} to become ${statuses.join(' or ')}`,
  );
}

export const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

// bulkCreatePosts: thousands of posts in one call. Every row is checked first (one issue per problem, named by its
// row), then everything is written in one transaction with the store's set-based inserts, or nothing is.
import { randomUUID } from 'node:crypto';
import { transaction } from '../store/sql.js';
import { insertPosts } from '../store/posts.js';
import { recordAuditMany } from '../store/audit.js';
import type { Actor } from '../domain/audit.js';
import { validatePostInput, type CreatePostInput } from './postInput.js';
import { placeRequests } from './placement.js';
import { newRows, placementRequests, type PostRow } from './newPosts.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';
import { refuseOverPlan } from './plans.js';
import { held, heldPostIds, holdsPostsOf, recordSubmitted } from './approval.js';
import type { Role } from '../domain/roles.js';

export const MAX_BULK_POSTS = 50_000;

export interface BulkResult {
  postIds: string[];
  created: number;
  /** Rows whose idempotencyKey already had a post: that post's id is returned, nothing is created. */
  existing: number;
  scheduled: number;
  pending: number;
  drafts: number;
  /** Deliveries held for an approval (the workspace's approval setting). */
  awaitingApproval: number;
}

export async function bulkCreatePosts(deps: ServiceDeps, auth: Actor & { userId: string; role?: Role }, inputs: CreatePostInput[], autoSchedule: boolean): Promise<BulkResult> {
  const issues = new Issues();
  if (inputs.length > MAX_BULK_POSTS) issues.add(['posts'], 'maxItems', `at most ${MAX_BULK_POSTS} posts per call`).throwIfAny();
  const rowsIn = inputs.map((input) => (autoSchedule && !input.scheduledAt && !input.publishNow && !input.draft ? { ...input, autoSchedule: true } : input));
  const known = new Map((await deps.prisma.channel.findMany({ where: { workspaceId: auth.workspaceId, deletedAt: null } })).map((c) => [c.id, c]));
  const keys = rowsIn.map((r) => r.idempotencyKey).filter((k): k is string => !!k);
  const existing = new Map(
    keys.length
      ? (await deps.prisma.post.findMany({ where: { workspaceId: auth.workspaceId, idempotencyKey: { in: keys } }, select: { id: true, idempotencyKey: true } })).map((p) => [
          p.idempotencyKey!,
          p.id,
        ])
      : [],
  );
  const seenKeys = new Map<string, number>();
  const rows: PostRow[] = [];
  const postIds: string[] = [];
  rowsIn.forEach((input, index) => {
    const key = input.idempotencyKey;
    if (key && existing.has(key)) return void postIds.push(existing.get(key)!);
    if (key && seenKeys.has(key)) issues.add(['posts', index, 'idempotencyKey'], 'unique', `the same idempotencyKey as row ${seenKeys.get(key)}`);
    if (key) seenKeys.set(key, index);
    const row = { index, input, valid: validatePostInput(deps.providers, issues, ['posts', index], input, known), postId: randomUUID() };
    rows.push(row);
    postIds.push(row.postId);
  });
  issues.throwIfAny();

  const result = await transaction(deps.pool, async (client) => {
    // The whole import or none of it: one that would pass the month's posts is refused before anything is placed.
    if (rows.length) await refuseOverPlan(client, auth.workspaceId, 'postsPerMonth', rows.length);
    const plan = await placeRequests(client, placementRequests(rows), { lock: true });
    for (const r of plan.refused) issues.add(['posts', Number(r.key.split(':')[0]), 'scheduledAt'], r.rule, r.message);
    issues.throwIfAny();
    const { posts, deliveries: made } = newRows(rows, plan.placed, 'IMPORT');
    const deliveries = (await holdsPostsOf(client, auth.workspaceId, auth.role)) ? held(made) : made;
    await insertPosts(client, { workspaceId: auth.workspaceId, authorId: auth.userId }, posts, deliveries);
    const created = posts.map((p) => p.id);
    await recordAuditMany(client, auth, 'post.created', 'post', created);
    await recordSubmitted(client, auth, heldPostIds(deliveries), 'CREATED');
    const count = (status: string) => deliveries.filter((d) => d.status === status).length;
    return { scheduled: count('SCHEDULED'), pending: count('PENDING'), drafts: count('DRAFT'), awaitingApproval: count('AWAITING_APPROVAL') };
  });
  return { postIds, created: rows.length, existing: inputs.length - rows.length, ...result };
}

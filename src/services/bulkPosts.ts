// bulkCreatePosts: thousands of posts in one call. Every row is checked first (one issue per problem, named by its
// row), then everything is written in one transaction with set-based inserts and one add_jobs, or nothing is.
import { randomUUID } from 'node:crypto';
import type { Channel } from '../generated/prisma/client.js';
import { withTransaction, executorFor } from '../db/transaction.js';
import { enqueuePublishJobs } from '../jobs/queue.js';
import { findSlot, violationsAt } from '../scheduling/slots.js';
import { explainHit, explainMove } from '../scheduling/explain.js';
import type { CompiledPolicy } from '../scheduling/policy.js';
import type { Occupancy } from '../scheduling/occupancy.js';
import { validatePostInput, type CreatePostInput, type ValidPost } from './postInput.js';
import { clientSql, compileFor, loadOccupancy, lockChannels, SHIFT_LIMIT_MS, type SqlQuery } from './scheduling.js';
import { requestSmartSchedule } from './smartSchedule.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';

export const MAX_BULK_POSTS = 50_000;

export interface BulkResult {
  postIds: string[];
  created: number;
  /** Rows whose idempotencyKey already had a post: that post's id is returned, nothing is created. */
  existing: number;
  scheduled: number;
  pending: number;
  drafts: number;
}

interface Row {
  index: number;
  input: CreatePostInput;
  valid: ValidPost;
  postId: string;
}

export interface TimedDecision {
  scheduledAt: Date;
  requestedAt: Date | null;
  reason: string | null;
}

export interface TimedRefusal {
  index: number;
  channelId: string;
  rule: 'postingPolicy' | 'noSlot';
  message: string;
}

export interface TimedPlan {
  /** By "<row index>:<channel id>". */
  decisions: Map<string, TimedDecision>;
  refusals: TimedRefusal[];
  schedules: Map<string, { policy: CompiledPolicy; occupied: Occupancy }>;
}

export async function bulkCreatePosts(deps: ServiceDeps, auth: { workspaceId: string; userId: string }, inputs: CreatePostInput[], autoSchedule: boolean): Promise<BulkResult> {
  const issues = new Issues();
  if (inputs.length > MAX_BULK_POSTS) issues.add(['posts'], 'maxItems', `at most ${MAX_BULK_POSTS} posts per call`).throwIfAny();
  const rowsIn = inputs.map((input) => (autoSchedule && !input.scheduledAt && !input.publishNow && !input.draft ? { ...input, autoSchedule: true } : input));
  const known = new Map((await deps.prisma.channel.findMany({ where: { workspaceId: auth.workspaceId, deletedAt: null } })).map((c) => [c.id, c]));
  const keys = rowsIn.map((r) => r.idempotencyKey).filter((k): k is string => !!k);
  const existing = new Map(
    keys.length
      ? (await deps.prisma.post.findMany({ where: { workspaceId: auth.workspaceId, idempotencyKey: { in: keys } }, select: { id: true, idempotencyKey: true } })).map((p) => [p.idempotencyKey!, p.id])
      : [],
  );
  const seenKeys = new Map<string, number>();
  const rows: Row[] = [];
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

  const result = await withTransaction(deps.pool, async (client) => {
    const query = clientSql(client);
    const timed = rows.filter((r) => r.valid.timing.status === 'SCHEDULED');
    const { decisions, refusals } = await planTimedRows(query, timed, true);
    for (const r of refusals) issues.add(['posts', r.index, 'scheduledAt'], r.rule, r.message);
    issues.throwIfAny();
    const deliveries = rows.flatMap((r) =>
      r.valid.channels.map((c) => {
        const decision = decisions.get(`${r.index}:${c.id}`);
        const status = r.valid.timing.status;
        return {
          id: randomUUID(),
          postId: r.postId,
          channelId: c.id,
          status,
          scheduledAt: decision?.scheduledAt ?? r.valid.timing.scheduledAt,
          requestedAt: decision?.requestedAt ?? null,
          reason: decision?.reason ?? (status === 'PENDING' ? 'Waiting for the smart scheduler' : null),
          override: r.valid.overrides.get(c.id)?.text ?? null,
        };
      }),
    );
    await client.query(
      `INSERT INTO posts (id, workspace_id, author_id, content, media_urls, priority, source, source_id, scheduling_mode, idempotency_key)
       SELECT r.id, $1, $2, r.content, ARRAY(SELECT json_array_elements_text(r.media::json)), r.priority, r.source::"PostSource", r.source_id, r.mode::"SchedulingMode", r.key
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[]) AS r(id, content, media, priority, source, source_id, mode, key)`,
      [
        auth.workspaceId,
        auth.userId,
        rows.map((r) => r.postId),
        rows.map((r) => r.input.content),
        rows.map((r) => JSON.stringify(r.valid.mediaUrls)),
        rows.map((r) => r.input.priority ?? 0),
        rows.map((r) => r.input.source ?? 'IMPORT'),
        rows.map((r) => r.input.sourceId ?? null),
        rows.map((r) => r.valid.timing.mode),
        rows.map((r) => r.input.idempotencyKey ?? null),
      ],
    );
    await client.query(
      `INSERT INTO deliveries (id, post_id, channel_id, workspace_id, status, scheduled_at, requested_at, schedule_reason, content_override)
       SELECT d.id, d.post_id, d.channel_id, $1, d.status::"DeliveryStatus", d.scheduled_at, d.requested_at, d.reason, d.override
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
              AS d(id, post_id, channel_id, status, scheduled_at, requested_at, reason, override)`,
      [
        auth.workspaceId,
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.postId),
        deliveries.map((d) => d.channelId),
        deliveries.map((d) => d.status),
        deliveries.map((d) => d.scheduledAt),
        deliveries.map((d) => d.requestedAt),
        deliveries.map((d) => d.reason),
        deliveries.map((d) => d.override),
      ],
    );
    const scheduled = deliveries.filter((d) => d.status === 'SCHEDULED');
    await enqueuePublishJobs(executorFor(client), scheduled.map((d) => ({ deliveryId: d.id, runAt: d.scheduledAt! })));
    const pending = deliveries.filter((d) => d.status === 'PENDING').length;
    if (pending) await requestSmartSchedule(executorFor(client));
    return { scheduled: scheduled.length, pending, drafts: deliveries.filter((d) => d.status === 'DRAFT').length };
  });
  return { postIds, created: rows.length, existing: inputs.length - rows.length, ...result };
}

/**
 * Places rows with a requested time on each of their channels, in row order, each placement taking its slot before
 * the next row is placed. With `lock`, holds the channels' locks (the caller's transaction must be open).
 */
export async function planTimedRows(query: SqlQuery, rows: { index: number; valid: Pick<ValidPost, 'channels' | 'timing'> }[], lock: boolean): Promise<TimedPlan> {
  const channels = new Map<string, Channel>();
  for (const r of rows) for (const c of r.valid.channels) channels.set(c.id, c);
  if (lock) await lockChannels(query, [...channels.keys()]);
  const times = rows.map((r) => r.valid.timing.scheduledAt!.getTime());
  const from = times.length ? Math.min(...times) : Date.now();
  const until = (times.length ? Math.max(...times) : from) + SHIFT_LIMIT_MS;
  const schedules = new Map<string, { policy: CompiledPolicy; occupied: Occupancy }>();
  for (const channel of channels.values()) {
    schedules.set(channel.id, { policy: compileFor(channel), occupied: await loadOccupancy(query, channel.id, from, until) });
  }
  const decisions = new Map<string, TimedDecision>();
  const refusals: TimedRefusal[] = [];
  for (const r of rows) {
    const t = r.valid.timing.scheduledAt!.getTime();
    for (const channel of r.valid.channels) {
      const { policy, occupied } = schedules.get(channel.id)!;
      const where = `${channel.platform} channel "${channel.name}"`;
      if (r.valid.timing.mode === 'IMMEDIATE') {
        decisions.set(`${r.index}:${channel.id}`, { scheduledAt: new Date(t), requestedAt: null, reason: null });
      } else if (r.valid.timing.mode === 'EXACT') {
        const hits = violationsAt(policy, occupied, t);
        if (hits.length) refusals.push({ index: r.index, channelId: channel.id, rule: 'postingPolicy', message: `${where} does not allow this instant: ${hits.map((h) => explainHit(h, channel.timezone)).join('; ')}` });
        else decisions.set(`${r.index}:${channel.id}`, { scheduledAt: new Date(t), requestedAt: null, reason: null });
      } else {
        const answer = findSlot(policy, occupied, t, t + SHIFT_LIMIT_MS);
        if (answer.at === null) {
          refusals.push({ index: r.index, channelId: channel.id, rule: 'noSlot', message: `${where} has no allowed instant in the 60 days from then: ${answer.hits.slice(-1).map((h) => explainHit(h, channel.timezone)).join('')}` });
          continue;
        }
        const moved = answer.at !== t;
        decisions.set(`${r.index}:${channel.id}`, {
          scheduledAt: new Date(answer.at),
          requestedAt: moved ? new Date(t) : null,
          reason: moved ? explainMove(t, answer.at, answer.hits, channel.timezone) : null,
        });
      }
      const placed = decisions.get(`${r.index}:${channel.id}`);
      if (placed) occupied.add(placed.scheduledAt.getTime());
    }
  }
  return { decisions, refusals, schedules };
}

// previewSchedule: a dry run. Where would these posts go on each channel, and why; nothing is written or locked.
import { placePending, type PendingDelivery } from '../scheduling/distribute.js';
import { explainHit } from '../scheduling/explain.js';
import { loadOccupancy } from '../store/channels.js';
import { rows as queryRows } from '../store/sql.js';
import { placeRequests } from './placement.js';
import { placementKey, placementRequests } from './newPosts.js';
import { resolveTiming, type CreatePostInput } from './postInput.js';
import { compileFor } from './scheduling.js';
import type { ScheduleLayer } from '../scheduling/policy.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';

export interface PreviewPostInput {
  channelIds: string[];
  /** Without it the post is placed as the smart scheduler would place it. */
  scheduledAt?: Date | null;
  schedulingMode?: 'SHIFT' | 'EXACT' | null;
  priority?: number | null;
  source?: CreatePostInput['source'];
}

export interface PreviewedDelivery {
  postIndex: number;
  channelId: string;
  /** Where it would go; null when it would be refused (EXACT) or stay pending. */
  scheduledAt: Date | null;
  allowed: boolean;
  reason: string | null;
  /** Which layer decided: the posting rules (a post with a time) or the queue (the smart scheduler's placement). */
  layer: ScheduleLayer;
}

export async function previewSchedule(deps: ServiceDeps, workspaceId: string, posts: PreviewPostInput[]): Promise<PreviewedDelivery[]> {
  const issues = new Issues();
  const known = new Map((await deps.prisma.channel.findMany({ where: { workspaceId, deletedAt: null } })).map((c) => [c.id, c]));
  const rows = posts.map((post, index) => {
    post.channelIds.forEach((id, j) => issues.check(known.has(id), ['posts', index, 'channelIds', j], 'exists', `channel ${id} does not exist in this workspace`));
    const timing = resolveTiming(issues, ['posts', index], {
      content: '',
      channelIds: post.channelIds,
      scheduledAt: post.scheduledAt,
      schedulingMode: post.schedulingMode,
      autoSchedule: !post.scheduledAt,
    });
    return { index, post, timing, channels: post.channelIds.filter((id) => known.has(id)).map((id) => known.get(id)!) };
  });
  issues.throwIfAny();

  const sql = deps.pool;
  const timed = rows.filter((r) => r.timing.status === 'SCHEDULED');
  const plan = await placeRequests(sql, placementRequests(timed.map((r) => ({ index: r.index, valid: r }))), { lock: false });
  const out: PreviewedDelivery[] = [];
  for (const r of timed) {
    for (const c of r.channels) {
      const decision = plan.placed.get(placementKey(r.index, c.id));
      const refusal = plan.refused.find((f) => f.key === placementKey(r.index, c.id));
      out.push({
        postIndex: r.index,
        channelId: c.id,
        scheduledAt: decision?.scheduledAt ?? null,
        allowed: !!decision,
        reason: decision?.reason ?? refusal?.message ?? null,
        layer: 'RULES',
      });
    }
  }

  const auto = rows.filter((r) => r.timing.status === 'PENDING');
  if (auto.length) {
    const now = Date.now();
    const horizonMs = deps.config.scheduling.horizonDays * 86_400_000;
    const channelIds = [...new Set(auto.flatMap((r) => r.channels.map((c) => c.id)))];
    const schedules = new Map();
    for (const id of channelIds) {
      const occupied = await loadOccupancy(sql, id, now, now + horizonMs);
      for (const d of plan.placed.values()) if (d.channelId === id) occupied.add(d.scheduledAt.getTime());
      schedules.set(id, { policy: compileFor(known.get(id)!, 'QUEUE'), occupied });
    }
    // Deliveries already waiting take their turn as they would in a real run.
    const waiting = await queryRows<{ id: string; channel_id: string; priority: number; created_at: Date; source: string }>(
      sql,
      `SELECT d.id, d.channel_id, p.priority, p.created_at, p.source::text AS source FROM deliveries d JOIN posts p ON p.id = d.post_id
        WHERE d.status = 'PENDING' AND d.channel_id = ANY($1::uuid[])`,
      [channelIds],
    );
    const items: PendingDelivery[] = waiting.map((w) => ({
      id: w.id,
      channelId: w.channel_id,
      priority: w.priority,
      createdAt: new Date(w.created_at).getTime(),
      sourceKey: w.source,
    }));
    for (const r of auto) {
      for (const c of r.channels)
        items.push({ id: `preview:${r.index}:${c.id}`, channelId: c.id, priority: r.post.priority ?? 0, createdAt: now + r.index, sourceKey: r.post.source ?? 'MANUAL' });
    }
    const { placed, unplaced } = placePending(items, schedules, now, horizonMs);
    for (const p of placed.filter((p) => p.id.startsWith('preview:'))) {
      out.push({
        postIndex: Number(p.id.split(':')[1]),
        channelId: p.channelId,
        scheduledAt: new Date(p.at),
        allowed: true,
        reason: `The smart scheduler would use slot ${p.slot} of ${p.slots} free in the queue hours`,
        layer: 'QUEUE',
      });
    }
    for (const u of unplaced.filter((u) => u.id.startsWith('preview:'))) {
      const why = u.hits.length ? explainHit(u.hits.at(-1)!, known.get(u.channelId)!.timezone) : 'no free slot';
      out.push({ postIndex: Number(u.id.split(':')[1]), channelId: u.channelId, scheduledAt: null, allowed: false, reason: `Would wait as PENDING: ${why}`, layer: 'QUEUE' });
    }
  }
  return out.sort((a, b) => a.postIndex - b.postIndex || posts[a.postIndex].channelIds.indexOf(a.channelId) - posts[b.postIndex].channelIds.indexOf(b.channelId));
}

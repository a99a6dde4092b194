// Posts and their deliveries are inserted one way, for one post (createPost) or fifty thousand (bulkCreatePosts):
// set-based inserts, then the publish jobs of what is scheduled, in the caller's transaction.
import type { DeliveryStatus } from '../domain/deliveryStatus.js';
import type { LinkCard } from '../integrations/types.js';
import { enqueuePublishJobs, requestSmartSchedule } from './jobs.js';
import type { Sql } from './sql.js';

export interface NewPost {
  id: string;
  content: string;
  mediaUrls: string[];
  priority: number;
  source: string;
  sourceId: string | null;
  schedulingMode: string;
  idempotencyKey: string | null;
}

export interface NewDelivery {
  id: string;
  postId: string;
  channelId: string;
  /** AWAITING_APPROVAL gets no job: only an approval schedules it (services/approval.ts). */
  status: Extract<DeliveryStatus, 'SCHEDULED' | 'PENDING' | 'DRAFT' | 'AWAITING_APPROVAL'>;
  scheduledAt: Date | null;
  requestedAt: Date | null;
  reason: string | null;
  contentOverride: string | null;
  /** A source item's link card (src/integrations/types.ts LinkCard); absent for people's posts. */
  linkCard?: LinkCard | null;
}

/** Unique violation on (workspace_id, idempotency_key): another request with the same key won the race. */
export const isDuplicateIdempotencyKey = (error: unknown) =>
  (error as { code?: string })?.code === '23505' && /idempotency_key/.test((error as { constraint?: string }).constraint ?? (error as Error).message);

export async function insertPosts(sql: Sql, owner: { workspaceId: string; authorId: string | null }, posts: NewPost[], deliveries: NewDelivery[]): Promise<void> {
  await sql.query(
    `INSERT INTO posts (id, workspace_id, author_id, content, media_urls, priority, source, source_id, scheduling_mode, idempotency_key)
     SELECT r.id, $1, $2, r.content, ARRAY(SELECT json_array_elements_text(r.media::json)), r.priority, r.source::"PostSource", r.source_id, r.mode::"SchedulingMode", r.key
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[]) AS r(id, content, media, priority, source, source_id, mode, key)`,
    [
      owner.workspaceId,
      owner.authorId,
      posts.map((p) => p.id),
      posts.map((p) => p.content),
      posts.map((p) => JSON.stringify(p.mediaUrls)),
      posts.map((p) => p.priority),
      posts.map((p) => p.source),
      posts.map((p) => p.sourceId),
      posts.map((p) => p.schedulingMode),
      posts.map((p) => p.idempotencyKey),
    ],
  );
  await sql.query(
    // due_at: where the delivery was put, for analytics' lateness; publish_now: a publishNow post's, going out at once
    // (src/store/deliveries.ts scheduleDeliveries says how long each lasts).
    `INSERT INTO deliveries (id, post_id, channel_id, workspace_id, status, scheduled_at, requested_at, schedule_reason, content_override, link_card, due_at, publish_now)
     SELECT d.id, d.post_id, d.channel_id, $1, d.status::"DeliveryStatus", d.scheduled_at, d.requested_at, d.reason, d.override, d.card::jsonb,
            d.scheduled_at, d.status = 'SCHEDULED' AND d.post_id = ANY($11::uuid[])
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::text[])
            AS d(id, post_id, channel_id, status, scheduled_at, requested_at, reason, override, card)`,
    [
      owner.workspaceId,
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.postId),
      deliveries.map((d) => d.channelId),
      deliveries.map((d) => d.status),
      deliveries.map((d) => d.scheduledAt),
      deliveries.map((d) => d.requestedAt),
      deliveries.map((d) => d.reason),
      deliveries.map((d) => d.contentOverride),
      deliveries.map((d) => (d.linkCard ? JSON.stringify(d.linkCard) : null)),
      posts.filter((p) => p.schedulingMode === 'IMMEDIATE').map((p) => p.id),
    ],
  );
  await enqueuePublishJobs(
    sql,
    deliveries.filter((d) => d.status === 'SCHEDULED').map((d) => ({ deliveryId: d.id, runAt: d.scheduledAt! })),
  );
  if (deliveries.some((d) => d.status === 'PENDING')) await requestSmartSchedule(sql);
}

/** Removes a post and its deliveries (their jobs are removed by the caller, in the same transaction). */
export async function deletePostRow(sql: Sql, postId: string): Promise<void> {
  await sql.query(`DELETE FROM posts WHERE id = $1`, [postId]);
}

export async function updatePostContent(sql: Sql, postId: string, change: { content: string; mediaUrls: string[]; priority: number | null }): Promise<void> {
  await sql.query(`UPDATE posts SET content = $2, media_urls = $3, priority = coalesce($4, priority), updated_at = now() WHERE id = $1`, [
    postId,
    change.content,
    change.mediaUrls,
    change.priority,
  ]);
}

export async function setSchedulingMode(sql: Sql, postIds: string[], mode: string): Promise<void> {
  await sql.query(`UPDATE posts SET scheduling_mode = $2::"SchedulingMode", updated_at = now() WHERE id = ANY($1::uuid[])`, [postIds, mode]);
}

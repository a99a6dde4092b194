// Validated posts become the rows the store inserts: one way for createPost and bulkCreatePosts.
import { randomUUID } from 'node:crypto';
import type { NewDelivery, NewPost } from '../store/posts.js';
import type { CreatePostInput, ValidPost } from './postInput.js';
import type { Placed, PlacementRequest } from './placement.js';

export interface PostRow {
  /** Names the row in placement keys and issues. */
  index: number;
  input: CreatePostInput;
  valid: ValidPost;
  postId: string;
}

export const placementKey = (index: number, channelId: string) => `${index}:${channelId}`;

/** What to place: every channel of every row with a requested time. */
export function placementRequests(rows: { index: number; valid: Pick<ValidPost, 'channels' | 'timing'> }[]): PlacementRequest[] {
  return rows
    .filter((r) => r.valid.timing.status === 'SCHEDULED')
    .flatMap((r) =>
      r.valid.channels.map((channel) => ({
        key: placementKey(r.index, channel.id),
        channel,
        at: r.valid.timing.scheduledAt!,
        mode: r.valid.timing.mode as PlacementRequest['mode'],
      })),
    );
}

export function newRows(rows: PostRow[], placed: Map<string, Placed>, defaultSource: string): { posts: NewPost[]; deliveries: NewDelivery[] } {
  const posts = rows.map((r) => ({
    id: r.postId,
    content: r.input.content,
    mediaUrls: r.valid.mediaUrls,
    priority: r.input.priority ?? 0,
    source: r.input.source ?? defaultSource,
    sourceId: r.input.sourceId ?? null,
    schedulingMode: r.valid.timing.mode,
    idempotencyKey: r.input.idempotencyKey ?? null,
  }));
  const deliveries = rows.flatMap((r) =>
    r.valid.channels.map((c): NewDelivery => {
      const placement = placed.get(placementKey(r.index, c.id));
      const status = r.valid.timing.status as NewDelivery['status'];
      return {
        id: randomUUID(),
        postId: r.postId,
        channelId: c.id,
        status,
        scheduledAt: placement?.scheduledAt ?? r.valid.timing.scheduledAt,
        requestedAt: placement?.requestedAt ?? null,
        reason: placement?.reason ?? (status === 'PENDING' ? 'Waiting for the smart scheduler' : null),
        contentOverride: r.valid.overrides.get(c.id)?.text ?? null,
      };
    }),
  );
  return { posts, deliveries };
}

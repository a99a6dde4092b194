// What happens to a post on its way through approval, as the postActivity subscription tells it: one event per step
// and per comment. The store notifies on POST_ACTIVITY_CHANNEL in the transaction of the change (so nothing is
// heard of a change that rolled back), and src/events/deliveryEvents.ts fans it out to subscribers.

export const POST_ACTIVITY_CHANNEL = 'postflow_post_activity';

export const POST_ACTIVITY_KINDS = ['SUBMITTED', 'APPROVED', 'CHANGES_REQUESTED', 'REJECTED', 'COMMENTED'] as const;
export type PostActivityKind = (typeof POST_ACTIVITY_KINDS)[number];

/** The notification's payload: ids only (well under NOTIFY's 8000 bytes); the subscriber loads what it shows. */
export interface PostActivityEvent {
  workspaceId: string;
  postId: string;
  kind: PostActivityKind;
  /** The person who acted; null for a guest (through a preview link). */
  actorId: string | null;
  /** The comment or decision written with the step, if any. */
  commentId: string | null;
  /** Why a post went (back) to the approvers: created held, submitted, or edited after its approval. */
  reason: 'CREATED' | 'SUBMITTED' | 'EDITED' | null;
  at: string;
}

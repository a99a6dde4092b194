// Approval's GraphQL: the posts waiting (posts with a delivery AWAITING_APPROVAL), their comments and decisions,
// and the decisions themselves (an ADMIN's) and comments (an EDITOR's).
import { gql } from '../../graphql';
import { PAGE_INFO, type Connection } from '../../dataProvider/relay';

export interface PendingPost {
  id: string;
  content: string;
  createdAt: string;
  mediaUrls: string[];
  deliveries: { id: string; status: string; scheduledAt: string | null; channel: { id: string; name: string; platform: string } }[];
  comments: { id: string; kind: string; text: string; createdAt: string; guestName: string | null; author: { email: string } | null }[];
}

export const APPROVAL_KEY = ['postflow', 'approval'];
export const PAGE = 20;

export const fetchPending = async (after: string | null) =>
  (
    await gql<{ posts: Connection<PendingPost> }>(
      `query AwaitingApproval($first: Int, $after: String) {
        posts(first: $first, after: $after, filter: { status: AWAITING_APPROVAL }) {
          edges { cursor node {
            id content createdAt mediaUrls
            deliveries { id status scheduledAt channel { id name platform } }
            comments { id kind text createdAt guestName author { email } }
          } }
          ${PAGE_INFO}
        }
      }`,
      { first: PAGE, after },
    )
  ).posts;

export type Decision = 'approve' | 'requestChanges' | 'reject';

export function decide(decision: Decision, id: string, text: string) {
  if (decision === 'approve') return gql('mutation ApprovePost($id: ID!, $comment: String) { approvePost(id: $id, comment: $comment) { id } }', { id, comment: text || null });
  if (decision === 'requestChanges')
    return gql('mutation RequestChanges($id: ID!, $comment: String!) { requestChanges(id: $id, comment: $comment) { id } }', { id, comment: text });
  return gql('mutation RejectPost($id: ID!, $reason: String!) { rejectPost(id: $id, reason: $reason) { id } }', { id, reason: text });
}

export const addComment = (postId: string, text: string) =>
  gql('mutation AddComment($postId: ID!, $text: String!) { addComment(postId: $postId, text: $text) { id } }', { postId, text });

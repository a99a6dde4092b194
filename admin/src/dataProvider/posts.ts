// posts: the posts connection (filter: channelId, status, from/to of their deliveries) and one post.
import type { RaRecord } from 'react-admin';
import { gql } from '../graphql';
import { PAGE_INFO, relayList, type Connection } from './relay';
import type { ResourceProvider } from './types';

export interface PostRecord extends RaRecord<string> {
  content: string;
  createdAt: string;
  deliveries: {
    id: string;
    status: string;
    scheduledAt: string | null;
    publishedAt: string | null;
    lastError: string | null;
    scheduleReason: string | null;
    channel: { id: string; name: string; platform: string };
  }[];
}

export const POST_FIELDS = `id content createdAt mediaUrls deliveries { id status scheduledAt publishedAt lastError scheduleReason channel { id name platform } }`;

const LIST = `query Posts($first: Int, $after: String, $filter: PostFilter) {
  posts(first: $first, after: $after, filter: $filter) { edges { cursor node { ${POST_FIELDS} } } ${PAGE_INFO} }
}`;

export const posts: ResourceProvider = {
  getList: relayList<PostRecord>(async ({ first, after, filter }) => {
    const data = await gql<{ posts: Connection<PostRecord> }>(LIST, { first, after, filter: postFilter(filter) });
    return data.posts;
  }) as ResourceProvider['getList'],
  async getOne(_resource, { id }) {
    const data = await gql<{ post: PostRecord | null }>(`query Post($id: ID!) { post(id: $id) { ${POST_FIELDS} } }`, { id });
    if (!data.post) throw new Error(`post ${id} was not found`);
    return { data: data.post as never };
  },
};

/** Only the fields PostFilter has: react-admin may add its own (q, a list's default filters). */
function postFilter(filter: Record<string, unknown> = {}) {
  const { channelId, status, from, to } = filter;
  return Object.fromEntries(Object.entries({ channelId, status, from, to }).filter(([, value]) => value !== undefined && value !== ''));
}

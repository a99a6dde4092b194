// failedDeliveries: deliveries that failed for good, newest first (filter: channelId).
import type { RaRecord } from 'react-admin';
import { gql } from '../graphql';
import { PAGE_INFO, relayList, type Connection } from './relay';
import type { ResourceProvider } from './types';

export interface FailedDeliveryRecord extends RaRecord<string> {
  status: string;
  lastError: string | null;
  updatedAt: string;
  scheduledAt: string | null;
  channel: { id: string; name: string; platform: string };
  post: { id: string; content: string };
}

const LIST = `query FailedDeliveries($first: Int, $after: String, $channelId: ID) {
  failedDeliveries(first: $first, after: $after, channelId: $channelId) {
    edges { cursor node { id status lastError updatedAt scheduledAt channel { id name platform } post { id content } } }
    ${PAGE_INFO}
  }
}`;

export const failedDeliveries: ResourceProvider = {
  getList: relayList<FailedDeliveryRecord>(async ({ first, after, filter }) => {
    const data = await gql<{ failedDeliveries: Connection<FailedDeliveryRecord> }>(LIST, { first, after, channelId: filter?.channelId ?? null });
    return data.failedDeliveries;
  }) as ResourceProvider['getList'],
};

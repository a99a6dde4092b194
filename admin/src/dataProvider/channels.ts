// channels: the workspace's channels, all in one answer (no connection), so paged and filtered here.
import type { RaRecord } from 'react-admin';
import { gql } from '../graphql';
import type { ResourceProvider } from './types';

export interface ChannelRecord extends RaRecord<string> {
  name: string;
  platform: string;
  accountHandle: string | null;
  needsReconnect: boolean;
  authError: string | null;
  paused: boolean;
  timezone: string;
}

export const CHANNEL_FIELDS = 'id name platform accountHandle needsReconnect authError paused timezone';

async function allChannels(): Promise<ChannelRecord[]> {
  return (await gql<{ channels: ChannelRecord[] }>(`query Channels { channels { ${CHANNEL_FIELDS} } }`)).channels;
}

export const channels: ResourceProvider = {
  async getList(_resource, { pagination, filter = {} }) {
    const matching = (await allChannels()).filter(
      (channel) =>
        (filter.needsReconnect === undefined || channel.needsReconnect === filter.needsReconnect) &&
        (filter.platform === undefined || channel.platform === filter.platform) &&
        (!filter.q || channel.name.toLowerCase().includes(String(filter.q).toLowerCase())),
    );
    const { page = 1, perPage = matching.length || 1 } = pagination ?? {};
    return { data: matching.slice((page - 1) * perPage, page * perPage) as never, total: matching.length };
  },
  async getOne(_resource, { id }) {
    const data = await gql<{ channel: ChannelRecord }>(`query Channel($id: ID!) { channel(id: $id) { ${CHANNEL_FIELDS} } }`, { id });
    return { data: data.channel as never };
  },
  async getMany(_resource, { ids }) {
    const wanted = new Set(ids.map(String));
    return { data: (await allChannels()).filter((channel) => wanted.has(channel.id)) as never };
  },
};

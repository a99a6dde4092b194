// channels: the workspace's channels, all in one answer (no connection), so paged and filtered here. One channel
// (getOne) comes with its posting policy; create is createChannel (credentials), update is updateChannel (name, time
// zone, new credentials), delete is deleteChannel. Connecting through a network's page and the posting policy have
// their own mutations (pages/channels/).
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

export interface TimeRange {
  start: string;
  end: string;
}

export interface WeekdayWindows {
  weekday: number;
  ranges: TimeRange[];
}

export interface Blackout {
  start: string;
  end: string;
  label: string | null;
}

export interface PostingPolicy {
  windows: WeekdayWindows[];
  hoursRestricted: boolean;
  queueHours: WeekdayWindows[];
  queueHoursRestricted: boolean;
  blackouts: Blackout[];
  minIntervalMinutes: number;
  queueSpacingMinutes: number;
  dailyCap: number | null;
  rolling24hCap: number | null;
  reservedShare: number;
  platformLimits: { dailyCap: number | null; rolling24hCap: number | null; defaultMinIntervalMinutes: number };
}

export interface ChannelWithPolicy extends ChannelRecord {
  settings: Record<string, unknown>;
  policy: PostingPolicy;
}

export const CHANNEL_FIELDS = 'id name platform accountHandle needsReconnect authError paused timezone';

export const POLICY_FIELDS = `policy {
  windows { weekday ranges { start end } } hoursRestricted queueHours { weekday ranges { start end } } queueHoursRestricted
  blackouts { start end label } minIntervalMinutes queueSpacingMinutes dailyCap rolling24hCap reservedShare
  platformLimits { dailyCap rolling24hCap defaultMinIntervalMinutes }
}`;

export const CHANNEL_WITH_POLICY = `${CHANNEL_FIELDS} settings ${POLICY_FIELDS}`;

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
    const data = await gql<{ channel: ChannelWithPolicy }>(`query Channel($id: ID!) { channel(id: $id) { ${CHANNEL_WITH_POLICY} } }`, { id });
    return { data: data.channel as never };
  },
  async getMany(_resource, { ids }) {
    const wanted = new Set(ids.map(String));
    return { data: (await allChannels()).filter((channel) => wanted.has(channel.id)) as never };
  },
  async create(_resource, { data }) {
    const { platform, name, timezone, credentials } = data as { platform: string; name: string; timezone?: string; credentials: Record<string, unknown> };
    const created = await gql<{ createChannel: ChannelRecord }>(`mutation CreateChannel($input: CreateChannelInput!) { createChannel(input: $input) { ${CHANNEL_FIELDS} } }`, {
      input: { platform, name, timezone: timezone || undefined, credentials },
    });
    return { data: created.createChannel as never };
  },
  async update(_resource, { id, data }) {
    // Only what UpdateChannelInput has: react-admin sends the whole record back.
    const { name, timezone, credentials } = data as { name?: string; timezone?: string; credentials?: Record<string, unknown> };
    const updated = await gql<{ updateChannel: ChannelWithPolicy }>(
      `mutation UpdateChannel($id: ID!, $input: UpdateChannelInput!) { updateChannel(id: $id, input: $input) { ${CHANNEL_WITH_POLICY} } }`,
      { id, input: { name, timezone, credentials } },
    );
    return { data: updated.updateChannel as never };
  },
  async delete(_resource, { id }) {
    const deleted = await gql<{ deleteChannel: ChannelRecord }>(`mutation DeleteChannel($id: ID!) { deleteChannel(id: $id) { ${CHANNEL_FIELDS} } }`, { id });
    return { data: deleted.deleteChannel as never };
  },
};

/** pauseChannel / resumeChannel. */
export async function setChannelPaused(id: string, paused: boolean): Promise<ChannelRecord> {
  const mutation = paused ? 'pauseChannel' : 'resumeChannel';
  const data = await gql<Record<string, ChannelRecord>>(`mutation SetPaused($id: ID!) { ${mutation}(id: $id) { ${CHANNEL_FIELDS} } }`, { id });
  return data[mutation]!;
}

// What the analytics cover: the last 7, 30 or 90 days, and all channels or some.
import { Autocomplete, Box, TextField, ToggleButton, ToggleButtonGroup } from '@mui/material';
import { useGetList, useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { RANGES, type RangeDays } from './useAnalytics';

interface Props {
  days: RangeDays;
  onDays: (days: RangeDays) => void;
  channelIds: string[];
  onChannelIds: (ids: string[]) => void;
}

export function AnalyticsControls({ days, onDays, channelIds, onChannelIds }: Props) {
  const translate = useTranslate();
  const { data: channels = [] } = useGetList<ChannelRecord>('channels', { pagination: { page: 1, perPage: 1000 } });
  const chosen = channels.filter((channel) => channelIds.includes(channel.id));
  return (
    <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center', mb: 2 }}>
      <ToggleButtonGroup
        exclusive
        size="small"
        value={days}
        aria-label={translate('postflow.dashboard.analytics.range')}
        onChange={(_event, value: RangeDays | null) => value && onDays(value)}
      >
        {RANGES.map((range) => (
          <ToggleButton key={range} value={range}>
            {translate('postflow.dashboard.analytics.days', { count: range })}
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
      <Autocomplete
        multiple
        size="small"
        options={channels}
        value={chosen}
        getOptionLabel={(channel) => channel.name}
        isOptionEqualToValue={(a, b) => a.id === b.id}
        onChange={(_event, value) => onChannelIds(value.map((channel) => channel.id))}
        sx={{ minWidth: { xs: '100%', sm: 300 }, flex: { sm: '0 1 420px' } }}
        renderInput={(params) => (
          <TextField
            {...params}
            label={translate('postflow.dashboard.analytics.channels')}
            placeholder={chosen.length ? '' : translate('postflow.dashboard.analytics.allChannels')}
          />
        )}
      />
    </Box>
  );
}

// The channel filter and the time zone the calendar is shown in: the viewer's own, each channel's, or UTC.
import { Box, MenuItem, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { CalendarChannel } from './calendarData';
import { zoneOptions } from './zones';

export const ALL_CHANNELS = '';

export interface CalendarFiltersProps {
  channels: CalendarChannel[];
  channelId: string;
  zone: string;
  onChannel: (channelId: string) => void;
  onZone: (zone: string) => void;
}

export function CalendarFilters({ channels, channelId, zone, onChannel, onZone }: CalendarFiltersProps) {
  const translate = useTranslate();
  const options = zoneOptions(channels);
  // A zone remembered from an earlier visit whose channel has gone is still a zone: keep it selectable.
  if (!options.some((option) => option.zone === zone)) options.push({ zone, kind: 'channel', channelNames: [] });
  const zoneLabel = (option: (typeof options)[number]) => {
    if (option.kind === 'viewer') return translate('postflow.calendar.zoneViewer', { zone: option.zone });
    if (option.kind === 'utc') return translate('postflow.calendar.zoneUtc');
    return option.channelNames.length ? translate('postflow.calendar.zoneChannel', { zone: option.zone, channels: option.channelNames.join(', ') }) : option.zone;
  };
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, mb: 2 }}>
      <TextField
        select
        size="small"
        label={translate('postflow.calendar.channel')}
        value={channelId}
        onChange={(event) => onChannel(event.target.value)}
        sx={{ minWidth: 200, flex: '1 1 200px', maxWidth: 360 }}
        slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
      >
        <MenuItem value={ALL_CHANNELS}>{translate('postflow.calendar.allChannels')}</MenuItem>
        {channels.map((channel) => (
          <MenuItem key={channel.id} value={channel.id}>
            {channel.name}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        size="small"
        label={translate('postflow.calendar.timeZone')}
        value={zone}
        onChange={(event) => onZone(event.target.value)}
        sx={{ minWidth: 200, flex: '1 1 200px', maxWidth: 360 }}
      >
        {options.map((option) => (
          <MenuItem key={option.zone} value={option.zone}>
            {zoneLabel(option)}
          </MenuItem>
        ))}
      </TextField>
    </Box>
  );
}

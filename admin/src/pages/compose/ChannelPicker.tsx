// Which channels the post goes to: a checkbox per channel with its network, and a mark on those that will hold it
// (paused, or needing reconnection): the post can still be scheduled, it just waits.
import { Box, Checkbox, Chip, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { PlatformIcon } from './PlatformIcon';

interface Props {
  channels: ChannelRecord[];
  selected: string[];
  onChange: (channelIds: string[]) => void;
  error?: string;
}

export function ChannelPicker({ channels, selected, onChange, error }: Props) {
  const translate = useTranslate();
  const toggle = (id: string, on: boolean) =>
    // Kept in the channels' own order, so the verdicts and previews list them the same way.
    onChange(channels.map((channel) => channel.id).filter((channelId) => (channelId === id ? on : selected.includes(channelId))));
  return (
    <FormControl component="fieldset" error={!!error} variant="standard">
      <FormLabel component="legend">{translate('postflow.compose.channels')}</FormLabel>
      {!channels.length && <Typography color="text.secondary">{translate('postflow.compose.noChannels')}</Typography>}
      <FormGroup>
        {channels.map((channel) => (
          <FormControlLabel
            key={channel.id}
            control={<Checkbox checked={selected.includes(channel.id)} onChange={(event) => toggle(channel.id, event.target.checked)} />}
            label={
              <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.75, flexWrap: 'wrap' }}>
                <PlatformIcon platform={channel.platform} />
                <span>{channel.name}</span>
                <Typography component="span" variant="body2" color="text.secondary">
                  {translate(`postflow.compose.platform.${channel.platform}`, { _: channel.platform })}
                </Typography>
                {channel.paused && <Chip size="small" label={translate('postflow.compose.paused')} />}
                {channel.needsReconnect && <Chip size="small" variant="outlined" color="error" label={translate('postflow.compose.needsReconnect')} />}
              </Box>
            }
          />
        ))}
      </FormGroup>
      {error && <FormHelperText>{error}</FormHelperText>}
    </FormControl>
  );
}

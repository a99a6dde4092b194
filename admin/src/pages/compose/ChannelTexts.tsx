// Each chosen channel's verdict, and its own text when one network needs a different one (contentOverrides): the
// override starts as a copy of the main text, to be shortened or reworded, and is judged on its own.
import { Box, FormControlLabel, Paper, Switch, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { ChannelVerdict } from './ChannelVerdict';
import { PlatformIcon } from './PlatformIcon';
import type { ContentVerdict } from './useComposerChecks';

interface Props {
  channels: ChannelRecord[];
  content: string;
  overrides: Record<string, string>;
  onOverridesChange: (overrides: Record<string, string>) => void;
  verdicts: Map<string, ContentVerdict>;
  errors: Record<string, string>;
}

export function ChannelTexts({ channels, content, overrides, onOverridesChange, verdicts, errors }: Props) {
  const translate = useTranslate();
  const setOverride = (channelId: string, text: string | null) => {
    const next = { ...overrides };
    if (text === null) delete next[channelId];
    else next[channelId] = text;
    onOverridesChange(next);
  };
  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      {channels.map((channel) => {
        const headingId = `verdict-${channel.id}`;
        const hasOverride = channel.id in overrides;
        return (
          <Paper key={channel.id} component="section" variant="outlined" aria-labelledby={headingId} sx={{ p: 1.5 }}>
            <Typography component="h3" variant="subtitle1" id={headingId} sx={{ display: 'flex', alignItems: 'center', gap: 0.75 }}>
              <PlatformIcon platform={channel.platform} />
              {channel.name}
            </Typography>
            <ChannelVerdict verdict={verdicts.get(channel.id)} />
            <FormControlLabel
              control={<Switch checked={hasOverride} onChange={(event) => setOverride(channel.id, event.target.checked ? content : null)} />}
              label={translate('postflow.compose.overrideToggle', { name: channel.name })}
            />
            {hasOverride && (
              <TextField
                label={translate('postflow.compose.overrideLabel', { name: channel.name })}
                value={overrides[channel.id]}
                onChange={(event) => setOverride(channel.id, event.target.value)}
                multiline
                minRows={2}
                fullWidth
                error={!!errors[channel.id]}
                helperText={errors[channel.id] ?? translate('postflow.compose.overrideHelp')}
              />
            )}
          </Paper>
        );
      })}
    </Box>
  );
}

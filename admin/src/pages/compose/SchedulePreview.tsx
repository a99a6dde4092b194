// Where the post would go on each channel, from previewSchedule (a dry run of createPost's placement): the instant
// in the channel's own zone and why it is that one, the refusal an EXACT time would meet, or the reason it would
// wait as PENDING. "Now" and "draft" need no placement, so they are explained instead of asked.
import { Alert, Box, List, ListItem, ListItemIcon, ListItemText, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import type { Timing } from './composerState';
import { PlatformIcon } from './PlatformIcon';
import type { PreviewedDelivery } from './useComposerChecks';
import { ZonedTime } from './ZonedTime';

interface Props {
  timing: Timing;
  channels: ChannelRecord[];
  previews: Map<string, PreviewedDelivery>;
  error: Error | null;
}

export function SchedulePreview({ timing, channels, previews, error }: Props) {
  const translate = useTranslate();
  if (!channels.length) return <Typography color="text.secondary">{translate('postflow.compose.pickChannelsFirst')}</Typography>;
  if (timing === 'now' || timing === 'draft') return <Typography>{translate(`postflow.compose.preview.${timing}`)}</Typography>;
  if (error) return <Alert severity="warning">{error.message}</Alert>;
  return (
    <List dense disablePadding aria-live="polite">
      {channels.map((channel) => {
        const preview = previews.get(channel.id);
        return (
          <ListItem key={channel.id} disableGutters data-channel={channel.id} alignItems="flex-start">
            <ListItemIcon sx={{ minWidth: 32, mt: 0.5 }}>
              <PlatformIcon platform={channel.platform} />
            </ListItemIcon>
            <ListItemText primary={channel.name} secondary={<PlacementText preview={preview} zone={channel.timezone} />} slotProps={{ secondary: { component: 'div' } }} />
          </ListItem>
        );
      })}
    </List>
  );
}

function PlacementText({ preview, zone }: { preview: PreviewedDelivery | undefined; zone: string }) {
  const translate = useTranslate();
  if (!preview) return <>{translate('postflow.compose.checking')}</>;
  if (preview.scheduledAt)
    return (
      <Box component="span" sx={{ display: 'block' }}>
        <Box component="span" sx={{ display: 'block', color: 'text.primary' }}>
          <ZonedTime iso={preview.scheduledAt} zone={zone} />
        </Box>
        {preview.reason && <span>{preview.reason}</span>}
      </Box>
    );
  if (preview.layer === 'RULES')
    return (
      <Box component="span" sx={{ color: 'error.main' }}>
        {translate('postflow.compose.refused', { reason: preview.reason ?? '' })}
      </Box>
    );
  return <>{preview.reason ?? translate('postflow.compose.pending')}</>;
}

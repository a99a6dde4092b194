// Channels whose network refused their access: their deliveries are held until each is reconnected. Live: a channel
// that needs reconnecting (or was reconnected) changes the banner without a reload.
import { Alert, AlertTitle, Box, List, ListItem, ListItemText } from '@mui/material';
import { useGetList, useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { ReconnectButton } from './ChannelButtons';

export function ReconnectBanner() {
  const translate = useTranslate();
  const { data } = useGetList<ChannelRecord>('channels', { pagination: { page: 1, perPage: 100 }, filter: { needsReconnect: true } });
  if (!data?.length) return null;
  return (
    <Alert severity="warning" role="alert" sx={{ mt: 2 }} data-testid="reconnect-banner">
      <AlertTitle>{translate('postflow.channels.reconnectBanner', { smart_count: data.length })}</AlertTitle>
      <List dense disablePadding>
        {data.map((channel) => (
          <ListItem key={channel.id} disableGutters sx={{ flexWrap: 'wrap', gap: 1 }}>
            <ListItemText primary={`${channel.name} (${channel.platform})`} secondary={channel.authError ?? undefined} />
            <Box>
              <ReconnectButton channel={channel} variant="outlined" />
            </Box>
          </ListItem>
        ))}
      </List>
    </Alert>
  );
}

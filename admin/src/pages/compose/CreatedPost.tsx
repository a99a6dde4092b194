// The post just created, as the API now holds it: each delivery's status and time in its channel's zone (a queued
// one is PENDING until the smart scheduler places it), refreshed live as they change.
import { Alert, Box, Button as MuiButton, Card, CardContent, List, ListItem, ListItemIcon, ListItemText, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Button, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useLiveInvalidate } from '../../live';
import { PlatformIcon } from './PlatformIcon';
import { ZonedTime } from './ZonedTime';

interface CreatedDelivery {
  id: string;
  status: string;
  scheduledAt: string | null;
  scheduleReason: string | null;
  channel: { id: string; name: string; platform: string; timezone: string };
}

const POST = `query ComposerCreatedPost($id: ID!) {
  post(id: $id) { id deliveries { id status scheduledAt scheduleReason channel { id name platform timezone } } }
}`;

export function CreatedPost({ postId, onAnother }: { postId: string; onAnother: () => void }) {
  const translate = useTranslate();
  const queryKey = ['composer', 'created', postId];
  useLiveInvalidate('subscription ComposerCreatedPost { deliveryUpdated { id } }', [queryKey]);
  const { data, error } = useQuery({
    queryKey,
    queryFn: async () => (await gql<{ post: { deliveries: CreatedDelivery[] } | null }>(POST, { id: postId })).post,
  });
  return (
    <Card component="section" aria-labelledby="created-heading">
      <CardContent>
        <Typography component="h2" variant="h6" id="created-heading">
          {translate('postflow.compose.created')}
        </Typography>
        {error && <Alert severity="warning">{error.message}</Alert>}
        <List dense>
          {(data?.deliveries ?? []).map((delivery) => (
            <ListItem key={delivery.id} disableGutters alignItems="flex-start" data-delivery={delivery.id}>
              <ListItemIcon sx={{ minWidth: 32, mt: 0.5 }}>
                <PlatformIcon platform={delivery.channel.platform} />
              </ListItemIcon>
              <ListItemText
                primary={`${delivery.channel.name} · ${translate(`postflow.compose.status.${delivery.status}`, { _: delivery.status })}`}
                secondary={
                  <>
                    {delivery.scheduledAt ? <ZonedTime iso={delivery.scheduledAt} zone={delivery.channel.timezone} /> : translate('postflow.compose.noTimeYet')}
                    {delivery.scheduleReason && (
                      <Box component="span" sx={{ display: 'block' }}>
                        {delivery.scheduleReason}
                      </Box>
                    )}
                  </>
                }
              />
            </ListItem>
          ))}
        </List>
        <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
          {/* react-admin's Button: a router link to the queue, resolved against the console's base path. */}
          <Button variant="contained" to="/deliveries" label="postflow.compose.openQueue" />
          <MuiButton onClick={onAnother}>{translate('postflow.compose.another')}</MuiButton>
        </Box>
      </CardContent>
    </Card>
  );
}

// The channels list: each channel's network, handle, time zone and state, with pause / resume, reconnect and delete
// (confirmed) on its row; a row opens its page (name, time zone, posting policy). Above it, the end of a connection
// through a network's page and the banner of channels needing reconnection. On a phone, a simple list.
import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import { Box, Chip, Stack, useMediaQuery, type Theme } from '@mui/material';
import { CreateButton, Datagrid, DeleteWithConfirmButton, FunctionField, List, SimpleList, TextField, TopToolbar, useRecordContext, useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { useLiveInvalidate } from '../../live';
import { PauseResumeButton, ReconnectButton } from './ChannelButtons';
import { OAuthReturnPanel } from './OAuthReturnPanel';
import { ReconnectBanner } from './ReconnectBanner';

export const CHANNEL_UPDATES = 'subscription ChannelUpdates { channelUpdated { id } }';

function ListActions() {
  const translate = useTranslate();
  return (
    <TopToolbar>
      <CreateButton label={translate('postflow.channels.connect')} />
    </TopToolbar>
  );
}

export function ChannelStatus({ channel: given }: { channel?: ChannelRecord }) {
  const record = useRecordContext<ChannelRecord>();
  const translate = useTranslate();
  const channel = given ?? record;
  if (!channel) return null;
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
      {channel.needsReconnect ? <Chip size="small" icon={<WarningAmberIcon />} label={translate('postflow.channels.needsReconnect')} /> : null}
      <Chip size="small" variant="outlined" label={translate(channel.paused ? 'postflow.channels.statusPaused' : 'postflow.channels.statusActive')} />
    </Stack>
  );
}

function RowActions() {
  const translate = useTranslate();
  const channel = useRecordContext<ChannelRecord>();
  if (!channel) return null;
  return (
    <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end' }}>
      {channel.needsReconnect ? <ReconnectButton /> : null}
      <PauseResumeButton />
      <DeleteWithConfirmButton
        mutationMode="pessimistic"
        label={translate('postflow.channels.delete')}
        aria-label={`${translate('postflow.channels.delete')}: ${channel.name}`}
        confirmTitle={translate('postflow.channels.deleteTitle', { name: channel.name })}
        confirmContent={translate('postflow.channels.deleteContent')}
      />
    </Stack>
  );
}

export function ChannelList() {
  const translate = useTranslate();
  const small = useMediaQuery<Theme>((theme) => theme.breakpoints.down('md'));
  useLiveInvalidate(CHANNEL_UPDATES, [['channels']]);
  return (
    <Box>
      <OAuthReturnPanel />
      <ReconnectBanner />
      <List title={translate('postflow.channels.title')} actions={<ListActions />} pagination={false} perPage={1000} sort={{ field: 'name', order: 'ASC' }} empty={false}>
        {small ? (
          <SimpleList<ChannelRecord>
            primaryText={(channel) => channel.name}
            secondaryText={(channel) => `${channel.platform} · ${channel.accountHandle ?? ''} · ${channel.timezone}`}
            tertiaryText={(channel) =>
              translate(channel.needsReconnect ? 'postflow.channels.needsReconnect' : channel.paused ? 'postflow.channels.statusPaused' : 'postflow.channels.statusActive')
            }
            linkType="edit"
          />
        ) : (
          <Datagrid rowClick="edit" bulkActionButtons={false}>
            <TextField source="name" label={translate('postflow.channels.name')} />
            <TextField source="platform" label={translate('postflow.channels.network')} />
            <TextField source="accountHandle" label={translate('postflow.channels.handle')} emptyText="—" />
            <TextField source="timezone" label={translate('postflow.channels.timezone')} />
            <FunctionField label={translate('postflow.channels.status')} render={(channel: ChannelRecord) => <ChannelStatus channel={channel} />} />
            <FunctionField label={translate('postflow.channels.actions')} render={() => <RowActions />} />
          </Datagrid>
        )}
      </List>
    </Box>
  );
}

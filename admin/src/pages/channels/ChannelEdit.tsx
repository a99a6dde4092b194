// A channel's page: its name and time zone (updateChannel), pause / resume and reconnect, its posting policy, and new
// credentials. Delete (confirmed) is in the first form's toolbar.
import { Alert, Box } from '@mui/material';
import { DeleteWithConfirmButton, Edit, SaveButton, SimpleForm, TextInput, Toolbar, TopToolbar, required, useRecordContext, useTranslate } from 'react-admin';
import type { ChannelWithPolicy } from '../../dataProvider/channels';
import { useLiveInvalidate } from '../../live';
import { PauseResumeButton, ReconnectButton } from './ChannelButtons';
import { CHANNEL_UPDATES, ChannelStatus } from './ChannelList';
import { NewCredentials } from './NewCredentials';
import { PolicyEditor } from './PolicyEditor';
import { TimezoneInput } from './TimezoneInput';

function EditActions() {
  const channel = useRecordContext<ChannelWithPolicy>();
  return (
    <TopToolbar>
      {channel?.needsReconnect ? <ReconnectButton variant="contained" /> : null}
      <PauseResumeButton />
    </TopToolbar>
  );
}

function EditToolbar() {
  const translate = useTranslate();
  const channel = useRecordContext<ChannelWithPolicy>();
  return (
    <Toolbar sx={{ justifyContent: 'space-between', bgcolor: 'background.paper' }}>
      <SaveButton label={translate('postflow.channels.saveChannel')} />
      <DeleteWithConfirmButton
        mutationMode="pessimistic"
        label={translate('postflow.channels.delete')}
        confirmTitle={translate('postflow.channels.deleteTitle', { name: channel?.name ?? '' })}
        confirmContent={translate('postflow.channels.deleteContent')}
      />
    </Toolbar>
  );
}

function Heading() {
  const channel = useRecordContext<ChannelWithPolicy>();
  const translate = useTranslate();
  if (!channel) return null;
  return (
    <Box sx={{ px: 2, pt: 2 }}>
      <ChannelStatus channel={channel} />
      {channel.needsReconnect ? (
        <Alert severity="warning" sx={{ mt: 1 }} role="alert">
          {translate('postflow.channels.reconnectWhy', { reason: channel.authError ?? '' })}
        </Alert>
      ) : null}
    </Box>
  );
}

function ChannelTitle() {
  const channel = useRecordContext<ChannelWithPolicy>();
  const translate = useTranslate();
  return <span>{channel ? translate('postflow.channels.editTitle', { name: channel.name, platform: channel.platform }) : ''}</span>;
}

export function ChannelEdit() {
  const translate = useTranslate();
  useLiveInvalidate(CHANNEL_UPDATES, [['channels']]);
  return (
    <Edit mutationMode="pessimistic" actions={<EditActions />} title={<ChannelTitle />} redirect={false}>
      <Heading />
      <SimpleForm toolbar={<EditToolbar />} sx={{ maxWidth: 600 }}>
        <TextInput source="name" label={translate('postflow.channels.name')} validate={required()} fullWidth />
        <TextInput source="accountHandle" label={translate('postflow.channels.handle')} disabled fullWidth />
        <TimezoneInput />
      </SimpleForm>
      <Box sx={{ p: { xs: 1, sm: 2 } }}>
        <PolicyEditor />
        <NewCredentials />
      </Box>
    </Edit>
  );
}

// New credentials for a channel (updateChannel): how a channel connected by hand is reconnected, and how any channel
// gets a token made elsewhere. The server checks them with the network before keeping them.
import { Box, Card, CardContent, Typography } from '@mui/material';
import { Form, SaveButton, useDataProvider, useNotify, useRecordContext, useTranslate } from 'react-admin';
import { useQueryClient } from '@tanstack/react-query';
import type { ChannelWithPolicy } from '../../dataProvider/channels';
import { CREDENTIAL_FIELDS, fieldValues } from './networkFields';
import { NetworkFieldInputs } from './NetworkFieldInputs';
import { submitErrors } from './submitErrors';

export function NewCredentials() {
  const channel = useRecordContext<ChannelWithPolicy>();
  const translate = useTranslate();
  const notify = useNotify();
  const dataProvider = useDataProvider();
  const queryClient = useQueryClient();
  if (!channel) return null;
  const fields = CREDENTIAL_FIELDS[channel.platform] ?? [];
  const known = new Set(fields.map((field) => `credentials.${field.name}`));
  const submit = async (values: Record<string, unknown>) => {
    try {
      await dataProvider.update('channels', { id: channel.id, data: { credentials: fieldValues(fields, values.credentials as Record<string, unknown>) }, previousData: channel });
      await queryClient.invalidateQueries({ queryKey: ['channels'] });
      notify('postflow.channels.credentialsSaved', { type: 'success', messageArgs: { name: channel.name } });
    } catch (error) {
      return submitErrors(error, (field) => known.has(field), notify);
    }
  };
  return (
    <Card component="section" aria-labelledby="credentials-heading" sx={{ mt: 2 }} id="credentials">
      <CardContent>
        <Typography component="h2" variant="h6" id="credentials-heading">
          {translate('postflow.channels.newCredentials')}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {translate('postflow.channels.newCredentialsHelp')}
        </Typography>
        <Form onSubmit={submit} key={channel.id}>
          <Box sx={{ display: 'grid', gap: 1, maxWidth: 560 }}>
            <NetworkFieldInputs fields={fields} prefix="credentials" />
            <Box>
              <SaveButton label={translate('postflow.channels.saveCredentials')} alwaysEnable />
            </Box>
          </Box>
        </Form>
      </CardContent>
    </Card>
  );
}

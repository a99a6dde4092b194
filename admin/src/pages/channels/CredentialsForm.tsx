// A channel created with the credentials its network needs (createChannel): the fields of networkFields.ts, secrets
// in password inputs. The server checks them with the network; what it refuses shows under its field.
import { Box } from '@mui/material';
import { Form, SaveButton, TextInput, required, useDataProvider, useNotify, useRedirect, useTranslate } from 'react-admin';
import { useQueryClient } from '@tanstack/react-query';
import type { ChannelRecord } from '../../dataProvider/channels';
import { CREDENTIAL_FIELDS, fieldValues } from './networkFields';
import { NetworkFieldInputs } from './NetworkFieldInputs';
import { submitErrors } from './submitErrors';
import { TimezoneInput, viewerTimezone } from './TimezoneInput';

export function CredentialsForm({ platform }: { platform: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const dataProvider = useDataProvider();
  const queryClient = useQueryClient();
  const fields = CREDENTIAL_FIELDS[platform] ?? [];
  const known = new Set(['name', 'timezone', ...fields.map((field) => `credentials.${field.name}`)]);
  const submit = async (values: Record<string, unknown>) => {
    try {
      const { data } = await dataProvider.create<ChannelRecord>('channels', {
        data: { platform, name: values.name, timezone: values.timezone, credentials: fieldValues(fields, values.credentials as Record<string, unknown>) },
      });
      await queryClient.invalidateQueries({ queryKey: ['channels'] });
      notify('postflow.channels.created', { type: 'success', messageArgs: { name: data.name } });
      redirect('list', 'channels');
    } catch (error) {
      return submitErrors(error, (field) => known.has(field), notify);
    }
  };
  return (
    <Form onSubmit={submit} defaultValues={{ timezone: viewerTimezone() }} key={platform}>
      <Box sx={{ display: 'grid', gap: 1, maxWidth: 560 }}>
        <TextInput source="name" label={translate('postflow.channels.name')} validate={required()} fullWidth />
        <TimezoneInput />
        <NetworkFieldInputs fields={fields} prefix="credentials" />
        <Box>
          <SaveButton label={translate('postflow.channels.create', { platform })} alwaysEnable />
        </Box>
      </Box>
    </Form>
  );
}

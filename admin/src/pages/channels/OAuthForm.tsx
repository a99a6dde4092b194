// Connecting through the network's authorization page (connectChannelStart, then the browser goes there): the
// person's server for Mastodon, the channel's own app where this server has none, and which account to post as where
// one login reaches several. The network sends the person back to /admin/connect/callback (oauthRedirect.ts).
import { Box, Typography } from '@mui/material';
import { Form, SaveButton, TextInput, required, useNotify, useTranslate } from 'react-admin';
import { ACCOUNT_FIELDS, fieldValues } from './networkFields';
import { NetworkFieldInputs } from './NetworkFieldInputs';
import { startConnection } from './oauthRedirect';
import { submitErrors } from './submitErrors';
import { TimezoneInput, viewerTimezone } from './TimezoneInput';
import type { Network } from './useNetworks';

const APP_FIELDS = [
  { name: 'clientId', required: true },
  { name: 'clientSecret', secret: true },
];

export function OAuthForm({ network }: { network: Network }) {
  const translate = useTranslate();
  const notify = useNotify();
  const accountFields = ACCOUNT_FIELDS[network.platform] ?? [];
  const asksApp = !network.appConfigured && !network.needsInstanceUrl;
  const known = new Set(['name', 'timezone', 'instanceUrl', 'app.clientId', 'app.clientSecret', ...accountFields.map((field) => `account.${field.name}`)]);
  const submit = async (values: Record<string, unknown>) => {
    const app = values.app as { clientId?: string; clientSecret?: string } | undefined;
    const account = fieldValues(accountFields, values.account as Record<string, unknown>);
    try {
      await startConnection({
        platform: network.platform,
        name: (values.name as string | undefined)?.trim() || undefined,
        timezone: (values.timezone as string | undefined) || undefined,
        instanceUrl: network.needsInstanceUrl ? (values.instanceUrl as string) : undefined,
        app: asksApp && app?.clientId ? { clientId: app.clientId, clientSecret: app.clientSecret || undefined } : undefined,
        account: Object.keys(account).length ? account : undefined,
      });
    } catch (error) {
      return submitErrors(error, (field) => known.has(field), notify);
    }
  };
  return (
    <Form onSubmit={submit} defaultValues={{ timezone: viewerTimezone() }} key={network.platform}>
      <Box sx={{ display: 'grid', gap: 1, maxWidth: 560 }}>
        {network.needsInstanceUrl ? (
          <TextInput
            source="instanceUrl"
            type="url"
            label={translate('postflow.channels.field.instanceUrl')}
            helperText={translate('postflow.channels.fieldHelp.instanceUrl')}
            validate={required()}
            fullWidth
          />
        ) : null}
        <TextInput source="name" label={translate('postflow.channels.nameOptional')} helperText={translate('postflow.channels.nameHelp')} fullWidth />
        <TimezoneInput />
        {asksApp ? (
          <>
            <Typography variant="body2">{translate('postflow.channels.ownApp', { platform: network.platform })}</Typography>
            <NetworkFieldInputs fields={APP_FIELDS} prefix="app" />
          </>
        ) : null}
        {accountFields.length ? <NetworkFieldInputs fields={accountFields} prefix="account" /> : null}
        <Box>
          <SaveButton label={translate('postflow.channels.goAuthorize', { platform: network.platform })} alwaysEnable />
        </Box>
      </Box>
    </Form>
  );
}

// A new API key: name, scopes (none ticked: every scope the creator's role allows, the API's default) and an expiry
// in days (empty: until revoked). The key is answered once: shown with a copy button, held in this state only.
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Box, Button, Checkbox, FormControl, FormControlLabel, FormGroup, FormHelperText, FormLabel, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { useFormFailure } from '../workspace/formErrors';
import { OneTimeSecret } from '../workspace/OneTimeSecret';
import { PageSection } from '../workspace/PageSection';
import { API_KEYS_KEY, API_SCOPES, createApiKey, type ApiScope } from './data';

export function CreateApiKey() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiScope[]>([]);
  const [days, setDays] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const errors = useFormFailure(['name', 'scopes', 'expiresInDays', 'expiresAt']);

  const toggle = (scope: ApiScope, on: boolean) => setScopes((current) => (on ? [...current, scope] : current.filter((s) => s !== scope)));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await createApiKey({ name: name.trim(), scopes, expiresInDays: days ? Number(days) : null });
      setCreated({ name: answer.apiKey.name, key: answer.key });
      setName('');
      setScopes([]);
      setDays('');
      notify('postflow.apiKeys.created', { type: 'success', messageArgs: { name: answer.apiKey.name } });
      await queryClient.invalidateQueries({ queryKey: API_KEYS_KEY });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageSection title={translate('postflow.apiKeys.create')} id="api-keys-create">
      <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="api-keys-create">
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
          <TextField
            label={translate('postflow.apiKeys.name')}
            required
            size="small"
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={!!errors.field('name')}
            helperText={errors.field('name')}
            sx={{ flex: '1 1 220px' }}
          />
          <TextField
            label={translate('postflow.apiKeys.expiresInDays')}
            type="number"
            size="small"
            value={days}
            onChange={(event) => setDays(event.target.value)}
            error={!!(errors.field('expiresInDays') ?? errors.field('expiresAt'))}
            helperText={errors.field('expiresInDays') ?? errors.field('expiresAt') ?? translate('postflow.apiKeys.expiresHelp')}
            slotProps={{ htmlInput: { min: 1 } }}
            sx={{ width: 220 }}
          />
        </Box>
        <FormControl component="fieldset" error={!!errors.field('scopes')} sx={{ mt: 1 }}>
          <FormLabel component="legend">{translate('postflow.apiKeys.scopes')}</FormLabel>
          <FormGroup row>
            {API_SCOPES.map((scope) => (
              <FormControlLabel
                key={scope}
                control={<Checkbox checked={scopes.includes(scope)} onChange={(event) => toggle(scope, event.target.checked)} />}
                label={translate(`postflow.apiKeys.scope.${scope}`)}
              />
            ))}
          </FormGroup>
          <FormHelperText>{errors.field('scopes') ?? translate('postflow.apiKeys.scopesHelp')}</FormHelperText>
        </FormControl>
        <Box>
          <Button type="submit" variant="contained" disabled={busy} sx={{ mt: 1 }}>
            {translate('postflow.apiKeys.createButton')}
          </Button>
        </Box>
      </Box>
      {created && <OneTimeSecret testId="new-api-key" lines={[{ label: translate('postflow.apiKeys.keyOf', { name: created.name }), value: created.key }]} />}
    </PageSection>
  );
}

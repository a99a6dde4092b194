// The person's own sign-in: a new password (every other session ends; this one stays), and signing out everywhere
// (this session too, so the page goes back to the login page).
import { useState, type FormEvent } from 'react';
import { Box, Button, TextField, Typography } from '@mui/material';
import { useLogout, useNotify, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { useFormFailure } from '../workspace/formErrors';
import { PageSection } from '../workspace/PageSection';

export function AccountSection() {
  const translate = useTranslate();
  const notify = useNotify();
  const logout = useLogout();
  const { run } = useApiAction();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['currentPassword', 'newPassword']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await gql<{ changePassword: number }>(
        'mutation ChangePassword($currentPassword: String!, $newPassword: String!) { changePassword(currentPassword: $currentPassword, newPassword: $newPassword) }',
        {
          currentPassword,
          newPassword,
        },
      );
      setCurrentPassword('');
      setNewPassword('');
      notify('postflow.settings.passwordChanged', { type: 'success', messageArgs: { smart_count: answer.changePassword } });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <PageSection title={translate('postflow.settings.account')} id="settings-account">
      <Box
        component="form"
        onSubmit={(event) => void submit(event)}
        aria-label={translate('postflow.settings.changePassword')}
        sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}
      >
        <TextField
          label={translate('postflow.settings.currentPassword')}
          type="password"
          autoComplete="current-password"
          required
          size="small"
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
          error={!!errors.field('currentPassword')}
          helperText={errors.field('currentPassword')}
        />
        <TextField
          label={translate('postflow.settings.newPassword')}
          type="password"
          autoComplete="new-password"
          required
          size="small"
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          error={!!errors.field('newPassword')}
          helperText={errors.field('newPassword')}
        />
        <Button type="submit" variant="contained" disabled={busy}>
          {translate('postflow.settings.changePassword')}
        </Button>
      </Box>
      <Typography variant="body2" sx={{ mt: 3, mb: 1 }}>
        {translate('postflow.settings.logoutEverywhereHelp')}
      </Typography>
      <ConfirmAction
        label={translate('postflow.settings.logoutEverywhere')}
        title={translate('postflow.settings.logoutEverywhereTitle')}
        content={translate('postflow.settings.logoutEverywhereHelp')}
        onConfirm={async () => {
          if ((await run(() => gql('mutation LogoutEverywhere { logoutEverywhere }'))) !== undefined) await logout();
        }}
      />
    </PageSection>
  );
}

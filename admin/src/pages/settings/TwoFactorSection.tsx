// Two-factor sign-in. The API does not say whether it is on (User has no such field), so both ways are offered and
// its answer tells: turning on starts with the secret and its otpauth:// URI as text (no QR image: that would need
// another library) and finishes with a code from the app, which answers the recovery codes once; turning off is
// proven with the password or a code.
import { useState, type FormEvent } from 'react';
import { Box, Button, TextField, Typography } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useFormFailure } from '../workspace/formErrors';
import { OneTimeSecret } from '../workspace/OneTimeSecret';
import { PageSection } from '../workspace/PageSection';

export function TwoFactorSection() {
  const translate = useTranslate();
  return (
    <PageSection title={translate('postflow.settings.twoFactor')} id="settings-two-factor">
      <EnableTwoFactor />
      <Typography component="h3" variant="subtitle1" sx={{ mt: 3 }}>
        {translate('postflow.settings.twoFactorOff')}
      </Typography>
      <DisableTwoFactor />
    </PageSection>
  );
}

function EnableTwoFactor() {
  const translate = useTranslate();
  const notify = useNotify();
  const [setup, setSetup] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['code']);
  const start = async () => {
    setBusy(true);
    errors.clear();
    try {
      setSetup(
        (await gql<{ enableTwoFactorStart: { secret: string; otpauthUri: string } }>('mutation EnableTwoFactorStart { enableTwoFactorStart { secret otpauthUri } }'))
          .enableTwoFactorStart,
      );
      setRecoveryCodes(null);
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  const finish = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await gql<{ enableTwoFactorFinish: { recoveryCodes: string[] } }>(
        'mutation EnableTwoFactorFinish($code: String!) { enableTwoFactorFinish(code: $code) { recoveryCodes } }',
        { code: code.trim() },
      );
      setRecoveryCodes(answer.enableTwoFactorFinish.recoveryCodes);
      setSetup(null);
      setCode('');
      notify('postflow.settings.twoFactorEnabled', { type: 'success' });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  if (recoveryCodes) {
    return (
      <OneTimeSecret
        testId="recovery-codes"
        warning={translate('postflow.settings.recoveryCodesOnce')}
        lines={[{ label: translate('postflow.settings.recoveryCodes'), value: recoveryCodes.join(' ') }]}
      />
    );
  }
  if (!setup) {
    return (
      <Button variant="outlined" disabled={busy} onClick={() => void start()}>
        {translate('postflow.settings.twoFactorStart')}
      </Button>
    );
  }
  return (
    <Box component="form" onSubmit={(event) => void finish(event)} aria-label={translate('postflow.settings.twoFactorFinish')}>
      <OneTimeSecret
        warning={translate('postflow.settings.twoFactorSetupHelp')}
        lines={[
          { label: translate('postflow.settings.twoFactorSecret'), value: setup.secret },
          { label: translate('postflow.settings.twoFactorUri'), value: setup.otpauthUri },
        ]}
      />
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextField
          label={translate('postflow.settings.twoFactorCode')}
          required
          size="small"
          autoComplete="one-time-code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          error={!!errors.field('code')}
          helperText={errors.field('code')}
        />
        <Button type="submit" variant="contained" disabled={busy}>
          {translate('postflow.settings.twoFactorFinish')}
        </Button>
      </Box>
    </Box>
  );
}

function DisableTwoFactor() {
  const translate = useTranslate();
  const notify = useNotify();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['password', 'code']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await gql<{ disableTwoFactor: boolean }>('mutation DisableTwoFactor($password: String) { disableTwoFactor(password: $password) }', { password });
      setPassword('');
      notify(answer.disableTwoFactor ? 'postflow.settings.twoFactorDisabled' : 'postflow.settings.twoFactorWasOff', { type: 'info' });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box
      component="form"
      onSubmit={(event) => void submit(event)}
      aria-label={translate('postflow.settings.twoFactorOff')}
      sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start', mt: 1 }}
    >
      <TextField
        label={translate('postflow.settings.twoFactorPassword')}
        type="password"
        autoComplete="current-password"
        required
        size="small"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
        error={!!errors.field('password')}
        helperText={errors.field('password')}
      />
      <Button type="submit" variant="outlined" color="error" disabled={busy}>
        {translate('postflow.settings.twoFactorDisable')}
      </Button>
    </Box>
  );
}

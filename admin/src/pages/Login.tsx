// Sign in or sign up. Both go through authProvider.login (useLogin), so react-admin redirects to the dashboard and
// clears its caches either way. A sign-in the server answers TWO_FACTOR_REQUIRED (the password was right) asks for
// the code and sends the same sign-in again with it. Field errors from the server show under their fields.
import { useState, type FormEvent } from 'react';
import { Alert, Box, Button, Card, CardContent, Stack, Tab, Tabs, TextField, Typography } from '@mui/material';
import { useLogin, useTranslate } from 'react-admin';
import type { LoginParams } from '../authProvider';
import { errorCode, fieldError } from '../graphql';

type Mode = LoginParams['mode'];

export function LoginPage() {
  const translate = useTranslate();
  const login = useLogin();
  const [mode, setMode] = useState<Mode>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [workspaceName, setWorkspaceName] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(mode === 'signup' ? { mode, email, password, workspaceName } : { mode, email, password, code: needsCode ? code : undefined });
    } catch (failure) {
      if (errorCode(failure) === 'TWO_FACTOR_REQUIRED') setNeedsCode(true);
      else setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const message = error ? translate(mode === 'signup' ? 'postflow.login.signUpFailed' : 'postflow.login.failed', { message: (error as Error).message }) : null;
  const field = (name: string) => (error ? fieldError(error, name) : undefined);

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'flex-start', justifyContent: 'center', bgcolor: 'grey.100', px: 2, pt: { xs: 4, sm: 10 } }}>
      <Card sx={{ width: '100%', maxWidth: 400 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            {translate('postflow.appName')}
          </Typography>
          <Tabs
            value={mode}
            onChange={(_event, value: Mode) => {
              setMode(value);
              setError(null);
            }}
            aria-label={translate('postflow.login.tabs')}
            variant="fullWidth"
          >
            <Tab value="login" label={translate('postflow.login.signInTab')} id="tab-login" aria-controls="login-form" />
            <Tab value="signup" label={translate('postflow.login.signUpTab')} id="tab-signup" aria-controls="login-form" />
          </Tabs>
          <Stack component="form" id="login-form" role="tabpanel" aria-labelledby={`tab-${mode}`} onSubmit={submit} spacing={2} sx={{ mt: 2 }} noValidate>
            <TextField
              label={translate('postflow.login.email')}
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              error={Boolean(field('email'))}
              helperText={field('email')}
              autoFocus
            />
            <TextField
              label={translate('postflow.login.password')}
              type="password"
              autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              error={Boolean(field('password'))}
              helperText={field('password')}
            />
            {mode === 'signup' && (
              <TextField
                label={translate('postflow.login.workspaceName')}
                autoComplete="organization"
                required
                value={workspaceName}
                onChange={(event) => setWorkspaceName(event.target.value)}
                error={Boolean(field('workspaceName'))}
                helperText={field('workspaceName')}
              />
            )}
            {mode === 'login' && needsCode && (
              <>
                <Alert severity="info">{translate('postflow.login.twoFactorRequired')}</Alert>
                <TextField
                  label={translate('postflow.login.code')}
                  autoComplete="one-time-code"
                  inputMode="numeric"
                  required
                  value={code}
                  onChange={(event) => setCode(event.target.value)}
                  error={Boolean(field('code'))}
                  helperText={field('code') ?? translate('postflow.login.codeHelp')}
                  autoFocus
                />
              </>
            )}
            {message && (
              <Alert severity="error" role="alert">
                {message}
              </Alert>
            )}
            <Button type="submit" variant="contained" size="large" disabled={busy}>
              {translate(mode === 'signup' ? 'postflow.login.signUp' : 'postflow.login.signIn')}
            </Button>
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}

// The page an invitation link opens (the server sends /invitations/<token> here, the token in the fragment). Signed
// in, the person accepts with their account; otherwise they choose a password, which creates the invited email's
// account, or sign in first and come back here (react-admin's login returns to nextPathname). acceptInvitation
// leaves a session in the new workspace in the cookie: the console is then loaded afresh there.
import { useEffect, useState, type FormEvent } from 'react';
import { Alert, Box, Button, Card, CardContent, Stack, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { Link, useParams } from 'react-router-dom';
import { fieldError, gql } from '../../graphql';

const ACCEPT = 'mutation Accept($token: String!, $password: String) { acceptInvitation(token: $token, password: $password, cookie: true) { token } }';

export function AcceptInvitation() {
  const translate = useTranslate();
  const { token = '' } = useParams();
  // undefined while asking the server, null when nobody is signed in.
  const [email, setEmail] = useState<string | null | undefined>(undefined);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    gql<{ me: { email: string } }>('query Me { me { email } }').then(
      (data) => setEmail(data.me.email),
      () => setEmail(null),
    );
  }, []);

  const accept = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await gql(ACCEPT, { token, password: email ? null : password });
      // A new page load in the new workspace (its session now in the cookie): nothing cached from before.
      window.location.assign(window.location.pathname);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const passwordError = error ? fieldError(error, 'password') : undefined;
  return (
    <Box component="main" sx={{ display: 'flex', justifyContent: 'center', alignItems: 'flex-start', minHeight: '100vh', p: 2, pt: { xs: 4, sm: 10 } }}>
      <Card sx={{ width: '100%', maxWidth: 440 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            {translate('postflow.invitation.title')}
          </Typography>
          <Typography sx={{ mb: 2 }}>{translate('postflow.invitation.intro')}</Typography>
          {error ? (
            <Alert severity="error" sx={{ mb: 2 }}>
              {translate('postflow.invitation.failed', { message: (error as Error).message })}
            </Alert>
          ) : null}
          {email === undefined ? null : email ? (
            <Stack component="form" onSubmit={accept} spacing={2} aria-label={translate('postflow.invitation.accept')}>
              <Typography>{translate('postflow.invitation.signedInAs', { email })}</Typography>
              <Button type="submit" variant="contained" disabled={busy}>
                {translate('postflow.invitation.accept')}
              </Button>
            </Stack>
          ) : (
            <Stack component="form" onSubmit={accept} spacing={2} aria-label={translate('postflow.invitation.create')}>
              <Typography>{translate('postflow.invitation.newAccount')}</Typography>
              <TextField
                label={translate('postflow.invitation.password')}
                type="password"
                autoComplete="new-password"
                required
                value={password}
                onChange={(event) => setPassword(event.target.value)}
                error={passwordError !== undefined}
                helperText={passwordError ?? translate('postflow.invitation.passwordHelp')}
              />
              <Button type="submit" variant="contained" disabled={busy}>
                {translate('postflow.invitation.create')}
              </Button>
              <Button component={Link} to="/login" state={{ nextPathname: `/invitation/${token}` }}>
                {translate('postflow.invitation.haveAccount')}
              </Button>
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}

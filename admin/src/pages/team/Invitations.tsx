// Invitations (an ADMIN's): invite an email with a role, the link shown once (it is the invitee's credential), and
// the pending ones, each revocable.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, List, ListItem, ListItemText, MenuItem, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { useFormFailure } from '../workspace/formErrors';
import { OneTimeSecret } from '../workspace/OneTimeSecret';
import { LoadError, PageSection } from '../workspace/PageSection';
import type { Role } from '../workspace/role';
import { fetchInvitations, INVITABLE_ROLES, INVITATIONS_KEY, inviteMember, MEMBERS_KEY, revokeInvitation } from './data';

export function Invitations() {
  const translate = useTranslate();
  const invitations = useQuery({ queryKey: INVITATIONS_KEY, queryFn: fetchInvitations });
  const { run } = useApiAction();
  return (
    <PageSection title={translate('postflow.team.invitations')} id="team-invitations">
      <InviteForm />
      <LoadError error={invitations.error} />
      {invitations.data && !invitations.data.length && <Alert severity="info">{translate('postflow.team.noInvitations')}</Alert>}
      <List dense aria-label={translate('postflow.team.pending')}>
        {(invitations.data ?? []).map((invitation) => (
          <ListItem
            key={invitation.id}
            disableGutters
            secondaryAction={
              <ConfirmAction
                label={translate('postflow.team.revoke')}
                ariaLabel={translate('postflow.team.revokeOf', { email: invitation.email })}
                title={translate('postflow.team.revokeTitle', { email: invitation.email })}
                content={translate('postflow.team.revokeHelp')}
                onConfirm={() => run(() => revokeInvitation(invitation.id), { success: 'postflow.team.revoked', invalidate: [INVITATIONS_KEY] })}
              />
            }
          >
            <ListItemText
              sx={{ pr: 10, overflowWrap: 'anywhere' }}
              primary={`${invitation.email} · ${translate(`postflow.team.roles.${invitation.role}`)}`}
              secondary={translate('postflow.team.invitationInfo', { by: invitation.invitedBy?.email ?? '—', expires: formatDateTime(invitation.expiresAt) })}
            />
          </ListItem>
        ))}
      </List>
    </PageSection>
  );
}

function InviteForm() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('EDITOR');
  const [created, setCreated] = useState<{ link: string; mailed: boolean; email: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['email', 'role']);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      const answer = await inviteMember(email.trim(), role);
      setCreated({ link: answer.link, mailed: answer.mailed, email: answer.invitation.email });
      setEmail('');
      notify('postflow.team.invited', { type: 'success', messageArgs: { email: answer.invitation.email } });
      await Promise.all([queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY }), queryClient.invalidateQueries({ queryKey: MEMBERS_KEY })]);
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box component="form" onSubmit={(event) => void submit(event)} aria-label={translate('postflow.team.invite')} sx={{ mb: 2 }}>
      <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <TextField
          label={translate('postflow.team.inviteEmail')}
          type="email"
          required
          size="small"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={!!errors.field('email')}
          helperText={errors.field('email')}
          sx={{ flex: '1 1 220px' }}
        />
        <TextField select label={translate('postflow.team.inviteRole')} size="small" value={role} onChange={(event) => setRole(event.target.value as Role)} sx={{ minWidth: 140 }}>
          {INVITABLE_ROLES.map((option) => (
            <MenuItem key={option} value={option}>
              {translate(`postflow.team.roles.${option}`)}
            </MenuItem>
          ))}
        </TextField>
        <Button type="submit" variant="contained" disabled={busy}>
          {translate('postflow.team.invite')}
        </Button>
      </Box>
      {created && (
        <OneTimeSecret
          testId="invitation-link"
          warning={translate(created.mailed ? 'postflow.team.linkMailed' : 'postflow.team.linkOnce', { email: created.email })}
          lines={[{ label: translate('postflow.team.link'), value: created.link }]}
        />
      )}
    </Box>
  );
}

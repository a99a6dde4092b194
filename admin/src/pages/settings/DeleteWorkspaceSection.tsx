// Deleting the workspace (the OWNER's): the API wants its name typed as confirmation, and schedules the deletion
// after a grace period, which cancelWorkspaceDeletion undoes.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { formatDateTime } from '../../format';
import { useApiAction } from '../workspace/actions';
import { useFormFailure } from '../workspace/formErrors';
import { LoadError, PageSection } from '../workspace/PageSection';

const DELETION_KEY = ['postflow', 'workspaceDeletion'];

export function DeleteWorkspaceSection() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const { run, busy: cancelling } = useApiAction();
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['confirm']);
  const workspace = useQuery({
    queryKey: DELETION_KEY,
    queryFn: async () =>
      (await gql<{ workspace: { name: string; deletionScheduledAt: string | null } }>('query WorkspaceDeletion { workspace { name deletionScheduledAt } }')).workspace,
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await gql('mutation DeleteWorkspace($confirm: String!) { deleteWorkspace(confirm: $confirm) { id deletionScheduledAt } }', { confirm });
      setConfirm('');
      notify('postflow.settings.deletionScheduled', { type: 'warning' });
      await queryClient.invalidateQueries({ queryKey: DELETION_KEY });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  const scheduled = workspace.data?.deletionScheduledAt;
  return (
    <PageSection title={translate('postflow.settings.delete')} id="settings-delete">
      <LoadError error={workspace.error} />
      {scheduled ? (
        <>
          <Alert severity="error" sx={{ mb: 2 }}>
            {translate('postflow.settings.deletionAt', { at: formatDateTime(scheduled) })}
          </Alert>
          <Button
            variant="contained"
            disabled={cancelling}
            onClick={() =>
              void run(() => gql('mutation CancelWorkspaceDeletion { cancelWorkspaceDeletion { id } }'), {
                success: 'postflow.settings.deletionCancelled',
                invalidate: [DELETION_KEY],
              })
            }
          >
            {translate('postflow.settings.cancelDeletion')}
          </Button>
        </>
      ) : (
        workspace.data && (
          <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="settings-delete">
            <Alert severity="warning" sx={{ mb: 2 }}>
              {translate('postflow.settings.deleteHelp', { name: workspace.data.name })}
            </Alert>
            <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>
              <TextField
                label={translate('postflow.settings.deleteConfirm')}
                size="small"
                required
                value={confirm}
                onChange={(event) => setConfirm(event.target.value)}
                error={!!errors.field('confirm')}
                helperText={errors.field('confirm')}
              />
              <Button type="submit" variant="contained" color="error" disabled={busy || confirm !== workspace.data.name}>
                {translate('postflow.settings.deleteButton')}
              </Button>
            </Box>
          </Box>
        )
      )}
    </PageSection>
  );
}

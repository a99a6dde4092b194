// The workspace's settings, as WorkspaceSettingsInput has them: which posts wait for approval, and what an approval
// after the post's time does. Changing them is an ADMIN's; others see them.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Box, Button, MenuItem, TextField } from '@mui/material';
import { useNotify, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { useFormFailure } from '../workspace/formErrors';
import { LoadError, PageSection } from '../workspace/PageSection';
import { useMyRole } from '../workspace/role';

export const WORKSPACE_SETTINGS_KEY = ['postflow', 'workspaceSettings'];
const APPROVAL = ['NONE', 'EDITORS', 'ALL'] as const;
const LATE = ['PUBLISH_NOW', 'NEXT_SLOT'] as const;

interface Settings {
  approval: (typeof APPROVAL)[number];
  approvalInPlan: boolean;
  lateApproval: (typeof LATE)[number];
}

export function WorkspaceSettingsSection() {
  const translate = useTranslate();
  const { atLeast } = useMyRole();
  const settings = useQuery({
    queryKey: WORKSPACE_SETTINGS_KEY,
    queryFn: async () =>
      (await gql<{ workspace: { settings: Settings } }>('query WorkspaceSettings { workspace { settings { approval approvalInPlan lateApproval } } }')).workspace.settings,
  });
  return (
    <PageSection title={translate('postflow.settings.workspace')} id="settings-workspace">
      <LoadError error={settings.error} />
      {settings.data && <SettingsForm key={JSON.stringify(settings.data)} settings={settings.data} editable={atLeast('ADMIN')} />}
    </PageSection>
  );
}

function SettingsForm({ settings, editable }: { settings: Settings; editable: boolean }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [approval, setApproval] = useState(settings.approval);
  const [lateApproval, setLateApproval] = useState(settings.lateApproval);
  const [busy, setBusy] = useState(false);
  const errors = useFormFailure(['approval', 'lateApproval']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    errors.clear();
    try {
      await gql('mutation UpdateWorkspaceSettings($input: WorkspaceSettingsInput!) { updateWorkspaceSettings(input: $input) { approval lateApproval } }', {
        input: { approval, lateApproval },
      });
      notify('postflow.settings.saved', { type: 'success' });
      await queryClient.invalidateQueries({ queryKey: WORKSPACE_SETTINGS_KEY });
    } catch (failure) {
      errors.fail(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box component="form" onSubmit={(event) => void submit(event)} aria-labelledby="settings-workspace">
      {!settings.approvalInPlan && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {translate('postflow.settings.approvalNotInPlan')}
        </Alert>
      )}
      {!editable && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {translate('postflow.settings.adminOnly')}
        </Alert>
      )}
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        <TextField
          select
          label={translate('postflow.settings.approval')}
          value={approval}
          disabled={!editable}
          onChange={(event) => setApproval(event.target.value as Settings['approval'])}
          error={!!errors.field('approval')}
          helperText={errors.field('approval') ?? translate(`postflow.settings.approvalHelp.${approval}`)}
          sx={{ flex: '1 1 240px' }}
        >
          {APPROVAL.map((mode) => (
            <MenuItem key={mode} value={mode}>
              {translate(`postflow.settings.approvalMode.${mode}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label={translate('postflow.settings.lateApproval')}
          value={lateApproval}
          disabled={!editable}
          onChange={(event) => setLateApproval(event.target.value as Settings['lateApproval'])}
          error={!!errors.field('lateApproval')}
          helperText={errors.field('lateApproval') ?? translate(`postflow.settings.lateHelp.${lateApproval}`)}
          sx={{ flex: '1 1 240px' }}
        >
          {LATE.map((mode) => (
            <MenuItem key={mode} value={mode}>
              {translate(`postflow.settings.lateMode.${mode}`)}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {editable && (
        <Button type="submit" variant="contained" disabled={busy} sx={{ mt: 2 }}>
          {translate('postflow.settings.save')}
        </Button>
      )}
    </Box>
  );
}

// The workspace the person acts in, and a switcher when they belong to several: switchWorkspace(id, cookie: true)
// replaces the session cookie with one for the other workspace; every cached answer then belongs to the old one,
// so all of react-query's caches are refetched and the live socket (authenticated by the old cookie) is reopened.
import { useId, useState } from 'react';
import { MenuItem, TextField, Typography } from '@mui/material';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNotify, useTranslate } from 'react-admin';
import { gql } from '../graphql';
import { closeLiveClient } from '../live';

interface Workspaces {
  workspace: { id: string; name: string };
  workspaces: { id: string; name: string; role: string }[];
}

export const WORKSPACES_KEY = ['postflow', 'workspaces'];

export function WorkspaceSwitcher() {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const id = useId();
  const [switching, setSwitching] = useState(false);
  const { data } = useQuery({ queryKey: WORKSPACES_KEY, queryFn: () => gql<Workspaces>('query Workspaces { workspace { id name } workspaces { id name role } }') });
  if (!data) return null;
  if (data.workspaces.length < 2) {
    return (
      <Typography component="p" variant="body1" sx={{ mx: 1 }} data-testid="workspace-name">
        {data.workspace.name}
      </Typography>
    );
  }
  const change = async (workspaceId: string) => {
    if (workspaceId === data.workspace.id) return;
    setSwitching(true);
    try {
      await gql('mutation Switch($id: ID!) { switchWorkspace(id: $id, cookie: true) { token } }', { id: workspaceId });
      closeLiveClient();
      await queryClient.invalidateQueries();
      notify('postflow.layout.switched', { type: 'info', messageArgs: { name: data.workspaces.find((w) => w.id === workspaceId)?.name ?? '' } });
    } catch (error) {
      notify('postflow.layout.switchFailed', { type: 'error', messageArgs: { message: (error as Error).message } });
    } finally {
      setSwitching(false);
    }
  };
  return (
    <TextField
      id={id}
      select
      size="small"
      label={translate('postflow.layout.workspace')}
      value={data.workspace.id}
      disabled={switching}
      onChange={(event) => void change(event.target.value)}
      sx={{ minWidth: 140, maxWidth: { xs: 160, sm: 260 }, mx: 1, '& .MuiInputBase-root': { bgcolor: 'background.paper' } }}
    >
      {data.workspaces.map((workspace) => (
        <MenuItem key={workspace.id} value={workspace.id}>
          {workspace.name}
        </MenuItem>
      ))}
    </TextField>
  );
}

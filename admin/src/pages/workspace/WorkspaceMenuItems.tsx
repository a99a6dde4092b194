// The side menu's "Workspace" group: Approval, Sources, Team, API keys, Settings (layout/Menu.tsx places it).
import { ListSubheader } from '@mui/material';
import ApprovalIcon from '@mui/icons-material/FactCheck';
import KeyIcon from '@mui/icons-material/Key';
import SettingsIcon from '@mui/icons-material/Settings';
import SourceIcon from '@mui/icons-material/RssFeed';
import TeamIcon from '@mui/icons-material/Group';
import { Menu, useSidebarState, useTranslate } from 'react-admin';

export function WorkspaceMenuItems() {
  const translate = useTranslate();
  const [open] = useSidebarState();
  return (
    <>
      {open && (
        <ListSubheader component="div" disableSticky sx={{ lineHeight: '32px', mt: 1, bgcolor: 'transparent' }}>
          {translate('postflow.workspace.menuGroup')}
        </ListSubheader>
      )}
      <Menu.Item to="/approval" primaryText={translate('postflow.approval.menu')} leftIcon={<ApprovalIcon />} />
      <Menu.Item to="/sources" primaryText={translate('postflow.sources.menu')} leftIcon={<SourceIcon />} />
      <Menu.Item to="/team" primaryText={translate('postflow.team.menu')} leftIcon={<TeamIcon />} />
      <Menu.Item to="/api-keys" primaryText={translate('postflow.apiKeys.menu')} leftIcon={<KeyIcon />} />
      <Menu.Item to="/settings" primaryText={translate('postflow.settings.menu')} leftIcon={<SettingsIcon />} />
    </>
  );
}

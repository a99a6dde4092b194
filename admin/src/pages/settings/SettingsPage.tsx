// Settings: the workspace's (approval; an ADMIN's), the person's own (notifications, password, two-factor sign-in,
// sessions), and the workspace's export and deletion (an ADMIN's and the OWNER's).
import { useTranslate } from 'react-admin';
import { useMyRole } from '../workspace/role';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { DeleteWorkspaceSection } from './DeleteWorkspaceSection';
import { ExportSection } from './ExportSection';
import { NotificationSection } from './NotificationSection';
import { AccountSection } from './AccountSection';
import { TwoFactorSection } from './TwoFactorSection';
import { WorkspaceSettingsSection } from './WorkspaceSettingsSection';

export function SettingsPage() {
  const translate = useTranslate();
  const { atLeast } = useMyRole();
  return (
    <WorkspacePage title={translate('postflow.settings.title')}>
      <WorkspaceSettingsSection />
      <NotificationSection />
      <AccountSection />
      <TwoFactorSection />
      {atLeast('ADMIN') && <ExportSection />}
      {atLeast('OWNER') && <DeleteWorkspaceSection />}
    </WorkspacePage>
  );
}

// Team: the workspace's members (role, joined), and for an ADMIN their roles, removal and invitations; the OWNER
// hands ownership over; anyone leaves. The server's table of roles decides: a refused part shows the API's message.
import { useQuery } from '@tanstack/react-query';
import { useLogout, useTranslate } from 'react-admin';
import { Typography } from '@mui/material';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { LoadError, PageSection } from '../workspace/PageSection';
import { useMyRole } from '../workspace/role';
import { WorkspacePage } from '../workspace/WorkspacePage';
import { fetchMembers, leaveWorkspace, MEMBERS_KEY } from './data';
import { Invitations } from './Invitations';
import { MembersTable } from './MembersTable';

export function TeamPage() {
  const translate = useTranslate();
  const { atLeast } = useMyRole();
  const members = useQuery({ queryKey: MEMBERS_KEY, queryFn: fetchMembers });
  return (
    <WorkspacePage title={translate('postflow.team.title')}>
      <PageSection title={translate('postflow.team.members')} id="team-members">
        <LoadError error={members.error} />
        {members.data && <MembersTable members={members.data} />}
      </PageSection>
      {atLeast('ADMIN') && <Invitations />}
      <LeaveWorkspace />
    </WorkspacePage>
  );
}

function LeaveWorkspace() {
  const translate = useTranslate();
  const logout = useLogout();
  const { run } = useApiAction();
  return (
    <PageSection title={translate('postflow.team.leave')} id="team-leave">
      <Typography variant="body2" sx={{ mb: 1 }}>
        {translate('postflow.team.leaveHelp')}
      </Typography>
      <ConfirmAction
        label={translate('postflow.team.leaveButton')}
        title={translate('postflow.team.leaveTitle')}
        content={translate('postflow.team.leaveHelp')}
        onConfirm={async () => {
          // This session ends with the membership: sign out of the page too (the server ended it already).
          if ((await run(leaveWorkspace)) !== undefined) await logout();
        }}
      />
    </PageSection>
  );
}

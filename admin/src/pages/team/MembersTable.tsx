// The members, the earliest joined first: role (a select for an ADMIN; only the OWNER changes an OWNER), joined,
// removal, and handing ownership over (the OWNER's).
import { MenuItem, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField } from '@mui/material';
import { useTranslate } from 'react-admin';
import { formatDateTime } from '../../format';
import { useApiAction } from '../workspace/actions';
import { ConfirmAction } from '../workspace/ConfirmAction';
import { MY_ROLE_KEY, useMyRole, type Role } from '../workspace/role';
import { changeRole, MEMBERS_KEY, removeMember, transferOwnership, type Member } from './data';

const ROLES: Role[] = ['OWNER', 'ADMIN', 'EDITOR', 'VIEWER'];

export function MembersTable({ members }: { members: Member[] }) {
  const translate = useTranslate();
  const { atLeast, me } = useMyRole();
  const { run, busy } = useApiAction();
  const manage = atLeast('ADMIN');
  const own = atLeast('OWNER');
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label={translate('postflow.team.members')}>
        <TableHead>
          <TableRow>
            <TableCell>{translate('postflow.team.email')}</TableCell>
            <TableCell>{translate('postflow.team.role')}</TableCell>
            <TableCell>{translate('postflow.team.joined')}</TableCell>
            {manage && <TableCell>{translate('postflow.team.actions')}</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {members.map((member) => {
            const self = member.userId === me?.id;
            const roleLabel = translate('postflow.team.roleOf', { email: member.email });
            return (
              <TableRow key={member.userId}>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{member.email}</TableCell>
                <TableCell>
                  {manage && (own || member.role !== 'OWNER') ? (
                    <TextField
                      select
                      size="small"
                      label={roleLabel}
                      value={member.role}
                      disabled={busy}
                      onChange={(event) =>
                        void run(() => changeRole(member.userId, event.target.value as Role), {
                          success: 'postflow.team.roleChanged',
                          successArgs: { email: member.email },
                          invalidate: [MEMBERS_KEY, MY_ROLE_KEY],
                        })
                      }
                      sx={{ minWidth: 120 }}
                    >
                      {ROLES.filter((role) => own || role !== 'OWNER').map((role) => (
                        <MenuItem key={role} value={role}>
                          {translate(`postflow.team.roles.${role}`)}
                        </MenuItem>
                      ))}
                    </TextField>
                  ) : (
                    translate(`postflow.team.roles.${member.role}`)
                  )}
                </TableCell>
                <TableCell>{formatDateTime(member.joinedAt)}</TableCell>
                {manage && (
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {!self && (
                      <ConfirmAction
                        label={translate('postflow.team.remove')}
                        ariaLabel={translate('postflow.team.removeOf', { email: member.email })}
                        title={translate('postflow.team.removeTitle', { email: member.email })}
                        content={translate('postflow.team.removeHelp')}
                        onConfirm={() => run(() => removeMember(member.userId), { success: 'postflow.team.removed', invalidate: [MEMBERS_KEY] })}
                      />
                    )}
                    {own && !self && (
                      <ConfirmAction
                        color="primary"
                        label={translate('postflow.team.transfer')}
                        ariaLabel={translate('postflow.team.transferTo', { email: member.email })}
                        title={translate('postflow.team.transferTitle', { email: member.email })}
                        content={translate('postflow.team.transferHelp')}
                        onConfirm={() => run(() => transferOwnership(member.userId), { success: 'postflow.team.transferred', invalidate: [MEMBERS_KEY, MY_ROLE_KEY] })}
                      />
                    )}
                  </TableCell>
                )}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

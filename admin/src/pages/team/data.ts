// The team's GraphQL: members (VIEWER may read), invitations and every change (ADMIN; transferOwnership OWNER).
import { gql } from '../../graphql';
import type { Role } from '../workspace/role';

export interface Member {
  userId: string;
  email: string;
  role: Role;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  invitedBy: { email: string } | null;
}

export const MEMBERS_KEY = ['postflow', 'members'];
export const INVITATIONS_KEY = ['postflow', 'invitations'];
export const INVITABLE_ROLES: Role[] = ['ADMIN', 'EDITOR', 'VIEWER'];

export const fetchMembers = async () => (await gql<{ members: Member[] }>('query Members { members { userId email role joinedAt } }')).members;

export const fetchInvitations = async () =>
  (await gql<{ invitations: Invitation[] }>('query Invitations { invitations { id email role createdAt expiresAt invitedBy { email } } }')).invitations;

export const changeRole = (userId: string, role: Role) =>
  gql('mutation ChangeRole($userId: ID!, $role: MemberRole!) { changeRole(userId: $userId, role: $role) { userId role } }', { userId, role });

export const removeMember = (userId: string) => gql('mutation RemoveMember($userId: ID!) { removeMember(userId: $userId) }', { userId });

export const transferOwnership = (userId: string) => gql('mutation TransferOwnership($userId: ID!) { transferOwnership(userId: $userId) { userId role } }', { userId });

export const leaveWorkspace = () => gql('mutation LeaveWorkspace { leaveWorkspace }');

export const inviteMember = async (email: string, role: Role) =>
  (
    await gql<{ inviteMember: { link: string; mailed: boolean; invitation: Invitation } }>(
      'mutation InviteMember($email: String!, $role: MemberRole!) { inviteMember(email: $email, role: $role) { link mailed invitation { id email } } }',
      { email, role },
    )
  ).inviteMember;

export const revokeInvitation = (id: string) => gql('mutation RevokeInvitation($id: ID!) { revokeInvitation(id: $id) }', { id });

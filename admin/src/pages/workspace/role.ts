// The caller's role in the workspace they act in, so a page can hide what that role may not do (src/domain/roles.ts
// on the server is the one that refuses: this only spares the person a button that would fail).
import { useQuery } from '@tanstack/react-query';
import { gql } from '../../graphql';

export type Role = 'VIEWER' | 'EDITOR' | 'ADMIN' | 'OWNER';
const ROLES: Role[] = ['VIEWER', 'EDITOR', 'ADMIN', 'OWNER'];

export const MY_ROLE_KEY = ['postflow', 'myRole'];

interface MyRole {
  me: { id: string; email: string };
  workspace: { id: string; name: string };
  workspaces: { id: string; role: Role }[];
}

export function useMyRole() {
  const { data } = useQuery({
    queryKey: MY_ROLE_KEY,
    queryFn: () => gql<MyRole>('query MyRole { me { id email } workspace { id name } workspaces { id role } }'),
  });
  const role = data?.workspaces.find((workspace) => workspace.id === data.workspace.id)?.role ?? null;
  return {
    role,
    me: data?.me ?? null,
    workspace: data?.workspace ?? null,
    /** False until the role is known: actions appear once it is. */
    atLeast: (least: Role) => role !== null && ROLES.indexOf(role) >= ROLES.indexOf(least),
  };
}

import { AppBar as RaAppBar, TitlePortal } from 'react-admin';
import { WorkspaceSwitcher } from './WorkspaceSwitcher';

export function AppBar() {
  return (
    <RaAppBar>
      <TitlePortal />
      <WorkspaceSwitcher />
    </RaAppBar>
  );
}

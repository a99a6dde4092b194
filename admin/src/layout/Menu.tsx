// The side menu: the dashboard, then one item per <Resource> with a list (App.tsx). A page of wave 2 that is a
// custom route rather than a resource (the Calendar, the Composer) adds its <Menu.Item> below.
import { Menu as RaMenu } from 'react-admin';

export function Menu() {
  return (
    <RaMenu>
      <RaMenu.DashboardItem />
      <RaMenu.ResourceItems />
    </RaMenu>
  );
}

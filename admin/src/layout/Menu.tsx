// The side menu: the dashboard, then one item per <Resource> with a list (App.tsx). A page of wave 2 that is a
// custom route rather than a resource (the Calendar, the Composer) adds its <Menu.Item> below.
import { Menu as RaMenu } from 'react-admin';
import CalendarMonthIcon from '@mui/icons-material/CalendarMonth';
import HistoryIcon from '@mui/icons-material/History';
import PostAdd from '@mui/icons-material/PostAdd';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import { WorkspaceMenuItems } from '../pages/workspace/WorkspaceMenuItems';

export function Menu() {
  return (
    <RaMenu>
      <RaMenu.DashboardItem />
      <RaMenu.ResourceItems />
      <RaMenu.Item to="/history" primaryText="postflow.history.menu" leftIcon={<HistoryIcon />} />
      <RaMenu.Item to="/calendar" primaryText="postflow.calendar.menu" leftIcon={<CalendarMonthIcon />} />
      <RaMenu.Item to="/compose" primaryText="postflow.compose.menu" leftIcon={<PostAdd />} />
      <RaMenu.Item to="/import" primaryText="postflow.import.menu" leftIcon={<UploadFileIcon />} />
      <WorkspaceMenuItems />
    </RaMenu>
  );
}

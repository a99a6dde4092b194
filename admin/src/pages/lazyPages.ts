// Every page but the login and invitation pages is loaded on first visit (react-admin's Layout shows its Loading inside a Suspense
// meanwhile): the first page ships react-admin, MUI and the sign-in, not recharts, papaparse or the composer.
import { lazy, type ComponentType } from 'react';

/** React.lazy for a module's named export. */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

export const Dashboard = page(() => import('./Dashboard'), 'Dashboard');
export const QueueList = page(() => import('./queue/QueueList'), 'QueueList');
export const DeliveryShow = page(() => import('./queue/DeliveryShow'), 'DeliveryShow');
export const HistoryPage = page(() => import('./history/HistoryPage'), 'HistoryPage');
export const ComposerPage = page(() => import('./compose/ComposerPage'), 'ComposerPage');
export const ImportPage = page(() => import('./import/ImportPage'), 'ImportPage');
export const ChannelList = page(() => import('./channels/ChannelList'), 'ChannelList');
export const ChannelEdit = page(() => import('./channels/ChannelEdit'), 'ChannelEdit');
export const ConnectChannel = page(() => import('./channels/ConnectChannel'), 'ConnectChannel');
export const ApprovalPage = page(() => import('./approval/ApprovalPage'), 'ApprovalPage');
export const SourcesPage = page(() => import('./sources/SourcesPage'), 'SourcesPage');
export const SourceDetailPage = page(() => import('./sources/SourceDetailPage'), 'SourceDetailPage');
export const TeamPage = page(() => import('./team/TeamPage'), 'TeamPage');
export const ApiKeysPage = page(() => import('./apiKeys/ApiKeysPage'), 'ApiKeysPage');
export const SettingsPage = page(() => import('./settings/SettingsPage'), 'SettingsPage');
export const CalendarPage = lazy(() => import('./calendar/CalendarPage'));

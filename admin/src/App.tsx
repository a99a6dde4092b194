// The console: react-admin over PostFlow's GraphQL (dataProvider/), signed in by cookie (authProvider.ts), live
// through graphql-ws (live.ts), every string through the i18nProvider (i18n/). Hash routing (react-admin's default):
// the server only serves index.html and assets/ under /admin/.
import { Admin, Resource } from 'react-admin';
import { CustomRoutes } from 'react-admin';
import { Route } from 'react-router-dom';
import { ComposerPage } from './pages/compose/ComposerPage';
import { ImportPage } from './pages/import/ImportPage';
import { ChannelEdit, ChannelList, ConnectChannel } from './pages/channels';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n';
import { Layout } from './layout/Layout';
import { Dashboard } from './pages/Dashboard';
import { lightTheme } from './theme';
import { LoginPage } from './pages/Login';
import { CalendarRoute } from './pages/calendar';
import { DeliveryShow, HistoryPage, QueueList } from './pages/queue/routes';
import { workspaceRoutes } from './pages/workspace/routes';

export function App() {
  return (
    <Admin
      // Otherwise react-admin calls an outside host on load (and the browser tests fail on any such request).
      disableTelemetry
      requireAuth
      title="PostFlow"
      authProvider={authProvider}
      dataProvider={dataProvider}
      i18nProvider={i18nProvider}
      loginPage={LoginPage}
      dashboard={Dashboard}
      layout={Layout}
      theme={lightTheme}
    >
      {/*
        Wave 2: each page adds its <Resource> here (list / edit / create components from its own files under
        pages/), its data provider module in dataProvider/index.ts and its messages in i18n/en.ts, e.g.
          <Resource name="deliveries" list={QueueList} />          Queue
          <Resource name="channels" list={ChannelList} edit={ChannelEdit} />
        and pages that are not a resource's list go in <CustomRoutes> (react-admin), with a Menu.Item in layout/Menu.tsx:
          <CustomRoutes><Route path="/calendar" element={<CalendarPage />} /></CustomRoutes>
      */}
      <CustomRoutes>
        <Route path="/compose" element={<ComposerPage />} />
        <Route path="/import" element={<ImportPage />} />
      </CustomRoutes>
      {/* What the dashboard reads. react-admin needs one child at least: with none it shows its "empty" page. */}
      <CustomRoutes>
        <Route path="/calendar" element={<CalendarRoute />} />
      </CustomRoutes>
      <CustomRoutes>{workspaceRoutes}</CustomRoutes>
      <Resource name="posts" />
      <Resource name="channels" list={ChannelList} edit={ChannelEdit} create={ConnectChannel} />
      <Resource name="failedDeliveries" />
      <Resource name="deliveries" list={QueueList} show={DeliveryShow} options={{ label: 'postflow.queue.menu' }} />
      <CustomRoutes>
        <Route path="/history" element={<HistoryPage />} />
      </CustomRoutes>
    </Admin>
  );
}

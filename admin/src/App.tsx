// The console: react-admin over PostFlow's GraphQL (dataProvider/), signed in by cookie (authProvider.ts), live
// through graphql-ws (live.ts), every string through the i18nProvider (i18n/). Hash routing (react-admin's default):
// the server only serves index.html and assets/ under /admin/.
import { Admin, Resource } from 'react-admin';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n';
import { Layout } from './layout/Layout';
import { Dashboard } from './pages/Dashboard';
import { lightTheme } from './theme';
import { LoginPage } from './pages/Login';

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
      {/* What the dashboard reads. react-admin needs one child at least: with none it shows its "empty" page. */}
      <Resource name="posts" />
      <Resource name="channels" />
      <Resource name="failedDeliveries" />
    </Admin>
  );
}

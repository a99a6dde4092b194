// The console: react-admin over PostFlow's GraphQL (dataProvider/), signed in by cookie (authProvider.ts), live
// through graphql-ws (live.ts), every string through the i18nProvider (i18n/). Hash routing (react-admin's default):
// the server only serves index.html and assets/ under /admin/. Pages load on first visit (pages/lazyPages.ts).
// Read before the router reads the address: a network's redirect back to /admin/connect/callback?code&state.
import './pages/channels/oauthRedirect';
import { Admin, CustomRoutes, Resource } from 'react-admin';
import { Route } from 'react-router-dom';
import { authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { i18nProvider } from './i18n';
import { Layout } from './layout/Layout';
import { lightTheme } from './theme';
import { LoginPage } from './pages/Login';
import * as pages from './pages/lazyPages';
// Outside the Layout (and its Suspense), and small: loaded with the app.
import { AcceptInvitation } from './pages/team/AcceptInvitation';

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
      dashboard={pages.Dashboard}
      layout={Layout}
      theme={lightTheme}
    >
      {/* Pages that are not a resource's list; each has a Menu.Item in layout/Menu.tsx. */}
      <CustomRoutes>
        <Route path="/compose" element={<pages.ComposerPage />} />
        <Route path="/import" element={<pages.ImportPage />} />
        <Route path="/calendar" element={<pages.CalendarPage />} />
        <Route path="/history" element={<pages.HistoryPage />} />
        <Route path="/approval" element={<pages.ApprovalPage />} />
        <Route path="/sources" element={<pages.SourcesPage />} />
        <Route path="/sources/:id" element={<pages.SourceDetailPage />} />
        <Route path="/team" element={<pages.TeamPage />} />
        <Route path="/api-keys" element={<pages.ApiKeysPage />} />
        <Route path="/settings" element={<pages.SettingsPage />} />
      </CustomRoutes>
      {/* Open to visitors too: an invitation link, before its person has an account or is signed in. */}
      <CustomRoutes noLayout>
        <Route path="/invitation/:token" element={<AcceptInvitation />} />
      </CustomRoutes>
      {/* posts and failedDeliveries: what the dashboard reads through the data provider, with no page of their own. */}
      <Resource name="posts" />
      <Resource name="channels" list={pages.ChannelList} edit={pages.ChannelEdit} create={pages.ConnectChannel} />
      <Resource name="failedDeliveries" />
      <Resource name="deliveries" list={pages.QueueList} show={pages.DeliveryShow} options={{ label: 'postflow.queue.menu' }} />
    </Admin>
  );
}

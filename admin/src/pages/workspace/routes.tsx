// The workspace pages' routes, placed in App.tsx's <CustomRoutes> (react-admin reads the <Route> elements there).
import { Route } from 'react-router-dom';
import { ApiKeysPage } from '../apiKeys/ApiKeysPage';
import { ApprovalPage } from '../approval/ApprovalPage';
import { SettingsPage } from '../settings/SettingsPage';
import { SourceDetailPage } from '../sources/SourceDetailPage';
import { SourcesPage } from '../sources/SourcesPage';
import { TeamPage } from '../team/TeamPage';

export const workspaceRoutes = [
  <Route key="approval" path="/approval" element={<ApprovalPage />} />,
  <Route key="sources" path="/sources" element={<SourcesPage />} />,
  <Route key="source" path="/sources/:id" element={<SourceDetailPage />} />,
  <Route key="team" path="/team" element={<TeamPage />} />,
  <Route key="apiKeys" path="/api-keys" element={<ApiKeysPage />} />,
  <Route key="settings" path="/settings" element={<SettingsPage />} />,
];

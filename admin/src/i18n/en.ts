// Every string the console shows, English first. react-admin's own (ra.*) come from ra-language-english; ours are
// under `postflow.` by page, and a resource's names under `resources.<name>` (react-admin's convention).
// Wave 2: add a block per page below; keep keys as `postflow.<page>.<what>`.
import { calendarMessages } from './calendar';
import { channelsMessages } from './channels';
import { historyMessages } from './history';
import { queueMessages } from './queue';
import { composeMessages } from './compose';
import { importMessages } from './import';
import { dashboardMessages } from './dashboard';
import { workspaceMessages } from './workspace';
import { sourcesMessages } from './sources';
import { teamMessages } from './team';
import { approvalMessages } from './approval';
import { apiKeysMessages } from './apiKeys';
import { settingsMessages } from './settings';
export const en = {
  postflow: {
    appName: 'PostFlow',
    ...calendarMessages,
    ...channelsMessages,
    ...historyMessages,
    ...queueMessages,
    ...composeMessages,
    ...importMessages,
    ...dashboardMessages,
    ...workspaceMessages,
    ...sourcesMessages,
    ...teamMessages,
    ...approvalMessages,
    ...apiKeysMessages,
    ...settingsMessages,
    login: {
      signInTab: 'Sign in',
      signUpTab: 'Sign up',
      email: 'Email',
      password: 'Password',
      code: 'Authentication code',
      codeHelp: 'From your authenticator app, or one of your recovery codes',
      workspaceName: 'Workspace name',
      signIn: 'Sign in',
      signUp: 'Create account',
      twoFactorRequired: 'This account signs in with a second factor: enter the code from your authenticator app.',
      failed: 'Signing in failed: %{message}',
      signUpFailed: 'Signing up failed: %{message}',
      tabs: 'Sign in or sign up',
    },
    layout: {
      workspace: 'Workspace',
      switched: 'Now in %{name}',
      switchFailed: 'Switching workspace failed: %{message}',
    },
  },
  resources: {
    posts: { name: 'Post |||| Posts' },
    channels: { name: 'Channel |||| Channels' },
    failedDeliveries: { name: 'Failed delivery |||| Failed deliveries' },
  },
};

export type Messages = typeof en;

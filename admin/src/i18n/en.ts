// Every string the console shows, English first. react-admin's own (ra.*) come from ra-language-english; ours are
// under `postflow.` by page, and a resource's names under `resources.<name>` (react-admin's convention).
// Wave 2: add a block per page below; keep keys as `postflow.<page>.<what>`.
export const en = {
  postflow: {
    appName: 'PostFlow',
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
    dashboard: {
      title: 'Dashboard',
      today: 'Going out today',
      week: 'Going out in the next 7 days',
      failed: 'Failed',
      reconnect: 'Channels needing reconnection',
      nothingToday: 'Nothing goes out today.',
      nothingWeek: 'Nothing goes out in the next 7 days.',
      noFailures: 'No failed deliveries.',
      noReconnect: 'Every channel is connected.',
      reconnectWhy: 'Reconnect it: %{reason}',
      loadFailed: 'This part could not be loaded: %{message}',
    },
  },
  resources: {
    posts: { name: 'Post |||| Posts' },
    channels: { name: 'Channel |||| Channels' },
    failedDeliveries: { name: 'Failed delivery |||| Failed deliveries' },
  },
};

export type Messages = typeof en;

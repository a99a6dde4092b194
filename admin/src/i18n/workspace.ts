// The strings the workspace pages (Sources, Team, Approval, API keys, Settings) share, and their menu group.
export const workspaceMessages = {
  workspace: {
    menuGroup: 'Workspace',
    failed: 'It did not work: %{message}',
    loadFailed: 'This could not be loaded: %{message}',
    shownOnce: 'Shown only this once: copy it now. It cannot be shown again.',
    copy: 'Copy %{what}',
    copied: '%{what} copied',
    copyFailed: 'Copying failed (%{message}): select the text and copy it yourself.',
    loadMore: 'Load more',
    none: '—',
    cancel: 'Cancel',
  },
};

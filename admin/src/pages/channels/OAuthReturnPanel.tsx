// The end of a connection through a network's page: shown on the channels list the network sent the person back to,
// it finishes the connection (connectChannelFinish) and says which channel it made or reconnected, or why not.
import { useEffect, useState } from 'react';
import { Alert, CircularProgress } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslate } from 'react-admin';
import type { ChannelRecord } from '../../dataProvider/channels';
import { finishPendingConnection, pendingReturn } from './oauthRedirect';

type Outcome = { kind: 'finishing' } | { kind: 'connected'; channel: ChannelRecord } | { kind: 'failed'; message: string };

export function OAuthReturnPanel() {
  const translate = useTranslate();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<Outcome | null>(() => (pendingReturn() ? { kind: 'finishing' } : null));
  useEffect(() => {
    if (!pendingReturn()) return;
    let live = true;
    finishPendingConnection().then(
      (channel) => {
        void queryClient.invalidateQueries({ queryKey: ['channels'] });
        if (live) setOutcome({ kind: 'connected', channel });
      },
      (error: Error) => live && setOutcome({ kind: 'failed', message: error.message }),
    );
    return () => {
      live = false;
    };
  }, [queryClient]);
  if (!outcome) return null;
  if (outcome.kind === 'finishing')
    return (
      <Alert severity="info" icon={<CircularProgress size={20} aria-hidden />} sx={{ mt: 2 }} role="status">
        {translate('postflow.channels.finishing')}
      </Alert>
    );
  if (outcome.kind === 'failed')
    return (
      <Alert severity="error" sx={{ mt: 2 }} role="alert">
        {translate('postflow.channels.connectFailed', { message: outcome.message })}
      </Alert>
    );
  const { channel } = outcome;
  return (
    <Alert severity="success" sx={{ mt: 2 }} role="status" data-testid="connected">
      {translate('postflow.channels.connected', { name: channel.name, platform: channel.platform, handle: channel.accountHandle ?? '' })}
    </Alert>
  );
}

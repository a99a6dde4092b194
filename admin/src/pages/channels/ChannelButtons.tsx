// A channel's actions, on its row and on its page: pause / resume (pauseChannel / resumeChannel) and reconnect
// (through the network's page with channelId where it can, otherwise to new credentials on the channel's page).
import { useState, type MouseEvent } from 'react';
import { Button } from '@mui/material';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import SyncIcon from '@mui/icons-material/Sync';
import { useQueryClient } from '@tanstack/react-query';
import { useNotify, useRecordContext, useRedirect, useTranslate } from 'react-admin';
import { gql } from '../../graphql';
import { setChannelPaused, type ChannelRecord } from '../../dataProvider/channels';
import { startConnection } from './oauthRedirect';
import { reconnectsThroughPage, useNetworks } from './useNetworks';

export function PauseResumeButton({ channel: given }: { channel?: ChannelRecord }) {
  const record = useRecordContext<ChannelRecord>();
  const channel = given ?? record;
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  if (!channel) return null;
  const toggle = async (event: MouseEvent) => {
    event.stopPropagation();
    setBusy(true);
    try {
      await setChannelPaused(channel.id, !channel.paused);
      notify(channel.paused ? 'postflow.channels.resumed' : 'postflow.channels.paused', { type: 'info', messageArgs: { name: channel.name } });
      await queryClient.invalidateQueries({ queryKey: ['channels'] });
    } catch (error) {
      notify('postflow.channels.actionFailed', { type: 'error', messageArgs: { message: (error as Error).message } });
    } finally {
      setBusy(false);
    }
  };
  const label = translate(channel.paused ? 'postflow.channels.resume' : 'postflow.channels.pause');
  return (
    <Button
      size="small"
      onClick={(event) => void toggle(event)}
      disabled={busy}
      startIcon={channel.paused ? <PlayArrowIcon /> : <PauseIcon />}
      aria-label={`${label}: ${channel.name}`}
    >
      {label}
    </Button>
  );
}

export function ReconnectButton({ channel: given, variant = 'text' }: { channel?: ChannelRecord; variant?: 'text' | 'contained' | 'outlined' }) {
  const record = useRecordContext<ChannelRecord>();
  const channel = given ?? record;
  const translate = useTranslate();
  const notify = useNotify();
  const redirect = useRedirect();
  const { data: networks } = useNetworks();
  const [busy, setBusy] = useState(false);
  if (!channel) return null;
  const network = networks?.find((n) => n.platform === channel.platform);
  const reconnect = async (event: MouseEvent) => {
    event.stopPropagation();
    if (!reconnectsThroughPage(network)) return redirect('edit', 'channels', channel.id);
    setBusy(true);
    try {
      // Mastodon: the channel's own server, which PostFlow learnt when it was connected.
      const { channel: withSettings } = await gql<{ channel: { settings: { instanceUrl?: string } } }>('query ChannelSettings($id: ID!) { channel(id: $id) { settings } }', {
        id: channel.id,
      });
      await startConnection({ platform: channel.platform, channelId: channel.id, instanceUrl: network?.needsInstanceUrl ? withSettings.settings.instanceUrl : undefined });
    } catch (error) {
      notify('postflow.channels.actionFailed', { type: 'error', messageArgs: { message: (error as Error).message } });
      setBusy(false);
    }
  };
  const label = translate('postflow.channels.reconnect');
  return (
    <Button size="small" variant={variant} onClick={(event) => void reconnect(event)} disabled={busy} startIcon={<SyncIcon />} aria-label={`${label}: ${channel.name}`}>
      {label}
    </Button>
  );
}

// The dashboard, from queries the API already has: deliveries going out today and in the next 7 days (posts with a
// delivery scheduled then), the latest failures, and channels that need reconnecting. Live: a delivery's change
// refetches it, the analytics (dashboard/AnalyticsSection.tsx) included.
import type { ReactNode } from 'react';
import { Alert, Box, Card, CardContent, Chip, List, ListItem, ListItemText, Typography } from '@mui/material';
import { Title, useGetIdentity, useGetList, useTranslate } from 'react-admin';
import type { Identity } from '../authProvider';
import type { ChannelRecord } from '../dataProvider/channels';
import type { FailedDeliveryRecord } from '../dataProvider/failedDeliveries';
import type { PostRecord } from '../dataProvider/posts';
import { formatDateTime } from '../format';
import { useLiveInvalidate } from '../live';
import { AnalyticsSection } from './dashboard/AnalyticsSection';
import { ANALYTICS_KEY } from './dashboard/useAnalytics';

const DAY_MS = 24 * 60 * 60 * 1000;

function startOfToday(): Date {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

export function Dashboard() {
  const translate = useTranslate();
  const { identity } = useGetIdentity();
  useLiveInvalidate('subscription DashboardDeliveries { deliveryUpdated { id } }', [['posts'], ['failedDeliveries'], ANALYTICS_KEY]);
  const today = startOfToday();
  const tomorrow = new Date(today.getTime() + DAY_MS);
  const weekEnd = new Date(today.getTime() + 7 * DAY_MS);
  const workspaceName = (identity as Identity | undefined)?.workspace.name;
  return (
    <Box sx={{ py: 2 }}>
      <Title title={translate('postflow.dashboard.title')} />
      <Typography component="h1" variant="h5" sx={{ mb: 2 }} data-testid="dashboard-heading">
        {workspaceName ? `${translate('postflow.dashboard.title')}: ${workspaceName}` : translate('postflow.dashboard.title')}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' } }}>
        <Outgoing title={translate('postflow.dashboard.today')} from={today} to={tomorrow} empty={translate('postflow.dashboard.nothingToday')} />
        <Outgoing title={translate('postflow.dashboard.week')} from={today} to={weekEnd} empty={translate('postflow.dashboard.nothingWeek')} />
        <Failures />
        <Reconnect />
        <AnalyticsSection />
      </Box>
    </Box>
  );
}

function Section({ title, children, count }: { title: string; children: ReactNode; count?: number }) {
  const headingId = `section-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Card component="section" aria-labelledby={headingId}>
      <CardContent>
        <Typography component="h2" variant="h6" id={headingId} sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          {title}
          {count !== undefined && <Chip size="small" label={count} />}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

function Outgoing({ title, from, to, empty }: { title: string; from: Date; to: Date; empty: string }) {
  const translate = useTranslate();
  const { data, error, isPending } = useGetList<PostRecord>('posts', {
    pagination: { page: 1, perPage: 50 },
    filter: { from: from.toISOString(), to: to.toISOString() },
  });
  const deliveries = (data ?? [])
    .flatMap((post) => post.deliveries.map((delivery) => ({ ...delivery, content: post.content })))
    .filter(
      (delivery) => delivery.scheduledAt && new Date(delivery.scheduledAt) >= from && new Date(delivery.scheduledAt) < to && !['CANCELLED', 'FAILED'].includes(delivery.status),
    )
    .sort((a, b) => a.scheduledAt!.localeCompare(b.scheduledAt!));
  return (
    <Section title={title} count={isPending ? undefined : deliveries.length}>
      {error ? (
        <Alert severity="warning">{translate('postflow.dashboard.loadFailed', { message: error.message })}</Alert>
      ) : !isPending && !deliveries.length ? (
        <Typography color="text.secondary">{empty}</Typography>
      ) : (
        <List dense>
          {deliveries.slice(0, 10).map((delivery) => (
            <ListItem key={delivery.id} disableGutters>
              <ListItemText primary={delivery.content} secondary={`${formatDateTime(delivery.scheduledAt)} · ${delivery.channel.name} · ${delivery.status}`} />
            </ListItem>
          ))}
        </List>
      )}
    </Section>
  );
}

function Failures() {
  const translate = useTranslate();
  const { data, error, isPending } = useGetList<FailedDeliveryRecord>('failedDeliveries', { pagination: { page: 1, perPage: 5 } });
  return (
    <Section title={translate('postflow.dashboard.failed')} count={data?.length}>
      {error ? (
        <Alert severity="warning">{translate('postflow.dashboard.loadFailed', { message: error.message })}</Alert>
      ) : !isPending && !data?.length ? (
        <Typography color="text.secondary">{translate('postflow.dashboard.noFailures')}</Typography>
      ) : (
        <List dense>
          {(data ?? []).map((delivery) => (
            <ListItem key={delivery.id} disableGutters>
              <ListItemText primary={delivery.post.content} secondary={`${formatDateTime(delivery.updatedAt)} · ${delivery.channel.name} · ${delivery.lastError ?? ''}`} />
            </ListItem>
          ))}
        </List>
      )}
    </Section>
  );
}

function Reconnect() {
  const translate = useTranslate();
  const { data, error, isPending } = useGetList<ChannelRecord>('channels', { pagination: { page: 1, perPage: 100 }, filter: { needsReconnect: true } });
  return (
    <Section title={translate('postflow.dashboard.reconnect')} count={data?.length}>
      {error ? (
        <Alert severity="warning">{translate('postflow.dashboard.loadFailed', { message: error.message })}</Alert>
      ) : !isPending && !data?.length ? (
        <Typography color="text.secondary">{translate('postflow.dashboard.noReconnect')}</Typography>
      ) : (
        <List dense>
          {(data ?? []).map((channel) => (
            <ListItem key={channel.id} disableGutters>
              <ListItemText primary={`${channel.name} (${channel.platform})`} secondary={translate('postflow.dashboard.reconnectWhy', { reason: channel.authError ?? '' })} />
            </ListItem>
          ))}
        </List>
      )}
    </Section>
  );
}

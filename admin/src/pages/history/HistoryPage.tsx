// History (/history): what went out, newest first, each with its link on the network (a new tab); and what did not
// (FAILED, UNCONFIRMED), newest first, with the network's message and a retry. Both are the deliveries resource
// with a fixed filter, paged by the API; live like the queue.
import type { ReactNode } from 'react';
import { Box, Card, CardContent, Link as MuiLink, Typography } from '@mui/material';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import { DataTable, ListBase, Pagination, Title, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { formatDateTime } from '../../format';
import { useLiveInvalidate } from '../../live';
import { DeliveryText, DeliveryTime, StatusChip } from '../queue/DeliveryFields';
import { RetryDeliveryButton } from './RetryDeliveryButton';

const Col = DataTable.Col<DeliveryRecord>;

export function HistoryPage() {
  const translate = useTranslate();
  useLiveInvalidate('subscription HistoryDeliveries { deliveryUpdated { id } }', [['deliveries']]);
  return (
    <Box sx={{ py: 2, display: 'grid', gap: 2, minWidth: 0 }}>
      <Title title={translate('postflow.history.title')} />
      <Typography component="h1" variant="h5">
        {translate('postflow.history.title')}
      </Typography>
      <Section id="history-published" title={translate('postflow.history.published')}>
        <ListBase resource="deliveries" filter={{ statuses: ['PUBLISHED'] }} sort={{ field: 'scheduledAt', order: 'DESC' }} perPage={10} disableSyncWithLocation storeKey={false}>
          <DataTable bulkActionButtons={false} rowClick={false} empty={<Empty text={translate('postflow.history.noPublished')} />} sx={TABLE_SX}>
            <Col source="scheduledAt" label="postflow.history.columns.publishedAt" render={(d) => <DeliveryTime delivery={d} />} />
            <Col source="channel.name" label="postflow.history.columns.channel" disableSort />
            <Col source="channel.platform" label="postflow.history.columns.network" disableSort />
            <Col source="post.content" label="postflow.history.columns.text" disableSort render={(d) => <DeliveryText delivery={d} />} />
            <Col source="externalUrl" label="postflow.history.columns.link" disableSort render={(d) => <NetworkLink delivery={d} />} />
          </DataTable>
          <Pagination rowsPerPageOptions={[10, 25, 50]} />
        </ListBase>
      </Section>
      <Section id="history-failures" title={translate('postflow.history.failures')}>
        <ListBase
          resource="deliveries"
          filter={{ statuses: ['FAILED', 'UNCONFIRMED'], withAttempts: true }}
          sort={{ field: 'updatedAt', order: 'DESC' }}
          perPage={10}
          disableSyncWithLocation
          storeKey={false}
        >
          <DataTable bulkActionButtons={false} rowClick={false} empty={<Empty text={translate('postflow.history.noFailures')} />} sx={TABLE_SX}>
            <Col source="updatedAt" label="postflow.history.columns.failedAt" render={(d) => formatDateTime(d.updatedAt)} />
            <Col source="channel.name" label="postflow.history.columns.channel" disableSort />
            <Col source="status" label="postflow.history.columns.status" disableSort render={(d) => <StatusChip status={d.status} />} />
            <Col source="post.content" label="postflow.history.columns.text" disableSort render={(d) => <DeliveryText delivery={d} />} />
            <Col source="lastError" label="postflow.history.columns.message" disableSort render={(d) => networkMessage(d) ?? translate('postflow.history.noMessage')} />
            <Col label="postflow.history.columns.actions" disableSort render={(d) => <RetryDeliveryButton delivery={d} />} />
          </DataTable>
          <Pagination rowsPerPageOptions={[10, 25, 50]} />
        </ListBase>
      </Section>
    </Box>
  );
}

const TABLE_SX = { '& .RaDataTable-tableWrapper': { overflowX: 'auto' } };

/** The network's own words: the delivery's last error, else what its last attempt was answered. */
function networkMessage(delivery: DeliveryRecord): string | null {
  return delivery.lastError ?? delivery.attemptLog?.findLast((attempt) => attempt.responseMessage)?.responseMessage ?? null;
}

function NetworkLink({ delivery }: { delivery: DeliveryRecord }) {
  const translate = useTranslate();
  if (!delivery.externalUrl) return <>{translate('postflow.history.noLink')}</>;
  return (
    <MuiLink href={delivery.externalUrl} target="_blank" rel="noopener noreferrer" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5 }}>
      {translate('postflow.history.viewOn', { channel: delivery.channel.name })}
      <OpenInNewIcon fontSize="inherit" aria-hidden />
      <Box component="span" sx={VISUALLY_HIDDEN}>
        {translate('postflow.history.newTab')}
      </Box>
    </MuiLink>
  );
}

const VISUALLY_HIDDEN = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)', whiteSpace: 'nowrap' } as const;

function Empty({ text }: { text: string }) {
  return (
    <Typography color="text.secondary" sx={{ py: 1 }}>
      {text}
    </Typography>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id} sx={{ minWidth: 0 }}>
      <CardContent>
        <Typography component="h2" variant="h6" id={id} sx={{ mb: 1 }}>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

// The queue (resource deliveries): every delivery with its time in the channel's zone and the viewer's, channel,
// network, status, text, source, why it is scheduled then, attempts; filtered and sorted by the API, paged with its
// totalCount; bulk actions on the selected rows; live (a delivery's change refetches the page).
import { useMediaQuery, type Theme } from '@mui/material';
import { ColumnsButton, DataTable, List, Pagination, TopToolbar, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { formatDateTime } from '../../format';
import { useLiveInvalidate } from '../../live';
import { DeliveryText, DeliveryTime, SourceLabel, StatusChip } from './DeliveryFields';
import { QueueBulkActions } from './QueueBulkActions';
import { queueFilters } from './queueFilters';

const Col = DataTable.Col<DeliveryRecord>;
/** On a phone: the columns that say what goes out where and when; the others are one ColumnsButton away. */
const PHONE_HIDDEN = ['channel.platform', 'post.source', 'attempts', 'createdAt', 'updatedAt'];

function QueueActions() {
  return (
    <TopToolbar>
      <ColumnsButton />
    </TopToolbar>
  );
}

export function QueueList() {
  const translate = useTranslate();
  const phone = useMediaQuery((theme: Theme) => theme.breakpoints.down('sm'));
  useLiveInvalidate('subscription QueueDeliveries { deliveryUpdated { id } }', [['deliveries']]);
  return (
    <List
      title={translate('postflow.queue.title')}
      filters={queueFilters}
      sort={{ field: 'scheduledAt', order: 'ASC' }}
      perPage={25}
      pagination={<Pagination rowsPerPageOptions={[10, 25, 50, 100]} />}
      actions={<QueueActions />}
      exporter={false}
      // The table scrolls in its wrapper: the list must not grow to the table's width (a flex item's default).
      sx={{ '& .RaList-main': { minWidth: 0 } }}
    >
      <DataTable
        rowClick="show"
        bulkActionButtons={<QueueBulkActions />}
        hiddenColumns={phone ? PHONE_HIDDEN : []}
        storeKey={phone ? 'deliveries.datatable.phone' : 'deliveries.datatable'}
        sx={{ '& .RaDataTable-tableWrapper': { overflowX: 'auto' } }}
      >
        <Col source="scheduledAt" label="postflow.queue.columns.time" render={(d) => <DeliveryTime delivery={d} />} />
        <Col source="channel.name" label="postflow.queue.columns.channel" disableSort />
        <Col source="channel.platform" label="postflow.queue.columns.network" disableSort />
        <Col source="status" label="postflow.queue.columns.status" disableSort render={(d) => <StatusChip status={d.status} />} />
        <Col source="post.content" label="postflow.queue.columns.text" disableSort render={(d) => <DeliveryText delivery={d} />} />
        <Col source="post.source" label="postflow.queue.columns.source" disableSort render={(d) => <SourceLabel source={d.post.source} />} />
        <Col source="scheduleReason" label="postflow.queue.columns.reason" disableSort />
        <DataTable.NumberCol source="attempts" label="postflow.queue.columns.attempts" disableSort />
        <Col source="createdAt" label="postflow.queue.columns.created" sortByOrder="DESC" render={(d) => formatDateTime(d.createdAt)} />
        <Col source="updatedAt" label="postflow.queue.columns.updated" sortByOrder="DESC" render={(d) => formatDateTime(d.updatedAt)} />
      </DataTable>
    </List>
  );
}

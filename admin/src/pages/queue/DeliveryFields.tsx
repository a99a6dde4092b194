// The pieces of a delivery the queue, its detail and the history all show: the status chip, the time in two zones,
// the text's start linking to the detail.
import type { MouseEvent } from 'react';
import { Box, Chip, Typography } from '@mui/material';
import { Link, useCreatePath, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { deliveryTime, excerpt, formatInZone, viewerTimeZone } from './time';

// White text on each at 4.5:1 at least (axe checks the contrast); MUI's warning and info fall below it.
const STATUS_COLOURS: Record<string, string> = {
  PUBLISHED: '#1b5e20',
  FAILED: '#b71c1c',
  UNCONFIRMED: '#8a4b00',
  SCHEDULED: '#1565c0',
  PUBLISHING: '#01579b',
  AWAITING_APPROVAL: '#6a1b9a',
  PENDING: '#455a64',
  DRAFT: '#546e7a',
  CANCELLED: '#616161',
};

export function StatusChip({ status }: { status: string }) {
  const translate = useTranslate();
  return <Chip size="small" label={translate(`postflow.queue.status.${status}`, { _: status })} sx={{ bgcolor: STATUS_COLOURS[status] ?? '#424242', color: '#fff' }} />;
}

/** The time in the channel's zone, and in the viewer's below it when the two differ. */
export function DeliveryTime({ delivery }: { delivery: DeliveryRecord }) {
  const translate = useTranslate();
  const at = deliveryTime(delivery);
  if (!at) return <Typography variant="body2">{translate('postflow.queue.noTime')}</Typography>;
  const channelZone = delivery.channel.timezone;
  return (
    <Box>
      <Typography variant="body2" component="div">
        {formatInZone(at, channelZone)}
      </Typography>
      {channelZone !== viewerTimeZone() && (
        <Typography variant="caption" component="div" color="text.secondary">
          {translate('postflow.queue.yourTime', { time: formatInZone(at) })}
        </Typography>
      )}
    </Box>
  );
}

/** The start of the text (the delivery's own when it has one), a link to the delivery's detail. */
export function DeliveryText({ delivery }: { delivery: DeliveryRecord }) {
  const createPath = useCreatePath();
  return (
    <Link to={createPath({ resource: 'deliveries', id: delivery.id, type: 'show' })} onClick={(event: MouseEvent) => event.stopPropagation()}>
      {excerpt(delivery.contentOverride ?? delivery.post.content)}
    </Link>
  );
}

export function SourceLabel({ source }: { source: string }) {
  const translate = useTranslate();
  return <>{translate(`postflow.queue.source.${source}`, { _: source })}</>;
}

/** How a row is named in a list of failures: its channel, time and text. */
export function describeDelivery(delivery: DeliveryRecord): string {
  const at = deliveryTime(delivery);
  return [delivery.channel.name, at && formatInZone(at, delivery.channel.timezone), `“${excerpt(delivery.contentOverride ?? delivery.post.content, 40)}”`]
    .filter(Boolean)
    .join(' · ');
}

// A move the posting rules refused: the API's reason, the nearest allowed time it offers (extensions.nearestAllowedAt),
// and a button that moves the delivery there. Shown above the calendar until dismissed or acted on.
import { Alert, AlertTitle, Button, Stack } from '@mui/material';
import { HttpError, useTranslate } from 'react-admin';
import type { ErrorBody } from '../../graphql';
import { formatInZone } from './zones';

export interface Refusal {
  deliveryId: string;
  reason: string;
  /** ISO 8601, or null when the rules allow nothing within 60 days. */
  nearestAllowedAt: string | null;
}

/** The refusal a failed rescheduleDelivery carries, or null when it failed for another reason (shown as a notification). */
export function refusalOf(error: unknown, deliveryId: string): Refusal | null {
  if (!(error instanceof HttpError)) return null;
  const body = error.body as ErrorBody | undefined;
  if (body?.code !== 'VALIDATION_FAILED') return null;
  const extensions = body.graphqlErrors[0]?.extensions ?? {};
  if (!('nearestAllowedAt' in extensions)) return null;
  const nearest = extensions.nearestAllowedAt;
  return { deliveryId, reason: body.issues[0]?.message ?? error.message, nearestAllowedAt: typeof nearest === 'string' ? nearest : null };
}

export function RefusedMove({ refusal, zone, onMove, onDismiss, moving }: { refusal: Refusal; zone: string; onMove: (at: Date) => void; onDismiss: () => void; moving: boolean }) {
  const translate = useTranslate();
  const nearest = refusal.nearestAllowedAt ? formatInZone(refusal.nearestAllowedAt, zone) : null;
  return (
    <Alert
      severity="warning"
      role="alert"
      data-testid="calendar-refusal"
      action={
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
          {nearest && (
            <Button color="inherit" variant="outlined" size="small" disabled={moving} onClick={() => onMove(new Date(refusal.nearestAllowedAt!))}>
              {translate('postflow.calendar.moveToNearest', { time: nearest })}
            </Button>
          )}
          <Button color="inherit" size="small" onClick={onDismiss}>
            {translate('postflow.calendar.dismiss')}
          </Button>
        </Stack>
      }
      sx={{ mb: 2, '& .MuiAlert-action': { alignItems: 'center' } }}
    >
      <AlertTitle>{translate('postflow.calendar.refusedTitle')}</AlertTitle>
      {refusal.reason} {nearest ? translate('postflow.calendar.nearest', { time: nearest }) : translate('postflow.calendar.noNearest')}
    </Alert>
  );
}

// One delivery, opened from the calendar (a click, or Enter on a focused event): its text, channel, status and time
// in the shown zone, and, when it can still be moved, a date-and-time field in that zone: dragging's keyboard twin.
import { useState } from 'react';
import { Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { MOVABLE_STATUSES, type CalendarDelivery } from './calendarData';
import { timeOf } from './deliveryEvents';
import { formatInZone, fromLocalInput, toLocalInput } from './zones';

export interface DeliveryDialogProps {
  delivery: CalendarDelivery;
  zone: string;
  moving: boolean;
  onMove: (delivery: CalendarDelivery, at: Date) => void;
  onClose: () => void;
}

export function DeliveryDialog({ delivery, zone, moving, onMove, onClose }: DeliveryDialogProps) {
  const translate = useTranslate();
  const at = timeOf(delivery);
  const [value, setValue] = useState(() => (at ? toLocalInput(at, zone) : ''));
  const [invalid, setInvalid] = useState(false);
  const movable = MOVABLE_STATUSES.has(delivery.status);
  const status = translate(`postflow.queue.status.${delivery.status}`);
  const submit = () => {
    const instant = fromLocalInput(value, zone);
    setInvalid(instant === null);
    if (instant) onMove(delivery, instant);
  };
  return (
    <Dialog open onClose={onClose} aria-labelledby="calendar-delivery-title" fullWidth maxWidth="sm">
      <DialogTitle id="calendar-delivery-title">
        {delivery.channel.name} · {status}
      </DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ whiteSpace: 'pre-wrap', mb: 2 }}>{delivery.post.content}</DialogContentText>
        {at && (
          <Typography>
            {translate(delivery.status === 'PUBLISHED' ? 'postflow.calendar.dialogPublished' : 'postflow.calendar.dialogWhen', { time: formatInZone(at, zone) })}
          </Typography>
        )}
        {delivery.scheduleReason && <Typography color="text.secondary">{translate('postflow.calendar.dialogReason', { reason: delivery.scheduleReason })}</Typography>}
        {movable ? (
          <TextField
            type="datetime-local"
            label={translate('postflow.calendar.newTime', { zone })}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            error={invalid}
            helperText={invalid ? translate('postflow.calendar.invalidTime') : undefined}
            fullWidth
            sx={{ mt: 3 }}
            slotProps={{ inputLabel: { shrink: true } }}
          />
        ) : (
          <Typography sx={{ mt: 2 }}>{translate('postflow.calendar.notMovable', { status })}</Typography>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('postflow.calendar.close')}</Button>
        {movable && (
          <Button variant="contained" onClick={submit} disabled={moving}>
            {translate('postflow.calendar.move')}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

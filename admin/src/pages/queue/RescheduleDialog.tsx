// Reschedule the selected rows to one time. Exact by default: a time the channel's posting rules refuse is not moved
// silently, it is refused per row with the rules' reason and the nearest allowed time, which one button uses.
// Unticked, each post's own mode applies (the rules may shift it to the next allowed time; scheduleReason says so).
import { useState } from 'react';
import {
  Alert,
  Box,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  List,
  ListItem,
  ListItemText,
  Button as MuiButton,
  TextField,
} from '@mui/material';
import ScheduleIcon from '@mui/icons-material/Schedule';
import { Button, useListContext, useNotify, useRefresh, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { useSelectedDeliveries } from './BulkFailures';
import { describeDelivery } from './DeliveryFields';
import { failureOf, rescheduleDelivery, runEach, type RowFailure } from './deliveryActions';
import { deliveryTime, formatInZone, fromLocalInput, toLocalInput, viewerTimeZone } from './time';

const HOUR = 3_600_000;

export function RescheduleButton() {
  const selected = useSelectedDeliveries();
  const [rows, setRows] = useState<DeliveryRecord[] | null>(null);
  return (
    <>
      <Button label="postflow.queue.actions.reschedule" onClick={() => void selected().then(setRows)}>
        <ScheduleIcon />
      </Button>
      {rows && <RescheduleDialog rows={rows} onClose={() => setRows(null)} />}
    </>
  );
}

export function RescheduleDialog({ rows, onClose }: { rows: DeliveryRecord[]; onClose: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const { onSelect } = useListContext();
  const first = rows.map(deliveryTime).find(Boolean);
  const [value, setValue] = useState(() => toLocalInput(first && Date.parse(first) > Date.now() ? first : new Date(Date.now() + HOUR).toISOString()));
  const [exact, setExact] = useState(true);
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<RowFailure[]>([]);
  const at = fromLocalInput(value);
  const mode = exact ? ('EXACT' as const) : null;

  const finish = (failures: RowFailure[], done: number) => {
    refresh();
    if (done) notify(translate('postflow.queue.reschedule.done', { smart_count: done }), { type: 'info' });
    onSelect(failures.map((failure) => failure.delivery.id));
    setRefused(failures);
    if (!failures.length) onClose();
  };

  const submit = async () => {
    if (!at) return;
    setBusy(true);
    const outcome = await runEach(rows, (d) => rescheduleDelivery(d.id, at, mode));
    setBusy(false);
    finish(outcome.failures, outcome.done.length);
  };

  const applyNearest = async (failure: RowFailure) => {
    setBusy(true);
    try {
      await rescheduleDelivery(failure.delivery.id, failure.nearestAllowedAt!, mode);
      finish(
        refused.filter((other) => other.delivery.id !== failure.delivery.id),
        1,
      );
    } catch (error) {
      setRefused(refused.map((other) => (other.delivery.id === failure.delivery.id ? failureOf(failure.delivery, error) : other)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open onClose={onClose} aria-labelledby="reschedule-title" fullWidth maxWidth="sm">
      <DialogTitle id="reschedule-title">{translate('postflow.queue.reschedule.title', { smart_count: rows.length })}</DialogTitle>
      <DialogContent>
        <Box
          component="form"
          id="reschedule-form"
          sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: 1 }}
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <TextField
            id="reschedule-at"
            type="datetime-local"
            label={translate('postflow.queue.reschedule.at', { zone: viewerTimeZone() })}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            required
            error={!at}
            helperText={at ? translate('postflow.queue.reschedule.inYourZone', { time: formatInZone(at) }) : translate('postflow.queue.reschedule.invalid')}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <FormControlLabel control={<Checkbox checked={exact} onChange={(event) => setExact(event.target.checked)} />} label={translate('postflow.queue.reschedule.exact')} />
        </Box>
        {refused.length > 0 && (
          <Alert severity="warning" sx={{ mt: 2 }} role="alert">
            {translate('postflow.queue.reschedule.refused', { smart_count: refused.length })}
            <List dense>
              {refused.map((failure) => (
                <ListItem key={failure.delivery.id} disableGutters sx={{ flexDirection: 'column', alignItems: 'flex-start' }}>
                  <ListItemText primary={describeDelivery(failure.delivery)} secondary={failure.message} />
                  {failure.nearestAllowedAt ? (
                    <MuiButton size="small" variant="outlined" disabled={busy} onClick={() => void applyNearest(failure)}>
                      {translate('postflow.queue.reschedule.useNearest', { time: formatInZone(failure.nearestAllowedAt, failure.delivery.channel.timezone) })}
                    </MuiButton>
                  ) : (
                    failure.nearestAllowedAt === null && <ListItemText secondary={translate('postflow.queue.reschedule.noNearest')} />
                  )}
                </ListItem>
              ))}
            </List>
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <MuiButton onClick={onClose}>{translate('ra.action.close')}</MuiButton>
        <MuiButton type="submit" form="reschedule-form" variant="contained" disabled={busy || !at}>
          {translate('postflow.queue.reschedule.submit')}
        </MuiButton>
      </DialogActions>
    </Dialog>
  );
}

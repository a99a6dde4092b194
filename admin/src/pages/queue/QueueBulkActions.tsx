// The queue's bulk actions on the selected rows: publish now, reschedule, cancel (confirmed), retry (UNCONFIRMED ones
// only with force, explained), approve (the posts of rows awaiting approval). Each row goes on its own: the rows the
// API refused are listed with its message (BulkFailures) and stay selected.
import { useState } from 'react';
import { Checkbox, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, FormControlLabel, Button as MuiButton } from '@mui/material';
import CancelIcon from '@mui/icons-material/Cancel';
import CheckIcon from '@mui/icons-material/CheckCircle';
import ReplayIcon from '@mui/icons-material/Replay';
import SendIcon from '@mui/icons-material/Send';
import { Button, Confirm, useListContext, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { useBulkRun, useSelectedDeliveries } from './BulkFailures';
import { approvePost, cancelDelivery, publishDeliveryNow, retryDelivery, type RowFailure } from './deliveryActions';
import { RescheduleButton } from './RescheduleDialog';

export function QueueBulkActions() {
  return (
    <>
      <PublishNowButton />
      <RescheduleButton />
      <CancelDeliveriesButton />
      <RetryDeliveriesButton />
      <ApproveButton />
    </>
  );
}

function PublishNowButton() {
  const translate = useTranslate();
  const { run, running, failuresDialog } = useBulkRun();
  const action = translate('postflow.queue.actions.publishNow');
  return (
    <>
      <Button label="postflow.queue.actions.publishNow" disabled={running} onClick={() => void run(action, (d) => publishDeliveryNow(d.id))}>
        <SendIcon />
      </Button>
      {failuresDialog}
    </>
  );
}

function CancelDeliveriesButton() {
  const translate = useTranslate();
  const { selectedIds } = useListContext();
  const { run, running, failuresDialog } = useBulkRun();
  const [confirming, setConfirming] = useState(false);
  const action = translate('postflow.queue.actions.cancel');
  return (
    <>
      <Button label="postflow.queue.actions.cancel" disabled={running} onClick={() => setConfirming(true)}>
        <CancelIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        loading={running}
        title="postflow.queue.cancelConfirm.title"
        titleTranslateOptions={{ smart_count: selectedIds.length }}
        content="postflow.queue.cancelConfirm.content"
        confirm="postflow.queue.cancelConfirm.confirm"
        cancel="postflow.queue.cancelConfirm.keep"
        onConfirm={() => {
          setConfirming(false);
          void run(action, (d) => cancelDelivery(d.id));
        }}
        onClose={() => setConfirming(false)}
      />
      {failuresDialog}
    </>
  );
}

function RetryDeliveriesButton() {
  const translate = useTranslate();
  const selected = useSelectedDeliveries();
  const { run, running, failuresDialog } = useBulkRun();
  const [rows, setRows] = useState<DeliveryRecord[] | null>(null);
  const [force, setForce] = useState(false);
  const action = translate('postflow.queue.actions.retry');
  const unconfirmed = rows?.filter((row) => row.status === 'UNCONFIRMED').length ?? 0;
  const close = () => {
    setRows(null);
    setForce(false);
  };
  const start = () => {
    const targets = rows!;
    close();
    void run(action, (d) => retryDelivery(d.id, force && d.status === 'UNCONFIRMED'), targets);
  };
  return (
    <>
      <Button label="postflow.queue.actions.retry" disabled={running} onClick={() => void selected().then(setRows)}>
        <ReplayIcon />
      </Button>
      <Dialog open={rows !== null} onClose={close} aria-labelledby="retry-title" aria-describedby="retry-description">
        <DialogTitle id="retry-title">{translate('postflow.queue.retry.title', { smart_count: rows?.length ?? 0 })}</DialogTitle>
        <DialogContent>
          <DialogContentText id="retry-description">{translate('postflow.queue.retry.explain')}</DialogContentText>
          {unconfirmed > 0 && (
            <>
              <DialogContentText sx={{ mt: 2 }}>{translate('postflow.queue.retry.unconfirmed', { smart_count: unconfirmed })}</DialogContentText>
              <FormControlLabel
                sx={{ mt: 1 }}
                control={<Checkbox checked={force} onChange={(event) => setForce(event.target.checked)} />}
                label={translate('postflow.queue.retry.force', { smart_count: unconfirmed })}
              />
            </>
          )}
        </DialogContent>
        <DialogActions>
          <MuiButton onClick={close}>{translate('ra.action.cancel')}</MuiButton>
          <MuiButton variant="contained" onClick={start}>
            {translate('postflow.queue.retry.confirm')}
          </MuiButton>
        </DialogActions>
      </Dialog>
      {failuresDialog}
    </>
  );
}

function ApproveButton() {
  const translate = useTranslate();
  const selected = useSelectedDeliveries();
  const { run, running, failuresDialog } = useBulkRun();
  const action = translate('postflow.queue.actions.approve');
  const approve = async () => {
    const rows = await selected();
    const awaiting = rows.filter((row) => row.status === 'AWAITING_APPROVAL');
    const skipped: RowFailure[] = rows
      .filter((row) => row.status !== 'AWAITING_APPROVAL')
      .map((delivery) => ({ delivery, message: translate('postflow.queue.approveNotAwaiting') }));
    // Approval is of a post: its rows on several channels are approved by one call.
    const approvals = new Map<string, Promise<unknown>>();
    await run(
      action,
      (d) => {
        if (!approvals.has(d.post.id)) approvals.set(d.post.id, approvePost(d.post.id));
        return approvals.get(d.post.id)!;
      },
      awaiting,
      skipped,
    );
  };
  return (
    <>
      <Button label="postflow.queue.actions.approve" disabled={running} onClick={() => void approve()}>
        <CheckIcon />
      </Button>
      {failuresDialog}
    </>
  );
}

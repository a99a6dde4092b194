// Retry one failure from the history: a FAILED delivery is sent again at once; an UNCONFIRMED one may be on the
// network already, so it is sent again (force) only after the person confirms they checked it is not there.
import { useState } from 'react';
import ReplayIcon from '@mui/icons-material/Replay';
import { Button, Confirm, useNotify, useRefresh, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { retryDelivery } from '../queue/deliveryActions';
import { excerpt } from '../queue/time';

export function RetryDeliveryButton({ delivery }: { delivery: DeliveryRecord }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const unconfirmed = delivery.status === 'UNCONFIRMED';
  const what = excerpt(delivery.post.content, 30);

  const retry = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      await retryDelivery(delivery.id, unconfirmed);
      notify(translate('postflow.history.retried', { channel: delivery.channel.name }), { type: 'info' });
      refresh();
    } catch (error) {
      notify(translate('postflow.history.retryFailed', { message: (error as Error).message }), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        label={unconfirmed ? 'postflow.history.retryAnyway' : 'postflow.history.retry'}
        aria-label={translate(unconfirmed ? 'postflow.history.retryAnywayOf' : 'postflow.history.retryOf', { what, channel: delivery.channel.name })}
        disabled={busy}
        onClick={() => (unconfirmed ? setConfirming(true) : void retry())}
      >
        <ReplayIcon />
      </Button>
      <Confirm
        isOpen={confirming}
        title="postflow.history.forceTitle"
        content="postflow.history.forceContent"
        contentTranslateOptions={{ channel: delivery.channel.name }}
        confirm="postflow.history.retryAnyway"
        onConfirm={() => void retry()}
        onClose={() => setConfirming(false)}
      />
    </>
  );
}

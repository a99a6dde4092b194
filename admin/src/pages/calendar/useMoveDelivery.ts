// Moving a delivery to exactly an instant (a drop, the dialog, or the nearest allowed time of a refusal). A refusal
// by the posting rules is kept for the page to show with its nearest allowed time; any other failure is notified
// with the API's message. Either way the event goes back where it was (revert) and the range is read again.
import { useCallback, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNotify, useTranslate } from 'react-admin';
import { rescheduleExactly } from './calendarData';
import { refusalOf, type Refusal } from './RefusedMove';
import { formatInZone } from './zones';

export function useMoveDelivery(zone: string) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [moving, setMoving] = useState(false);

  const move = useCallback(
    async (deliveryId: string, at: Date, revert?: () => void): Promise<boolean> => {
      setMoving(true);
      try {
        const moved = await rescheduleExactly(deliveryId, at);
        setRefusal(null);
        notify(translate('postflow.calendar.moved', { time: formatInZone(moved.scheduledAt, zone) }), { type: 'success' });
        return true;
      } catch (error) {
        revert?.();
        const refused = refusalOf(error, deliveryId);
        if (refused) setRefusal(refused);
        else notify(translate('postflow.calendar.moveFailed', { message: (error as Error).message }), { type: 'error' });
        return false;
      } finally {
        setMoving(false);
        void queryClient.invalidateQueries({ queryKey: ['deliveries'] });
      }
    },
    [notify, queryClient, translate, zone],
  );

  const dismiss = useCallback(() => setRefusal(null), []);
  return { move, moving, refusal, dismiss };
}

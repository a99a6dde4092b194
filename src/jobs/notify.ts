// The notify task: one job per notifiable audit event, queued by a trigger in the event's own transaction (0015
// migration), so a change is never without its notification and the publish path does no extra work. And the
// notification_digest task, once a day from the crontab (src/store/jobs.ts). Both only hand over to the service.
import type { Task } from 'graphile-worker';
import { notifyOfEvent, sendDigests, type NotifyDeps } from '../services/notifications.js';

export function createNotifyTask(deps: NotifyDeps): Task {
  return async (payload) => {
    const eventId = (payload as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId !== 'string') return;
    const { told, mailed } = await notifyOfEvent(deps, eventId);
    if (told || mailed) deps.logger.debug('notified people of an event', { eventId, told, mailed });
  };
}

export function createDigestTask(deps: NotifyDeps): Task {
  return async () => {
    const summary = await sendDigests(deps);
    if (summary.people) deps.logger.info('mailed notification digests', { ...summary });
  };
}

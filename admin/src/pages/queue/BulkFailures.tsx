// What a bulk action could not do, row by row with the API's message, so nothing is lost silently; and the hook the
// bulk buttons share: run an action over the selected rows, report, keep only the failed rows selected.
import { useState, type ReactNode } from 'react';
import { Button, Dialog, DialogActions, DialogContent, DialogTitle, List, ListItem, ListItemText } from '@mui/material';
import { useDataProvider, useListContext, useNotify, useRefresh, useTranslate } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';
import { describeDelivery } from './DeliveryFields';
import { runEach, type RowFailure, type RunOutcome } from './deliveryActions';

export function BulkFailures({ title, failures, onClose }: { title: string; failures: RowFailure[]; onClose: () => void }) {
  const translate = useTranslate();
  return (
    <Dialog open={failures.length > 0} onClose={onClose} aria-labelledby="bulk-failures-title" fullWidth maxWidth="sm">
      <DialogTitle id="bulk-failures-title">{title}</DialogTitle>
      <DialogContent>
        <List dense aria-label={title}>
          {failures.map((failure) => (
            <ListItem key={failure.delivery.id} disableGutters>
              <ListItemText primary={describeDelivery(failure.delivery)} secondary={failure.message} />
            </ListItem>
          ))}
        </List>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{translate('postflow.queue.bulk.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}

/** The selected rows as records: those on this page from the list, the others (selected on other pages) fetched. */
export function useSelectedDeliveries(): () => Promise<DeliveryRecord[]> {
  const { data = [], selectedIds } = useListContext<DeliveryRecord>();
  const dataProvider = useDataProvider();
  return async () => {
    const onPage = new Map(data.map((record) => [record.id, record]));
    const missing = selectedIds.filter((id) => !onPage.has(id));
    const fetched = missing.length ? (await dataProvider.getMany<DeliveryRecord>('deliveries', { ids: missing })).data : [];
    const found = new Map([...onPage, ...fetched.map((record) => [record.id, record] as const)]);
    return selectedIds.flatMap((id) => found.get(id) ?? []);
  };
}

export interface BulkRun {
  /** Runs `act` on the rows (default: the selected ones); `action` names it in the messages. */
  run(action: string, act: (delivery: DeliveryRecord) => Promise<unknown>, rows?: DeliveryRecord[], skipped?: RowFailure[]): Promise<RunOutcome>;
  running: boolean;
  failuresDialog: ReactNode;
}

export function useBulkRun(): BulkRun {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const { onSelect } = useListContext();
  const selected = useSelectedDeliveries();
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<{ title: string; failures: RowFailure[] } | null>(null);

  const run: BulkRun['run'] = async (action, act, rows, skipped = []) => {
    setRunning(true);
    try {
      const targets = rows ?? (await selected());
      const outcome = await runEach(targets, act);
      outcome.failures.push(...skipped);
      const total = outcome.done.length + outcome.failures.length;
      notify(translate('postflow.queue.bulk.done', { action, done: outcome.done.length, total }), { type: outcome.failures.length ? 'warning' : 'info' });
      if (outcome.failures.length)
        setReport({ title: translate('postflow.queue.bulk.failuresTitle', { action, smart_count: outcome.failures.length }), failures: outcome.failures });
      // The rows that failed stay selected, to act on them again once fixed.
      onSelect(outcome.failures.map((failure) => failure.delivery.id));
      refresh();
      return outcome;
    } catch (error) {
      notify(translate('postflow.queue.bulk.error', { action, message: (error as Error).message }), { type: 'error' });
      return { done: [], failures: [] };
    } finally {
      setRunning(false);
    }
  };
  const failuresDialog = report && <BulkFailures title={report.title} failures={report.failures} onClose={() => setReport(null)} />;
  return { run, running, failuresDialog };
}

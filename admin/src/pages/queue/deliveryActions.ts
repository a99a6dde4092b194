// The queue's actions on one delivery, each one mutation of the API, and runEach: an action over many rows where one
// row's refusal does not stop the others and is kept with the API's own message.
import { gql, type ErrorBody } from '../../graphql';
import { HttpError } from 'react-admin';
import type { DeliveryRecord } from '../../dataProvider/deliveries';

const RESULT = 'id status scheduledAt scheduleReason';

export const publishDeliveryNow = (id: string) => gql(`mutation PublishDeliveryNow($id: ID!) { publishDeliveryNow(id: $id) { ${RESULT} } }`, { id });
export const cancelDelivery = (id: string) => gql(`mutation CancelDelivery($id: ID!) { cancelDelivery(id: $id) { ${RESULT} } }`, { id });
export const retryDelivery = (id: string, force: boolean) =>
  gql(`mutation RetryDelivery($id: ID!, $force: Boolean) { retryDelivery(id: $id, force: $force) { ${RESULT} } }`, { id, force });
export const approvePost = (id: string) => gql(`mutation ApprovePost($id: ID!) { approvePost(id: $id) { id } }`, { id });
export const rescheduleDelivery = (id: string, scheduledAt: string, schedulingMode: 'EXACT' | null) =>
  gql(`mutation RescheduleDelivery($id: ID!, $at: DateTime!, $mode: RequestMode) { rescheduleDelivery(id: $id, scheduledAt: $at, schedulingMode: $mode) { ${RESULT} } }`, {
    id,
    at: scheduledAt,
    mode: schedulingMode,
  });

export interface RowFailure {
  delivery: DeliveryRecord;
  message: string;
  /** A refused time: the nearest one the channel's rules allow (null: none within 60 days). */
  nearestAllowedAt?: string | null;
}

export interface RunOutcome {
  done: DeliveryRecord[];
  failures: RowFailure[];
}

/** The API's message of a failure, and the nearest allowed instant when it is a refused time. */
export function failureOf(delivery: DeliveryRecord, error: unknown): RowFailure {
  const message = error instanceof Error ? error.message : String(error);
  const extensions = error instanceof HttpError ? (error.body as ErrorBody | undefined)?.graphqlErrors?.[0]?.extensions : undefined;
  const failure: RowFailure = { delivery, message };
  if (extensions && 'nearestAllowedAt' in extensions) failure.nearestAllowedAt = (extensions.nearestAllowedAt as string | null) ?? null;
  return failure;
}

/** Runs the action on every row, a few at a time, and sorts the rows into done and failed. */
export async function runEach(rows: DeliveryRecord[], act: (delivery: DeliveryRecord) => Promise<unknown>, concurrency = 4): Promise<RunOutcome> {
  const outcome: RunOutcome = { done: [], failures: [] };
  let next = 0;
  async function worker() {
    while (next < rows.length) {
      const delivery = rows[next++]!;
      try {
        await act(delivery);
        outcome.done.push(delivery);
      } catch (error) {
        outcome.failures.push(failureOf(delivery, error));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  // In the order the rows were selected, not the order the answers came in.
  const order = new Map(rows.map((row, index) => [row.id, index]));
  outcome.failures.sort((a, b) => order.get(a.delivery.id)! - order.get(b.delivery.id)!);
  return outcome;
}

// A failed save, told to the person: each API issue on the form field it names, and whatever names no field of this
// form (a whole-input issue, a rule of another part, an error that is not a validation) as a notification with the
// API's message, so nothing is lost.
import { HttpError } from 'react-admin';
import type { ErrorBody } from '../../graphql';

type Notify = (message: string, options?: { type?: 'error' | 'warning' | 'info' | 'success'; messageArgs?: Record<string, unknown> }) => void;

/** The errors for react-admin's Form (returned from onSubmit), after notifying the rest. */
export function submitErrors(error: unknown, isField: (name: string) => boolean, notify: Notify): Record<string, string> | undefined {
  const body = error instanceof HttpError ? (error.body as ErrorBody | undefined) : undefined;
  const onFields: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const [field, message] of Object.entries(body?.errors ?? {})) {
    if (field !== 'root' && typeof message === 'string' && isField(field)) onFields[field] = message;
    else if (field !== 'root' && typeof message === 'string') elsewhere.push(`${field}: ${message}`);
  }
  if (!Object.keys(onFields).length && !elsewhere.length) elsewhere.push((error as Error).message);
  if (elsewhere.length) notify('postflow.channels.saveFailed', { type: 'error', messageArgs: { message: elsewhere.join('; ') } });
  return Object.keys(onFields).length ? onFields : undefined;
}

// A form's failure as the person should see it: each VALIDATION_FAILED issue under its field when the form has that
// field, and everything else (issues no input of the form shows, or the error's message when no issue names a
// field: CONFLICT, FORBIDDEN, ...) in a notification with the API's message, so nothing is dropped silently.
import { useState } from 'react';
import { HttpError, useNotify } from 'react-admin';
import type { ErrorBody } from '../../graphql';

export interface FormErrors {
  field: (name: string) => string | undefined;
  /** What no field of the form shows. */
  rest: string[];
}

export function formErrors(error: unknown, fields: readonly string[]): FormErrors {
  if (!error) return { field: () => undefined, rest: [] };
  const body = error instanceof HttpError ? (error.body as ErrorBody | undefined) : undefined;
  const byField = new Map<string, string>();
  const rest: string[] = [];
  for (const issue of body?.issues ?? []) {
    const name = (issue.path.length > 1 ? issue.path.slice(1) : issue.path).join('.');
    const owner = fields.find((field) => name === field || name.startsWith(`${field}.`));
    if (owner && !byField.has(owner)) byField.set(owner, issue.message);
    else if (!owner) rest.push(`${name}: ${issue.message}`);
  }
  if (!body?.issues?.length) rest.push((error as Error).message);
  return { field: (name) => byField.get(name), rest };
}

/** A form's last failure: `fail` shows it (fields under their inputs, the rest notified), `clear` before a retry. */
export function useFormFailure(fields: readonly string[]) {
  const notify = useNotify();
  const [error, setError] = useState<unknown>(null);
  const errors = formErrors(error, fields);
  return {
    field: errors.field,
    fail(failure: unknown) {
      setError(failure);
      const rest = formErrors(failure, fields).rest;
      if (rest.length) notify('postflow.workspace.failed', { type: 'error', messageArgs: { message: rest.join('; ') } });
    },
    clear: () => setError(null),
  };
}

// Running a mutation from a page: its failure is shown (the API's message in a notification; a form's field errors
// are the form's to show, see formErrors.ts), and the caches it changed are refetched.
import { useState } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useNotify } from 'react-admin';

export function useApiAction() {
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);

  async function run<T>(action: () => Promise<T>, options: { success?: string; successArgs?: Record<string, unknown>; invalidate?: QueryKey[]; rethrow?: boolean } = {}) {
    setBusy(true);
    try {
      const result = await action();
      if (options.success) notify(options.success, { type: 'success', messageArgs: options.successArgs });
      await Promise.all((options.invalidate ?? []).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      return result;
    } catch (error) {
      if (options.rethrow) throw error;
      notify('postflow.workspace.failed', { type: 'error', messageArgs: { message: (error as Error).message } });
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { run, busy };
}

// An open subscription lives only as long as the credential it came with. Its context is authenticated once, when it
// starts; this plugin wraps every subscription's stream (graphql-ws and SSE alike, every subscription field) so that
// the credential is asked again (Context.recheckAuth, cached per credential for `everyMs`) before each event goes
// out, and on a timer while no event comes. Once the session or key stops being valid, the subscription sends one
// result with the typed refusal (UNAUTHENTICATED, as errorMasking.ts formats it) and completes; nothing follows.
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, Repeater, type Plugin } from 'graphql-yoga';
import type { AppError } from '../domain/errors.js';
import type { Context } from '../schema/context.js';

/** An idle subscription is checked at most this often, whatever the setting (0 = every event checks afresh). */
export const MIN_IDLE_CHECK_MS = 1_000;

export function useSubscriptionAuth(options: { everyMs: number; maskError: (error: unknown) => Error }): Plugin<Context> {
  const idleMs = Math.max(options.everyMs, MIN_IDLE_CHECK_MS);
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        const recheck = (args.contextValue as Context).recheckAuth;
        if (!recheck || !isAsyncIterable(result)) return;
        setResult(whileAuthorized(result as AsyncIterable<ExecutionResult>, recheck, idleMs, (refusal) => ({ errors: [options.maskError(refusal) as GraphQLError] })));
      },
    }),
  };
}

/**
 * The source's values while `recheck` finds nothing wrong (asked before each value, and every `idleMs`); then
 * `ended(refusal)` as the last value. A check that fails unexpectedly (not an AppError) lets the stream go on.
 */
export function whileAuthorized<T>(source: AsyncIterable<T>, recheck: () => Promise<AppError | null>, idleMs: number, ended: (refusal: AppError) => T): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    const iterator = source[Symbol.asyncIterator]();
    let over = false;
    const refused = () => recheck().catch(() => null);
    const end = (refusal: AppError) => {
      if (over) return;
      over = true;
      void push(ended(refusal));
      stop();
    };
    const timer = setInterval(() => void refused().then((refusal) => refusal && end(refusal)), idleMs);
    timer.unref();
    const forward = async () => {
      const stopped = stop.then(() => null);
      while (!over) {
        const next = await Promise.race([iterator.next(), stopped]);
        if (!next || next.done || over) break;
        const refusal = await refused();
        if (refusal) end(refusal);
        else if (!over) await push(next.value);
      }
    };
    forward().then(
      () => stop(),
      (error: unknown) => stop(error),
    );
    await stop;
    over = true;
    clearInterval(timer);
    await iterator.return?.();
  });
}

// What happens to a delivery after a failed attempt: pure, so every branch is tested without a network.
import type { ClassifiedFailure } from '../integrations/types.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type AfterFailure =
  | { action: 'retry'; runAt: Date; lastError: string }
  | { action: 'fail'; lastError: string }
  /** The channel's credentials stopped working: keep the delivery SCHEDULED (held) until the channel is reconnected. */
  | { action: 'hold'; lastError: string }
  /** The network may or may not have the post, and cannot be asked again safely: a person (or a lookup) settles it. */
  | { action: 'unconfirm'; lastError: string };

/**
 * `attempts` counts the attempt that just failed. Transient failures (retryable, rate-limited) are tried again up to
 * maxAttempts: retryable ones after exponential backoff with jitter (half fixed, half random), rate-limited ones not before the platform's
 * reset time. A permanent failure ends the delivery at once; an unknown outcome leaves it UNCONFIRMED for a person;
 * an auth failure (after renewing access failed) holds it for the reconnect.
 */
export function decideAfterFailure(failure: ClassifiedFailure, attempts: number, policy: RetryPolicy, now: Date, random: () => number = Math.random): AfterFailure {
  switch (failure.kind) {
    case 'AUTH':
      return { action: 'hold', lastError: `${failure.message} Held until the channel is reconnected; it is then sent.` };
    case 'PERMANENT':
      return { action: 'fail', lastError: failure.message };
    case 'UNKNOWN':
      return {
        action: 'unconfirm',
        lastError: `${failure.message} The post may or may not have been published, and this network has no way to retry safely: check the channel, then confirm it (confirmPublished) or retry it (retryDelivery with force).`,
      };
    case 'RETRYABLE':
    case 'RATE_LIMITED': {
      if (attempts >= policy.maxAttempts) {
        return { action: 'fail', lastError: `Gave up after ${attempts} attempts. Last error: ${failure.message}` };
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
      const jittered = backoff / 2 + random() * (backoff / 2);
      const delay = failure.kind === 'RATE_LIMITED' ? Math.max(failure.retryAfterMs ?? backoff, 0) : jittered;
      return { action: 'retry', runAt: new Date(now.getTime() + delay), lastError: failure.message };
    }
  }
}

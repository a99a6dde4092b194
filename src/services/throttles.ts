// What is throttled, by what key, and how a refusal reads (RATE_LIMITED, HTTP 429 with Retry-After). The counting
// itself is in PostgreSQL (src/store/throttles.ts), so several API processes share one count.
import type pg from 'pg';
import type { Config } from '../config.js';
import { rateLimited } from '../domain/errors.js';
import { throttleCounter, type ThrottleCounter } from '../store/throttles.js';

export interface Throttles {
  loginAccount: ThrottleCounter;
  loginIp: ThrottleCounter;
  signupIp: ThrottleCounter;
  badCredentialsIp: ThrottleCounter;
  apiWorkspace: ThrottleCounter;
}

export function createThrottles(pool: pg.Pool, limits: Config['throttle']): Throttles {
  return {
    loginAccount: throttleCounter(pool, 'login-account', limits.loginPerAccount),
    loginIp: throttleCounter(pool, 'login-ip', limits.loginPerIp),
    signupIp: throttleCounter(pool, 'signup-ip', limits.signupPerIp),
    badCredentialsIp: throttleCounter(pool, 'bad-credentials-ip', limits.badCredentialsPerIp),
    apiWorkspace: throttleCounter(pool, 'api-workspace', limits.apiPerWorkspace),
  };
}

/**
 * For counters of failures: refuses once `points` failures were counted in the window, before the attempt is even
 * looked at. So the right password after too many wrong ones is refused too, and refusing costs no hashing.
 */
export async function refuseWhenSpent(counter: ThrottleCounter, key: string, what: string): Promise<void> {
  const state = await counter.peek(key);
  if (state.used >= counter.limit.points) throw rateLimited(what, state.msLeft);
}

/** For budgets: counts this request, and refuses it when it is one over. */
export async function spend(counter: ThrottleCounter, key: string, what: string): Promise<void> {
  const state = await counter.count(key);
  if (state.used > counter.limit.points) throw rateLimited(what, state.msLeft);
}

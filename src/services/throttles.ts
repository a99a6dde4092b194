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
  passwordResetIp: ThrottleCounter;
  passwordResetEmail: ThrottleCounter;
  /** Verification mails asked for and links tried: password reset's limits, counted apart from resets. */
  emailVerificationIp: ThrottleCounter;
  emailVerificationUser: ThrottleCounter;
  previewIp: ThrottleCounter;
  previewCommentsLink: ThrottleCounter;
}

export function createThrottles(pool: pg.Pool, limits: Config['throttle']): Throttles {
  return {
    loginAccount: throttleCounter(pool, 'login-account', limits.loginPerAccount, { givesBack: true }),
    loginIp: throttleCounter(pool, 'login-ip', limits.loginPerIp, { givesBack: true }),
    signupIp: throttleCounter(pool, 'signup-ip', limits.signupPerIp),
    badCredentialsIp: throttleCounter(pool, 'bad-credentials-ip', limits.badCredentialsPerIp),
    apiWorkspace: throttleCounter(pool, 'api-workspace', limits.apiPerWorkspace),
    passwordResetIp: throttleCounter(pool, 'password-reset-ip', limits.passwordResetPerIp),
    passwordResetEmail: throttleCounter(pool, 'password-reset-email', limits.passwordResetPerEmail),
    emailVerificationIp: throttleCounter(pool, 'email-verification-ip', limits.passwordResetPerIp),
    emailVerificationUser: throttleCounter(pool, 'email-verification-user', limits.passwordResetPerEmail),
    previewIp: throttleCounter(pool, 'preview-ip', limits.previewPerIp),
    previewCommentsLink: throttleCounter(pool, 'preview-comments-link', limits.previewCommentsPerLink),
  };
}

/**
 * For budgets (sign-ups, requests): counts this request, and refuses it when it is one over.
 *
 * For checked attempts (a password, a code) too: the attempt is counted before it is looked at, so attempts sent at
 * once each get a count of their own, and at most `points` of them are ever checked in a window, across processes
 * (reading the count first and counting failures afterwards would let them all read the same "none used"). Past the
 * limit even the right password is refused, and refusing costs no hashing. The caller gives the attempt back
 * (`counter.giveBack`) or starts the key afresh (`counter.reset`) when it turns out right, so that only failures use
 * the limit up.
 */
export async function spend(counter: ThrottleCounter, key: string, what: string): Promise<void> {
  const state = await counter.count(key);
  if (state.used > counter.limit.points) throw rateLimited(what, state.msLeft);
}

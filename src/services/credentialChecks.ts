// Whether a credential accepted earlier is still good: asked again by open subscriptions, which were authenticated
// once when they started (src/server/subscriptionAuth.ts). The answer is what authenticate() says now, so logout,
// logoutEverywhere, a password change, revokeApiKey, expiry, a deleted user and a removed membership all count. One
// check per credential per `ttlMs` serves every subscription that came with it, so a busy stream costs little.
import { AppError } from '../domain/errors.js';
import { authenticate } from './accounts.js';
import type { ServiceDeps } from './deps.js';

/** The refusal when the credential no longer authenticates; null while it does. */
export type CredentialCheck = (authorization: string) => Promise<AppError | null>;

/** Above this many remembered credentials, the stale ones are forgotten. */
const SWEEP_ABOVE = 1_000;

export function createCredentialChecks(deps: ServiceDeps, ttlMs: number): CredentialCheck {
  const checked = new Map<string, { at: number; result: Promise<AppError | null> }>();
  return (authorization) => {
    const now = Date.now();
    const last = checked.get(authorization);
    if (last && now - last.at < ttlMs) return last.result;
    if (checked.size > SWEEP_ABOVE) for (const [key, entry] of checked) if (now - entry.at >= ttlMs) checked.delete(key);
    const result = authenticate(deps, authorization).then(
      () => null,
      (error: unknown) => {
        if (error instanceof AppError) return error;
        // The database is away (so no events are either): unknown is not refused; the next check asks again.
        if (checked.get(authorization)?.result === result) checked.delete(authorization);
        deps.logger.warn('could not check a subscription credential again', { error: error instanceof Error ? error.message : String(error) });
        return null;
      },
    );
    checked.set(authorization, { at: now, result });
    return result;
  };
}

import type { Prisma } from '../db/database.js';
import type { DeliveryEvents } from '../events/deliveryEvents.js';
import type { AppError } from '../domain/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { unauthenticated } from '../domain/errors.js';

import type { Auth } from '../domain/auth.js';

export type { Auth };

export interface Context {
  prisma: Prisma;
  services: ServiceDeps;
  events: DeliveryEvents;
  auth: Auth | null;
  /** Why the credentials sent were refused, if they were: reported by the first operation that needs auth. */
  authError: Error | null;
  /** The client's address as throttles count it (src/security/clientIp.ts). */
  clientIp: string;
  /**
   * With `auth`: asks again whether the credential it came from still authenticates (the refusal, or null), for
   * subscriptions, which stay open long after their context was built (src/server/subscriptionAuth.ts).
   */
  recheckAuth?: () => Promise<AppError | null>;
  /** Where the credential came from: the Authorization header (connectionParams on graphql-ws) or the session cookie. */
  credentialSource?: 'header' | 'cookie' | null;
  /** The session cookie of this request's answer; absent on graphql-ws, whose socket has no answer to carry one. */
  sessionCookie?: SessionCookieJar;
}

/** Sets or clears the console's HttpOnly session cookie (src/server/sessionCookie.ts) on the request's answer. */
export interface SessionCookieJar {
  set(token: string, maxAgeSeconds: number): void;
  clear(): void;
}

export function requireAuth(ctx: Context): Auth {
  if (!ctx.auth) throw ctx.authError ?? unauthenticated();
  return ctx.auth;
}

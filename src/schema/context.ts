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
  /**
   * The session token of the request's cookie, whichever credential signed the request in: a session that opens a new
   * cookie ends the one this names, which the browser then no longer holds (src/schema/auth.ts sessionAnswer).
   */
  cookieToken?: string | null;
}

/** Sets or clears the console's HttpOnly session cookie (src/server/sessionCookie.ts) on the request's answer. */
export interface SessionCookieJar {
  /** True once set() was called: one answer carries one session cookie. */
  readonly holdsNewSession: boolean;
  set(token: string, maxAgeSeconds: number): void;
  clear(): void;
}

export function requireAuth(ctx: Context): Auth {
  if (!ctx.auth) throw ctx.authError ?? unauthenticated();
  return ctx.auth;
}

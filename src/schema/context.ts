import type { Prisma } from '../db/database.js';
import type { DeliveryEvents } from '../events/deliveryEvents.js';
import type { ServiceDeps } from '../services/deps.js';
import { unauthenticated } from '../domain/errors.js';

export interface Auth {
  workspaceId: string;
  /** The signed-in user, or the user who created the API key in use. */
  userId: string;
  via: 'session' | 'apiKey';
}

export interface Context {
  prisma: Prisma;
  services: ServiceDeps;
  events: DeliveryEvents;
  auth: Auth | null;
  /** Why the credentials sent were refused, if they were: reported by the first operation that needs auth. */
  authError: Error | null;
}

export function requireAuth(ctx: Context): Auth {
  if (!ctx.auth) throw ctx.authError ?? unauthenticated();
  return ctx.auth;
}

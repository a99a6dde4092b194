import type { Role, Scope } from './roles.js';

/** Who is calling: the workspace every operation is confined to, and the person behind the token or key. */
export interface Auth {
  workspaceId: string;
  /** The signed-in user, or the user who created the API key in use. */
  userId: string;
  via: 'session' | 'apiKey';
  /** That user's role in the workspace, read at authentication: a demotion applies from the next request. */
  role: Role;
  /** An API key's scopes (it never exceeds `role` either: src/domain/roles.ts checks both). */
  scopes?: readonly Scope[];
  /** The session behind a session token (what logout ends). */
  sessionId?: string;
  /** The key, when the caller came with an API key. */
  apiKeyId?: string;
}

/** Who is calling: the workspace every operation is confined to, and the person behind the token or key. */
export interface Auth {
  workspaceId: string;
  /** The signed-in user, or the user who created the API key in use. */
  userId: string;
  via: 'session' | 'apiKey';
  /** The session behind a session token (what logout ends). */
  sessionId?: string;
  /** The key, when the caller came with an API key. */
  apiKeyId?: string;
}

// Connections in progress (OAuth states, consumed once) and PostFlow's own app on servers where each server
// registers its apps (Mastodon).
import { rows, type Sql } from './sql.js';

export async function insertOAuthState(
  sql: Sql,
  state: { state: string; workspaceId: string; platform: string; redirectUri: string; secretsSealed: string; request: unknown; expiresAt: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO oauth_states (state, workspace_id, platform, redirect_uri, secrets_sealed, request, expires_at) VALUES ($1, $2, $3::"Platform", $4, $5, $6::jsonb, $7)`,
    [state.state, state.workspaceId, state.platform, state.redirectUri, state.secretsSealed, JSON.stringify(state.request), state.expiresAt],
  );
}

/** Takes a state out, whatever happens next: a state is good for one try, as the authorization code is. */
export async function takeOAuthState<Request>(
  sql: Sql,
  state: string,
  workspaceId: string,
): Promise<{ platform: string; redirect_uri: string; secrets_sealed: string; request: Request; expired: boolean } | null> {
  const [row] = await rows<{ platform: string; redirect_uri: string; secrets_sealed: string; request: Request; expired: boolean }>(
    sql,
    `DELETE FROM oauth_states WHERE state = $1 AND workspace_id = $2::uuid
     RETURNING platform::text AS platform, redirect_uri, secrets_sealed, request, expires_at < now() AS expired`,
    [state, workspaceId],
  );
  return row ?? null;
}

export interface RegisteredAppKey {
  platform: string;
  instanceUrl: string;
  redirectUri: string;
}

/** Stores an app unless one is stored already (two connects racing on a new server: the first one stays). */
export async function insertRegisteredApp(sql: Sql, key: RegisteredAppKey, app: { clientId: string; clientSecretSealed: string | null }): Promise<void> {
  await sql.query(
    `INSERT INTO registered_oauth_apps (platform, instance_url, redirect_uri, client_id, client_secret_sealed) VALUES ($1::"Platform", $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [key.platform, key.instanceUrl, key.redirectUri, app.clientId, app.clientSecretSealed],
  );
}

/** Forgets this app only: a newer registration stored meanwhile is kept. */
export async function deleteRegisteredApp(sql: Sql, key: RegisteredAppKey, clientId: string): Promise<void> {
  await sql.query(`DELETE FROM registered_oauth_apps WHERE platform = $1::"Platform" AND instance_url = $2 AND redirect_uri = $3 AND client_id = $4`, [
    key.platform,
    key.instanceUrl,
    key.redirectUri,
    clientId,
  ]);
}

// The hourly housekeeping task against a real database: what has expired goes, what still matters stays.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetExpired } from '../src/store/rateLimits.js';
import { createTestDatabase } from './helpers/database.js';

let pool: pg.Pool;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 2 });
});
afterAll(async () => {
  await pool?.end();
});

const keys = async (sql: string) => (await pool.query<{ key: string }>(sql)).rows.map((r) => r.key).sort();

describe('forgetExpired', () => {
  it('drops rate-limit blocks ended over an hour ago, OAuth states past their expiry, ended throttle windows and sessions ended over a day ago, keeping the rest', async () => {
    await pool.query(
      `INSERT INTO rate_limit_blocks (key, until, reason) VALUES
         ('channel:long-over', now() - interval '2 hours', 'r'),
         ('channel:just-over', now() - interval '10 minutes', 'r'),
         ('X:app', now() + interval '1 hour', 'r')`,
    );
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('w') RETURNING id`);
    await pool.query(
      `INSERT INTO oauth_states (state, workspace_id, platform, redirect_uri, secrets_sealed, expires_at) VALUES
         ('expired', $1, 'X', 'https://app.example.com/cb', 's', now() - interval '1 second'),
         ('live', $1, 'X', 'https://app.example.com/cb', 's', now() + interval '10 minutes')`,
      [rows[0]!.id],
    );

    await pool.query(`INSERT INTO throttles (key, points, expire) VALUES ('login-ip:over', 3, $1), ('login-ip:running', 3, $2)`, [Date.now() - 1000, Date.now() + 60_000]);
    const user = await pool.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ('h@example.com', 'x') RETURNING id`);
    await pool.query(
      `INSERT INTO sessions (user_id, workspace_id, expires_at, revoked_at) VALUES
         ($1, $2, now() - interval '2 days', NULL), ($1, $2, now() + interval '1 day', now() - interval '2 days'),
         ($1, $2, now() - interval '1 hour', NULL), ($1, $2, now() + interval '1 day', NULL)`,
      [user.rows[0]!.id, rows[0]!.id],
    );

    expect(await forgetExpired(pool)).toEqual({ rateLimitBlocks: 1, oauthStates: 1, throttles: 1, sessions: 2 });
    expect(await keys(`SELECT key FROM rate_limit_blocks`)).toEqual(['X:app', 'channel:just-over']);
    expect(await keys(`SELECT state AS key FROM oauth_states`)).toEqual(['live']);
    expect(await keys(`SELECT key FROM throttles`)).toEqual(['login-ip:running']);
    // Ended within the day: kept a while, since they explain a refusal someone may be asking about.
    expect((await pool.query(`SELECT 1 FROM sessions`)).rowCount).toBe(2);
    expect(await forgetExpired(pool)).toEqual({ rateLimitBlocks: 0, oauthStates: 0, throttles: 0, sessions: 0 });
  });
});

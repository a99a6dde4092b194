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
  it('drops rate-limit blocks ended over an hour ago and OAuth states past their expiry, keeping the rest', async () => {
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

    expect(await forgetExpired(pool)).toEqual({ rateLimitBlocks: 1, oauthStates: 1 });
    expect(await keys(`SELECT key FROM rate_limit_blocks`)).toEqual(['X:app', 'channel:just-over']);
    expect(await keys(`SELECT state AS key FROM oauth_states`)).toEqual(['live']);
    expect(await forgetExpired(pool)).toEqual({ rateLimitBlocks: 0, oauthStates: 0 });
  });
});

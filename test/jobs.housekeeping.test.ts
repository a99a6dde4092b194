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

    expect(await forgetExpired(pool)).toEqual({
      rateLimitBlocks: 1,
      oauthStates: 1,
      throttles: 1,
      sessions: 2,
      invitations: 0,
      auditEvents: 0,
      passwordResets: 0,
      emailVerifications: 0,
      workspaceExports: 0,
    });
    expect(await keys(`SELECT key FROM rate_limit_blocks`)).toEqual(['X:app', 'channel:just-over']);
    expect(await keys(`SELECT state AS key FROM oauth_states`)).toEqual(['live']);
    expect(await keys(`SELECT key FROM throttles`)).toEqual(['login-ip:running']);
    // Ended within the day: kept a while, since they explain a refusal someone may be asking about.
    expect((await pool.query(`SELECT 1 FROM sessions`)).rowCount).toBe(2);
    expect(await forgetExpired(pool)).toEqual({
      rateLimitBlocks: 0,
      oauthStates: 0,
      throttles: 0,
      sessions: 0,
      invitations: 0,
      auditEvents: 0,
      passwordResets: 0,
      emailVerifications: 0,
      workspaceExports: 0,
    });
  });

  it('drops audit events past the retention and invitations ended over 30 days ago, keeping the rest', async () => {
    const { rows } = await pool.query<{ id: string }>(`INSERT INTO workspaces (name) VALUES ('audited') RETURNING id`);
    const workspace = rows[0]!.id;
    await pool.query(
      `INSERT INTO audit_events (workspace_id, at, via, action, target_type, target_id) VALUES
         ($1, now() - interval '31 days', 'SYSTEM', 'delivery.published', 'delivery', 'past-30'),
         ($1, now() - interval '29 days', 'SYSTEM', 'delivery.published', 'delivery', 'within-30'),
         ($1, now() - interval '400 days', 'SYSTEM', 'delivery.published', 'delivery', 'past-365')`,
      [workspace],
    );
    await pool.query(
      `INSERT INTO invitations (workspace_id, email, role, token_hash, created_at, expires_at, accepted_at, revoked_at) VALUES
         ($1, 'accepted-long-ago@example.com', 'EDITOR', 'h1', now() - interval '40 days', now() - interval '33 days', now() - interval '39 days', NULL),
         ($1, 'revoked-long-ago@example.com', 'EDITOR', 'h2', now() - interval '40 days', now() - interval '33 days', NULL, now() - interval '35 days'),
         ($1, 'expired-long-ago@example.com', 'EDITOR', 'h3', now() - interval '40 days', now() - interval '33 days', NULL, NULL),
         ($1, 'expired-lately@example.com', 'EDITOR', 'h4', now() - interval '10 days', now() - interval '3 days', NULL, NULL),
         ($1, 'accepted-lately@example.com', 'EDITOR', 'h5', now() - interval '2 days', now() + interval '5 days', now() - interval '1 day', NULL),
         ($1, 'pending@example.com', 'EDITOR', 'h6', now(), now() + interval '7 days', NULL, NULL)`,
      [workspace],
    );

    expect(await forgetExpired(pool, { auditRetentionDays: 30 })).toMatchObject({ invitations: 3, auditEvents: 2 });
    expect(await keys(`SELECT target_id AS key FROM audit_events`)).toEqual(['within-30']);
    expect(await keys(`SELECT email AS key FROM invitations`)).toEqual(['accepted-lately@example.com', 'expired-lately@example.com', 'pending@example.com']);
    // The default retention is a year: a month-old event stays.
    await pool.query(`UPDATE audit_events SET at = now() - interval '364 days'`);
    expect(await forgetExpired(pool)).toMatchObject({ invitations: 0, auditEvents: 0, passwordResets: 0, emailVerifications: 0, workspaceExports: 0 });
  });
});

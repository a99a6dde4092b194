// The audit trail's rows: one statement writes an event, called with the Sql of the transaction that makes the
// change (so the event and the change commit or vanish together), and one deletes what is older than the retention.
// auditLog reads the table through Prisma (src/schema/audit.ts).
import type { Actor, AuditAction, AuditTargetType, AuditVia } from '../domain/audit.js';
import { redact } from '../logger.js';
import type { Sql } from './sql.js';

export interface AuditEvent {
  /** Who, in which workspace: the caller's Auth as it is, or systemActor(workspaceId) for the worker. */
  actor: Actor;
  action: AuditAction;
  target: { type: AuditTargetType; id: string };
  /** A few facts worth keeping (a role, a time); redacted like a log line, so a secret-named field never lands here. */
  details?: Record<string, unknown>;
}

const VIA: Record<Actor['via'], AuditVia> = { session: 'SESSION', apiKey: 'API_KEY', system: 'SYSTEM' };

/** The SQL enum value for an actor's way in (the worker's statements in publishing.ts write 'SYSTEM' themselves). */
export const auditVia = (actor: Actor): AuditVia => VIA[actor.via];

/** workspace_id, actor_id, via, session_id, api_key_id: only the credential the actor came with is named. */
const actorColumns = (actor: Actor) => [
  actor.workspaceId,
  actor.via === 'system' ? null : actor.userId,
  auditVia(actor),
  actor.via === 'session' ? (actor.sessionId ?? null) : null,
  actor.via === 'apiKey' ? (actor.apiKeyId ?? null) : null,
];

export async function recordAudit(sql: Sql, event: AuditEvent): Promise<void> {
  await sql.query(
    `INSERT INTO audit_events (workspace_id, actor_id, via, session_id, api_key_id, action, target_type, target_id, details)
     VALUES ($1, $2, $3::"AuditVia", $4, $5, $6, $7, $8, $9)`,
    [...actorColumns(event.actor), event.action, event.target.type, event.target.id, JSON.stringify(redact(event.details ?? {}))],
  );
}

/** One event per target for the same action (bulk creation): one statement however many rows. */
export async function recordAuditMany(sql: Sql, actor: Actor, action: AuditAction, type: AuditTargetType, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(
    `INSERT INTO audit_events (workspace_id, actor_id, via, session_id, api_key_id, action, target_type, target_id, details)
     SELECT $1, $2, $3::"AuditVia", $4, $5, $6, $7, id, '{"bulk":true}' FROM unnest($8::text[]) AS id`,
    [...actorColumns(actor), action, type, ids],
  );
}

/** Housekeeping: events older than the retention go (POSTFLOW_AUDIT_RETENTION_DAYS). */
export async function deleteOldAuditEvents(sql: Sql, retentionDays: number): Promise<number> {
  const deleted = await sql.query(`DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
  return deleted.rowCount ?? 0;
}

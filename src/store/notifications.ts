// Notifications' rows: what the notify task reads about an audit event, the notifications it writes (unique per
// event and person, so a job run twice writes nothing twice), their mail state, a person's read marks and
// preferences, and the housekeeping deletion. The lists are read through Prisma (src/schema/notification.ts).
import type { NotificationDelivery, NotificationKind } from '../domain/notifications.js';
import type { Role } from '../domain/roles.js';
import { rows, type Sql } from './sql.js';

export interface NotifiableEvent {
  id: string;
  workspaceId: string;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

/** The audit event a notify job names; null when it is gone (its workspace deleted, or past retention). */
export async function findNotifiableEvent(sql: Sql, eventId: string): Promise<NotifiableEvent | null> {
  const [event] = await rows<NotifiableEvent>(
    sql,
    `SELECT id, workspace_id AS "workspaceId", actor_id AS "actorId", action, target_type AS "targetType", target_id AS "targetId", details
       FROM audit_events WHERE id = $1`,
    [eventId],
  );
  return event ?? null;
}

export interface EventSubjects {
  workspaceName: string;
  actorEmail: string | null;
  post: { id: string; content: string; authorId: string | null } | null;
  channel: { id: string; name: string; platform: string; authError: string | null } | null;
  /** The delivery's last error (failed and unconfirmed deliveries). */
  lastError: string | null;
}

/**
 * What a notification's text names: the workspace, the actor, and the post and channel the event is about (a
 * delivery's, when the event's target is a delivery). Every lookup is confined to the event's workspace.
 */
export async function findEventSubjects(sql: Sql, event: NotifiableEvent): Promise<EventSubjects | null> {
  const detail = (key: string) => (typeof event.details[key] === 'string' ? (event.details[key] as string) : null);
  const [found] = await rows<{
    workspace_name: string;
    actor_email: string | null;
    post_id: string | null;
    content: string | null;
    author_id: string | null;
    channel_id: string | null;
    channel_name: string | null;
    platform: string | null;
    auth_error: string | null;
    last_error: string | null;
  }>(
    sql,
    `WITH d AS (SELECT post_id, channel_id, last_error FROM deliveries WHERE $2::text = 'delivery' AND id = $3::uuid AND workspace_id = $1)
     SELECT w.name AS workspace_name, u.email AS actor_email, p.id AS post_id, p.content, p.author_id,
            ch.id AS channel_id, ch.name AS channel_name, ch.platform::text AS platform, ch.auth_error, (SELECT last_error FROM d) AS last_error
       FROM workspaces w
       LEFT JOIN users u ON u.id = $4::uuid
       LEFT JOIN posts p ON p.workspace_id = w.id AND p.id = coalesce((SELECT post_id FROM d), $5::uuid)
       LEFT JOIN channels ch ON ch.workspace_id = w.id AND ch.id = coalesce((SELECT channel_id FROM d), $6::uuid)
      WHERE w.id = $1`,
    [
      event.workspaceId,
      event.targetType,
      event.targetType === 'delivery' ? event.targetId : null,
      event.actorId,
      event.targetType === 'post' ? event.targetId : detail('postId'),
      event.targetType === 'channel' ? event.targetId : detail('channelId'),
    ],
  );
  if (!found) return null;
  return {
    workspaceName: found.workspace_name,
    actorEmail: found.actor_email,
    post: found.post_id ? { id: found.post_id, content: found.content ?? '', authorId: found.author_id } : null,
    channel: found.channel_id ? { id: found.channel_id, name: found.channel_name ?? '', platform: found.platform ?? '', authError: found.auth_error } : null,
    lastError: found.last_error,
  };
}

export interface Member {
  userId: string;
  role: Role;
}

export async function listWorkspaceMembers(sql: Sql, workspaceId: string): Promise<Member[]> {
  return rows<Member>(sql, `SELECT user_id AS "userId", role::text AS role FROM memberships WHERE workspace_id = $1`, [workspaceId]);
}

/** The choices these people made for one kind in one workspace (a person without a row has the kind's default). */
export async function findPreferences(sql: Sql, workspaceId: string, kind: NotificationKind, userIds: string[]): Promise<Map<string, NotificationDelivery>> {
  const found = await rows<{ user_id: string; delivery: NotificationDelivery }>(
    sql,
    `SELECT user_id, delivery::text AS delivery FROM notification_preferences WHERE workspace_id = $1 AND kind = $2 AND user_id = ANY($3::uuid[])`,
    [workspaceId, kind, userIds],
  );
  return new Map(found.map((r) => [r.user_id, r.delivery]));
}

export interface NewNotification {
  userId: string;
  delivery: Exclude<NotificationDelivery, 'OFF'>;
}

export interface NotificationContent {
  workspaceId: string;
  eventId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  postId: string | null;
  channelId: string | null;
}

/** One row per recipient, in one statement; a recipient already told of this event is skipped (a retried job). */
export async function insertNotifications(sql: Sql, content: NotificationContent, recipients: NewNotification[]): Promise<number> {
  if (recipients.length === 0) return 0;
  const inserted = await sql.query(
    `INSERT INTO notifications (workspace_id, user_id, event_id, kind, title, body, post_id, channel_id, delivery)
     SELECT $1, r.user_id, $2, $3, $4, $5, $6, $7, r.delivery::"NotificationDelivery"
       FROM unnest($8::uuid[], $9::text[]) AS r(user_id, delivery)
     ON CONFLICT (event_id, user_id) DO NOTHING`,
    [
      content.workspaceId,
      content.eventId,
      content.kind,
      content.title,
      content.body,
      content.postId,
      content.channelId,
      recipients.map((r) => r.userId),
      recipients.map((r) => r.delivery),
    ],
  );
  return inserted.rowCount ?? 0;
}

export interface MailableNotification {
  id: string;
  userId: string;
  email: string;
  workspaceName: string;
  title: string;
  body: string;
  postId: string | null;
  channelId: string | null;
  createdAt: Date;
}

const MAILABLE = `SELECT n.id, n.user_id AS "userId", u.email, w.name AS "workspaceName", n.title, n.body, n.post_id AS "postId", n.channel_id AS "channelId",
                         n.created_at AS "createdAt"
                    FROM notifications n JOIN users u ON u.id = n.user_id JOIN workspaces w ON w.id = n.workspace_id`;

/** This event's notifications to be mailed at once and not mailed yet. */
export async function findUnmailedForEvent(sql: Sql, eventId: string): Promise<MailableNotification[]> {
  return rows<MailableNotification>(sql, `${MAILABLE} WHERE n.event_id = $1 AND n.delivery = 'MAIL' AND n.mailed_at IS NULL ORDER BY n.id`, [eventId]);
}

/** What the daily digest summarises: DIGEST notifications neither mailed nor read yet, person by person. */
export async function findDigestDue(sql: Sql): Promise<MailableNotification[]> {
  return rows<MailableNotification>(sql, `${MAILABLE} WHERE n.delivery = 'DIGEST' AND n.mailed_at IS NULL AND n.read_at IS NULL ORDER BY n.user_id, w.name, n.created_at, n.id`);
}

export async function markNotificationsMailed(sql: Sql, ids: string[]): Promise<void> {
  await sql.query(`UPDATE notifications SET mailed_at = now(), mail_attempts = mail_attempts + 1, mail_error = NULL WHERE id = ANY($1::uuid[])`, [ids]);
}

/** A relay's refusal, kept on the notification (the console one stays whatever the mail does). */
export async function recordMailFailure(sql: Sql, ids: string[], error: string): Promise<void> {
  await sql.query(`UPDATE notifications SET mail_attempts = mail_attempts + 1, mail_error = left($2, 500) WHERE id = ANY($1::uuid[])`, [ids, error]);
}

/** Marks a person's own notifications in one workspace read: these ids, or all (null). Returns how many changed. */
export async function markNotificationsRead(sql: Sql, workspaceId: string, userId: string, ids: string[] | null): Promise<number> {
  const marked = await sql.query(
    `UPDATE notifications SET read_at = now()
      WHERE workspace_id = $1 AND user_id = $2 AND read_at IS NULL AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))`,
    [workspaceId, userId, ids],
  );
  return marked.rowCount ?? 0;
}

/** Sets a person's choices for some kinds in one workspace (the others keep theirs). */
export async function upsertNotificationPreferences(
  sql: Sql,
  workspaceId: string,
  userId: string,
  choices: { kind: NotificationKind; delivery: NotificationDelivery }[],
): Promise<void> {
  if (choices.length === 0) return;
  await sql.query(
    `INSERT INTO notification_preferences (workspace_id, user_id, kind, delivery)
     SELECT $1, $2, c.kind, c.delivery::"NotificationDelivery" FROM unnest($3::text[], $4::text[]) AS c(kind, delivery)
     ON CONFLICT (workspace_id, user_id, kind) DO UPDATE SET delivery = excluded.delivery, updated_at = now()`,
    [workspaceId, userId, choices.map((c) => c.kind), choices.map((c) => c.delivery)],
  );
}

/** Housekeeping: notifications read more than `retentionDays` ago go (POSTFLOW_NOTIFICATION_RETENTION_DAYS). */
export async function deleteOldReadNotifications(sql: Sql, retentionDays: number): Promise<number> {
  const deleted = await sql.query(`DELETE FROM notifications WHERE read_at < now() - make_interval(days => $1)`, [retentionDays]);
  return deleted.rowCount ?? 0;
}

// Notifications to people: from one notifiable audit event, who is told (src/domain/notifications.ts), with what
// words, and how (each person's preference: the console list, a mail at once, or the daily digest). Run by the notify
// and digest tasks (src/jobs/notify.ts); a person's read marks and preferences come from the API.
import { atLeast } from '../domain/roles.js';
import { ValidationError } from '../domain/errors.js';
import type { Auth } from '../domain/auth.js';
import { approverRole, kindOfAction, managerRole, NOTIFICATION_KINDS, NOTIFICATION_TABLE, type NotificationDelivery, type NotificationKind } from '../domain/notifications.js';
import {
  deleteOldReadNotifications,
  findDigestDue,
  findEventSubjects,
  findNotifiableEvent,
  findPreferences,
  findUnmailedForEvent,
  insertNotifications,
  listWorkspaceMembers,
  markNotificationsMailed,
  markNotificationsRead as markRead,
  recordMailFailure,
  upsertNotificationPreferences,
  type EventSubjects,
  type Member,
  type MailableNotification,
  type NewNotification,
  type NotifiableEvent,
} from '../store/notifications.js';
import { isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';

/** What telling people needs: the worker has these without the API's ServiceDeps. */
export type NotifyDeps = Pick<ServiceDeps, 'pool' | 'mailer' | 'logger'> & { config: Pick<ServiceDeps['config'], 'publicUrl'> };

export interface Notice {
  title: string;
  body: string;
}

const EXCERPT_LENGTH = 80;

/** The post's first words on one line: enough to recognise it, never the whole text. */
export function excerpt(content: string): string {
  const line = content.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= EXCERPT_LENGTH ? line : `${chars.slice(0, EXCERPT_LENGTH - 1).join('')}…`;
}

const clip = (text: string | null, max = 300) => (text && text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The words of a notification, naming the workspace, the post or channel and what happened. */
export function composeNotice(kind: NotificationKind, event: NotifiableEvent, s: EventSubjects): Notice {
  const post = s.post ? `"${excerpt(s.post.content)}"` : 'a post';
  const channel = s.channel ? `${s.channel.name} (${s.channel.platform})` : 'a channel';
  const who = s.actorEmail ?? 'Someone';
  const where = `in ${s.workspaceName}`;
  switch (kind) {
    case 'POST_FAILED':
      return {
        title: `A post failed on ${channel}`,
        body: `${post} could not be published on ${channel} ${where}${s.lastError ? `: ${clip(s.lastError)}` : ''}. Change it or retry it.`,
      };
    case 'POST_UNCONFIRMED':
      return {
        title: `Check whether a post went out on ${channel}`,
        body: `Whether ${post} was published on ${channel} ${where} is unknown${s.lastError ? ` (${clip(s.lastError)})` : ''}. Look at the channel: if the post is there, confirm it; if not, retry it.`,
      };
    case 'CHANNEL_NEEDS_RECONNECT':
      return {
        title: `${channel} needs to be connected again`,
        body: `The network refused ${channel}'s access ${where}${s.channel?.authError ? `: ${clip(s.channel.authError)}` : ''}. Its posts wait until an admin connects it again.`,
      };
    case 'APPROVAL_REQUESTED':
      return { title: 'A post waits for your approval', body: `${who} asks for an approval of ${post} ${where}.` };
    case 'APPROVAL_ANSWERED': {
      const answer =
        event.action === 'post.approved'
          ? ['approved', 'Your post was approved']
          : event.action === 'post.rejected'
            ? ['rejected', 'Your post was rejected']
            : ['sent back for changes', 'Your post was sent back for changes'];
      return { title: answer[1]!, body: `${who} ${answer[0]} ${post} ${where}.${event.action === 'post.approved' ? '' : ' See the comments on the post.'}` };
    }
    case 'IMPORT_FINISHED': {
      const source = typeof event.details.source === 'string' ? ` from ${event.details.source}` : '';
      const count = typeof event.details.created === 'number' ? `: ${event.details.created} posts` : '';
      return { title: 'An import finished', body: `The import${source} finished ${where}${count}.` };
    }
  }
}

/** Who is told, by the kind's rule; never the person who did it. Only members (a former author is nobody's). */
export function recipientsOf(kind: NotificationKind, event: NotifiableEvent, subjects: EventSubjects, members: Member[]): string[] {
  const byId = new Map(members.map((m) => [m.userId, m.role]));
  const author = subjects.post?.authorId ?? null;
  const chosen = new Set<string>();
  const rule = NOTIFICATION_TABLE[kind].recipients;
  if (rule === 'managers' || rule === 'approvers') {
    const least = rule === 'managers' ? managerRole() : approverRole();
    for (const [userId, role] of byId) if (atLeast(role, least)) chosen.add(userId);
  }
  if ((rule === 'managers' || rule === 'author') && author) chosen.add(author);
  if (rule === 'actor' && event.actorId) chosen.add(event.actorId);
  if (rule !== 'actor' && event.actorId) chosen.delete(event.actorId);
  return [...chosen].filter((userId) => byId.has(userId));
}

/** Where a notification leads: the post, or the channel. */
export function linkOf(publicUrl: string, target: { postId: string | null; channelId: string | null }): string {
  if (target.postId) return `${publicUrl}/posts/${target.postId}`;
  if (target.channelId) return `${publicUrl}/channels/${target.channelId}`;
  return publicUrl;
}

/**
 * Tells the people concerned of one audit event: one row each (a repeated run adds none), pushed live by the
 * insert's trigger, then the mails owed at once. A mail the relay refuses is recorded on its notification and the
 * job fails, so graphile-worker runs it again later: only the unsent mails go out then.
 */
export async function notifyOfEvent(deps: NotifyDeps, eventId: string): Promise<{ told: number; mailed: number }> {
  const event = await findNotifiableEvent(deps.pool, eventId);
  const kind = event && kindOfAction(event.action);
  if (!event || !kind) return { told: 0, mailed: 0 };
  const subjects = await findEventSubjects(deps.pool, event);
  if (!subjects) return { told: 0, mailed: 0 };
  const userIds = recipientsOf(kind, event, subjects, await listWorkspaceMembers(deps.pool, event.workspaceId));
  const chosen = await findPreferences(deps.pool, event.workspaceId, kind, userIds);
  const recipients: NewNotification[] = [];
  for (const userId of userIds) {
    const delivery = chosen.get(userId) ?? NOTIFICATION_TABLE[kind].defaultDelivery;
    if (delivery !== 'OFF') recipients.push({ userId, delivery });
  }
  const notice = composeNotice(kind, event, subjects);
  const target = { postId: subjects.post?.id ?? null, channelId: subjects.channel?.id ?? null };
  const told = await insertNotifications(deps.pool, { workspaceId: event.workspaceId, eventId, kind, ...notice, ...target }, recipients);
  const mailed = deps.mailer ? await mailEach(deps, await findUnmailedForEvent(deps.pool, eventId)) : 0;
  return { told, mailed };
}

const footer = (workspaceName: string) => `You get this mail because of your notification preferences in ${workspaceName} (notificationPreferences in PostFlow).`;

async function mailEach(deps: NotifyDeps, due: MailableNotification[]): Promise<number> {
  let failed = 0;
  for (const n of due) {
    try {
      await deps.mailer!.send({
        to: n.email,
        subject: `[${n.workspaceName}] ${n.title}`,
        text: [n.body, '', linkOf(deps.config.publicUrl, n), '', footer(n.workspaceName)].join('\n'),
      });
      await markNotificationsMailed(deps.pool, [n.id]);
    } catch (error) {
      failed++;
      await recordMailFailure(deps.pool, [n.id], (error as Error).message);
      deps.logger.warn('could not mail a notification', { notificationId: n.id, userId: n.userId, error: (error as Error).message });
    }
  }
  if (failed) throw new Error(`${failed} of ${due.length} notification mails were refused; the job runs again for them`);
  return due.length;
}

/**
 * The daily digest: one mail per person with what they chose to get as a digest and have neither read nor been
 * mailed, grouped by workspace. Nobody with nothing new gets a mail. A refused mail is kept for the next run (and
 * fails this one, so graphile-worker tries again soon).
 */
export async function sendDigests(deps: NotifyDeps): Promise<{ people: number; notifications: number }> {
  if (!deps.mailer) return { people: 0, notifications: 0 };
  const byPerson = new Map<string, MailableNotification[]>();
  for (const n of await findDigestDue(deps.pool)) byPerson.set(n.userId, [...(byPerson.get(n.userId) ?? []), n]);
  let people = 0;
  let notifications = 0;
  let failed = 0;
  for (const due of byPerson.values()) {
    const lines: string[] = [];
    let workspace: string | null = null;
    for (const n of due) {
      if (n.workspaceName !== workspace) lines.push(...(workspace === null ? [] : ['']), `In ${(workspace = n.workspaceName)}:`);
      lines.push(`- ${n.title}: ${n.body}`, `  ${linkOf(deps.config.publicUrl, n)}`);
    }
    const ids = due.map((n) => n.id);
    try {
      await deps.mailer.send({
        to: due[0]!.email,
        subject: `PostFlow: ${due.length} notification${due.length === 1 ? '' : 's'} since the last digest`,
        text: [...lines, '', 'You get this daily summary because of your notification preferences (notificationPreferences in PostFlow).'].join('\n'),
      });
      await markNotificationsMailed(deps.pool, ids);
      people++;
      notifications += ids.length;
    } catch (error) {
      failed++;
      await recordMailFailure(deps.pool, ids, (error as Error).message);
      deps.logger.warn('could not mail a notification digest', { userId: due[0]!.userId, error: (error as Error).message });
    }
  }
  if (failed) throw new Error(`${failed} notification digest mails were refused; they are sent at the next run`);
  return { people, notifications };
}

/** Housekeeping's share: read notifications past the retention. */
export const forgetReadNotifications = (deps: Pick<ServiceDeps, 'pool'>, retentionDays: number) => deleteOldReadNotifications(deps.pool, retentionDays);

/** Marks the caller's own notifications read: exactly one of `ids` or `all: true`. */
export async function markNotificationsRead(deps: ServiceDeps, auth: Auth, input: { ids?: readonly string[] | null; all?: boolean | null }): Promise<number> {
  const ids = input.ids ?? null;
  if ((ids === null) === !input.all) {
    throw ValidationError.single(ids === null ? ['ids'] : ['all'], 'exactlyOne', 'Give either ids (the notifications to mark read) or all: true, not both and not neither');
  }
  if (ids && ids.length > 1000) throw ValidationError.single(['ids'], 'maxItems', 'At most 1000 ids at once; use all: true for everything');
  // An id that is not a notification's marks nothing: nobody learns whose ids exist.
  return markRead(deps.pool, auth.workspaceId, auth.userId, ids && ids.filter(isUuid));
}

export interface PreferenceChoice {
  kind: NotificationKind;
  delivery: NotificationDelivery;
}

/** Every kind with the caller's choice in this workspace, or its default. */
export async function preferencesOf(deps: ServiceDeps, auth: Auth): Promise<(PreferenceChoice & { isDefault: boolean })[]> {
  const chosen = await deps.prisma.notificationPreference.findMany({ where: { workspaceId: auth.workspaceId, userId: auth.userId } });
  const byKind = new Map(chosen.map((c) => [c.kind, c.delivery as NotificationDelivery]));
  return NOTIFICATION_KINDS.map((kind) => ({ kind, delivery: byKind.get(kind) ?? NOTIFICATION_TABLE[kind].defaultDelivery, isDefault: !byKind.has(kind) }));
}

/** Sets some of the caller's choices; a kind given twice is refused (which one was meant?). */
export async function updatePreferences(deps: ServiceDeps, auth: Auth, choices: readonly PreferenceChoice[]) {
  const seen = new Set<string>();
  choices.forEach((c, i) => {
    if (seen.has(c.kind)) throw ValidationError.single(['input', 'preferences', i, 'kind'], 'unique', `${c.kind} is given more than once`);
    seen.add(c.kind);
  });
  await upsertNotificationPreferences(deps.pool, auth.workspaceId, auth.userId, [...choices]);
  return preferencesOf(deps, auth);
}

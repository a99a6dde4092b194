// What people are told of: the one table of notification kinds, each with the audit actions it comes from, who is
// told, and how by default. Notifications are derived from the audit trail (a trigger in the 0015 migration queues
// the `notify` job for these actions); src/services/notifications.ts writes them, the person's preferences decide
// the channel. README.md ("Notifications") says the same for people.
import type { AuditAction } from './audit.js';
import { OPERATIONS, type Role } from './roles.js';

export const NOTIFICATION_KINDS = ['POST_FAILED', 'POST_UNCONFIRMED', 'CHANNEL_NEEDS_RECONNECT', 'APPROVAL_REQUESTED', 'APPROVAL_ANSWERED', 'IMPORT_FINISHED'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** OFF: nothing; CONSOLE: the notifications list only; MAIL: the list and a mail at once; DIGEST: the list and one mail a day. */
export const NOTIFICATION_DELIVERIES = ['OFF', 'CONSOLE', 'MAIL', 'DIGEST'] as const;
export type NotificationDelivery = (typeof NOTIFICATION_DELIVERIES)[number];

/**
 * Who is told:
 * - `managers`: those who can fix a channel or a post for everyone (ADMIN and OWNER), plus the post's author;
 * - `approvers`: those the role table lets approve (approvePost's role and up);
 * - `author`: the post's author;
 * - `actor`: the person who started the work (an import).
 * Nobody is told of what they did themselves.
 */
export type Recipients = 'managers' | 'approvers' | 'author' | 'actor';

export interface KindSpec {
  /** The audit actions that are this kind (keep in step with the trigger's list in the 0015 migration). */
  actions: readonly AuditAction[];
  recipients: Recipients;
  defaultDelivery: Exclude<NotificationDelivery, 'OFF'>;
  /** For people choosing their preferences. */
  description: string;
}

export const NOTIFICATION_TABLE: Readonly<Record<NotificationKind, KindSpec>> = {
  POST_FAILED: {
    actions: ['delivery.failed'],
    recipients: 'managers',
    defaultDelivery: 'MAIL',
    description: 'A post could not be published on a channel, for good (retryDelivery sends it again).',
  },
  POST_UNCONFIRMED: {
    actions: ['delivery.unconfirmed'],
    recipients: 'managers',
    defaultDelivery: 'CONSOLE',
    description: 'Whether a post went out is unknown: check the channel, then confirmPublished or retryDelivery with force.',
  },
  CHANNEL_NEEDS_RECONNECT: {
    actions: ['channel.needs_reconnect'],
    recipients: 'managers',
    defaultDelivery: 'MAIL',
    description: "A channel's access was refused: its posts wait until an admin connects it again.",
  },
  APPROVAL_REQUESTED: {
    actions: ['post.submitted'],
    recipients: 'approvers',
    defaultDelivery: 'MAIL',
    description: 'A post waits for an approval.',
  },
  APPROVAL_ANSWERED: {
    actions: ['post.approved', 'post.rejected', 'post.changes_requested'],
    recipients: 'author',
    defaultDelivery: 'CONSOLE',
    description: 'Your post was approved, sent back for changes, or rejected.',
  },
  // A content source's catalog import ended (src/services/sourceImports.ts); the 0015 trigger lists the action.
  IMPORT_FINISHED: {
    actions: ['import.finished'],
    recipients: 'actor',
    defaultDelivery: 'CONSOLE',
    description: 'An import from a content source finished.',
  },
};

const KIND_OF_ACTION = new Map<string, NotificationKind>(NOTIFICATION_KINDS.flatMap((kind) => NOTIFICATION_TABLE[kind].actions.map((action) => [action, kind] as const)));

/** The kind an audit action notifies of, or null when it notifies nobody. */
export const kindOfAction = (action: string): NotificationKind | null => KIND_OF_ACTION.get(action) ?? null;

/** Every action some kind notifies of. */
export const NOTIFIABLE_ACTIONS: readonly string[] = [...KIND_OF_ACTION.keys()];

/** The least role the role table asks for an operation (OWNER for one no role may do). */
const leastRole = (operation: string): Role => {
  const access = OPERATIONS[operation];
  return access && 'role' in access ? access.role : 'OWNER';
};

/** Approvers: whoever the role table lets approve. */
export const approverRole = (): Role => leastRole('approvePost');

/** Managers: whoever the role table lets reconnect a channel. */
export const managerRole = (): Role => leastRole('updateChannel');

// The audit trail's vocabulary: the one list of actions it records and who an action is attributed to. The store
// (src/store/audit.ts) writes events; README.md ("Audit trail") lists the actions for people.

export const AUDIT_ACTIONS = [
  'post.created',
  'post.rescheduled',
  'post.cancelled',
  'post.deleted',
  // Written by the approval workflow (issue 12, section 3) through recordAudit.
  'post.approved',
  'post.rejected',
  'post.changes_requested',
  // Approval requested: a post submitted, created held, or sent back to the approvers by an edit (notifications read it).
  'post.submitted',
  'post.commented',
  'post.updated',
  'preview_link.created',
  'preview_link.revoked',
  'delivery.confirmed',
  // One delivery moved (rescheduleDelivery, publishDeliveryNow: mode IMMEDIATE) or cancelled (cancelDelivery).
  'delivery.rescheduled',
  'delivery.cancelled',
  'channel.policy_updated',
  'workspace.settings_updated',
  'delivery.published',
  'delivery.failed',
  // Whether it went out is unknown (the worker lost the answer): a person must check (notifications read it).
  'delivery.unconfirmed',
  'channel.connected',
  'channel.paused',
  'channel.resumed',
  'channel.reconnected',
  'channel.deleted',
  // The network refused the channel's access: its posts wait for a reconnect (the system's; notifications read it).
  'channel.needs_reconnect',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'ownership.transferred',
  'api_key.created',
  'api_key.revoked',
  // The workspace's lifecycle (issue 12, section 1): an export asked for (everything of it, in one file), a deletion.
  'workspace.export_requested',
  'workspace.deletion_scheduled',
  'workspace.deletion_cancelled',
  // Plans and billing (issue 12, section 4): setWorkspacePlan (an administrator's session) and Stripe's webhooks (SYSTEM).
  'plan.changed',
  'billing.payment_failed',
  // Content sources (issue 13): installed or re-installed by a connector, rules changed, disconnected by a person.
  'source.connected',
  'source.reconnected',
  'source.updated',
  'source.disconnected',
  // shop/redact: everything of the source deleted (the store's data and event log); this entry keeps only its id.
  'source.erased',
  // The Shopify app (issue 13, section 2): an install started from PostFlow; app/uninstalled (posts held), a reinstall releasing them.
  'source.install_started',
  'source.uninstalled',
  'source.posts_released',
  // A stopped source whose store was installed into another workspace: retired here, what it held cancelled.
  'source.retired',
  // A WordPress site's key and signing secret replaced (rotateSourceSecret): the old pair stops working at once.
  'source.secret_rotated',
  // A catalog import ended (COMPLETED or FAILED, with its counts): attributed to whoever started it, who is notified.
  'import.started',
  'import.finished',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGETS = ['post', 'delivery', 'channel', 'member', 'invitation', 'api_key', 'workspace', 'preview_link', 'source'] as const;
export type AuditTargetType = (typeof AUDIT_TARGETS)[number];

export const AUDIT_VIA = ['SESSION', 'API_KEY', 'SYSTEM'] as const;
export type AuditVia = (typeof AUDIT_VIA)[number];

/**
 * Whom an action is attributed to. An Auth is one (a session or an API key, with its id); the worker and other
 * background work act as the system (no user). Kept structural so that services can pass their Auth unchanged.
 */
export interface Actor {
  workspaceId: string;
  userId: string | null;
  via: 'session' | 'apiKey' | 'system';
  sessionId?: string;
  apiKeyId?: string;
}

export const systemActor = (workspaceId: string): Actor => ({ workspaceId, userId: null, via: 'system' });

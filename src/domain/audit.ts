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
  'delivery.published',
  'delivery.failed',
  'channel.connected',
  'channel.paused',
  'channel.resumed',
  'channel.reconnected',
  'channel.deleted',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'ownership.transferred',
  'api_key.created',
  'api_key.revoked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_TARGETS = ['post', 'delivery', 'channel', 'member', 'invitation', 'api_key', 'workspace'] as const;
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

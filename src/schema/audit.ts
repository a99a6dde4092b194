// The audit trail read back: auditLog, newest first, for ADMIN and OWNER (src/domain/roles.ts). Events are written by
// the store in the transaction of each change (src/store/audit.ts); here they are only read, within the workspace.
import { builder } from './builder.js';
import { requireAuth } from './context.js';
import { AUDIT_ACTIONS, AUDIT_VIA } from '../domain/audit.js';
import { ValidationError } from '../domain/errors.js';
import { uuidOrNil } from '../services/validation.js';

const AuditViaEnum = builder.enumType('AuditVia', {
  description: 'How the actor came: a signed-in session, an API key, or PostFlow itself (the worker publishing).',
  values: AUDIT_VIA,
});

builder.prismaObject('AuditEvent', {
  description: 'Who did what, when, through which session or key.',
  fields: (t) => ({
    id: t.exposeID('id'),
    at: t.expose('at', { type: 'DateTime' }),
    actorId: t.exposeID('actorId', { nullable: true, description: 'The person (for an API key: its creator); null for the system.' }),
    via: t.field({ type: AuditViaEnum, resolve: (e) => e.via }),
    sessionId: t.exposeID('sessionId', { nullable: true, description: 'The session used, when via is SESSION.' }),
    apiKeyId: t.exposeID('apiKeyId', { nullable: true, description: 'The key used, when via is API_KEY.' }),
    action: t.exposeString('action', { description: `One of: ${AUDIT_ACTIONS.join(', ')}.` }),
    targetType: t.exposeString('targetType', { description: 'post, delivery, channel, member, invitation, api_key or workspace.' }),
    targetId: t.exposeString('targetId'),
    details: t.expose('details', { type: 'JSON', description: 'A few facts about the change (never a secret).' }),
  }),
});

const AuditFilter = builder.inputType('AuditFilter', {
  fields: (t) => ({
    action: t.string({ description: `Only this action (${AUDIT_ACTIONS.join(', ')}).` }),
    actorId: t.id({ description: 'Only what this person did.' }),
    targetId: t.string({ description: 'Only what was done to this post, delivery, channel, member, invitation or key.' }),
    from: t.field({ type: 'DateTime', description: 'Events at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Events before this instant.' }),
  }),
});

builder.queryFields((t) => ({
  auditLog: t.prismaConnection({
    type: 'AuditEvent',
    cursor: 'id',
    description: `The workspace's audit trail, newest first; kept POSTFLOW_AUDIT_RETENTION_DAYS days.`,
    args: { filter: t.arg({ type: AuditFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      // A mistyped action would silently match nothing: say so instead.
      if (filter?.action && !(AUDIT_ACTIONS as readonly string[]).includes(filter.action)) {
        throw ValidationError.single(['filter', 'action'], 'oneOf', `action must be one of ${AUDIT_ACTIONS.join(', ')}`);
      }
      return ctx.prisma.auditEvent.findMany({
        ...query,
        where: {
          workspaceId: requireAuth(ctx).workspaceId,
          ...(filter?.action && { action: filter.action }),
          ...(filter?.actorId && { actorId: uuidOrNil(String(filter.actorId)) }),
          ...(filter?.targetId && { targetId: filter.targetId }),
          ...((filter?.from || filter?.to) && { at: { ...(filter.from && { gte: filter.from }), ...(filter.to && { lt: filter.to }) } }),
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
      });
    },
  }),
}));

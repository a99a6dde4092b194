// The GraphQL enums, apart so every domain file can use them without importing another domain file.
import { builder } from './builder.js';
import { PLATFORM_NAMES } from '../integrations/types.js';
import { DELIVERY_STATUSES } from '../domain/deliveryStatus.js';
import { PLANS } from '../domain/plans.js';
import { SOURCE_KINDS } from '../sources/types.js';

export const PlatformEnum = builder.enumType('Platform', { values: PLATFORM_NAMES });

export const DeliveryStatusEnum = builder.enumType('DeliveryStatus', { values: DELIVERY_STATUSES });

export const AttemptOutcomeEnum = builder.enumType('AttemptOutcome', {
  values: ['IN_PROGRESS', 'SUCCEEDED', 'RETRYABLE', 'RATE_LIMITED', 'AUTH', 'PERMANENT', 'UNKNOWN'] as const,
});

/** How a requested time is treated: the two modes a person chooses between. */
export const RequestModeEnum = builder.enumType('RequestMode', { values: ['SHIFT', 'EXACT'] as const });

export const ScheduleLayerEnum = builder.enumType('ScheduleLayer', {
  values: {
    RULES: { description: "The channel's posting rules (hours, blackouts, spacing, caps): they bind every post." },
    QUEUE: { description: 'The queue hours and spacing, inside the rules: where the smart scheduler places posts without a time.' },
  } as const,
});

export const MemberRoleEnum = builder.enumType('MemberRole', {
  description: 'What a member may do (src/domain/roles.ts); each role may do everything the ones below it may.',
  values: ['OWNER', 'ADMIN', 'EDITOR', 'VIEWER'] as const,
});

export const PlanEnum = builder.enumType('Plan', {
  description: "A workspace's plan: its limits are in the README (Plans) and in workspace { usage }.",
  values: PLANS,
});

export const PostSourceEnum = builder.enumType('PostSource', { values: ['MANUAL', 'PRODUCT', 'ARTICLE', 'IMPORT'] as const });

export const SourceKindEnum = builder.enumType('SourceKind', { description: 'The kind of a content source: the connector that knows its store.', values: SOURCE_KINDS });

export const SourceStatusEnum = builder.enumType('SourceStatus', {
  values: {
    ACTIVE: { description: 'Its events make posts under its rules.' },
    UNINSTALLED: { description: 'The store removed the app: no events are taken; installing it again reconnects it.' },
    DISCONNECTED: { description: 'Disconnected by a person (disconnectSource): no events are taken, its credentials are erased.' },
  } as const,
});

export const SchedulingModeEnum = builder.enumType('SchedulingMode', {
  values: {
    SHIFT: { description: 'The nearest allowed instant at or after the requested one (default).' },
    EXACT: { description: 'The requested instant, or a refusal naming the rule that forbids it.' },
    IMMEDIATE: { description: 'publishNow: posting hours and intervals do not apply; pauses and caps do.' },
    AUTO: { description: 'Placed by the smart scheduler.' },
  } as const,
});

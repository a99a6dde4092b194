// The one table of plans and their limits (issue 12, section 4). The services enforce it at the action (creating a
// channel, inviting or admitting a member, creating posts, creating an API key) with PLAN_LIMIT, counting under the
// workspace's row lock (src/store/plans.ts). README.md ("Plans") says the same for people; billing comes later.
import { AppError } from './errors.js';

export const PLANS = ['FREE', 'PRO', 'AGENCY', 'UNLIMITED'] as const;
export type Plan = (typeof PLANS)[number];

export interface PlanLimits {
  /** Channels not deleted. null: no limit. */
  channels: number | null;
  /** Memberships plus pending invitations (a pending invitation holds its seat until accepted, revoked or expired). */
  members: number | null;
  /**
   * Posts created in the current calendar month (UTC), whatever became of them (drafts included, deleted ones not),
   * each counted once however many channels it goes to: counted at creation, so nothing is refused later at publish.
   */
  postsPerMonth: number | null;
  /** Content sources (Shopify stores, WordPress sites) not deleted, counted when a connector installs one. */
  sources: number | null;
  /** Outgoing webhook endpoints: not enforced yet, there are none. */
  webhookEndpoints: number | null;
  /** Whether API keys may be created. Keys made earlier keep working after a downgrade (revoke them to stop them). */
  apiAccess: boolean;
  /** Whether the approval workflow may be turned on (section 3 reads this). */
  approval: boolean;
}

// Tiers after Buffer's and Hootsuite's public ones: a shop alone, a small team, an agency with clients.
export const PLAN_LIMITS: Readonly<Record<Plan, Readonly<PlanLimits>>> = {
  FREE: { channels: 3, members: 1, postsPerMonth: 100, sources: 1, webhookEndpoints: 0, apiAccess: false, approval: false },
  PRO: { channels: 10, members: 5, postsPerMonth: 2_000, sources: 3, webhookEndpoints: 5, apiAccess: true, approval: true },
  AGENCY: { channels: 50, members: 25, postsPerMonth: 20_000, sources: 20, webhookEndpoints: 25, apiAccess: true, approval: true },
  UNLIMITED: { channels: null, members: null, postsPerMonth: null, sources: null, webhookEndpoints: null, apiAccess: true, approval: true },
};

/** The limits that are counts and are enforced today. */
export type CountedLimit = 'channels' | 'members' | 'postsPerMonth' | 'sources';
export type EnforcedLimit = CountedLimit | 'apiAccess' | 'approval';

export const isPlan = (value: string): value is Plan => (PLANS as readonly string[]).includes(value);

export interface PlanBreach {
  limit: EnforcedLimit;
  plan: Plan;
  /** The most the plan allows (0 for a feature it lacks). */
  max: number;
  /** What the workspace has now, before the refused action. */
  current: number;
  /** What the refused action would have added (a bulk import adds many). */
  requested: number;
}

const WHAT: Record<EnforcedLimit, string> = {
  channels: 'channels',
  members: 'members (pending invitations included)',
  postsPerMonth: 'posts created this month',
  sources: 'content sources',
  apiAccess: 'API keys',
  approval: 'approval workflow',
};

/** PLAN_LIMIT: which limit, of which plan, and the count now; nothing was written. */
export function planLimitError(breach: PlanBreach): AppError {
  const message =
    breach.limit === 'apiAccess'
      ? `The ${breach.plan} plan has no API access: API keys need another plan`
      : breach.limit === 'approval'
        ? `The ${breach.plan} plan has no approval workflow: turning approval on needs another plan`
        : `The ${breach.plan} plan allows ${breach.max} ${WHAT[breach.limit]}; this workspace has ${breach.current}` +
          (breach.requested > 1 ? ` and this would add ${breach.requested}` : '') +
          ': remove some, or ask for another plan';
  return new AppError('PLAN_LIMIT', message, { ...breach });
}

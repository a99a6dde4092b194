// Who may do what: the one table of GraphQL root operation -> the least role it needs and, for API keys, the scope.
// src/schema/builder.ts applies it to every root field through Pothos' scope-auth (nothing checks roles by hand), the
// schema refuses to build with a root field the table lacks, and test/api.security.isolation.test.ts tries every
// operation with every role and with narrowed keys against it. README.md ("Roles") says the same for people.
import { AppError } from './errors.js';

/** Least first: each role may do everything the ones before it may. */
export const ROLES = ['VIEWER', 'EDITOR', 'ADMIN', 'OWNER'] as const;
export type Role = (typeof ROLES)[number];

/** What an API key may be given. Only what today's operations need; the teams issue names more to come. */
export const SCOPES = ['posts:read', 'posts:write', 'channels:read', 'channels:write', 'members:write', 'sources:read', 'sources:write'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * - `public`: acts on no workspace (signing in or up, the list of networks, an invitation or a password reset link that is its own credential).
 * - `role`: the least role; `key`: a scope an API key needs, `any` (every key, the role still checked: reading the
 *   workspace itself, revoking a leaked key with whatever is at hand), or `session` (keys refused: the person's own
 *   sign-in, minting credentials).
 */
export type Access = { public: true } | { public?: false; instanceAdmin?: false; role: Role; key: Scope | 'any' | 'session' } | InstanceAccess;

/**
 * `instanceAdmin`: acts on the instance, across workspaces (a workspace's plan). Needs a session of an instance
 * administrator: the instance's first account, or an email in POSTFLOW_ADMIN_EMAILS. No role in the caller's own
 * workspace is enough, and no API key (a key acts for one workspace).
 */
export interface InstanceAccess {
  public?: false;
  instanceAdmin: true;
}

const PUBLIC: Access = { public: true };
const INSTANCE_ADMIN: Access = { instanceAdmin: true };
const needs = (role: Role, key: Scope | 'any' | 'session'): Access => ({ role, key });

export const OPERATIONS: Readonly<Record<string, Access>> = {
  // --- signing in, the caller's own sign-in ---
  signup: PUBLIC,
  login: PUBLIC,
  requestPasswordReset: PUBLIC,
  resetPassword: PUBLIC,
  networks: PUBLIC,
  logout: needs('VIEWER', 'session'),
  logoutEverywhere: needs('VIEWER', 'session'),
  changePassword: needs('VIEWER', 'session'),
  enableTwoFactorStart: needs('VIEWER', 'session'),
  enableTwoFactorFinish: needs('VIEWER', 'session'),
  disableTwoFactor: needs('VIEWER', 'session'),
  // --- the workspace and its keys (keys act for the workspace: settings, hence ADMIN) ---
  workspace: needs('VIEWER', 'any'),
  apiKeys: needs('ADMIN', 'any'),
  createApiKey: needs('ADMIN', 'session'),
  revokeApiKey: needs('ADMIN', 'any'),
  // --- channels ---
  channel: needs('VIEWER', 'channels:read'),
  channels: needs('VIEWER', 'channels:read'),
  nextSlots: needs('VIEWER', 'channels:read'),
  channelUpdated: needs('VIEWER', 'channels:read'),
  createChannel: needs('ADMIN', 'channels:write'),
  updateChannel: needs('ADMIN', 'channels:write'),
  updateChannelPolicy: needs('ADMIN', 'channels:write'),
  pauseChannel: needs('ADMIN', 'channels:write'),
  resumeChannel: needs('ADMIN', 'channels:write'),
  deleteChannel: needs('ADMIN', 'channels:write'),
  connectChannelStart: needs('ADMIN', 'channels:write'),
  connectChannelFinish: needs('ADMIN', 'channels:write'),
  // --- posts: reading and dry runs ---
  post: needs('VIEWER', 'posts:read'),
  posts: needs('VIEWER', 'posts:read'),
  failedDeliveries: needs('VIEWER', 'posts:read'),
  // The console's queue, calendar and history, and its dashboard's figures (issue 15): reading posts, like posts.
  deliveries: needs('VIEWER', 'posts:read'),
  delivery: needs('VIEWER', 'posts:read'),
  analytics: needs('VIEWER', 'posts:read'),
  validatePost: needs('VIEWER', 'posts:read'),
  previewSchedule: needs('VIEWER', 'posts:read'),
  deliveryUpdated: needs('VIEWER', 'posts:read'),
  // --- posts: writing. An editor may schedule and publish at once (createPost takes publishNow too); approval, when
  // a workspace turns it on, is what will hold an editor's posts back (issue 12, section 3). ---
  createPost: needs('EDITOR', 'posts:write'),
  bulkCreatePosts: needs('EDITOR', 'posts:write'),
  updatePost: needs('EDITOR', 'posts:write'),
  reschedulePost: needs('EDITOR', 'posts:write'),
  rescheduleDelivery: needs('EDITOR', 'posts:write'),
  publishNow: needs('EDITOR', 'posts:write'),
  autoSchedule: needs('EDITOR', 'posts:write'),
  runSmartSchedule: needs('EDITOR', 'posts:write'),
  cancelPost: needs('EDITOR', 'posts:write'),
  deletePost: needs('EDITOR', 'posts:write'),
  retryDelivery: needs('EDITOR', 'posts:write'),
  // One delivery of a post cancelled or sent now (the queue's bulk buttons): like cancelPost and publishNow.
  cancelDelivery: needs('EDITOR', 'posts:write'),
  publishDeliveryNow: needs('EDITOR', 'posts:write'),
  confirmPublished: needs('EDITOR', 'posts:write'),
  // --- members and workspaces (issue 12, section 1) ---
  members: needs('VIEWER', 'any'),
  workspaces: needs('VIEWER', 'session'),
  switchWorkspace: needs('VIEWER', 'session'),
  leaveWorkspace: needs('VIEWER', 'session'),
  // The invitation's token is the credential: the invitee may have no account yet (acceptInvitation(token, password)).
  acceptInvitation: PUBLIC,
  inviteMember: needs('ADMIN', 'members:write'),
  // Pending invitations name people's emails, and their links are credentials: those who invite manage them.
  invitations: needs('ADMIN', 'members:write'),
  revokeInvitation: needs('ADMIN', 'members:write'),
  changeRole: needs('ADMIN', 'members:write'),
  removeMember: needs('ADMIN', 'members:write'),
  transferOwnership: needs('OWNER', 'session'),
  // --- the workspace's lifecycle and the person's address (issue 12, section 1). An export holds everything an ADMIN
  // may read already (members, channels without credentials, posts), in one file: a person's session, never a key, so
  // a leaked key cannot carry the workspace off. Deleting it (and undoing that) is the OWNER's alone. ---
  exportWorkspace: needs('ADMIN', 'session'),
  workspaceExports: needs('ADMIN', 'session'),
  deleteWorkspace: needs('OWNER', 'session'),
  cancelWorkspaceDeletion: needs('OWNER', 'session'),
  me: needs('VIEWER', 'any'),
  requestEmailVerification: needs('VIEWER', 'session'),
  // The mailed link's token is the credential (like resetPassword): it may be opened signed out, on another device.
  verifyEmail: PUBLIC,
  // --- plans (issue 12, section 4): the plan is the instance's to give, not the workspace's to choose ---
  setWorkspacePlan: INSTANCE_ADMIN,
  // Billing with Stripe: paying and cancelling commit the workspace's money, hence the OWNER's, with a person's session
  // (a leaked key must not start or end subscriptions). Reading the state is for those who manage the workspace.
  startCheckout: needs('OWNER', 'session'),
  billingPortal: needs('OWNER', 'session'),
  // Charges a shop of the workspace (Shopify's Billing API): the owner's, like Stripe's checkout.
  startShopifyCheckout: needs('OWNER', 'session'),
  billing: needs('ADMIN', 'any'),
  // --- the audit trail (issue 12, section 6): who did what is for those who manage the workspace. A key reads it
  // with members:write, the scope of keys that manage people, rather than a scope of its own. ---
  auditLog: needs('ADMIN', 'members:write'),
  // --- approval (issue 12, section 3). Settings are the workspace's, hence ADMIN, and need a person's session (a
  // leaked key must not turn approval off). Authors submit and comment; deciding is an ADMIN's, and an ADMIN's key
  // needs posts:write for it like for any change to posts. ---
  updateWorkspaceSettings: needs('ADMIN', 'session'),
  submitForApproval: needs('EDITOR', 'posts:write'),
  addComment: needs('EDITOR', 'posts:write'),
  approvePost: needs('ADMIN', 'posts:write'),
  requestChanges: needs('ADMIN', 'posts:write'),
  rejectPost: needs('ADMIN', 'posts:write'),
  // --- notifications (issue 12, section 5): a person's own, in the workspace of the session. An API key acts for a
  // workspace, not a person, so no key reads, marks or subscribes to anyone's notifications, nor sets their preferences. ---
  notifications: needs('VIEWER', 'session'),
  unreadNotificationCount: needs('VIEWER', 'session'),
  markNotificationsRead: needs('VIEWER', 'session'),
  notificationPreferences: needs('VIEWER', 'session'),
  updateNotificationPreferences: needs('VIEWER', 'session'),
  notificationAdded: needs('VIEWER', 'session'),
  // Every approval step and comment, live: readers of posts hear them.
  postActivity: needs('VIEWER', 'posts:read'),
  // Preview links: making one hands a post to someone outside, like publishing it would, hence an author's role. The
  // link's token is its own credential: whoever holds it sees the post (and may comment, if the link allows it).
  createPreviewLink: needs('EDITOR', 'posts:write'),
  revokePreviewLink: needs('EDITOR', 'posts:write'),
  previewLinks: needs('VIEWER', 'posts:read'),
  sharedPost: PUBLIC,
  commentOnSharedPost: PUBLIC,
  // --- content sources (issue 13): reading them, their events and previews is for the whole team; their rules decide
  // what is posted where without a person, hence the ADMIN's, like a channel's settings. Created by a connector's
  // install, not by an operation. ---
  sources: needs('VIEWER', 'sources:read'),
  source: needs('VIEWER', 'sources:read'),
  sourceEvents: needs('VIEWER', 'sources:read'),
  previewSourcePost: needs('VIEWER', 'sources:read'),
  updateSource: needs('ADMIN', 'sources:write'),
  disconnectSource: needs('ADMIN', 'sources:write'),
  // A catalog import posts the whole store without a person, like the rules do; its progress is for the whole team.
  importCatalog: needs('ADMIN', 'sources:write'),
  // Issue 14: a WordPress site or a feed connected by an ADMIN; a site's secrets replaced.
  createSource: needs('ADMIN', 'sources:write'),
  rotateSourceSecret: needs('ADMIN', 'sources:write'),
  sourceImports: needs('VIEWER', 'sources:read'),
  sourceImportUpdated: needs('VIEWER', 'sources:read'),
  // The Shopify app (issue 13, section 2): an install link bound to the caller, so a person's session, never a key.
  connectShopifyStart: needs('ADMIN', 'session'),
};

export const atLeast = (role: Role, least: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(least);

/** Every scope of the operations a role may perform: what a new key of that role gets unless it asks for fewer. */
export function scopesOf(role: Role): Scope[] {
  const granted = new Set<string>();
  for (const access of Object.values(OPERATIONS)) {
    if (!access.public && !access.instanceAdmin && atLeast(role, access.role) && (SCOPES as readonly string[]).includes(access.key)) granted.add(access.key);
  }
  return SCOPES.filter((scope) => granted.has(scope));
}

/** The caller as authorization sees it (a structural slice of Auth, so that this file needs nothing above it). */
export interface Grant {
  role: Role;
  via: 'session' | 'apiKey';
  /** An API key's own scopes (its creator's current role bounds them too, through `role`). */
  scopes?: readonly string[];
  /** Whether the person administers the instance; looked up only for instance operations (absent: no). */
  instanceAdmin?: boolean;
}

/** Whether the operation is an instance administrator's (its caller's status is then looked up before refusal()). */
export const isInstanceOperation = (operation: string): boolean => !!(OPERATIONS[operation] as InstanceAccess | undefined)?.instanceAdmin;

/** Null when the caller may perform the operation; otherwise FORBIDDEN, naming what it needs. */
export function refusal(grant: Grant, operation: string): AppError | null {
  const access = OPERATIONS[operation];
  if (!access) return new AppError('FORBIDDEN', `${operation} has no entry in the table of roles`, { operation });
  if (access.public) return null;
  if (access.instanceAdmin) {
    if (grant.via === 'apiKey') return new AppError('FORBIDDEN', `${operation} needs a session token (login), not an API key`, { operation, requiredCredential: 'session' });
    if (grant.instanceAdmin) return null;
    return new AppError('FORBIDDEN', `${operation} needs an instance administrator (the first account of this server, or an email in POSTFLOW_ADMIN_EMAILS)`, {
      operation,
      requiredRole: 'INSTANCE_ADMIN',
    });
  }
  if (!atLeast(grant.role, access.role)) {
    const by = grant.via === 'apiKey' ? "this API key's creator is" : 'you are';
    return new AppError('FORBIDDEN', `${operation} needs the ${access.role} role (${by} ${grant.role})`, { operation, requiredRole: access.role, role: grant.role });
  }
  if (grant.via !== 'apiKey') return null;
  if (access.key === 'session') return new AppError('FORBIDDEN', `${operation} needs a session token (login), not an API key`, { operation, requiredCredential: 'session' });
  if (access.key !== 'any' && !grant.scopes?.includes(access.key)) {
    return new AppError('FORBIDDEN', `${operation} needs an API key with the ${access.key} scope`, { operation, requiredScope: access.key });
  }
  return null;
}

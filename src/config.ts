// Every setting PostFlow reads, validated once at start-up. Nothing else reads process.env.
import path from 'node:path';
import { z } from 'zod';
import type { PlatformName, PlatformSettings } from './domain/platforms.js';
import { PLANS, type Plan } from './domain/plans.js';
import { parseOutboundAllow } from './security/outbound/policy.js';
import { SERVICE_ENV, isOrigin, servicesFrom, type BillingConfig, type ShopifyConfig } from './configServices.js';

export type { BillingConfig, ShopifyConfig } from './configServices.js';

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  /** all = API and worker in one process; api / worker = one half, for several processes on one Postgres. */
  role: Role;
  host: string;
  port: number;
  /**
   * The address people and networks reach this server at, without a trailing slash: the one source of every
   * absolute link PostFlow makes. Defaults to http://localhost:PORT; with PORT=0, the bound port once listening.
   */
  publicUrl: string;
  /** An external PostgreSQL; when absent an embedded one runs from dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  embeddedPostgresPort: number;
  /** 32-byte key (base64 or hex) for credentials at rest and session tokens; generated into dataDir when absent. */
  secretKey: string | null;
  sessionTtlSeconds: number;
  accounts: {
    /**
     * open: anyone may sign up; invite: new people only through an invitation (acceptInvitation); closed: no new
     * accounts at all (an invitation then reaches only people who have one). The first account of an empty instance always may.
     */
    signup: 'open' | 'invite' | 'closed';
    /** In characters (code points); see src/security/passwords.ts for the other rules. */
    passwordMinLength: number;
  };
  throttle: {
    /** How many proxies in front of PostFlow append to X-Forwarded-For; 0 = use the socket's address only. */
    trustProxyHops: number;
    /** Failed logins per account (by email, known or not), then refused until the window ends. */
    loginPerAccount: ThrottleLimit;
    /** Failed logins per client IP (an IPv6 client counts by its /64). */
    loginPerIp: ThrottleLimit;
    signupPerIp: ThrottleLimit;
    /** Refused session tokens and API keys per client IP. */
    badCredentialsPerIp: ThrottleLimit;
    /** Authenticated requests (HTTP operations and subscriptions) per workspace. */
    apiPerWorkspace: ThrottleLimit;
    /** Password reset mails asked for, per client IP and per email (known or not); reset attempts per client IP. */
    passwordResetPerIp: ThrottleLimit;
    passwordResetPerEmail: ThrottleLimit;
    /** Preview links opened (sharedPost, GET /preview/...) per client IP, found or not: guessing tokens costs this. */
    previewPerIp: ThrottleLimit;
    /** Guests' comments per preview link. */
    previewCommentsPerLink: ThrottleLimit;
  };
  worker: {
    concurrency: number;
    /** Publish attempts of a delivery before it fails for good (transient failures only). */
    maxAttempts: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    /** How often a worker looks for publishes abandoned by a worker that died. */
    recoveryIntervalMs: number;
  };
  scheduling: {
    /** How far ahead the smart scheduler places pending deliveries. */
    horizonDays: number;
    /** How often the smart scheduler runs by itself (it also runs after bulk creation and on request). */
    intervalMinutes: number;
  };
  /** FEED sources (src/services/feedSources.ts): how often every feed is polled (POSTFLOW_FEED_POLL_MINUTES). */
  feeds: { pollMinutes: number };
  providers: {
    requestTimeoutMs: number;
    telegramApiUrl: string;
    /** <PLATFORM>_API_URL, _AUTH_URL, _CLIENT_ID, _CLIENT_SECRET: where each platform is and PostFlow's app there. */
    platforms: Partial<Record<PlatformName, PlatformSettings>>;
    /** POSTFLOW_OUTBOUND_ALLOW: hosts and ranges a user's URL may reach though private (src/security/outbound/). */
    outboundAllow: string[];
  };
  tokens: {
    /** Access tokens are renewed when they expire within this many minutes. */
    refreshAheadMinutes: number;
    /** How often the worker looks for tokens to renew. */
    refreshIntervalMinutes: number;
  };
  /** How many days the audit trail keeps an event; the housekeeping task deletes older ones. */
  auditRetentionDays: number;
  /** How many days a read notification is kept; the housekeeping task deletes older ones (unread ones stay). */
  notificationRetentionDays: number;
  /** deleteWorkspace's grace period: the days before the workspace is purged, during which its owner may cancel. */
  workspaceDeletionGraceDays: number;
  /** Plans (src/domain/plans.ts): what new workspaces get, and who may set any workspace's plan. */
  plans: {
    /** POSTFLOW_DEFAULT_PLAN: a self-hosted instance limits nobody unless its operator says so. */
    defaultPlan: Plan;
    /** POSTFLOW_ADMIN_EMAILS, lowercased: instance administrators besides the instance's first account. */
    adminEmails: string[];
  };
  /**
   * Paid plans through Stripe (src/services/billing.ts); null when STRIPE_SECRET_KEY is not set: no checkout, no
   * portal, no /stripe/webhooks route.
   */
  billing: BillingConfig | null;
  /** The Shopify app (plugins/shopify/); null unless SHOPIFY_API_KEY and SHOPIFY_API_SECRET are both set. */
  shopify: ShopifyConfig | null;
  /** Outgoing mail (invitations); null when SMTP_URL is not set: links are then only returned, never mailed. */
  mail: { smtpUrl: string; from: string } | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** What one GraphQL request may ask for, and who may see the schema (src/server/graphqlLimits.ts). */
  graphql: {
    maxDepth: number;
    /** Fields weighted by the rows they can return (first/last/count, else a list's assumed size). */
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    maxTokens: number;
    /** A query (not a mutation: see graphqlLimits.ts) still running after this is answered REQUEST_TIMEOUT. */
    timeoutMs: number;
    /**
     * How old the last check of an open subscription's credential may be when an event is delivered; an idle one is
     * checked this often (at least every second). See src/server/subscriptionAuth.ts.
     */
    subscriptionAuthCheckMs: number;
    graphiql: boolean;
    introspection: 'signed-in' | 'open' | 'off';
    /** Origins, besides the server's own, whose pages may call the API; ['*'] = any (never with credentials). */
    corsOrigins: string[];
  };
}

/** `points` within a window of `seconds` (fixed, starting at the first one counted). */
export interface ThrottleLimit {
  points: number;
  seconds: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`PostFlow cannot start, its configuration is wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const limit = (fallback: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,8}\/[1-9]\d{0,7}$/, 'must be COUNT/SECONDS, e.g. 10/900 (ten within 15 minutes)')
    .default(fallback)
    .transform((v): ThrottleLimit => ({ points: Number(v.split('/')[0]), seconds: Number(v.split('/')[1]) }));

/** Platforms whose servers and app are set from the environment (Telegram has TELEGRAM_API_URL; webhooks need nothing). */
export const CONFIGURABLE_PLATFORMS = ['X', 'LINKEDIN', 'INSTAGRAM', 'FACEBOOK', 'THREADS', 'BLUESKY', 'DISCORD', 'PINTEREST', 'VK'] as const satisfies readonly PlatformName[];

function platformEnv() {
  const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional();
  const text = z.string().min(1).optional();
  return Object.fromEntries(
    CONFIGURABLE_PLATFORMS.flatMap((p) => [
      [`${p}_API_URL`, url],
      [`${p}_AUTH_URL`, url],
      [`${p}_CLIENT_ID`, text],
      [`${p}_CLIENT_SECRET`, text],
    ]),
  ) as Record<string, typeof url | typeof text>;
}

const envSchema = z.object({
  POSTFLOW_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(4000),
  POSTFLOW_PUBLIC_URL: z
    .string()
    .refine(isPublicUrl, 'must be the absolute http(s) address people reach PostFlow at, without user, query or fragment, e.g. https://postflow.example.com')
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL, e.g. postgresql://user:pass@localhost:5432/postflow')
    .optional(),
  POSTFLOW_DATA_DIR: z.string().min(1).default('.postflow-data'),
  POSTFLOW_EMBEDDED_PG_PORT: int(1, 65535).default(54329),
  POSTFLOW_SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, 'must be 32 random bytes as base64 or 64 hex characters (try: openssl rand -base64 32)')
    .optional(),
  POSTFLOW_SESSION_TTL_SECONDS: int(60, 365 * 24 * 3600).default(30 * 24 * 3600),
  POSTFLOW_SIGNUP: z.enum(['open', 'invite', 'closed']).default('open'),
  POSTFLOW_PASSWORD_MIN_LENGTH: int(8, 64).default(12),
  POSTFLOW_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9])$/, 'must be false, true (one proxy) or the number of proxies in front of PostFlow')
    .default('false')
    .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v))),
  POSTFLOW_THROTTLE_LOGIN_ACCOUNT: limit('10/900'),
  POSTFLOW_THROTTLE_LOGIN_IP: limit('100/900'),
  POSTFLOW_THROTTLE_SIGNUP_IP: limit('10/3600'),
  POSTFLOW_THROTTLE_BAD_CREDENTIALS_IP: limit('30/900'),
  POSTFLOW_THROTTLE_API_WORKSPACE: limit('6000/3600'),
  POSTFLOW_THROTTLE_PASSWORD_RESET_IP: limit('20/3600'),
  POSTFLOW_THROTTLE_PASSWORD_RESET_EMAIL: limit('5/3600'),
  POSTFLOW_THROTTLE_PREVIEW_IP: limit('300/900'),
  POSTFLOW_THROTTLE_PREVIEW_COMMENTS: limit('30/3600'),
  WORKER_CONCURRENCY: int(1, 500).default(64),
  PUBLISH_MAX_ATTEMPTS: int(1, 50).default(6),
  PUBLISH_RETRY_BASE_DELAY_MS: int(1, 3_600_000).default(30_000),
  PUBLISH_RETRY_MAX_DELAY_MS: int(1, 24 * 3_600_000).default(3_600_000),
  PUBLISH_RECOVERY_INTERVAL_MS: int(100, 3_600_000).default(5_000),
  SMART_SCHEDULE_HORIZON_DAYS: int(1, 90).default(7),
  SMART_SCHEDULE_INTERVAL_MINUTES: int(1, 59).default(5),
  POSTFLOW_FEED_POLL_MINUTES: int(1, 59).default(15),
  PROVIDER_REQUEST_TIMEOUT_MS: int(100, 300_000).default(30_000),
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  POSTFLOW_OUTBOUND_ALLOW: z
    .string()
    .superRefine((value, ctx) => {
      for (const problem of parseOutboundAllow(value).problems) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((value) => parseOutboundAllow(value).entries)
    .optional(),
  TOKEN_REFRESH_AHEAD_MINUTES: int(1, 7 * 24 * 60).default(30),
  TOKEN_REFRESH_INTERVAL_MINUTES: int(1, 59).default(10),
  POSTFLOW_AUDIT_RETENTION_DAYS: int(1, 36_500).default(365),
  POSTFLOW_NOTIFICATION_RETENTION_DAYS: int(1, 36_500).default(30),
  POSTFLOW_WORKSPACE_DELETION_GRACE_DAYS: int(0, 365).default(7),
  POSTFLOW_DEFAULT_PLAN: z.enum(PLANS).default('UNLIMITED'),
  POSTFLOW_ADMIN_EMAILS: z
    .string()
    .refine((v) => v.split(',').every((e) => /^[^\s@,]+@[^\s@,]+$/.test(e.trim())), 'must be a comma-separated list of email addresses, e.g. ops@example.com,owner@example.com')
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  POSTFLOW_GRAPHQL_MAX_DEPTH: int(2, 100).default(10),
  POSTFLOW_GRAPHQL_MAX_COST: int(10, 10_000_000).default(20_000),
  POSTFLOW_GRAPHQL_MAX_ALIASES: int(0, 10_000).default(30),
  POSTFLOW_GRAPHQL_MAX_DIRECTIVES: int(0, 10_000).default(50),
  POSTFLOW_GRAPHQL_MAX_TOKENS: int(100, 1_000_000).default(2_000),
  POSTFLOW_GRAPHQL_TIMEOUT_MS: int(100, 600_000).default(30_000),
  POSTFLOW_SUBSCRIPTION_AUTH_CHECK_MS: int(0, 300_000).default(10_000),
  POSTFLOW_GRAPHIQL: z.stringbool({ error: 'must be true or false' }).default(true),
  POSTFLOW_INTROSPECTION: z.enum(['signed-in', 'open', 'off']).default('signed-in'),
  POSTFLOW_CORS_ORIGINS: z
    .string()
    .refine(
      (v) => v.trim() === '*' || v.split(',').every((o) => isOrigin(o.trim())),
      'must be * or a comma-separated list of origins (scheme://host[:port], no path), e.g. https://app.example.com,http://localhost:5173',
    )
    .optional(),
  ...SERVICE_ENV,
  ...platformEnv(),
});

function platformSettingsFrom(env: Record<string, unknown>): Partial<Record<PlatformName, PlatformSettings>> {
  const read = (key: string) => (typeof env[key] === 'string' ? (env[key] as string) : undefined);
  const settings: Partial<Record<PlatformName, PlatformSettings>> = {};
  for (const p of CONFIGURABLE_PLATFORMS) {
    const entry: PlatformSettings = {
      apiUrl: read(`${p}_API_URL`)?.replace(/\/+$/, ''),
      authUrl: read(`${p}_AUTH_URL`)?.replace(/\/+$/, ''),
      clientId: read(`${p}_CLIENT_ID`),
      clientSecret: read(`${p}_CLIENT_SECRET`),
    };
    const defined = Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as PlatformSettings;
    if (Object.keys(defined).length) settings[p] = defined;
  }
  return settings;
}

/** Reads the environment into a Config, or throws a ConfigError listing every problem and how to fix it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(cleaned[String(i.path[0])])})`));
  }
  const e = parsed.data;
  const services = servicesFrom(e);
  if (services.problems.length) throw new ConfigError(services.problems);
  const { billing, shopify, mail } = services;
  return {
    role: e.POSTFLOW_ROLE,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.POSTFLOW_PUBLIC_URL ?? defaultPublicUrl(e.PORT)).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: path.resolve(e.POSTFLOW_DATA_DIR),
    embeddedPostgresPort: e.POSTFLOW_EMBEDDED_PG_PORT,
    secretKey: e.POSTFLOW_SECRET_KEY ?? null,
    sessionTtlSeconds: e.POSTFLOW_SESSION_TTL_SECONDS,
    accounts: { signup: e.POSTFLOW_SIGNUP, passwordMinLength: e.POSTFLOW_PASSWORD_MIN_LENGTH },
    throttle: {
      trustProxyHops: e.POSTFLOW_TRUST_PROXY,
      loginPerAccount: e.POSTFLOW_THROTTLE_LOGIN_ACCOUNT,
      loginPerIp: e.POSTFLOW_THROTTLE_LOGIN_IP,
      signupPerIp: e.POSTFLOW_THROTTLE_SIGNUP_IP,
      badCredentialsPerIp: e.POSTFLOW_THROTTLE_BAD_CREDENTIALS_IP,
      apiPerWorkspace: e.POSTFLOW_THROTTLE_API_WORKSPACE,
      passwordResetPerIp: e.POSTFLOW_THROTTLE_PASSWORD_RESET_IP,
      passwordResetPerEmail: e.POSTFLOW_THROTTLE_PASSWORD_RESET_EMAIL,
      previewPerIp: e.POSTFLOW_THROTTLE_PREVIEW_IP,
      previewCommentsPerLink: e.POSTFLOW_THROTTLE_PREVIEW_COMMENTS,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      maxAttempts: e.PUBLISH_MAX_ATTEMPTS,
      retryBaseDelayMs: e.PUBLISH_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: e.PUBLISH_RETRY_MAX_DELAY_MS,
      recoveryIntervalMs: e.PUBLISH_RECOVERY_INTERVAL_MS,
    },
    scheduling: { horizonDays: e.SMART_SCHEDULE_HORIZON_DAYS, intervalMinutes: e.SMART_SCHEDULE_INTERVAL_MINUTES },
    feeds: { pollMinutes: e.POSTFLOW_FEED_POLL_MINUTES },
    providers: {
      requestTimeoutMs: e.PROVIDER_REQUEST_TIMEOUT_MS,
      telegramApiUrl: e.TELEGRAM_API_URL.replace(/\/$/, ''),
      platforms: platformSettingsFrom(e),
      outboundAllow: e.POSTFLOW_OUTBOUND_ALLOW ?? [],
    },
    tokens: { refreshAheadMinutes: e.TOKEN_REFRESH_AHEAD_MINUTES, refreshIntervalMinutes: e.TOKEN_REFRESH_INTERVAL_MINUTES },
    auditRetentionDays: e.POSTFLOW_AUDIT_RETENTION_DAYS,
    notificationRetentionDays: e.POSTFLOW_NOTIFICATION_RETENTION_DAYS,
    workspaceDeletionGraceDays: e.POSTFLOW_WORKSPACE_DELETION_GRACE_DAYS,
    plans: { defaultPlan: e.POSTFLOW_DEFAULT_PLAN, adminEmails: e.POSTFLOW_ADMIN_EMAILS?.split(',').map((email) => email.trim().toLowerCase()) ?? [] },
    billing,
    shopify,
    mail,
    logLevel: e.LOG_LEVEL,
    graphql: {
      maxDepth: e.POSTFLOW_GRAPHQL_MAX_DEPTH,
      maxCost: e.POSTFLOW_GRAPHQL_MAX_COST,
      maxAliases: e.POSTFLOW_GRAPHQL_MAX_ALIASES,
      maxDirectives: e.POSTFLOW_GRAPHQL_MAX_DIRECTIVES,
      maxTokens: e.POSTFLOW_GRAPHQL_MAX_TOKENS,
      timeoutMs: e.POSTFLOW_GRAPHQL_TIMEOUT_MS,
      subscriptionAuthCheckMs: e.POSTFLOW_SUBSCRIPTION_AUTH_CHECK_MS,
      graphiql: e.POSTFLOW_GRAPHIQL,
      introspection: e.POSTFLOW_INTROSPECTION,
      corsOrigins: e.POSTFLOW_CORS_ORIGINS?.split(',').map((o) => o.trim().replace(/\/+$/, '')) ?? [],
    },
  };
}

/** A public URL left to its default: the API's own port on localhost. */
export function defaultPublicUrl(port: number): string {
  return `http://localhost:${port}`;
}

function isPublicUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  // Port 0 is never reachable; rejecting it here lets app.ts tell a default left on PORT=0 from a given URL.
  return (
    /^https?:$/.test(url.protocol) &&
    url.hostname !== '' &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    url.port !== '0' &&
    !value.includes('?') &&
    !value.includes('#')
  );
}

export function decodeKey(value: string): Buffer | null {
  const hex = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : null;
  const key = hex ?? Buffer.from(value, 'base64');
  return key.length === 32 ? key : null;
}

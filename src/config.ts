// Every setting PostFlow reads, validated once at start-up. Nothing else reads process.env.
import path from 'node:path';
import { z } from 'zod';
import type { PlatformName, PlatformSettings } from './domain/platforms.js';

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
  providers: {
    requestTimeoutMs: number;
    telegramApiUrl: string;
    /** <PLATFORM>_API_URL, _AUTH_URL, _CLIENT_ID, _CLIENT_SECRET: where each platform is and PostFlow's app there. */
    platforms: Partial<Record<PlatformName, PlatformSettings>>;
  };
  tokens: {
    /** Access tokens are renewed when they expire within this many minutes. */
    refreshAheadMinutes: number;
    /** How often the worker looks for tokens to renew. */
    refreshIntervalMinutes: number;
  };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`PostFlow cannot start, its configuration is wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  WORKER_CONCURRENCY: int(1, 500).default(64),
  PUBLISH_MAX_ATTEMPTS: int(1, 50).default(6),
  PUBLISH_RETRY_BASE_DELAY_MS: int(1, 3_600_000).default(30_000),
  PUBLISH_RETRY_MAX_DELAY_MS: int(1, 24 * 3_600_000).default(3_600_000),
  PUBLISH_RECOVERY_INTERVAL_MS: int(100, 3_600_000).default(5_000),
  SMART_SCHEDULE_HORIZON_DAYS: int(1, 90).default(7),
  SMART_SCHEDULE_INTERVAL_MINUTES: int(1, 59).default(5),
  PROVIDER_REQUEST_TIMEOUT_MS: int(100, 300_000).default(30_000),
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  TOKEN_REFRESH_AHEAD_MINUTES: int(1, 7 * 24 * 60).default(30),
  TOKEN_REFRESH_INTERVAL_MINUTES: int(1, 59).default(10),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      maxAttempts: e.PUBLISH_MAX_ATTEMPTS,
      retryBaseDelayMs: e.PUBLISH_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: e.PUBLISH_RETRY_MAX_DELAY_MS,
      recoveryIntervalMs: e.PUBLISH_RECOVERY_INTERVAL_MS,
    },
    scheduling: { horizonDays: e.SMART_SCHEDULE_HORIZON_DAYS, intervalMinutes: e.SMART_SCHEDULE_INTERVAL_MINUTES },
    providers: {
      requestTimeoutMs: e.PROVIDER_REQUEST_TIMEOUT_MS,
      telegramApiUrl: e.TELEGRAM_API_URL.replace(/\/$/, ''),
      platforms: platformSettingsFrom(e),
    },
    tokens: { refreshAheadMinutes: e.TOKEN_REFRESH_AHEAD_MINUTES, refreshIntervalMinutes: e.TOKEN_REFRESH_INTERVAL_MINUTES },
    logLevel: e.LOG_LEVEL,
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

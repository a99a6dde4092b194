// What Facebook Pages, Instagram (Graph API with Facebook Login) and Threads share: Graph-style calls with the token
// as an access_token parameter (as Meta's docs send it), the {error:{message,type,code,error_subcode,...}} error body
// and its codes, and the usage headers that say when a throttled caller may call again. Facebook Login is in
// facebookLogin.ts, the two-step container publishing of Instagram and Threads in metaContainers.ts.
// Sources: developers.facebook.com/docs/graph-api/guides/error-handling, .../overview/rate-limiting,
// .../instagram-platform/instagram-graph-api/reference/error-codes.
import { HttpFailure, classifyFailure, genericPlatformMessage, httpRequest, parseRetryAfter, type HttpResponse } from './http.js';
import type { ClassifiedFailure, RateLimitHint, RateLimitScope } from './types.js';
import type { OutboundPolicy } from '../security/outbound/policy.js';

/** The Graph API version PostFlow speaks to graph.facebook.com (each version lives about two years). */
export const GRAPH_API_VERSION = 'v21.0';

export interface GraphError {
  message: string | null;
  type: string | null;
  code: number | null;
  subcode: number | null;
  isTransient: boolean;
  /** The sentence Meta means for people (error_user_msg), when it sends one. */
  userMessage: string | null;
  fbtraceId: string | null;
}

export function graphErrorOf(body: unknown): GraphError | null {
  const error = (body as { error?: unknown } | null)?.error;
  if (!error || typeof error !== 'object') return null;
  const e = error as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : null);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    message: str(e.message),
    type: str(e.type),
    code: num(e.code),
    subcode: num(e.error_subcode),
    isTransient: e.is_transient === true,
    userMessage: str(e.error_user_msg),
    fbtraceId: str(e.fbtrace_id),
  };
}

export type GraphParams = Record<string, string | number | boolean | undefined>;

export interface GraphCall {
  /** Base URL including the version: "https://graph.facebook.com/v21.0". */
  base: string;
  accessToken: string;
  timeoutMs: number;
  outbound: OutboundPolicy;
  /** The path as shown in errors, with ids replaced by placeholders ("/{ig-user-id}/media"). */
  label: string;
}

function encode(params: GraphParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) out.set(key, String(value));
  return out;
}

export function graphGet<T>(call: GraphCall, path: string, params: GraphParams = {}): Promise<HttpResponse<T>> {
  const query = encode({ ...params, access_token: call.accessToken });
  return httpRequest<T>({ method: 'GET', url: `${call.base}${path}?${query}`, operation: `GET ${call.label}`, timeoutMs: call.timeoutMs, outbound: call.outbound });
}

/** POSTs form fields, as the Graph API documents its publishing calls. */
export function graphPost<T>(call: GraphCall, path: string, params: GraphParams): Promise<HttpResponse<T>> {
  return httpRequest<T>({
    method: 'POST',
    url: `${call.base}${path}`,
    operation: `POST ${call.label}`,
    timeoutMs: call.timeoutMs,
    outbound: call.outbound,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: encode({ ...params, access_token: call.accessToken }).toString(),
  });
}

/** The id field of a Graph answer; throws when it is missing (the call's outcome is then unclear). */
export function idOf(body: unknown, what: string): string {
  const id = (body as { id?: unknown } | null)?.id;
  if ((typeof id !== 'string' || id === '') && typeof id !== 'number') throw new Error(`${what} answered without an id`);
  return String(id);
}

// Throttling codes (error-handling guide, rate-limiting page): 4 is the app's limit, the rest count against the
// user, the Page or the Instagram account (80001-80009 are the Business Use Case limits per object).
const APP_THROTTLE_CODES = new Set([4, 341]);
const ACCOUNT_THROTTLE_CODES = new Set([17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009]);
// Codes the guides call temporary: 1 unknown, 2 service, -1/-2 Instagram server/download errors.
const TRANSIENT_CODES = new Set([1, 2, -1, -2]);
// Instagram subcodes whose advice is "try again" (2207052: the image could not be fetched from its URL).
const TRANSIENT_SUBCODES = new Set([2207001, 2207003, 2207020, 2207027, 2207032, 2207052, 2207053]);
const AUTH_SUBCODES = new Set([458, 459, 460, 463, 464, 467, 492]);
const INSTAGRAM_SPAM_SUBCODE = 2207051;
const INSTAGRAM_DAILY_LIMIT_SUBCODE = 2207042;

function usageJson(headers: Headers, name: string): unknown {
  const raw = headers.get(name);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/**
 * The longest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage, in ms; null when the header
 * is absent or names no wait. Its shape: {"<object id>": [{"type": "pages", "call_count": 100, ...}]}.
 */
export function businessUseCaseWaitMs(headers: Headers): number | null {
  const usage = usageJson(headers, 'x-business-use-case-usage');
  if (!usage || typeof usage !== 'object') return null;
  let minutes: number | null = null;
  for (const entries of Object.values(usage as Record<string, unknown>)) {
    for (const entry of Array.isArray(entries) ? entries : [entries]) {
      const wait = Number((entry as { estimated_time_to_regain_access?: unknown } | null)?.estimated_time_to_regain_access);
      if (Number.isFinite(wait) && wait > 0) minutes = Math.max(minutes ?? 0, wait);
    }
  }
  return minutes === null ? null : minutes * 60_000;
}

/** Whether X-App-Usage says the app's hourly budget is used up (call_count, total_time or total_cputime at 100%). */
function appUsageExhausted(headers: Headers): boolean {
  const usage = usageJson(headers, 'x-app-usage') as Record<string, unknown> | null;
  if (!usage || typeof usage !== 'object') return false;
  return ['call_count', 'total_time', 'total_cputime'].some((key) => Number(usage[key]) >= 100);
}

const APP_WINDOW_MS = 60 * 60 * 1000;

/** Limits a successful answer's usage headers say are used up, so later publishes wait instead of failing. */
export function rateLimitHints(headers: Headers, now: number = Date.now()): RateLimitHint[] | undefined {
  const hints: RateLimitHint[] = [];
  const wait = businessUseCaseWaitMs(headers);
  if (wait !== null) hints.push({ scope: 'ACCOUNT', until: new Date(now + wait) });
  // The app's limit is a rolling hour; the header gives no reset time, so the whole window is waited out.
  if (appUsageExhausted(headers)) hints.push({ scope: 'APP', until: new Date(now + APP_WINDOW_MS) });
  return hints.length > 0 ? hints : undefined;
}

export interface GraphClassifyOptions {
  /** Shown in messages: "Facebook", "Instagram", "Threads". */
  label: string;
  idempotent: boolean;
}

/** A Graph error in the shape the publish pipeline decides on. Classification follows error.code, not the HTTP status. */
export function classifyGraphFailure(error: unknown, options: GraphClassifyOptions): ClassifiedFailure {
  const graph = error instanceof HttpFailure ? graphErrorOf(error.body) : null;
  if (!(error instanceof HttpFailure) || graph === null) {
    return classifyFailure(error, {
      idempotent: options.idempotent,
      authMessage: (message) => `${options.label} refused the access token: reconnect the channel${message ? ` (${message})` : ''}`,
    });
  }
  const status = error.status;
  const text = graph.userMessage ?? graph.message ?? genericPlatformMessage(error.body) ?? `HTTP ${status}`;
  const errorClass = `META_${graph.code ?? status}${graph.subcode !== null ? `_${graph.subcode}` : ''}`;
  const base = { errorClass, responseCode: status, retryAfterMs: null };
  const rateLimited = (scope: RateLimitScope): ClassifiedFailure => ({
    ...base,
    kind: 'RATE_LIMITED',
    message: `Rate limited by ${options.label}: ${text}`,
    retryAfterMs:
      businessUseCaseWaitMs(error.headers) ?? parseRetryAfter(error.headers.get('retry-after')) ?? (scope === 'APP' && appUsageExhausted(error.headers) ? APP_WINDOW_MS : null),
    rateLimitScope: scope,
  });
  const code = graph.code;

  if (graph.subcode === INSTAGRAM_SPAM_SUBCODE) return { ...base, kind: 'PERMANENT', message: text };
  if (code === 190 || code === 102 || (graph.subcode !== null && AUTH_SUBCODES.has(graph.subcode))) {
    return { ...base, kind: 'AUTH', message: `${options.label} access token expired or was revoked: reconnect the channel (${text})` };
  }
  if (code === 10 || (code !== null && code >= 200 && code <= 299)) {
    return { ...base, kind: 'AUTH', message: `${options.label} permission missing: reconnect the channel and grant it (${text})` };
  }
  if (code !== null && APP_THROTTLE_CODES.has(code)) return rateLimited('APP');
  if ((code !== null && ACCOUNT_THROTTLE_CODES.has(code)) || graph.subcode === INSTAGRAM_DAILY_LIMIT_SUBCODE || /request limit reached/i.test(graph.message ?? '')) {
    return rateLimited('ACCOUNT');
  }
  if (
    status >= 500 ||
    graph.isTransient ||
    (code !== null && TRANSIENT_CODES.has(code)) ||
    (graph.subcode !== null && TRANSIENT_SUBCODES.has(graph.subcode)) ||
    // 368: temporarily blocked for a policy reason; the guide's advice is to wait and retry.
    code === 368
  ) {
    return { ...base, kind: 'RETRYABLE', message: `${options.label} failed for now: ${text}` };
  }
  return { ...base, kind: 'PERMANENT', message: text };
}

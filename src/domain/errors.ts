// The errors PostFlow reports to clients. Each carries a stable code; the GraphQL layer turns them into
// GraphQL errors with `extensions.code` (and `extensions.issues` for validation), never bare strings.

export type ErrorCode =
  'VALIDATION_FAILED' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CONFLICT' | 'RATE_LIMITED' | 'TWO_FACTOR_REQUIRED' | 'PLAN_LIMIT' | 'BILLING_DISABLED';

export interface ValidationIssue {
  /** Where the bad value is, from the operation's arguments, e.g. ["input", "content"]. */
  path: (string | number)[];
  /** A stable rule name, e.g. "maxLength", "required", "timezone". */
  rule: string;
  message: string;
  /** Where in a multi-line value (a template), from 1, when the rule can say. */
  line?: number;
  column?: number;
  /** A time the posting policy refuses: the rules that refuse it (e.g. OUTSIDE_WINDOW, BLACKOUT)... */
  rules?: string[];
  /** ...and the nearest instant after it they allow (ISO 8601; null: none within the 60 days a SHIFT looks ahead). */
  nearestAllowedAt?: string | null;
  /** Which channel (and delivery, once it exists) the refused time was asked for: one request may name several. */
  channelId?: string;
  deliveryId?: string;
}

export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class ValidationError extends AppError {
  /** `extensions`: more for clients beside the issues (a refused time's nearestAllowedAt). */
  constructor(
    public readonly issues: ValidationIssue[],
    extensions: Record<string, unknown> = {},
  ) {
    super('VALIDATION_FAILED', issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), { issues, ...extensions });
  }
  static single(path: (string | number)[], rule: string, message: string): ValidationError {
    return new ValidationError([{ path, rule, message }]);
  }
}

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found`, { what, id });
export const conflict = (message: string, details: Record<string, unknown> = {}) => new AppError('CONFLICT', message, details);
export const unauthenticated = (message = 'Sign in first: send "Authorization: Bearer <token or API key>"') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);

/**
 * Too many attempts: answered with HTTP 429 and Retry-After (graphql-yoga reads `http` from an error's extensions and
 * leaves it out of the JSON), and `retryAfterSeconds` for clients on WebSocket, which have no HTTP status.
 */
export function rateLimited(what: string, retryAfterMs: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('RATE_LIMITED', `Too many ${what}: try again in ${retryAfterSeconds} s`, {
    limit: what,
    retryAfterSeconds,
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  });
}

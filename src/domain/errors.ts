// The errors PostFlow reports to clients. Each carries a stable code; the GraphQL layer turns them into
// GraphQL errors with `extensions.code` (and `extensions.issues` for validation), never bare strings.

export type ErrorCode = 'VALIDATION_FAILED' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'CONFLICT';

export interface ValidationIssue {
  /** Where the bad value is, from the operation's arguments, e.g. ["input", "content"]. */
  path: (string | number)[];
  /** A stable rule name, e.g. "maxLength", "required", "timezone". */
  rule: string;
  message: string;
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
  constructor(public readonly issues: ValidationIssue[]) {
    super('VALIDATION_FAILED', issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), { issues });
  }
  static single(path: (string | number)[], rule: string, message: string): ValidationError {
    return new ValidationError([{ path, rule, message }]);
  }
}

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found`, { what, id });
export const conflict = (message: string, details: Record<string, unknown> = {}) => new AppError('CONFLICT', message, details);
export const unauthenticated = (message = 'Sign in first: send "Authorization: Bearer <token or API key>"') => new AppError('UNAUTHENTICATED', message);

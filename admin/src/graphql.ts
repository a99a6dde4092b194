// The console's one GraphQL client: a JSON POST to /graphql on this origin, signed in by the HttpOnly session cookie
// (never a token in the page), with the CSRF header PostFlow asks of every cookie-authenticated request.
// A GraphQL error becomes react-admin's HttpError, so react-admin treats it like any failed request:
// - status: UNAUTHENTICATED is 401 (authProvider.checkError then signs out), FORBIDDEN 403, NOT_FOUND 404, ...
// - body.errors: each VALIDATION_FAILED issue's field -> its message, the shape react-admin's forms show under
//   their inputs (a path below the argument that holds the form, e.g. ["input", "content"], is the field "content");
//   body.errors.root.serverError carries the message when no issue names a field.
// - body.code: PostFlow's error code (TWO_FACTOR_REQUIRED, PLAN_LIMIT, ...), for pages that act on it.
import { HttpError } from 'react-admin';

export const GRAPHQL_URL = '/graphql';
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export interface ValidationIssue {
  path: (string | number)[];
  rule: string;
  message: string;
}

export interface GraphQLErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; issues?: ValidationIssue[]; [key: string]: unknown };
}

export interface ErrorBody {
  code: string;
  errors: Record<string, unknown> & { root?: { serverError: string } };
  issues: ValidationIssue[];
  graphqlErrors: GraphQLErrorShape[];
}

const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  VALIDATION_FAILED: 400,
  TWO_FACTOR_REQUIRED: 401,
  RATE_LIMITED: 429,
  PLAN_LIMIT: 402,
  CSRF_HEADER_REQUIRED: 403,
};

/** Runs one operation; resolves with `data`, rejects with an HttpError (see above). */
export async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(GRAPHQL_URL, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', [CSRF_HEADER]: '1' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new HttpError((error as Error).message || 'PostFlow cannot be reached', 0, errorBody('NETWORK', (error as Error).message, []));
  }
  let result: { data?: T | null; errors?: GraphQLErrorShape[] };
  try {
    result = await response.json();
  } catch {
    throw new HttpError(`PostFlow answered ${response.status} without JSON`, response.status || 500, errorBody('BAD_RESPONSE', response.statusText, []));
  }
  if (result.errors?.length) throw toHttpError(result.errors, response.status);
  if (!response.ok || !result.data) throw new HttpError(`PostFlow answered ${response.status}`, response.status, errorBody('BAD_RESPONSE', response.statusText, []));
  return result.data;
}

export function toHttpError(errors: GraphQLErrorShape[], httpStatus = 200): HttpError {
  const first = errors[0]!;
  const code = first.extensions?.code ?? 'INTERNAL';
  const status = STATUS_OF_CODE[code] ?? (httpStatus >= 400 ? httpStatus : 500);
  return new HttpError(first.message, status, errorBody(code, first.message, errors));
}

function errorBody(code: string, message: string, graphqlErrors: GraphQLErrorShape[]): ErrorBody {
  const issues = graphqlErrors.flatMap((error) => error.extensions?.issues ?? []);
  const errors: ErrorBody['errors'] = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (field && !(field in errors)) errors[field] = issue.message;
  }
  if (!Object.keys(errors).length) errors.root = { serverError: message };
  return { code, errors, issues, graphqlErrors };
}

/** The form field an issue names: the path below the argument that holds the form's values. */
export function fieldOf(path: (string | number)[]): string {
  return (path.length > 1 ? path.slice(1) : path).join('.');
}

/** PostFlow's error code of a failure gql() threw, or null. */
export function errorCode(error: unknown): string | null {
  return error instanceof HttpError ? ((error.body as ErrorBody | undefined)?.code ?? null) : null;
}

/** The message of a field's issue, for forms that are not react-admin's (the login page). */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof HttpError)) return undefined;
  const value = (error.body as ErrorBody | undefined)?.errors?.[field];
  return typeof value === 'string' ? value : undefined;
}

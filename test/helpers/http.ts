// GraphQL over HTTP as a client sees it, status and headers included (for 429 and Retry-After), from a chosen
// client address when the server trusts a proxy (X-Forwarded-For).
import type { GraphQLErrorShape, TestApp } from './testApp.js';

export interface RawResponse<T = any> {
  status: number;
  retryAfter: string | null;
  data?: T;
  errors?: GraphQLErrorShape[];
}

export async function post<T = any>(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  options: { authorization?: string; token?: string; forwardedFor?: string } = {},
): Promise<RawResponse<T>> {
  const authorization = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  const response = await fetch(t.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization !== undefined && { authorization }),
      ...(options.forwardedFor && { 'x-forwarded-for': options.forwardedFor }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: GraphQLErrorShape[] };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), ...body };
}

export const codeOf = (response: { errors?: GraphQLErrorShape[] }) => response.errors?.[0]?.extensions?.code ?? null;

export const SIGNUP = `mutation($email: String!, $password: String!, $workspaceName: String!) { signup(email: $email, password: $password, workspaceName: $workspaceName) { token } }`;
export const LOGIN = `mutation($email: String!, $password: String!, $code: String) { login(email: $email, password: $password, code: $code) { token } }`;
export const WORKSPACE = `{ workspace { id name } }`;
export const PASSWORD = 'correct horse battery';

// The user's side of an OAuth connection: follow the authorize URL the way a browser would, as a user who approves,
// and hand the code back to PostFlow.
import { expect } from 'vitest';
import type { TestApp } from './testApp.js';

export const REDIRECT_URI = 'https://app.example.com/connected';

/** Opens the network's authorization page as a browser would, without following its redirect. */
export async function openAuthorize(authorizeUrl: string): Promise<{ status: number; location: string | null; body: string }> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** Opens the network's authorization page; the fake approves at once and redirects back with ?code&state. */
export async function approve(authorizeUrl: string): Promise<{ code: string; state: string; redirect: URL }> {
  const page = await openAuthorize(authorizeUrl);
  expect(page.status, page.body).toBe(302);
  const redirect = new URL(page.location!);
  return { code: redirect.searchParams.get('code')!, state: redirect.searchParams.get('state')!, redirect };
}

export const START = `mutation($input: ConnectChannelStartInput!) { connectChannelStart(input: $input) { authorizeUrl state expiresAt } }`;
export const FINISH = `mutation($state: String!, $code: String!) {
  connectChannelFinish(state: $state, code: $code) { id platform name accountHandle timezone needsReconnect authError accessExpiresAt settings } }`;

/** connectChannelStart, the user's approval, connectChannelFinish: the channel it made or reconnected. */
export async function connectThroughOAuth(t: TestApp, token: string, input: Record<string, unknown>) {
  const { connectChannelStart } = await t.ok(START, { input: { redirectUri: REDIRECT_URI, ...input } }, token);
  const { code, state } = await approve(connectChannelStart.authorizeUrl);
  expect(state).toBe(connectChannelStart.state);
  const { connectChannelFinish } = await t.ok(FINISH, { state, code }, token);
  return connectChannelFinish;
}

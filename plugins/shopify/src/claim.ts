// The routes of an install started from Shopify for a shop PostFlow does not know: the callback kept Shopify's
// tokens as a pending install and gave the browser its token in a cookie (install.ts); here the owner signs in (or
// signs up) and picks a workspace, through the host (src/services/shopifyClaim.ts does the work). A POST is taken
// only from PostFlow's own origin, with the browser's cookie, and with the form token derived from it: another site
// can neither send the cookie along (SameSite=Lax) nor know the token. The sign-in opens no PostFlow session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCappedBody } from '../../../src/security/requestBody.js';
import type { ShopifyClient } from './client.js';
import { readCredentials } from './connector.js';
import type { ClaimRefusal, ShopifyAppHost } from './host.js';
import { connectedUrl, cookieOf, subscribe } from './install.js';
import { sendHtml, sendPage, sendRedirect } from './pages.js';
import { CLAIM_COOKIE, CLAIM_PAGE_HEADERS, CLAIM_PATHS, claimBody, claimCookie } from './claimPages.js';

/** A sign-in form is a few hundred bytes: nothing bigger is read. */
const MAX_FORM_BYTES = 16 * 1024;
const TITLE = 'Connect your shop to PostFlow';
const AGAIN = 'Install the app again from your Shopify admin (Apps), or connect the shop from a PostFlow workspace.';

const STATUS_OF: Record<ClaimRefusal['refused'], number> = {
  REFUSED: 401,
  RATE_LIMITED: 429,
  GONE: 410,
  SIGNUP_CLOSED: 403,
  INVALID: 400,
  NOT_ALLOWED: 403,
  CONFLICT: 409,
  PLAN_LIMIT: 402,
};

const isRefusal = (value: object): value is ClaimRefusal => 'refused' in value;

function sendGone(response: ServerResponse): void {
  sendPage(response, 410, 'This install has expired', ['The shop was connected already, or more than 30 minutes went by.', AGAIN], {
    ...CLAIM_PAGE_HEADERS,
    'set-cookie': `${CLAIM_COOKIE}=; Path=${CLAIM_PATHS.page}; Max-Age=0; HttpOnly; SameSite=Lax`,
  });
}

/** The claim page as it stands for this browser's pending install, with what went wrong last (if anything). */
async function render(host: ShopifyAppHost, response: ServerResponse, token: string, status = 200, problem?: string): Promise<void> {
  const claim = await host.claims.find(token);
  if (!claim) return sendGone(response);
  sendHtml(response, status, TITLE, claimBody({ ...claim, formToken: host.claims.formToken(token), problem }), CLAIM_PAGE_HEADERS);
}

/** GET /shopify/claim. */
export async function claimPage(host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const token = cookieOf(request, CLAIM_COOKIE);
  if (!token) return sendGone(response);
  return render(host, response, token);
}

/** A POST's checks, in order: PostFlow's Origin, the cookie, a small url-encoded body, the form token. */
async function readForm(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<{ token: string; form: URLSearchParams } | null> {
  if (request.headers.origin !== new URL(client.publicUrl).origin) {
    host.logger.warn('refused a Shopify install form from another origin', { origin: request.headers.origin ?? null });
    sendPage(response, 403, 'Refused', ["This form is taken only from PostFlow's own page."], CLAIM_PAGE_HEADERS);
    return null;
  }
  const token = cookieOf(request, CLAIM_COOKIE);
  if (!token) {
    sendGone(response);
    return null;
  }
  const body = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '') ? await readCappedBody(request, MAX_FORM_BYTES) : null;
  const form = body ? new URLSearchParams(body.toString('utf8')) : null;
  if (!form || !host.claims.checkFormToken(token, form.get('form_token') ?? '')) {
    sendPage(response, 403, 'Refused', ['This form does not belong to this install: open the page again.'], CLAIM_PAGE_HEADERS);
    return null;
  }
  return { token, form };
}

const text = (form: URLSearchParams, name: string) => form.get(name) ?? '';

/** POST /shopify/claim/sign-in: the person is signed in for this install, then picks a workspace. */
export async function claimSignIn(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { token, form } = posted;
  const result = await host.claims.signIn(token, { email: text(form, 'email'), password: text(form, 'password'), code: text(form, 'code').trim() || null }, host.clientIp(request));
  if (isRefusal(result)) return result.refused === 'GONE' ? sendGone(response) : render(host, response, token, STATUS_OF[result.refused], result.message);
  return sendRedirect(response, `${client.publicUrl}${CLAIM_PATHS.page}`);
}

/** POST /shopify/claim/sign-up: a new account (where sign-up is open), signed in for this install. */
export async function claimSignUp(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { token, form } = posted;
  const result = await host.claims.signUp(
    token,
    { email: text(form, 'email'), password: text(form, 'password'), workspaceName: text(form, 'workspaceName') },
    host.clientIp(request),
  );
  if (isRefusal(result)) return result.refused === 'GONE' ? sendGone(response) : render(host, response, token, STATUS_OF[result.refused], result.message);
  return sendRedirect(response, `${client.publicUrl}${CLAIM_PATHS.page}`);
}

/** POST /shopify/claim/finish: the shop joins the workspace picked, its webhooks are subscribed, the owner is told. */
export async function claimFinish(client: ShopifyClient, host: ShopifyAppHost, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const posted = await readForm(client, host, request, response);
  if (!posted) return;
  const { token, form } = posted;
  const result = await host.claims.finish(token, text(form, 'workspace'));
  if (isRefusal(result)) return result.refused === 'GONE' ? sendGone(response) : render(host, response, token, STATUS_OF[result.refused], result.message);
  const subscribed = await subscribe(client, host, readCredentials(result.credentials, result.shop));
  return sendRedirect(response, connectedUrl(client, result.shop, result.releasedDeliveries, subscribed), { 'set-cookie': claimCookie(client, '', 0) });
}

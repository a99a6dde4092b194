// The pages of an install started from Shopify for a shop PostFlow does not know (claim.ts serves them): sign in or
// create an account, then pick the workspace. Plain forms (the CSP allows no script), each carrying the pending
// install's form token; every text escaped. They send their Referer to PostFlow only, so that the browser's POSTs
// carry PostFlow's Origin (a no-referrer page's form POSTs say "Origin: null"), which the routes check.
import type { ShopifyClient } from './client.js';
import type { ClaimPerson } from './host.js';
import { escapeHtml as e } from './pages.js';

export const CLAIM_PATHS = {
  page: '/shopify/claim',
  signIn: '/shopify/claim/sign-in',
  signUp: '/shopify/claim/sign-up',
  finish: '/shopify/claim/finish',
} as const;

export const CLAIM_COOKIE = 'postflow_shopify_install';
/** As long as the pending install (src/services/shopifyClaim.ts PENDING_INSTALL_MS). */
export const CLAIM_SECONDS = 30 * 60;

export const CLAIM_PAGE_HEADERS = {
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
} as const;

/** The pending install's cookie: HttpOnly, sent along top-level navigations (Lax) to the claim pages only. */
export function claimCookie(client: ShopifyClient, value: string, maxAge: number): string {
  const secure = client.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${CLAIM_COOKIE}=${value}; Path=${CLAIM_PATHS.page}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

export interface ClaimView {
  shop: string;
  person: ClaimPerson | null;
  signupOpen: boolean;
  formToken: string;
  /** What went wrong with the last form, said to the owner. */
  problem?: string;
}

const hidden = (formToken: string) => `<input type="hidden" name="form_token" value="${e(formToken)}">`;
const field = (label: string, name: string, type: string, extra = '') => `<label>${e(label)}<input type="${type}" name="${name}" ${extra}></label>`;

function signInForm(view: ClaimView, heading: string): string {
  return (
    `<h2>${e(heading)}</h2><form method="post" action="${CLAIM_PATHS.signIn}">${hidden(view.formToken)}` +
    field('Email', 'email', 'email', 'required autocomplete="username"') +
    field('Password', 'password', 'password', 'required autocomplete="current-password"') +
    field('Two-factor code (if you use one)', 'code', 'text', 'inputmode="numeric" autocomplete="one-time-code"') +
    `<button type="submit">Sign in</button></form>`
  );
}

function signUpForm(view: ClaimView): string {
  const suggested = view.shop.replace(/\.myshopify\.com$/, '');
  return (
    `<h2>New to PostFlow? Create an account</h2><form method="post" action="${CLAIM_PATHS.signUp}">${hidden(view.formToken)}` +
    field('Email', 'email', 'email', 'required autocomplete="email"') +
    field('Password', 'password', 'password', 'required autocomplete="new-password"') +
    field('Workspace name', 'workspaceName', 'text', `required value="${e(suggested)}"`) +
    `<button type="submit">Create the account</button></form>`
  );
}

function pickForm(view: ClaimView, person: ClaimPerson): string {
  if (!person.workspaces.length) {
    return `<p>You are not an ADMIN or OWNER of any workspace, so you cannot connect a shop. Ask an owner of your workspace, or sign in with another account.</p>`;
  }
  const choices = person.workspaces
    .map((w, i) => `<label><input type="radio" name="workspace" value="${e(w.id)}"${i === 0 ? ' checked' : ''}> ${e(w.name)} (${e(w.role.toLowerCase())})</label>`)
    .join('');
  return (
    `<h2>Pick the workspace ${e(view.shop)} joins</h2><form method="post" action="${CLAIM_PATHS.finish}">${hidden(view.formToken)}${choices}` +
    `<button type="submit">Connect ${e(view.shop)}</button></form>`
  );
}

/** The page's body: who is signed in for this install and the workspace to pick, or the sign-in and sign-up forms. */
export function claimBody(view: ClaimView): string {
  const intro = `<p>Shopify approved PostFlow for ${e(view.shop)}. Sign in to PostFlow, then pick the workspace the shop joins.</p>`;
  const problem = view.problem ? `<p class="problem" role="alert">${e(view.problem)}</p>` : '';
  if (view.person) {
    return `${intro}${problem}<p>Signed in as ${e(view.person.email)} (for this install only).</p>${pickForm(view, view.person)}${signInForm(view, 'Not you? Sign in with another account')}`;
  }
  const signUp = view.signupOpen ? signUpForm(view) : '<p>Sign-up on this server is by invitation: ask a workspace for one first.</p>';
  return `${intro}${problem}${signInForm(view, 'Sign in')}${signUp}`;
}

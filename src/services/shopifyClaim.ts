// An install started from Shopify's admin for a shop PostFlow does not know (issue 13, section 2): Shopify's OAuth
// proved the shop approved the app, but not which workspace it joins. The granted tokens wait sealed (30 minutes)
// under the hash of a token only the owner's browser holds (an HttpOnly cookie); the owner signs in here with
// login's own checks and throttles (or creates an account where sign-up is open), which marks the pending install
// with the person and opens no session; then picks a workspace where they are ADMIN or OWNER, and the pending install
// is taken, once, in the transaction that installs the shop there. Every form carries an HMAC of the browser's token,
// so a page of another site cannot post one.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, ValidationError } from '../domain/errors.js';
import type { Actor } from '../domain/audit.js';
import type { SourceCredentials } from '../sources/types.js';
import { transaction } from '../store/sql.js';
import { findMemberRole, listUserWorkspaces } from '../store/members.js';
import { deleteExpiredPendingInstalls, findPendingInstall, insertPendingInstall, takePendingInstall, updatePendingInstallUser } from '../store/shopifyClaims.js';
import { checkLogin, createAccount } from './accounts.js';
import { installSource } from './sources.js';
import { releaseHeldIn } from './shopifyApp.js';
import { isUuid } from './validation.js';
import type { ServiceDeps } from './deps.js';

/** Long enough to find a password or create an account; the access token Shopify granted lives an hour. */
export const PENDING_INSTALL_MS = 30 * 60_000;
const CONNECTING_ROLES: readonly string[] = ['OWNER', 'ADMIN'];
/** One answer for every refused login: an unknown email, a wrong password and a missing or wrong code look alike. */
export const REFUSED_LOGIN = 'The email, the password or the two-factor code is not right.';

export interface ClaimPerson {
  email: string;
  workspaces: { id: string; name: string; role: string }[];
}

export type ClaimRefusal = {
  refused: 'REFUSED' | 'RATE_LIMITED' | 'GONE' | 'SIGNUP_CLOSED' | 'INVALID' | 'NOT_ALLOWED' | 'CONFLICT' | 'PLAN_LIMIT';
  message: string;
};

const GONE: ClaimRefusal = { refused: 'GONE', message: 'This install has expired or was finished already: install the app again from your Shopify admin.' };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The forms' key, derived from the session signing key for this one purpose. */
const formKey = (deps: Pick<ServiceDeps, 'secrets'>) => createHmac('sha256', deps.secrets.sessionSigningKey).update('postflow:shopify-install-form:v1').digest();

export function claimFormToken(deps: Pick<ServiceDeps, 'secrets'>, token: string): string {
  return createHmac('sha256', formKey(deps)).update(token).digest('base64url');
}

export function checkClaimFormToken(deps: Pick<ServiceDeps, 'secrets'>, token: string, formToken: string): boolean {
  const expected = Buffer.from(claimFormToken(deps, token));
  const given = Buffer.from(formToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Keeps the tokens Shopify granted for a new shop; answers the browser's token (only its SHA-256 is stored). */
export async function openPendingInstall(deps: Pick<ServiceDeps, 'pool' | 'secrets'>, shop: string, credentials: SourceCredentials): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + PENDING_INSTALL_MS);
  await transaction(deps.pool, async (client) => {
    // Few and short-lived: each new one clears the expired ones (no housekeeping task needed).
    await deleteExpiredPendingInstalls(client);
    await insertPendingInstall(client, { tokenHash: hashToken(token), shop, credentialsSealed: deps.secrets.seal(JSON.stringify(credentials)), expiresAt });
  });
  return { token, expiresAt };
}

async function personOf(deps: Pick<ServiceDeps, 'pool'>, userId: string, email: string): Promise<ClaimPerson> {
  const workspaces = await listUserWorkspaces(deps.pool, userId);
  return { email, workspaces: workspaces.filter((w) => CONNECTING_ROLES.includes(w.role)).map((w) => ({ id: w.id, name: w.name, role: w.role })) };
}

/** The pending install of a browser's token: its shop and the person signed in for it; null when gone or expired. */
export async function findClaim(deps: Pick<ServiceDeps, 'pool' | 'config'>, token: string): Promise<{ shop: string; person: ClaimPerson | null; signupOpen: boolean } | null> {
  const pending = await findPendingInstall(deps.pool, hashToken(token));
  if (!pending) return null;
  const person = pending.userId && pending.email ? await personOf(deps, pending.userId, pending.email) : null;
  return { shop: pending.shop, person, signupOpen: deps.config.accounts.signup === 'open' };
}

/** The accounts service's own refusals, as the install's pages tell them. */
function refusalOf(error: unknown): ClaimRefusal {
  if (!(error instanceof AppError)) throw error;
  if (error.code === 'RATE_LIMITED') return { refused: 'RATE_LIMITED', message: error.message };
  return { refused: 'REFUSED', message: REFUSED_LOGIN };
}

/** login's checks and throttles; the person is then signed in for this install only (no session). */
export async function signInForClaim(
  deps: ServiceDeps,
  token: string,
  login: { email: string; password: string; code: string | null },
  clientIp: string,
): Promise<ClaimPerson | ClaimRefusal> {
  const tokenHash = hashToken(token);
  if (!(await findPendingInstall(deps.pool, tokenHash))) return GONE;
  let user;
  try {
    user = await checkLogin(deps, { email: login.email, password: login.password, code: login.code || null }, clientIp);
  } catch (error) {
    return refusalOf(error);
  }
  if (!(await updatePendingInstallUser(deps.pool, tokenHash, user.id))) return GONE;
  return personOf(deps, user.id, user.email);
}

/** sign-up's checks and throttles (its new workspace, the person its OWNER); signed in for this install only. */
export async function signUpForClaim(
  deps: ServiceDeps,
  token: string,
  account: { email: string; password: string; workspaceName: string },
  clientIp: string,
): Promise<ClaimPerson | ClaimRefusal> {
  const tokenHash = hashToken(token);
  if (!(await findPendingInstall(deps.pool, tokenHash))) return GONE;
  let created;
  try {
    created = await createAccount(deps, account, clientIp);
  } catch (error) {
    if (error instanceof ValidationError) return { refused: 'INVALID', message: error.issues.map((i) => i.message).join('; ') };
    if (error instanceof AppError && error.code === 'FORBIDDEN') return { refused: 'SIGNUP_CLOSED', message: error.message };
    if (error instanceof AppError && error.code === 'CONFLICT') return { refused: 'INVALID', message: error.message };
    return refusalOf(error);
  }
  if (!(await updatePendingInstallUser(deps.pool, tokenHash, created.userId))) return GONE;
  return personOf(deps, created.userId, account.email.trim().toLowerCase());
}

/**
 * The shop joins `workspaceId`: the pending install taken (once), the person's role there checked (ADMIN or OWNER,
 * now), the source installed (or reconnected, or a stopped one elsewhere retired) and what an uninstall held
 * released, in one transaction: a refusal leaves the pending install for another choice.
 */
export async function finishClaim(
  deps: Pick<ServiceDeps, 'pool' | 'secrets'>,
  token: string,
  workspaceId: string,
): Promise<{ sourceId: string; shop: string; credentials: SourceCredentials; releasedDeliveries: number } | ClaimRefusal> {
  if (!isUuid(workspaceId)) return { refused: 'INVALID', message: 'Pick one of your workspaces.' };
  try {
    return await transaction(deps.pool, async (client) => {
      const taken = await takePendingInstall(client, hashToken(token));
      if (!taken) return GONE;
      const role = await findMemberRole(client, workspaceId, taken.userId);
      if (!role || !CONNECTING_ROLES.includes(role)) throw new AppError('FORBIDDEN', 'Only an ADMIN or OWNER of a workspace can connect a shop to it: pick another workspace.');
      const credentials = JSON.parse(deps.secrets.open(taken.credentialsSealed)) as SourceCredentials;
      const actor: Actor = { workspaceId, userId: taken.userId, via: 'session' };
      const { sourceId } = await installSource(client, deps, { workspaceId, kind: 'SHOPIFY', externalId: taken.shop, name: taken.shop, credentials, actor });
      const releasedDeliveries = await releaseHeldIn(client, sourceId, actor);
      return { sourceId, shop: taken.shop, credentials, releasedDeliveries };
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return { refused: 'CONFLICT', message: 'The shop was connected meanwhile: try again.' };
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'FORBIDDEN') return { refused: 'NOT_ALLOWED', message: error.message };
    if (error.code === 'CONFLICT') return { refused: 'CONFLICT', message: error.message };
    if (error.code === 'PLAN_LIMIT') return { refused: 'PLAN_LIMIT', message: error.message };
    throw error;
  }
}

/** These services bound to the deps: the Shopify app's host's `claims` (src/app.ts). */
export function shopifyClaimServices(deps: ServiceDeps) {
  return {
    open: (shop: string, credentials: SourceCredentials) => openPendingInstall(deps, shop, credentials),
    find: (token: string) => findClaim(deps, token),
    formToken: (token: string) => claimFormToken(deps, token),
    checkFormToken: (token: string, formToken: string) => checkClaimFormToken(deps, token, formToken),
    signIn: (token: string, login: { email: string; password: string; code: string | null }, clientIp: string) => signInForClaim(deps, token, login, clientIp),
    signUp: (token: string, account: { email: string; password: string; workspaceName: string }, clientIp: string) => signUpForClaim(deps, token, account, clientIp),
    finish: (token: string, workspaceId: string) => finishClaim(deps, token, workspaceId),
  };
}

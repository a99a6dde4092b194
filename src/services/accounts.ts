// Sign-up, sign-in, sessions and password changes, and turning an Authorization header into an Auth.
import {
  anyUsers,
  findLiveApiKey,
  findLiveSession,
  findUserByEmail,
  findUserById,
  insertFirstOwner,
  insertOwner,
  insertSession,
  isDuplicateEmail,
  revokeSession,
  revokeUserSessions,
  takeTotpStep,
  touchApiKey,
  touchSession,
  updatePasswordHash,
  useRecoveryCode,
  type LoginUser,
} from '../store/accounts.js';
import { AppError, conflict, forbidden, rateLimited, unauthenticated, ValidationError } from '../domain/errors.js';
import { hashPassword, PASSWORD_MAX_BYTES, passwordProblem, verifyPassword } from '../security/passwords.js';
import { hashApiKey, issueSessionToken, parseAuthorization, verifySessionToken } from '../security/credentials.js';
import { hashRecoveryCode, totpStep } from '../security/totp.js';
import { Issues } from './validation.js';
import { spend } from './throttles.js';
import { mailEmailVerification } from './emailVerification.js';
import type { ServiceDeps } from './deps.js';
import type { Auth } from '../domain/auth.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Same scrypt parameters as every stored hash: an unknown email costs the same work as a wrong password.
const UNKNOWN_USER_HASH = await hashPassword('no user has this password');
const WRONG = 'The email or the password is wrong';
/** How stale last-seen / last-used may get before a request writes it again. */
const TOUCH_EVERY_MS = 60_000;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const isEmailAddress = (email: string) => EMAIL.test(email) && email.length <= 254;

/** The rules a new account's email and password follow, wherever it is created (signup, acceptInvitation). */
export function checkNewAccount(deps: ServiceDeps, issues: Issues, email: string, password: string, passwordPath: string[] = ['password']): void {
  issues.check(isEmailAddress(email), ['email'], 'email', 'email must be an email address');
  const problem = passwordProblem(password, { minLength: deps.config.accounts.passwordMinLength, email });
  if (problem) issues.add(passwordPath, problem.rule, problem.message);
}

export interface SignupInput {
  email: string;
  password: string;
  workspaceName: string;
}

export async function signup(deps: ServiceDeps, input: SignupInput, clientIp: string): Promise<{ token: string }> {
  const created = await createAccount(deps, input, clientIp);
  return { token: await startSession(deps, created.userId, created.workspaceId) };
}

/** Sign-up's checks and its new account (the person OWNER of a new workspace), without a session (the Shopify install's). */
export async function createAccount(deps: ServiceDeps, input: SignupInput, clientIp: string): Promise<{ userId: string; workspaceId: string }> {
  await spend(deps.throttles.signupIp, clientIp, 'sign-ups from this address');
  const email = normalizeEmail(input.email);
  const issues = new Issues();
  checkNewAccount(deps, issues, email, input.password);
  const workspaceName = input.workspaceName.trim();
  issues.check(workspaceName.length >= 1 && workspaceName.length <= 100, ['workspaceName'], 'length', 'workspaceName must be 1 to 100 characters');
  issues.throwIfAny();
  const mode = deps.config.accounts.signup;
  // Closed and invite-only instances still take their very first account (otherwise nobody could ever sign in).
  if (mode !== 'open' && (await anyUsers(deps.pool))) throw signupClosed(mode);
  const owner = { email, passwordHash: await hashPassword(input.password), workspaceName, plan: deps.config.plans.defaultPlan };
  try {
    const created = mode === 'open' ? await insertOwner(deps.pool, owner) : await insertFirstOwner(deps.pool, owner);
    if (!created) throw signupClosed(mode);
    // With SMTP, the new account is asked to prove its address (src/services/emailVerification.ts); the account works meanwhile.
    await mailEmailVerification(deps, { id: created.userId, email }).catch((error: Error) =>
      deps.logger.warn('could not start an email verification', { userId: created.userId, error: error.message }),
    );
    return created;
  } catch (error) {
    // Sign-up answers with a token at once, so saying the email is taken tells nothing a working sign-up would not.
    if (isDuplicateEmail(error)) throw conflict(`An account with email ${email} already exists: use login`, { field: 'email' });
    throw error;
  }
}

const signupClosed = (mode: 'invite' | 'closed' | 'open') =>
  forbidden(
    mode === 'invite'
      ? 'Sign-up on this server is by invitation (POSTFLOW_SIGNUP=invite): ask a workspace for an invitation, then accept it (acceptInvitation with a password)'
      : 'Sign-up is closed on this server (POSTFLOW_SIGNUP=closed): ask its operator for an account',
  );

export interface LoginInput {
  email: string;
  password: string;
  /** A TOTP code or a recovery code, for accounts with two-factor sign-in. */
  code?: string | null;
}

/**
 * Refused alike, whether the email is unknown or the password wrong: the same message after the same hashing.
 * Attempts count per address and per account (the email, known or not) before anything is checked, so attempts sent
 * at once cannot all be checked; past either limit even the right password is refused, without hashing, until the
 * window ends. A right one gives its attempt back (and forgets the account's failures): only failures use the limits
 * up. With two-factor on, a right password without a code is TWO_FACTOR_REQUIRED.
 */
export async function login(deps: ServiceDeps, input: LoginInput, clientIp: string): Promise<{ token: string }> {
  const user = await checkLogin(deps, input, clientIp);
  return { token: await startSession(deps, user.id, user.workspaceId) };
}

/** login's checks and throttles, answering the person without opening a session (the Shopify install's sign-in). */
export async function checkLogin(deps: ServiceDeps, input: LoginInput, clientIp: string): Promise<LoginUser & { workspaceId: string }> {
  refuseOversizedPassword(input.password, ['password']);
  const email = normalizeEmail(input.email);
  const { loginAccount, loginIp } = deps.throttles;
  await spend(loginIp, clientIp, 'login attempts from this address');
  try {
    await spend(loginAccount, email, 'login attempts for this account');
  } catch (error) {
    // Refused for the account, never checked: not a failure of this address.
    await loginIp.giveBack(clientIp);
    throw error;
  }
  const user = await findUserByEmail(deps.pool, email);
  const valid = await verifyPassword(input.password, user?.passwordHash ?? UNKNOWN_USER_HASH);
  if (!user || !valid || !user.workspaceId) throw unauthenticated(WRONG);
  if (user.totpEnabled) {
    if (!input.code) {
      // The password was right: no failure, and the call with the code counts on its own.
      await Promise.all([loginIp.giveBack(clientIp), loginAccount.giveBack(email)]);
      throw new AppError('TWO_FACTOR_REQUIRED', 'This account signs in with a second factor: send login again with code (from the authenticator app, or a recovery code)');
    }
    if (!(await passSecondFactor(deps, user, input.code))) throw unauthenticated('The two-factor code is wrong or was used already');
  }
  await Promise.all([loginIp.giveBack(clientIp), loginAccount.reset(email)]);
  return { ...user, workspaceId: user.workspaceId };
}

/** Ends the session the request came with. */
export async function logout(deps: ServiceDeps, auth: Auth): Promise<boolean> {
  return revokeSession(deps.pool, sessionOf(auth, 'logout'));
}

/** Ends every session of the caller, this one included, in every workspace; how many were ended. */
export async function logoutEverywhere(deps: ServiceDeps, auth: Auth): Promise<number> {
  sessionOf(auth, 'logoutEverywhere');
  return revokeUserSessions(deps.pool, auth.userId, null);
}

/** Changes the password and ends every other session (this one stays); how many were ended. */
export async function changePassword(deps: ServiceDeps, auth: Auth, currentPassword: string, newPassword: string): Promise<number> {
  const sessionId = sessionOf(auth, 'changePassword');
  refuseOversizedPassword(currentPassword, ['currentPassword']);
  const user = await findUserById(deps.pool, auth.userId);
  if (!user) throw unauthenticated();
  refuseWeakPassword(deps, newPassword, user.email, ['newPassword']);
  // Someone holding a stolen session must not get to guess the password here without the login's limits: counted
  // before it is checked, given back when right (see spend).
  await spend(deps.throttles.loginAccount, user.email, 'password attempts for this account');
  if (!(await verifyPassword(currentPassword, user.passwordHash))) {
    throw ValidationError.single(['currentPassword'], 'incorrect', 'currentPassword is not the current password');
  }
  await deps.throttles.loginAccount.giveBack(user.email);
  await updatePasswordHash(deps.pool, user.id, await hashPassword(newPassword));
  return revokeUserSessions(deps.pool, user.id, sessionId);
}

/** Operations on the person's own sign-in need the person: an API key acts for a workspace, not as its creator's login. */
export function sessionOf(auth: Auth, operation: string): string {
  if (auth.via !== 'session' || !auth.sessionId) throw forbidden(`${operation} needs a session token (login), not an API key`);
  return auth.sessionId;
}

/** A TOTP code of the moment (each time step accepted once) or an unused recovery code (spent by this). */
export async function passSecondFactor(deps: ServiceDeps, user: Pick<LoginUser, 'id' | 'totpSecretSealed'>, code: string): Promise<boolean> {
  const typed = code.trim();
  if (typed.length > 64) return false;
  if (/^\d{6}$/.test(typed)) {
    if (!user.totpSecretSealed) return false;
    const step = await totpStep(deps.secrets.open(user.totpSecretSealed), typed);
    return step !== null && (await takeTotpStep(deps.pool, user.id, step));
  }
  return useRecoveryCode(deps.pool, user.id, hashRecoveryCode(typed));
}

/** A new password for an existing account (changePassword, resetPassword) follows the same rules as at sign-up. */
export function refuseWeakPassword(deps: ServiceDeps, password: string, email: string, path: string[]): void {
  const problem = passwordProblem(password, { minLength: deps.config.accounts.passwordMinLength, email });
  if (problem) throw ValidationError.single(path, problem.rule, problem.message);
}

/** A password over the size limit is refused before anything else: it is never hashed. */
export function refuseOversizedPassword(password: string, path: string[]): void {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) throw ValidationError.single(path, 'maxBytes', `${path.join('.')} must be at most ${PASSWORD_MAX_BYTES} bytes`);
}

/** A new session of the person in one workspace, and its token: a session belongs to one workspace. */
export async function startSession(deps: ServiceDeps, userId: string, workspaceId: string): Promise<string> {
  const expiresAt = new Date(Date.now() + deps.config.sessionTtlSeconds * 1000);
  const sessionId = await insertSession(deps.pool, { userId, workspaceId, expiresAt });
  return issueSessionToken({ sessionId, userId, workspaceId }, deps.secrets.sessionSigningKey, expiresAt);
}

/**
 * A request's credentials, throttled: an address that sent too many refused credentials is refused from memory
 * before any lookup (RATE_LIMITED), each refusal counts, and every authenticated request spends one of its
 * workspace's budget. Null when the request carries no credentials.
 */
export async function authenticateRequest(deps: ServiceDeps, header: string | null | undefined, clientIp: string): Promise<Auth | null> {
  if (!header) return null;
  const { badCredentialsIp, apiWorkspace } = deps.throttles;
  const heldMs = badCredentialsIp.heldBack(clientIp);
  if (heldMs > 0) throw rateLimitedCredentials(heldMs);
  let auth: Auth | null;
  try {
    auth = await authenticate(deps, header);
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
      const state = await badCredentialsIp.count(clientIp);
      if (state.used > badCredentialsIp.limit.points) throw rateLimitedCredentials(state.msLeft);
    }
    throw error;
  }
  if (auth) await spend(apiWorkspace, auth.workspaceId, 'requests for this workspace');
  return auth;
}

const rateLimitedCredentials = (ms: number) => rateLimited('refused credentials from this address', ms);

/** Reads "Bearer <session token | API key>"; null when there is no header, an error when it is present but wrong. */
export async function authenticate(deps: ServiceDeps, header: string | null | undefined): Promise<Auth | null> {
  if (!header) return null;
  const credential = parseAuthorization(header.trim());
  if (!credential) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token or API key>"');
  if (credential.kind === 'apiKey') {
    const apiKey = credential.key ? await findLiveApiKey(deps.pool, hashApiKey(credential.key)) : null;
    if (!apiKey) throw unauthenticated('This API key is not valid (revoked, expired or mistyped)');
    if (isStale(apiKey.lastUsedAt)) touchLater(deps, () => touchApiKey(deps.pool, apiKey.id));
    return { workspaceId: apiKey.workspaceId, userId: apiKey.createdById, via: 'apiKey', apiKeyId: apiKey.id, role: apiKey.role, scopes: apiKey.scopes };
  }
  const claims = verifySessionToken(credential.token, deps.secrets.sessionSigningKey);
  if (!claims) throw unauthenticated('This session token is not valid or has expired: login again');
  const session = await findLiveSession(deps.pool, claims.sessionId);
  if (!session || session.userId !== claims.userId || session.workspaceId !== claims.workspaceId) {
    throw unauthenticated('This session has ended (logged out, revoked, or the account or its membership is gone): login again');
  }
  if (isStale(session.lastSeenAt)) touchLater(deps, () => touchSession(deps.pool, claims.sessionId));
  return { workspaceId: session.workspaceId, userId: session.userId, via: 'session', sessionId: claims.sessionId, role: session.role };
}

const isStale = (at: Date | null) => !at || Date.now() - at.getTime() >= TOUCH_EVERY_MS;

/** Last-seen bookkeeping must not hold up or fail the request it describes. */
function touchLater(deps: ServiceDeps, write: () => Promise<void>): void {
  write().catch((error: Error) => deps.logger.debug('could not record last use', { error: error.message }));
}

// Sign-up, sign-in, API keys, and turning an Authorization header into an Auth.
import { insertApiKey, insertOwner, isDuplicateEmail } from '../store/accounts.js';
import { AppError, conflict, unauthenticated } from '../domain/errors.js';
import { hashPassword, verifyPassword } from '../security/passwords.js';
import { API_KEY_PREFIX, generateApiKey, hashApiKey, issueSessionToken, verifySessionToken } from '../security/credentials.js';
import { Issues } from './validation.js';
import type { ServiceDeps } from './deps.js';
import type { Auth } from '../domain/auth.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UNKNOWN_USER_HASH = await hashPassword('no user has this password');

export async function signup(deps: ServiceDeps, email: string, password: string, workspaceName: string): Promise<{ token: string }> {
  const normalized = email.trim().toLowerCase();
  const issues = new Issues();
  issues.check(EMAIL.test(normalized) && normalized.length <= 254, ['email'], 'email', 'email must be an email address');
  issues.check(password.length >= 8 && password.length <= 200, ['password'], 'length', 'password must be 8 to 200 characters');
  issues.check(workspaceName.trim().length >= 1 && workspaceName.trim().length <= 100, ['workspaceName'], 'length', 'workspaceName must be 1 to 100 characters');
  issues.throwIfAny();
  const passwordHash = await hashPassword(password);
  try {
    const { userId, workspaceId } = await insertOwner(deps.pool, { email: normalized, passwordHash, workspaceName: workspaceName.trim() });
    return { token: sessionFor(deps, userId, workspaceId) };
  } catch (error) {
    if (isDuplicateEmail(error)) {
      throw conflict(`An account with email ${normalized} already exists: use login`, { field: 'email' });
    }
    throw error;
  }
}

export async function login(deps: ServiceDeps, email: string, password: string): Promise<{ token: string }> {
  const user = await deps.prisma.user.findUnique({
    where: { email: email.trim().toLowerCase() },
    include: { memberships: { orderBy: { createdAt: 'asc' }, take: 1 } },
  });
  // An unknown email costs the same hashing as a wrong password, so timing does not tell which emails exist.
  const valid = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
  if (!user || !valid || user.memberships.length === 0) {
    throw unauthenticated('The email or the password is wrong');
  }
  return { token: sessionFor(deps, user.id, user.memberships[0].workspaceId) };
}

export async function createApiKey(deps: ServiceDeps, auth: Auth, name: string) {
  const issues = new Issues();
  issues.check(name.trim().length >= 1 && name.trim().length <= 100, ['name'], 'length', 'name must be 1 to 100 characters');
  issues.throwIfAny();
  const { key, prefix, hash } = generateApiKey();
  const id = await insertApiKey(deps.pool, { workspaceId: auth.workspaceId, createdById: auth.userId, name: name.trim(), prefix, keyHash: hash });
  const apiKey = await deps.prisma.apiKey.findUniqueOrThrow({ where: { id } });
  return { key, apiKey };
}

/** Reads "Bearer <session token | API key>"; null when there is no header, an error when it is present but wrong. */
export async function authenticate(deps: ServiceDeps, header: string | null | undefined): Promise<Auth | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token or API key>"');
  const credential = match[1];
  if (credential.startsWith(API_KEY_PREFIX)) {
    const apiKey = await deps.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(credential) } });
    if (!apiKey) throw unauthenticated('This API key is not valid (revoked or mistyped)');
    return { workspaceId: apiKey.workspaceId, userId: apiKey.createdById, via: 'apiKey' };
  }
  const claims = verifySessionToken(credential, deps.secrets.sessionSigningKey);
  if (!claims) throw unauthenticated('This session token is not valid or has expired: login again');
  return { ...claims, via: 'session' };
}

const sessionFor = (deps: ServiceDeps, userId: string, workspaceId: string) =>
  issueSessionToken({ userId, workspaceId }, deps.secrets.sessionSigningKey, deps.config.sessionTtlSeconds);

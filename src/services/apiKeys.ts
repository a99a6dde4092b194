// API keys: created for a workspace (shown once), optionally expiring, revocable. Listing is a GraphQL read.
import { insertApiKey, revokeApiKey as revokeKeyRow } from '../store/accounts.js';
import { notFound } from '../domain/errors.js';
import { generateApiKey } from '../security/credentials.js';
import { Issues, uuidOrNil } from './validation.js';
import { sessionOf } from './accounts.js';
import type { ServiceDeps } from './deps.js';
import type { Auth } from '../domain/auth.js';
import { scopesOf, type Scope } from '../domain/roles.js';
import { refuseWithoutApiAccess } from './plans.js';
import { recordAudit } from '../store/audit.js';

const MAX_DAYS = 3650;

export interface ApiKeyInput {
  name: string;
  expiresAt?: Date | null;
  expiresInDays?: number | null;
  /** What the key may do; by default everything its creator's role allows (src/domain/roles.ts). */
  scopes?: readonly Scope[] | null;
}

/**
 * Needs a session: a key that leaked, or one meant to expire soon, must not mint keys that outlive it. Listing and
 * revoking stay open to keys, since revoking is how a leaked key is stopped with whatever credential is at hand.
 */
export async function createApiKey(deps: ServiceDeps, auth: Auth, input: ApiKeyInput) {
  sessionOf(auth, 'createApiKey');
  const issues = new Issues();
  const name = input.name.trim();
  issues.check(name.length >= 1 && name.length <= 100, ['name'], 'length', 'name must be 1 to 100 characters');
  let expiresAt: Date | null = null;
  if (input.expiresAt != null && input.expiresInDays != null) {
    issues.add(['expiresAt'], 'exclusive', 'send expiresAt or expiresInDays, not both');
  } else if (input.expiresAt != null) {
    expiresAt = input.expiresAt;
    issues.check(expiresAt.getTime() > Date.now(), ['expiresAt'], 'future', 'expiresAt must be in the future');
    issues.check(expiresAt.getTime() <= Date.now() + MAX_DAYS * 86_400_000, ['expiresAt'], 'max', `expiresAt must be within ${MAX_DAYS} days`);
  } else if (input.expiresInDays != null) {
    const days = input.expiresInDays;
    if (issues.check(Number.isInteger(days) && days >= 1 && days <= MAX_DAYS, ['expiresInDays'], 'range', `expiresInDays must be a whole number from 1 to ${MAX_DAYS}`)) {
      expiresAt = new Date(Date.now() + days * 86_400_000);
    }
  }
  // A key is no way around a role: it may carry only what its creator may do (and is held to their role at each use).
  const allowed = scopesOf(auth.role);
  const scopes = input.scopes == null ? allowed : [...new Set(input.scopes)];
  issues.check(scopes.length > 0, ['scopes'], 'required', 'scopes must name at least one scope (leave it out for every scope your role allows)');
  scopes.forEach((scope, i) =>
    issues.check(allowed.includes(scope), ['scopes', i], 'role', `${scope} is beyond the ${auth.role} role: a key may carry only ${allowed.join(', ')}`),
  );
  issues.throwIfAny();
  await refuseWithoutApiAccess(deps, auth.workspaceId);
  const { key, prefix, hash } = generateApiKey();
  const id = await insertApiKey(deps.pool, { workspaceId: auth.workspaceId, createdById: auth.userId, name, prefix, keyHash: hash, expiresAt, scopes });
  // The prefix names the key in lists; the key itself never reaches the trail.
  await recordAudit(deps.pool, { actor: auth, action: 'api_key.created', target: { type: 'api_key', id }, details: { name, prefix, scopes, expiresAt } });
  const apiKey = await deps.prisma.apiKey.findUniqueOrThrow({ where: { id } });
  return { key, apiKey };
}

/** Revokes a key of the caller's workspace at once: the next request with it is refused. */
export async function revokeApiKey(deps: ServiceDeps, auth: Auth, id: string): Promise<{ id: string }> {
  if (!(await revokeKeyRow(deps.pool, auth.workspaceId, uuidOrNil(id)))) throw notFound('API key', id);
  await recordAudit(deps.pool, { actor: auth, action: 'api_key.revoked', target: { type: 'api_key', id } });
  return deps.prisma.apiKey.findUniqueOrThrow({ where: { id } });
}

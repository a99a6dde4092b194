// The one authorization mechanism: src/domain/roles.ts's table, applied to every root field through Pothos' scope-auth.
// A small plugin gives each Query, Mutation and Subscription field the scope `{ operation: <its name> }` as the schema
// is built, so no resolver declares or checks a role, and a root field missing from the table stops the build.
import SchemaBuilder, { BasePlugin, PothosSchemaError, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import { unauthenticated } from '../domain/errors.js';
import { OPERATIONS, isInstanceOperation, refusal } from '../domain/roles.js';
import { isInstanceAdmin } from '../services/plans.js';
import type { Context } from './context.js';

const ROOT_KINDS = new Set(['Query', 'Mutation', 'Subscription']);

class RoleTablePlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (!ROOT_KINDS.has(fieldConfig.kind)) return fieldConfig;
    const access = OPERATIONS[fieldConfig.name];
    if (!access) throw new PothosSchemaError(`${fieldConfig.kind}.${fieldConfig.name} has no row in the table of roles (src/domain/roles.ts OPERATIONS): add one`);
    if (access.public) return fieldConfig;
    return { ...fieldConfig, pothosOptions: { ...fieldConfig.pothosOptions, authScopes: { operation: fieldConfig.name } } } as PothosOutputFieldConfig<Types>;
  }
}

const PLUGIN_NAME = 'roleTable' as const;
SchemaBuilder.registerPlugin(PLUGIN_NAME, RoleTablePlugin);

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos plugins are declared in its global namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      roleTable: RoleTablePlugin<Types>;
    }
  }
}

export const RoleTable = PLUGIN_NAME;

/** What a scope may depend on: the operation's name, looked up in the table. */
export interface AuthScopes {
  operation: string;
}

/**
 * scope-auth's options. The scopes are computed once per request from the context (the role and key scopes were read
 * when the caller authenticated), and scope-auth caches each operation's answer for the request. A refusal is our
 * typed error: UNAUTHENTICATED (or why the credentials sent were refused) without a caller, else FORBIDDEN naming the
 * role or scope the operation needs. Subscriptions are checked when they start (authorizeOnSubscribe).
 */
export const scopeAuthOptions = {
  authorizeOnSubscribe: true,
  authScopes: (ctx: Context) => ({
    operation: (operation: string) => (isInstanceOperation(operation) ? instanceScope(ctx, operation) : !!ctx.auth && refusal(ctx.auth, operation) === null),
  }),
  unauthorizedError: (_parent: unknown, ctx: Context, info: GraphQLResolveInfo) =>
    (ctx.auth ? refusal({ ...ctx.auth, instanceAdmin: instanceAdmins.get(ctx) }, info.fieldName) : ctx.authError) ?? unauthenticated(),
};

/**
 * Whether the caller administers the instance is read only when an instance operation asks (one statement), not at
 * every authentication; the answer is kept for the rest of the request, and unauthorizedError reads it there.
 */
const instanceAdmins = new WeakMap<Context, boolean>();

async function instanceScope(ctx: Context, operation: string): Promise<boolean> {
  if (!ctx.auth) return false;
  if (!instanceAdmins.has(ctx)) instanceAdmins.set(ctx, ctx.auth.via === 'session' && (await isInstanceAdmin(ctx.services, ctx.auth.userId)));
  return refusal({ ...ctx.auth, instanceAdmin: instanceAdmins.get(ctx) }, operation) === null;
}

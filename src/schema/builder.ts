// The one schema builder. Each domain file (auth, channel, post, delivery) adds its types, inputs and resolvers.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { RoleTable, scopeAuthOptions, type AuthScopes } from './authorization.js';

/**
 * A connection's page: `first`/`last` above the maximum are served the maximum (Pothos caps them), and the cost
 * limit (src/server/graphqlLimits.ts) counts a page at these sizes.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // scope-auth first, so that its check runs before any other plugin's work on a field; the role table gives every
  // root field its scope (src/schema/authorization.ts).
  plugins: [ScopeAuthPlugin, RoleTable, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: scopeAuthOptions,
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    maxConnectionSize: MAX_PAGE_SIZE,
  },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

// Instants a scheduler has any use for: year 0 or 9999 is a mistake (and past 275760 Date cannot even hold one).
const DATE_TIME_MIN = Date.UTC(1970, 0, 1);
const DATE_TIME_END = Date.UTC(2101, 0, 1);

// The offset is required: without one, Date reads the time in the server's own zone. The calendar fields are
// compared after parsing because Date rolls "2026-02-30" over into March instead of refusing it.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

const parseDateTime = (value: unknown): Date => {
  const match = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  const date = match ? new Date(value as string) : null;
  const [, year, month, day, hour, minute, second = '00'] = match ?? [];
  // Compared field by field: toISOString() would cost more than the rest of the parse (a bulk import has 50,000).
  const fields = date && new Date(Date.UTC(+year, +month - 1, +day, +hour, +minute, +second));
  const roundTrips =
    !!fields &&
    fields.getUTCFullYear() === +year &&
    fields.getUTCMonth() === +month - 1 &&
    fields.getUTCDate() === +day &&
    fields.getUTCHours() === +hour &&
    fields.getUTCMinutes() === +minute &&
    fields.getUTCSeconds() === +second;
  if (!date || Number.isNaN(date.getTime()) || !roundTrips) {
    throw new GraphQLError(`${JSON.stringify(value)} is not an ISO 8601 date-time with a time zone, e.g. 2026-05-01T09:30:00Z`, {
      extensions: { code: 'VALIDATION_FAILED', rule: 'dateTime' },
    });
  }
  if (date.getTime() < DATE_TIME_MIN || date.getTime() >= DATE_TIME_END) {
    throw new GraphQLError(`${JSON.stringify(value)} is out of range: give an instant from 1970 to 2100`, { extensions: { code: 'VALIDATION_FAILED', rule: 'range' } });
  }
  return date;
};

builder.scalarType('DateTime', {
  description: 'An instant from 1970 to 2100, as an ISO 8601 string with a time zone offset (always UTC on output).',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
});

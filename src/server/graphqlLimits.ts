// What one GraphQL request may ask for, on every transport (HTTP POST and GET, SSE, graphql-ws): the shape limits
// (tokens, depth, aliases, directives: graphql-armor's rules, reporting our errors), the cost of what it selects,
// connection arguments, who may introspect and see suggestions, and how long a query may run.
//
// The shape limits are validation rules and parse hooks, so graphql-ws (which validates through yoga.getEnveloped)
// gets them too. Cost, connection arguments and introspection are checked when execution starts instead: they need
// the variables (`first: $n`), and yoga caches validation per document, whatever the variables; introspection needs
// the caller, whom the context only knows after validation.
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import type { Plugin } from 'graphql-yoga';
import type { ExecutionArgs, ExecutionResult, ValidationContext } from 'graphql';
import { GraphQLError, Kind, getNamedType, getNullableType, isCompositeType, isInterfaceType, isListType, isObjectType, valueFromAST } from 'graphql';
import { SchemaMetaFieldDef, TypeMetaFieldDef, getOperationAST, type GraphQLCompositeType, type GraphQLField, type SelectionSetNode } from 'graphql';
import { parsePrismaCursor } from '@pothos/plugin-prisma';
import type { Config } from '../config.js';
import { ValidationError, type ValidationIssue } from '../domain/errors.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../schema/builder.js';
import type { Context } from '../schema/context.js';

export type GraphQLLimits = Config['graphql'];

/** The one code of every shape or cost refusal; `extensions.limit` names which limit, `max` its value. */
export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';
export const REQUEST_TIMEOUT = 'REQUEST_TIMEOUT';

/** A list field with no size argument (a post's deliveries) is counted as this many rows. */
export const ASSUMED_LIST_SIZE = 10;
/** The standard introspection query nests lists three deep (types > fields > args); more only multiplies rows. */
export const MAX_INTROSPECTION_LIST_DEPTH = 3;

const SETTINGS = {
  maxTokens: 'POSTFLOW_GRAPHQL_MAX_TOKENS',
  maxDepth: 'POSTFLOW_GRAPHQL_MAX_DEPTH',
  maxAliases: 'POSTFLOW_GRAPHQL_MAX_ALIASES',
  maxDirectives: 'POSTFLOW_GRAPHQL_MAX_DIRECTIVES',
  maxCost: 'POSTFLOW_GRAPHQL_MAX_COST',
  maxIntrospectionListDepth: null,
  timeoutMs: 'POSTFLOW_GRAPHQL_TIMEOUT_MS',
} as const;
type LimitName = keyof typeof SETTINGS;

const WHAT: Record<LimitName, string> = {
  maxTokens: 'tokens',
  maxDepth: 'depth',
  maxAliases: 'aliases',
  maxDirectives: 'directives',
  maxCost: 'cost',
  maxIntrospectionListDepth: 'introspection list nesting',
  timeoutMs: 'running time (ms)',
};

export function limitError(limit: LimitName, max: number, found?: number): GraphQLError {
  const tail = found === undefined ? '' : `, found ${found}`;
  return new GraphQLError(`Query ${WHAT[limit]} is over the limit of ${max} (${limit}${tail})`, {
    extensions: { code: limit === 'timeoutMs' ? REQUEST_TIMEOUT : QUERY_TOO_COMPLEX, limit, max, ...(found !== undefined && { found }), setting: SETTINGS[limit] },
  });
}

const foundIn = (armorMessage: string) => Number(/found (\d+)/.exec(armorMessage)?.[1] ?? NaN);

/** graphql-armor's checks, each reporting our error instead of its "Syntax Error: ..." without a code. */
function armorPlugins(limits: GraphQLLimits): Plugin[] {
  const report = (limit: 'maxDepth' | 'maxAliases' | 'maxDirectives') => ({
    n: limits[limit],
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(limitError(limit, limits[limit], foundIn(error.message)))],
  });
  const armor = new EnvelopArmor({
    // The token count is taken while parsing, before any validation context exists: throwing is the only way out.
    maxTokens: {
      n: limits.maxTokens,
      propagateOnRejection: false,
      onReject: [
        () => {
          throw limitError('maxTokens', limits.maxTokens);
        },
      ],
    },
    // Introspection is exempt from depth as in graphql-armor (its TypeRef nests ofType nine deep); its rows are
    // bounded by MAX_INTROSPECTION_LIST_DEPTH instead.
    maxDepth: { ...report('maxDepth'), ignoreIntrospection: true },
    maxAliases: { ...report('maxAliases'), allowList: ['__typename'] },
    maxDirectives: report('maxDirectives'),
    // Ours instead (inspect below): graphql-armor's counts only literal first/last, never `first: $n` or `count`.
    costLimit: { enabled: false },
    // Suggestions are kept for signed-in callers, whom graphql-armor cannot tell apart.
    blockFieldSuggestion: { enabled: false },
  });
  return armor.protect().plugins as Plugin[];
}

export interface GraphQLLimitsPlugins {
  plugins: Plugin[];
  /** Removes "Did you mean ...?" from validation errors for a caller who is not signed in (graphql-ws's own path). */
  publicErrors<E extends GraphQLError>(errors: readonly E[], signedIn: boolean): readonly E[];
}

/**
 * @param isSignedIn asked only when a result that never reached execution carries a suggestion (the context, which
 *   knows the caller, is built after validation, and may not be built at all). It must answer from the request's one
 *   context (graphqlRoutes.ts keeps it per request), never authenticate a second time: that would spend the
 *   workspace's budget, or count a refused credential, twice.
 */
export function graphqlLimits(limits: GraphQLLimits, isSignedIn: (request: Request, serverContext: object) => Promise<boolean>): GraphQLLimitsPlugins {
  const judged = new WeakSet<Request>();

  const atExecution: Plugin<Context & { request?: Request }> = {
    onExecute({ args, setResultAndStopExecution, setExecuteFn, executeFn }) {
      const refusal = inspect(args, limits);
      if (refusal) return setResultAndStopExecution({ errors: [refusal] });
      const request = args.contextValue.request;
      if (request) judged.add(request);
      const finish = {
        onExecuteDone: ({ result, setResult }: { result: unknown; setResult(r: ExecutionResult): void }) => hideSuggestions(result, setResult, !!args.contextValue.auth),
      };
      if (getOperationAST(args.document, args.operationName)?.operation !== 'query') return finish;
      // Mutations run to the end: answering "timed out" about one that then commits would mislead its caller, and
      // their size is bounded by the shape limits and the services' own caps (e.g. bulkCreatePosts' row count).
      const timeout = limitError('timeoutMs', limits.timeoutMs);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(timeout), limits.timeoutMs);
      const signal = request?.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
      setExecuteFn(async (a) => {
        try {
          return await executeFn({ ...a, signal } as ExecutionArgs);
        } catch (error) {
          if (error === timeout) return { errors: [timeout] };
          throw error;
        } finally {
          clearTimeout(timer);
        }
      });
      return finish;
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = inspect(args, limits);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };

  const suggestions: Plugin = {
    async onResultProcess({ request, result, setResult, serverContext }) {
      if (judged.has(request) || !hasSuggestion(result)) return;
      const signedIn = await isSignedIn(request, serverContext).catch(() => false);
      if (!signedIn) hideSuggestions(result, setResult as (r: ExecutionResult) => void, false);
    },
  };

  return {
    plugins: [...armorPlugins(limits), suggestions, atExecution as Plugin],
    publicErrors: (errors, signedIn) => (signedIn ? errors : errors.map((e) => withoutSuggestion(e))),
  };
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;
const hasSuggestion = (result: unknown) => (result as ExecutionResult | undefined)?.errors?.some((e) => e.message.includes('Did you mean')) ?? false;

function withoutSuggestion<E extends GraphQLError>(error: E): E {
  if (!error.message.includes('Did you mean')) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), { nodes: error.nodes, path: error.path, extensions: error.extensions }) as E;
}

function hideSuggestions(result: unknown, setResult: (r: ExecutionResult) => void, signedIn: boolean) {
  const r = result as ExecutionResult | undefined;
  if (signedIn || !r || !Array.isArray(r.errors)) return;
  setResult({ ...r, errors: r.errors.map(withoutSuggestion) });
}

/** What the caller may not run: a VALIDATION_FAILED, QUERY_TOO_COMPLEX or introspection refusal, or null. */
function inspect(args: ExecutionArgs, limits: GraphQLLimits): GraphQLError | null {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return null;
  const root = args.schema.getRootType(operation.operation);
  if (!root) return null;
  const walk: Walk = {
    args,
    fragments: new Map(args.document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : []))),
    costs: new Map(),
    issues: [],
    introspects: false,
    introspectionListDepth: 0,
  };
  const cost = selectionCost(walk, root, operation.selectionSet, [], null);
  if (walk.introspects) {
    const auth = (args.contextValue as Context | undefined)?.auth;
    if (limits.introspection === 'off') return new GraphQLError('Introspection is turned off on this server (POSTFLOW_INTROSPECTION)', { extensions: { code: 'FORBIDDEN' } });
    if (limits.introspection === 'signed-in' && !auth)
      return new GraphQLError('Introspection is for signed-in callers: send "Authorization: Bearer <token or API key>"', { extensions: { code: 'UNAUTHENTICATED' } });
    if (walk.introspectionListDepth > MAX_INTROSPECTION_LIST_DEPTH) return limitError('maxIntrospectionListDepth', MAX_INTROSPECTION_LIST_DEPTH, walk.introspectionListDepth);
  }
  if (walk.issues.length) {
    const error = new ValidationError(walk.issues);
    return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details } });
  }
  return cost > limits.maxCost ? limitError('maxCost', limits.maxCost, Math.ceil(cost)) : null;
}

interface Walk {
  args: ExecutionArgs;
  fragments: Map<string, { typeCondition: { name: { value: string } }; selectionSet: SelectionSetNode }>;
  /** A fragment's cost, once: spreads of spreads would otherwise cost the walk itself exponential time. */
  costs: Map<string, number>;
  issues: ValidationIssue[];
  introspects: boolean;
  introspectionListDepth: number;
}

/**
 * Each field costs 1 plus its selection, times the rows it can return: a page's `first`/`last` (capped like Pothos
 * caps them, DEFAULT_PAGE_SIZE when absent), a `count` or `limit` as asked, ASSUMED_LIST_SIZE for another list.
 * Only the selection counts, never the size of an input: a bulkCreatePosts of 50,000 rows costs what one row does.
 * Introspection (`listDepth` not null) costs nothing here: it is bounded by its list nesting instead.
 */
function selectionCost(walk: Walk, type: GraphQLCompositeType, set: SelectionSetNode, path: string[], listDepth: number | null): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.args.schema.getType(selection.typeCondition.name.value) : type;
      if (on && isCompositeType(on)) total += selectionCost(walk, on, selection.selectionSet, path, listDepth);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      const on = fragment && walk.args.schema.getType(fragment.typeCondition.name.value);
      if (!fragment || !on || !isCompositeType(on)) continue;
      const key = `${name}:${listDepth}`;
      if (!walk.costs.has(key)) {
        walk.costs.set(key, 0); // a cycle (which validation refuses anyway) ends here
        walk.costs.set(key, selectionCost(walk, on, fragment.selectionSet, path, listDepth));
      }
      total += walk.costs.get(key)!;
      continue;
    }
    const name = selection.name.value;
    if (name === '__typename') continue;
    const meta = name === '__schema' ? SchemaMetaFieldDef : name === '__type' ? TypeMetaFieldDef : null;
    if (meta) walk.introspects = true;
    const field = meta ?? (isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined);
    if (!field) continue;
    const fieldPath = [...path, selection.alias?.value ?? name];
    const isList = isListType(getNullableType(field.type));
    const depth = meta ? 0 : listDepth === null ? null : listDepth + (isList ? 1 : 0);
    if (depth !== null) walk.introspectionListDepth = Math.max(walk.introspectionListDepth, depth);
    const named = getNamedType(field.type);
    const children = selection.selectionSet && isCompositeType(named) ? selectionCost(walk, named, selection.selectionSet, fieldPath, depth) : 0;
    if (depth !== null) continue;
    total += rowsOf(walk, type, field, selection, fieldPath, isList) * (1 + children);
  }
  return total;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function rowsOf(walk: Walk, parent: GraphQLCompositeType, field: GraphQLField<unknown, unknown>, node: Parameters<typeof argument>[2], path: string[], isList: boolean): number {
  const connection = getNamedType(field.type).name.endsWith('Connection');
  // A connection's edges are its page, already counted at the connection field.
  if (parent.name.endsWith('Connection')) return 1;
  const size = (name: string) => {
    const value = argument(walk, field, node, name);
    return typeof value === 'number' ? value : null;
  };
  if (connection) {
    for (const name of ['first', 'last']) {
      const value = size(name);
      if (value !== null && value < 0) walk.issues.push({ path: [...path, name], rule: 'min', message: `${name} must be 0 or more (pages hold up to ${MAX_PAGE_SIZE})` });
    }
    for (const name of ['after', 'before']) {
      const cursor = argument(walk, field, node, name);
      if (cursor != null && !isOurCursor(cursor))
        walk.issues.push({
          path: [...path, name],
          rule: 'cursor',
          message: `${name} is not a cursor this API gave out: pass pageInfo.endCursor / startCursor or an edge's cursor`,
        });
    }
    return Math.max(1, Math.min(size('first') ?? size('last') ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE));
  }
  const asked = size('count') ?? size('limit') ?? size('first') ?? size('last');
  if (asked !== null) return Math.max(1, asked);
  return isList ? ASSUMED_LIST_SIZE : 1;
}

/** Every connection pages by its rows' uuid `id` (Pothos' prisma cursor). */
function isOurCursor(cursor: unknown): boolean {
  try {
    const id = parsePrismaCursor(cursor);
    return typeof id === 'string' && UUID.test(id);
  } catch {
    return false;
  }
}

/** An argument's value as execution will see it: literal, variable, or the schema's default. */
function argument(
  walk: Walk,
  field: GraphQLField<unknown, unknown>,
  node: { arguments?: readonly { name: { value: string }; value: import('graphql').ValueNode }[] },
  name: string,
): unknown {
  const definition = field.args.find((a) => a.name === name);
  if (!definition) return undefined;
  const given = node.arguments?.find((a) => a.name.value === name)?.value;
  if (!given) return definition.defaultValue;
  if (given.kind === Kind.VARIABLE) return walk.args.variableValues?.[given.name.value] ?? definition.defaultValue;
  return valueFromAST(given, definition.type, walk.args.variableValues);
}

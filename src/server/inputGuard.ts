// What no argument may hold, refused at the GraphQL edge before any resolver runs, for HTTP and graphql-ws alike
// (both go through yoga's envelop: execute and subscribe). PostgreSQL refuses a NUL character in text and jsonb, and a
// lone surrogate is not text at all (it is stored as U+FFFD, or breaks the JSON a network is sent); every string is
// capped, so that a field without a rule of its own cannot take megabytes. The walk follows the schema's input types,
// so a new argument or input field is covered without anyone listing it, literals and variables alike, JSON included.
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  isSpecifiedScalarType,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLInputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ValidationError, type ValidationIssue } from '../domain/errors.js';
import { MAX_POST_LENGTH } from '../services/content.js';

/** Any string argument or input field without a longer allowance below (names, ids, URLs, keys, codes). */
export const MAX_STRING_LENGTH = 4_096;
/** Each string inside a JSON value (credentials, accounts). */
export const MAX_JSON_STRING_LENGTH = 10_000;
export const MAX_JSON_DEPTH = 20;
/** The fields that carry a post's text, by schema coordinate: they may be as long as a post. */
const POST_TEXT = new Set([
  'CreatePostInput.content',
  'UpdatePostInput.content',
  'ContentOverrideInput.content',
  'ContentOverrideCheckInput.content',
  'Query.validatePost.content',
]);

export const TEXT_RULE = 'text';
const TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';
// Without the u flag a regex sees UTF-16 code units, so a surrogate without its partner can be matched.
// eslint-disable-next-line no-control-regex
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Almost no string holds a NUL or a surrogate at all: the plain character class settles those at once.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

export const isCleanText = (value: string) => !SUSPECT.test(value) || !BAD_TEXT.test(value);

type Path = (string | number)[];

/** What the walk does at a type, worked out once per type (a bulk import walks the same input 50,000 times). */
type Shape =
  | { kind: 'list'; of: GraphQLInputType }
  | { kind: 'object'; fields: Map<string, { type: GraphQLInputType; limit: number }> }
  | { kind: 'json' | 'text' | 'other' }
  | { kind: 'scalar'; scalar: GraphQLScalarType };
const shapes = new WeakMap<GraphQLInputType, Shape>();

function shapeOf(type: GraphQLInputType): Shape {
  let shape = shapes.get(type);
  if (shape) return shape;
  const t = getNullableType(type);
  if (isListType(t)) shape = { kind: 'list', of: t.ofType };
  else if (isInputObjectType(t))
    shape = { kind: 'object', fields: new Map(Object.values(t.getFields()).map((f) => [f.name, { type: f.type, limit: limitOf(`${t.name}.${f.name}`) }])) };
  else if (isScalarType(t))
    shape =
      t.name === 'JSON'
        ? { kind: 'json' }
        : t.name === 'String' || t.name === 'ID'
          ? { kind: 'text' }
          : isSpecifiedScalarType(t)
            ? { kind: 'other' }
            : { kind: 'scalar', scalar: t };
  else shape = { kind: 'other' };
  shapes.set(type, shape);
  return shape;
}

export class Inspection {
  readonly issues: ValidationIssue[] = [];
  /** Where the walk is: pushed and popped on the way, copied only into an issue. */
  private readonly path: Path = [];
  constructor(
    private readonly variables: Record<string, unknown> | null,
    private readonly defaults: Map<string, ValueNode>,
  ) {}

  private issue(rule: string, message: string) {
    this.issues.push({ path: [...this.path], rule, message });
  }

  private at(key: string | number, walk: () => void) {
    this.path.push(key);
    walk();
    this.path.pop();
  }

  private text(value: string, limit: number) {
    if (!isCleanText(value)) this.issue(TEXT_RULE, TEXT_MESSAGE);
    else if (value.length > limit) this.issue('maxLength', `must be at most ${limit} characters`);
  }

  /** A custom scalar's own refusal (DateTime's range, say), placed at its path. Other errors are graphql's to report. */
  private scalar(parse: () => unknown) {
    try {
      parse();
    } catch (error) {
      const extensions = (error as GraphQLError).extensions;
      if (extensions?.code === 'VALIDATION_FAILED') this.issue(typeof extensions.rule === 'string' ? extensions.rule : 'format', (error as Error).message);
    }
  }

  argument(name: string, type: GraphQLInputType, node: ValueNode, limit: number): void {
    this.at(name, () => this.literal(type, node, limit));
  }

  private literal(type: GraphQLInputType, node: ValueNode, limit: number): void {
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (this.variables && Object.hasOwn(this.variables, name)) this.value(type, this.variables[name], limit);
      else if (this.defaults.has(name)) this.literal(type, this.defaults.get(name)!, limit);
      return;
    }
    if (node.kind === Kind.NULL) return;
    const shape = shapeOf(type);
    if (shape.kind === 'list') {
      if (node.kind === Kind.LIST) node.values.forEach((item, i) => this.at(i, () => this.literal(shape.of, item, limit)));
      else this.literal(shape.of, node, limit);
    } else if (shape.kind === 'object') {
      if (node.kind !== Kind.OBJECT) return;
      for (const field of node.fields) {
        const declared = shape.fields.get(field.name.value);
        if (declared) this.at(field.name.value, () => this.literal(declared.type, field.value, declared.limit));
      }
    } else if (shape.kind === 'json') this.jsonLiteral(node, 0);
    else if (shape.kind === 'text') {
      if (node.kind === Kind.STRING) this.text(node.value, limit);
    } else if (shape.kind === 'scalar') this.scalar(() => shape.scalar.parseLiteral(node, this.variables ?? undefined));
  }

  private value(type: GraphQLInputType, value: unknown, limit: number): void {
    if (value == null) return;
    const shape = shapeOf(type);
    if (shape.kind === 'list') {
      // graphql coerces a single value given for a list into a list of one.
      if (Array.isArray(value)) value.forEach((item, i) => this.at(i, () => this.value(shape.of, item, limit)));
      else this.value(shape.of, value, limit);
    } else if (shape.kind === 'object') {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      for (const name in value) {
        const declared = shape.fields.get(name);
        if (declared) this.at(name, () => this.value(declared.type, (value as Record<string, unknown>)[name], declared.limit));
      }
    } else if (shape.kind === 'json') this.json(value, 0);
    else if (shape.kind === 'text') {
      if (typeof value === 'string') this.text(value, limit);
    } else if (shape.kind === 'scalar') this.scalar(() => shape.scalar.parseValue(value));
  }

  private deep(depth: number): boolean {
    if (depth <= MAX_JSON_DEPTH) return false;
    this.issue('depth', `must be nested at most ${MAX_JSON_DEPTH} levels deep`);
    return true;
  }

  private json(value: unknown, depth: number): void {
    if (typeof value === 'string') this.text(value, MAX_JSON_STRING_LENGTH);
    else if (value === null || typeof value !== 'object' || this.deep(depth)) return;
    else if (Array.isArray(value)) value.forEach((item, i) => this.at(i, () => this.json(item, depth + 1)));
    else
      for (const [key, item] of Object.entries(value)) {
        if (!isCleanText(key)) this.issue(TEXT_RULE, `keys ${TEXT_MESSAGE}`);
        else this.at(key, () => this.json(item, depth + 1));
      }
  }

  private jsonLiteral(node: ValueNode, depth: number): void {
    if (node.kind === Kind.STRING) this.text(node.value, MAX_JSON_STRING_LENGTH);
    else if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (this.variables && Object.hasOwn(this.variables, name)) this.json(this.variables[name], depth);
    } else if ((node.kind !== Kind.LIST && node.kind !== Kind.OBJECT) || this.deep(depth)) return;
    else if (node.kind === Kind.LIST) node.values.forEach((item, i) => this.at(i, () => this.jsonLiteral(item, depth + 1)));
    else for (const field of node.fields) this.at(field.name.value, () => this.jsonLiteral(field.value, depth + 1));
  }
}

function limitOf(coordinate: string): number {
  return POST_TEXT.has(coordinate) ? MAX_POST_LENGTH : MAX_STRING_LENGTH;
}

/**
 * The issues in every argument of the operation to be run (and of the fragments), literals and variables.
 * `variables` null walks the literals only (for graphql's validation, which has no variables).
 */
export function inspectArguments(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null): Inspection {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  const defaults = new Map<string, ValueNode>();
  for (const definition of operation?.variableDefinitions ?? []) if (definition.defaultValue) defaults.set(definition.variable.name.value, definition.defaultValue);
  const inspection = new Inspection(variables, defaults);
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(field) {
      const definition = typeInfo.getFieldDef();
      const parent = typeInfo.getParentType();
      if (!definition || !parent) return;
      for (const argument of field.arguments ?? []) {
        const declared = definition.args.find((a) => a.name === argument.name.value);
        if (declared) inspection.argument(declared.name, declared.type, argument.value, limitOf(`${parent.name}.${definition.name}.${declared.name}`));
      }
    },
  });
  for (const definition of document.definitions) {
    if (definition === operation || definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, visitor);
  }
  return inspection;
}

const refusal = (issues: ValidationIssue[], nodes?: readonly ASTNode[]) => {
  const error = new ValidationError(issues);
  return new GraphQLError(error.message, { nodes, extensions: { code: error.code, ...error.details } });
};

function guard(args: ExecutionArgs, stop: (result: { errors: GraphQLError[] }) => void) {
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  const { issues } = inspectArguments(args.schema, args.document, args.operationName, variables);
  if (issues.length) stop({ errors: [refusal(issues)] });
}

/** The envelop plugin: add it to yoga's plugins. */
export function useInputGuard(): Plugin {
  return {
    onValidate({ params }) {
      // graphql's validation reports a literal that a custom scalar refuses (a DateTime out of range) as the scalar's
      // bare error, without the argument it sits in: the same walk over the literals finds that argument.
      return ({ valid, result, setResult }) => {
        const bare = (error: Error) => (error as GraphQLError).extensions?.code === 'VALIDATION_FAILED' && !(error as GraphQLError).extensions.issues;
        if (valid || !params.schema || !result.some(bare)) return;
        const found = inspectArguments(params.schema, params.documentAST, null, null).issues;
        setResult(
          result.map((error) => {
            const at = bare(error) ? found.findIndex((issue) => issue.message === error.message) : -1;
            return at === -1 ? error : refusal(found.splice(at, 1), (error as GraphQLError).nodes);
          }),
        );
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      guard(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      guard(args, setResultAndStopExecution);
    },
  };
}

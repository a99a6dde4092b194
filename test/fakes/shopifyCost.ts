// Shopify's calculated query cost, as shopify.dev describes it: scalars and enums 0, an object 1, a connection 2 plus
// `first` times what one of its nodes costs, a mutation 10. The fake charges the requested cost to a leaky bucket.
import {
  getNamedType,
  isCompositeType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export function queryCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): number {
  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    const root = definition.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
    if (!root) continue;
    total += selectionCost(schema, definition.selectionSet, root, variables) + (definition.operation === 'mutation' ? 10 : 0);
  }
  return Math.max(1, total);
}

function selectionCost(schema: GraphQLSchema, selectionSet: SelectionSetNode, type: GraphQLCompositeType, variables: Record<string, unknown>): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'InlineFragment') {
      const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      if (on && isCompositeType(on)) cost += selectionCost(schema, selection.selectionSet, on, variables);
      continue;
    }
    if (selection.kind !== 'Field' || !isObjectType(type)) continue;
    cost += fieldCost(schema, selection, type.getFields()[selection.name.value]?.type, variables);
  }
  return cost;
}

function fieldCost(schema: GraphQLSchema, field: FieldNode, fieldType: Parameters<typeof getNamedType>[0] | undefined, variables: Record<string, unknown>): number {
  if (!fieldType || !field.selectionSet) return 0;
  const named = getNamedType(fieldType);
  if (!isCompositeType(named)) return 0;
  const inner = selectionCost(schema, field.selectionSet, named, variables);
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (!first) return 1 + inner;
  return 2 + numberOf(first.value, variables) * inner;
}

function numberOf(value: ValueNode, variables: Record<string, unknown>): number {
  if (value.kind === 'IntValue') return Number(value.value);
  if (value.kind === 'Variable') return Number(variables[value.name.value] ?? 0);
  return 0;
}

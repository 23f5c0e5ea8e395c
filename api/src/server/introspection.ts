// Introspection: who may ask the schema about itself, and how much one
// operation may ask. `__schema` and `__type` fields are not the schema's own
// fields, so neither the cost estimate (Pothos's complexity) nor the depth
// limit (which leaves introspection out, for GraphiQL's deeply nested type
// references) sees them: twenty aliased `__schema` answered 930 KB to anyone,
// and `type { fields { type { fields … } } }` grows with every level. Their
// cost is estimated here from the lists they expand, and capped.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValidationContext,
  validate,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import type { OperationHook } from './limits.ts';

/** How many items each introspection list holds, on average, in a schema: the estimate follows the answer's size. */
type ListSizes = Record<string, number>;

const sizesOf = new WeakMap<GraphQLSchema, ListSizes>();
function listSizes(schema: GraphQLSchema): ListSizes {
  let sizes = sizesOf.get(schema);
  if (sizes) return sizes;
  // Per type of any kind (a scalar's `fields` is null): what one type's list holds on average.
  const types = Object.values(schema.getTypeMap());
  const perType = (count: (t: (typeof types)[number]) => number) =>
    types.reduce((n, t) => n + count(t), 0) / types.length;
  const withFields = types.filter((t) => isObjectType(t) || isInterfaceType(t)) as (
    | GraphQLObjectType
    | GraphQLInterfaceType
  )[];
  const fields = withFields.flatMap((t) => Object.values(t.getFields()));
  sizes = {
    types: types.length,
    fields: perType((t) => (isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0)),
    args: fields.reduce((n, f) => n + f.args.length, 0) / Math.max(1, fields.length),
    inputFields: perType((t) => (isInputObjectType(t) ? Object.keys(t.getFields()).length : 0)),
    enumValues: perType((t) => (isEnumType(t) ? t.getValues().length : 0)),
    interfaces: perType((t) => (isObjectType(t) || isInterfaceType(t) ? t.getInterfaces().length : 0)),
    possibleTypes: perType((t) => (isUnionType(t) || isInterfaceType(t) ? schema.getPossibleTypes(t).length : 0)),
    directives: schema.getDirectives().length,
    locations:
      schema.getDirectives().reduce((n, d) => n + d.locations.length, 0) / Math.max(1, schema.getDirectives().length),
  };
  sizesOf.set(schema, sizes);
  return sizes;
}

/** The estimated cost of a selection under an introspection field: 1 a field, a list's items times theirs. */
function selectionCost(
  set: SelectionSetNode | undefined,
  sizes: ListSizes,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string>,
): number {
  if (!set) return 0;
  let cost = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      const below = selectionCost(s.selectionSet, sizes, fragments, seen);
      cost += 1 + (sizes[s.name.value] ?? 1) * below;
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      cost += selectionCost(s.selectionSet, sizes, fragments, seen);
    } else if (!seen.has(s.name.value)) {
      const f = fragments.get(s.name.value);
      if (f) cost += selectionCost(f.selectionSet, sizes, fragments, new Set([...seen, s.name.value]));
    }
  }
  return cost;
}

/** The introspection fields of an operation anywhere in it (through fragments): how many, and their estimated cost. */
export function introspectionOf(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
): { schemas: number; types: number; cost: number } {
  const sizes = listSizes(schema);
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const found = { schemas: 0, types: 0, cost: 0 };
  const visit = (set: SelectionSetNode | undefined, seen: ReadonlySet<string>) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === '__schema' || s.name.value === '__type') {
          if (s.name.value === '__schema') found.schemas += 1;
          else found.types += 1;
          found.cost += 1 + selectionCost((s as FieldNode).selectionSet, sizes, fragments, new Set());
        } else visit(s.selectionSet, seen);
      } else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value))
        visit(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value]));
    }
  };
  visit(operation.selectionSet, new Set());
  return { ...found, cost: Math.round(found.cost) };
}

/** What GraphiQL's own introspection query (graphql-js's getIntrospectionQuery) costs in a schema: the yardstick. */
const STANDARD = parse(getIntrospectionQuery());
export function standardIntrospectionCost(schema: GraphQLSchema): number {
  const op = STANDARD.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return op ? introspectionOf(schema, op, STANDARD).cost : 0;
}

/** `__type` lookups one operation may make (a code generator asks for a few types by name). */
export const MAX_TYPE_LOOKUPS = 20;

/**
 * A validation rule: one `__schema` an operation at most, a few `__type`, and
 * an estimated cost of at most twice GraphiQL's whole query — enough for any
 * tool, and for the schema once, never twenty times or nested without end.
 */
function introspectionRule(context: ValidationContext) {
  const schema = context.getSchema();
  const refuse = (node: OperationDefinitionNode, message: string) =>
    context.reportError(new GraphQLError(message, { nodes: [node], extensions: { code: 'OPERATION_LIMIT' } }));
  return {
    OperationDefinition(node: OperationDefinitionNode) {
      const found = introspectionOf(schema, node, context.getDocument());
      const limit = 2 * standardIntrospectionCost(schema);
      if (found.schemas > 1)
        refuse(node, `${found.schemas} __schema fields in one operation: ask for the schema once.`);
      else if (found.types > MAX_TYPE_LOOKUPS)
        refuse(node, `${found.types} __type fields in one operation, over the limit of ${MAX_TYPE_LOOKUPS}.`);
      else if (found.cost > limit)
        refuse(
          node,
          `The introspection in this operation is estimated at ${found.cost}, over the limit of ${limit} (twice GraphiQL's whole query).`,
        );
    },
  };
}

/**
 * Introspection for signed-in staff; for anyone else (anonymous callers,
 * reporter tokens) only when PSIRT_INTROSPECTION turns it on — off by default:
 * the schema names every confidential field there is. Checked when the
 * operation executes, with the viewer known, over HTTP, SSE and WebSockets
 * alike; graphql-js's own rule finds the fields. Whoever asks, an operation's
 * introspection is capped (introspectionRule).
 */
export function useIntrospectionPolicy(forEveryone: boolean): Plugin<Context> {
  const check = ({ args, setResultAndStopExecution }: OperationHook<Context>) => {
    if (forEveryone || args.contextValue.viewer?.kind === 'user') return;
    // Most documents never name an introspection field: skip the validation pass for them.
    const text = args.document.loc?.source.body;
    if (text !== undefined && !/__schema|__type\b/.test(text)) return;
    const found = validate(args.schema, args.document, [NoSchemaIntrospectionCustomRule]);
    if (!found.length) return;
    setResultAndStopExecution({
      errors: [
        createGraphQLError('Introspection is for signed-in staff here (PSIRT_INTROSPECTION).', {
          nodes: found[0]?.nodes,
          extensions: { code: 'FORBIDDEN' },
        }),
      ],
    });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(introspectionRule);
    },
    onExecute: check as never,
    onSubscribe: check as never,
  };
}
